// Fuzzes framing and decoding for every protocol version. Whatever decodes must re-encode to bytes
// that decode again and re-encode identically (encode() writes only what decode() accepts), and
// encoded_size() must agree with encode() for PUBLISH. A PUBLISH decoded into one object reused
// across every frame and input (as the broker's hot path does) must come out as a fresh decode does,
// and decode_flow_packet() must agree with decode() on PUBACK, PUBREC, PUBREL and PUBCOMP.
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

// The broker's hot path: every PUBLISH into one object, whatever it held before.
pregon::protocol::Publish reused;

void check_reused(const pregon::protocol::Frame& f, ProtocolVersion version,
                  const pregon::protocol::DecodeResult<Packet>& fresh) {
  auto into = pregon::protocol::decode_publish(f, version, reused);
  check(into.has_value() == fresh.has_value());
  if (!fresh) {
    check(into.error().code == fresh.error().code);
    return;
  }
  std::vector<uint8_t> a;
  std::vector<uint8_t> b;
  pregon::protocol::encode(reused, version, a);
  pregon::protocol::encode_packet(*fresh, version, b);
  check(a == b);
}

void check_flow(const pregon::protocol::Frame& f, ProtocolVersion version,
                const pregon::protocol::DecodeResult<Packet>& fresh) {
  auto step = pregon::protocol::decode_flow_packet(f, version);
  check(step.has_value() == fresh.has_value());
  if (!fresh) {
    check(step.error().code == fresh.error().code);
    return;
  }
  std::visit(
      [&](const auto& p) {
        if constexpr (requires { p.reason; p.packet_id; }) {
          check(step->type == f.type && step->packet_id == p.packet_id && step->reason == p.reason);
        } else {
          check(false);
        }
      },
      *fresh);
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
      if (f.type == pregon::protocol::PacketType::Publish) check_reused(f, version, packet);
      if (pregon::protocol::is_flow_packet(f.type)) check_flow(f, version, packet);
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
