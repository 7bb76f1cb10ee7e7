#include "net/websocket_frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pregon::net {
namespace {

using Control = FrameDecoder::Control;

constexpr uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};

// A client frame, masked with kMask unless `masked` is false, with the shortest length encoding.
std::vector<uint8_t> client_frame(uint8_t opcode, const std::string& payload, bool fin = true, bool masked = true) {
  std::vector<uint8_t> f;
  f.push_back(static_cast<uint8_t>((fin ? 0x80 : 0) | opcode));
  const uint8_t mask_bit = masked ? 0x80 : 0;
  const uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<uint8_t>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    f.push_back(mask_bit | 126);
    f.push_back(static_cast<uint8_t>(n >> 8));
    f.push_back(static_cast<uint8_t>(n));
  } else {
    f.push_back(mask_bit | 127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<uint8_t>(n >> (8 * i)));
  }
  if (masked) f.insert(f.end(), kMask, kMask + 4);
  for (size_t i = 0; i < n; ++i) {
    f.push_back(static_cast<uint8_t>(payload[i]) ^ (masked ? kMask[i % 4] : 0));
  }
  return f;
}

std::vector<uint8_t> join(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

// What a connection does: feeds `wire` in reads of `chunk` bytes, collects data and control frames.
struct Decoded {
  std::string data;
  std::vector<std::pair<Control, std::string>> controls;  // with the data length before each
  std::vector<size_t> control_at;
  uint16_t error = 0;
};

Decoded run(FrameDecoder& d, std::vector<uint8_t> wire, size_t chunk) {
  Decoded out;
  for (size_t at = 0; at < wire.size() && out.error == 0; at += chunk) {
    std::span<uint8_t> buf(wire.data() + at, std::min(chunk, wire.size() - at));
    while (!buf.empty()) {
      const FrameDecoder::Step s = d.decode(buf);
      out.data.append(reinterpret_cast<const char*>(buf.data()), s.produced);
      if (s.error != 0) {
        out.error = s.error;
        break;
      }
      if (s.control != Control::kNone) {
        const auto p = d.control_payload();
        out.controls.emplace_back(s.control, std::string(p.begin(), p.end()));
        out.control_at.push_back(out.data.size());
      }
      if (s.consumed == 0) {  // no progress: a decoder bug; stop instead of looping
        ADD_FAILURE() << "decode consumed nothing";
        return out;
      }
      buf = buf.subspan(s.consumed);
    }
  }
  return out;
}

Decoded run(std::vector<uint8_t> wire, size_t chunk) {
  FrameDecoder d;
  return run(d, std::move(wire), chunk);
}

TEST(FrameDecoder, UnmasksBinaryFramesOfEveryLengthEncoding) {
  const std::string small = "\x10\x0c" "connect-ish!";
  const std::string medium(300, 'm');
  const std::string large(70'000, 'L');
  for (const std::string* p : {&small, &medium, &large}) {
    const Decoded d = run(client_frame(ws::kBinary, *p), 1 << 20);
    EXPECT_EQ(d.error, 0);
    EXPECT_EQ(d.data, *p);
  }
}

TEST(FrameDecoder, MQTT_6_0_0_2_FramesSplitAnywhereAndManyInOneRead) {
  std::string payload;
  for (int i = 0; i < 1000; ++i) payload += static_cast<char>(i * 7);
  const auto wire = join({client_frame(ws::kBinary, payload.substr(0, 1)), client_frame(ws::kBinary, payload.substr(1, 200)),
                          client_frame(ws::kBinary, ""), client_frame(ws::kBinary, payload.substr(201))});
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}, wire.size()}) {
    const Decoded d = run(wire, chunk);
    EXPECT_EQ(d.error, 0) << chunk;
    EXPECT_EQ(d.data, payload) << chunk;
  }
}

