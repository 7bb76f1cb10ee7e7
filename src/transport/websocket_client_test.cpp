#include "transport/websocket_client.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/websocket_frame.hpp"
#include "net/websocket_handshake.hpp"

namespace pregon::transport {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// The server side's decoder reads what the client side writes.
std::vector<uint8_t> decode_as_server(std::vector<uint8_t> wire) {
  net::FrameDecoder decoder;
  auto step = decoder.decode(wire);
  EXPECT_EQ(step.error, 0);
  EXPECT_EQ(step.consumed, wire.size());
  return {wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(step.produced)};
}

TEST(ClientFrame, ShortFrameIsMaskedWithTheGivenKey) {
  std::vector<uint8_t> out;
  append_client_frame(net::ws::kBinary, bytes("MQTT"), 0x01020304, out);
  const std::vector<uint8_t> expected{0x82, 0x84, 1, 2, 3, 4, 'M' ^ 1, 'Q' ^ 2, 'T' ^ 3, 'T' ^ 4};
  EXPECT_EQ(out, expected);
}

TEST(ClientFrame, RoundTripsThroughTheServerDecoderAtEveryLengthForm) {
  FrameMasker masker(42);
  for (size_t size : {0u, 1u, 7u, 8u, 9u, 125u, 126u, 65535u, 65536u, 70001u}) {
    std::vector<uint8_t> payload(size);
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<uint8_t>(i * 31 + 7);
    std::vector<uint8_t> out{0xEE};  // appended after what is there
    append_client_frame(net::ws::kBinary, payload, masker.next_key(), out);
    EXPECT_EQ(out[0], 0xEE);
    EXPECT_EQ(out[2] & 0x80, 0x80) << size;
    EXPECT_EQ(decode_as_server({out.begin() + 1, out.end()}), payload) << size;
  }
}

TEST(ClientFrame, MaskKeysChange) {
  FrameMasker masker(7);
  const uint32_t a = masker.next_key();
  EXPECT_NE(a, masker.next_key());
}

TEST(ServerFrame, ReadsUnmaskedFramesOfEachLengthForm) {
  const std::vector<uint8_t> small{0x82, 0x03, 'a', 'b', 'c'};
  auto f = read_server_frame(small);
  EXPECT_EQ(f.status, ServerFrame::Status::kComplete);
  EXPECT_TRUE(f.fin);
  EXPECT_EQ(f.opcode, net::ws::kBinary);
  EXPECT_EQ(f.header_size, 2u);
  EXPECT_EQ(f.size(), 5u);

  std::vector<uint8_t> medium{0x02, 126, 0x01, 0x00};  // not final: a continuation follows
  medium.resize(4 + 256);
  f = read_server_frame(medium);
  EXPECT_EQ(f.status, ServerFrame::Status::kComplete);
  EXPECT_FALSE(f.fin);
  EXPECT_EQ(f.payload_size, 256u);

  std::vector<uint8_t> large{0x80, 127, 0, 0, 0, 0, 0, 1, 0, 0};
  f = read_server_frame(large);
  EXPECT_EQ(f.status, ServerFrame::Status::kIncomplete);
  EXPECT_EQ(f.opcode, net::ws::kContinuation);
  EXPECT_EQ(f.payload_size, 65536u);
}

TEST(ServerFrame, IncompleteUntilHeaderAndPayloadAreIn) {
  const std::vector<uint8_t> frame{0x82, 126, 0x00, 0x80};
  EXPECT_EQ(read_server_frame({frame.data(), 1}).status, ServerFrame::Status::kIncomplete);
  EXPECT_EQ(read_server_frame({frame.data(), 3}).status, ServerFrame::Status::kIncomplete);
  EXPECT_EQ(read_server_frame(frame).status, ServerFrame::Status::kIncomplete);
}

TEST(ServerFrame, RefusesMaskedReservedAndBadControlFrames) {
  EXPECT_EQ(read_server_frame(std::vector<uint8_t>{0x82, 0x81, 1, 2, 3, 4, 0}).status, ServerFrame::Status::kInvalid);
  EXPECT_EQ(read_server_frame(std::vector<uint8_t>{0xC2, 0x00}).status, ServerFrame::Status::kInvalid);
  // A ping without FIN: control frames are never fragmented.
  EXPECT_EQ(read_server_frame(std::vector<uint8_t>{0x09, 0x00}).status, ServerFrame::Status::kInvalid);
  EXPECT_EQ(read_server_frame(std::vector<uint8_t>{0x89, 126, 0, 200}).status, ServerFrame::Status::kInvalid);
}

std::string response(std::string_view key, std::string_view extra = "Sec-WebSocket-Protocol: mqtt\r\n") {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
         net::websocket_accept_key(key) + "\r\n" + std::string(extra) + "\r\n";
}

TEST(UpgradeResponse, AcceptedWithTheRightAcceptKeyAndFramesMayFollow) {
  const std::string key = make_websocket_key();
  EXPECT_EQ(key.size(), 24u);
  const std::string head = response(key);
  const auto check = check_websocket_response(head + "\x82\x00", key);
  EXPECT_EQ(check.status, UpgradeCheck::Status::kAccepted) << check.reason;
  EXPECT_EQ(check.consumed, head.size());
  // No subprotocol chosen is still MQTT: the path says so.
  EXPECT_EQ(check_websocket_response(response(key, ""), key).status, UpgradeCheck::Status::kAccepted);
}

TEST(UpgradeResponse, TheServersOwnAnswerIsAccepted) {
  const std::string key = make_websocket_key();
  const std::string request = websocket_request("127.0.0.1", 1883, "/mqtt", key);
  const auto answer = net::answer_websocket_handshake(request, "/mqtt");
  ASSERT_EQ(answer.status, net::HandshakeAnswer::Status::kAccepted) << answer.reason;
  EXPECT_EQ(check_websocket_response(answer.response, key).status, UpgradeCheck::Status::kAccepted);
}

TEST(UpgradeResponse, IncompleteUntilTheBlankLine) {
  const std::string key = make_websocket_key();
  const std::string head = response(key);
  EXPECT_EQ(check_websocket_response(head.substr(0, head.size() - 2), key).status, UpgradeCheck::Status::kIncomplete);
}

TEST(UpgradeResponse, RefusalsSayWhy) {
  const std::string key = make_websocket_key();
  const auto not_found = check_websocket_response("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", key);
  EXPECT_EQ(not_found.status, UpgradeCheck::Status::kRefused);
  EXPECT_EQ(not_found.reason, "WebSocket upgrade refused: HTTP/1.1 404 Not Found");

  const auto wrong_key = check_websocket_response(response(make_websocket_key()), key);
  EXPECT_EQ(wrong_key.status, UpgradeCheck::Status::kRefused);
  EXPECT_NE(wrong_key.reason.find("Sec-WebSocket-Accept"), std::string::npos);

  const auto other_protocol = check_websocket_response(response(key, "Sec-WebSocket-Protocol: chat\r\n"), key);
  EXPECT_EQ(other_protocol.status, UpgradeCheck::Status::kRefused);

  std::string no_upgrade = response(key);
  no_upgrade.replace(no_upgrade.find("Upgrade: websocket"), 18, "Upgrade: h2c");
  EXPECT_EQ(check_websocket_response(no_upgrade, key).status, UpgradeCheck::Status::kRefused);
}

TEST(UpgradeRequest, NamesPathHostKeyVersionAndSubprotocol) {
  const std::string r = websocket_request("broker.example", 8080, "/ws", "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_TRUE(r.starts_with("GET /ws HTTP/1.1\r\n"));
  EXPECT_NE(r.find("Host: broker.example:8080\r\n"), std::string::npos);
  EXPECT_NE(r.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string::npos);
  EXPECT_NE(r.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos);
  EXPECT_NE(r.find("Sec-WebSocket-Protocol: mqtt\r\n"), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\n"));
  EXPECT_NE(websocket_request("::1", 1, "/", "k").find("Host: [::1]:1\r\n"), std::string::npos);
}

}  // namespace
}  // namespace pregon::transport
