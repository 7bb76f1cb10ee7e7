// Fuzzes framing and decoding for every protocol version. Whatever decodes must re-encode to bytes
// that decode again and re-encode identically (encode() writes only what decode() accepts), and
// encoded_size() must agree with encode() for PUBLISH.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "protocol/codec.hpp"

namespace {

using pregon::protocol::Packet;
using pregon::protocol::ProtocolVersion;

void check(bool condition) {
  if (!condition) std::abort();
}

void round_trip(const Packet& packet, ProtocolVersion version) {
  std::vector<uint8_t> first;
  pregon::protocol::encode_packet(packet, version, first);
  if (const auto* publish = std::get_if<pregon::protocol::Publish>(&packet)) {
    check(pregon::protocol::encoded_size(*publish, version) == first.size());
  }
  auto again = pregon::protocol::decode_packet(first, version);
  check(again.has_value());
  check(again->index() == packet.index());
  std::vector<uint8_t> second;
  pregon::protocol::encode_packet(*again, version, second);
  check(first == second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (ProtocolVersion version : {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5}) {
    std::span<const uint8_t> rest(data, size);
    // Cut the input into frames as a connection would, with a small limit now and then.
    const uint32_t limit = size % 7 == 0 ? 64 : pregon::protocol::kMaxVariableByteInteger + 5;
    while (!rest.empty()) {
      auto frame = pregon::protocol::read_frame(rest, limit);
      if (!frame || !frame->has_value()) break;
      const auto& f = **frame;
      check(f.size <= rest.size() && f.size > f.body.size());
      auto packet = pregon::protocol::decode(f, version);
      if (packet) {
        // A CONNECT carries its own version; re-encode it for that one.
        const auto* connect = std::get_if<pregon::protocol::Connect>(&*packet);
        round_trip(*packet, connect ? connect->version : version);
      }
      rest = rest.subspan(f.size);
    }
  }
  return 0;
}