TEST(FrameDecoder, FragmentedMessageWithControlFramesBetween) {
  const auto wire = join({client_frame(ws::kBinary, "ab", false), client_frame(ws::kPing, "hi"),
                          client_frame(ws::kContinuation, "cd", false), client_frame(ws::kContinuation, "ef", true),
                          client_frame(ws::kBinary, "gh")});
  for (size_t chunk : {size_t{1}, size_t{5}, wire.size()}) {
    const Decoded d = run(wire, chunk);
    EXPECT_EQ(d.error, 0);
    EXPECT_EQ(d.data, "abcdefgh");
    ASSERT_EQ(d.controls.size(), 1u);
    EXPECT_EQ(d.controls[0].first, Control::kPing);
    EXPECT_EQ(d.controls[0].second, "hi");
    EXPECT_EQ(d.control_at[0], 2u);  // the data before the ping came first
  }
}

TEST(FrameDecoder, PingPongAndClose) {
  const auto wire = join({client_frame(ws::kPing, ""), client_frame(ws::kPong, "x"),
                          client_frame(ws::kClose, std::string("\x03\xe8", 2) + "bye")});
  const Decoded d = run(wire, 3);
  EXPECT_EQ(d.error, 0);
  ASSERT_EQ(d.controls.size(), 3u);
  EXPECT_EQ(d.controls[0], std::make_pair(Control::kPing, std::string()));
  EXPECT_EQ(d.controls[1], std::make_pair(Control::kPong, std::string("x")));
  EXPECT_EQ(d.controls[2].first, Control::kClose);
  EXPECT_EQ(d.controls[2].second.substr(0, 2), std::string("\x03\xe8", 2));
}

TEST(FrameDecoder, MQTT_6_0_0_1_TextFrameIsUnsupportedData) {
  EXPECT_EQ(run(client_frame(ws::kText, "hello"), 100).error, ws::kUnsupportedData);
}

TEST(FrameDecoder, UnmaskedFrameIsAProtocolError) {
  EXPECT_EQ(run(client_frame(ws::kBinary, "abcdef", true, false), 100).error, ws::kProtocolError);
  // Found from the first two bytes, without waiting for a mask that will not come.
  EXPECT_EQ(run(client_frame(ws::kBinary, "a", true, false), 100).error, ws::kProtocolError);
}

TEST(FrameDecoder, ProtocolErrors) {
  auto rsv = client_frame(ws::kBinary, "x");
  rsv[0] |= 0x40;
  EXPECT_EQ(run(rsv, 100).error, ws::kProtocolError);
  EXPECT_EQ(run(client_frame(ws::kContinuation, "x"), 100).error, ws::kProtocolError);
  EXPECT_EQ(run(join({client_frame(ws::kBinary, "x", false), client_frame(ws::kBinary, "y")}), 100).error,
            ws::kProtocolError);
  EXPECT_EQ(run(client_frame(ws::kPing, "x", false), 100).error, ws::kProtocolError);
  EXPECT_EQ(run(client_frame(ws::kPing, std::string(126, 'p')), 1000).error, ws::kProtocolError);
  EXPECT_EQ(run(client_frame(0x3, "x"), 100).error, ws::kProtocolError);
  EXPECT_EQ(run(client_frame(ws::kClose, "x"), 100).error, ws::kProtocolError);
  auto huge = client_frame(ws::kBinary, std::string(70'000, 'h'));
  huge[2] = 0x80;  // a 64-bit length with its top bit set
  EXPECT_EQ(run(huge, 100).error, ws::kProtocolError);
}

TEST(FrameHeader, EncodesEachLengthForm) {
  uint8_t h[ws::kMaxServerHeader];
  ASSERT_EQ(ws::encode_frame_header(ws::kBinary, 5, h), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 5);
  ASSERT_EQ(ws::encode_frame_header(ws::kBinary, 125, h), 2u);
  ASSERT_EQ(ws::encode_frame_header(ws::kBinary, 126, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(h[2], 0);
  EXPECT_EQ(h[3], 126);
  ASSERT_EQ(ws::encode_frame_header(ws::kBinary, 65535, h), 4u);
  ASSERT_EQ(ws::encode_frame_header(ws::kBinary, 65536, h), 10u);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[7], 1);
  EXPECT_EQ(h[8], 0);
  EXPECT_EQ(h[9], 0);
  const ws::CloseFrame c = ws::encode_close_frame(ws::kProtocolError);
  EXPECT_EQ(c.bytes, (std::array<uint8_t, 4>{0x88, 2, 0x03, 0xea}));
}

}  // namespace
}  // namespace pregon::net
