// Decode and encode timings of every MQTT control packet, for 3.1.1 and 5.0.
//
// Benchmarks are named Decode/<packet>/<version> and Encode/<packet>/<version>; PUBLISH comes with
// a 64-byte payload at QoS 0 and QoS 1, and for 5.0 also with properties (Message Expiry Interval,
// Content Type, Correlation Data, one User Property). Decoding times read_frame() plus decode(),
// as the broker does per packet; encoding appends to a buffer that is cleared, not freed, between
// iterations, as the broker's per-connection output buffers are.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "protocol/codec.hpp"

namespace pregon::protocol {
namespace {

constexpr std::array<uint8_t, 64> kPayload64 = {
    'p', 'r', 'e', 'g', 'o', 'n', ' ', 'b', 'e', 'n', 'c', 'h', ' ', 'p', 'a', 'y',
    'l', 'o', 'a', 'd', ' ', 'o', 'f', ' ', 's', 'i', 'x', 't', 'y', '-', 'f', 'o',
    'u', 'r', ' ', 'b', 'y', 't', 'e', 's', ' ', 'u', 's', 'e', 'd', ' ', 'b', 'y',
    ' ', 'e', 'v', 'e', 'r', 'y', ' ', 'P', 'U', 'B', 'L', 'I', 'S', 'H', '.', '\n'};
constexpr std::array<uint8_t, 8> kCorrelation = {1, 2, 3, 4, 5, 6, 7, 8};
constexpr std::array<uint8_t, 8> kPassword = {'s', 'e', 'c', 'r', 'e', 't', '!', '!'};
constexpr std::string_view kTopic = "site/42/device/1234/temperature";

struct Sample {
  std::string name;
  Packet packet;
};

Publish publish(QoS qos, bool with_properties) {
  Publish p;
  p.qos = qos;
  p.topic = kTopic;
  p.packet_id = qos == QoS::AtMostOnce ? 0 : 4711;
  p.payload = Binary(kPayload64);
  if (with_properties) {
    p.properties.message_expiry_interval = 3600;
    p.properties.content_type = "application/json";
    p.properties.correlation_data = Binary(kCorrelation);
    p.properties.user_properties.push_back(StringPair{"origin", "bench"});
  }
  return p;
}

// One representative instance of each packet type. 5.0-only fields are set only for 5.0, so the
// 3.1.1 figures are not inflated by bytes the encoder would drop anyway.
std::vector<Sample> samples(ProtocolVersion version) {
  const bool v5 = is_v5(version);
  std::vector<Sample> out;

  Connect connect;
  connect.version = version;
  connect.keep_alive = 60;
  connect.client_id = "bench-client-0001";
  connect.username = "bench";
  connect.password = Binary(kPassword);
  if (v5) {
    connect.properties.session_expiry_interval = 300;
    connect.properties.receive_maximum = 1024;
  }
  out.push_back({"CONNECT", connect});

  ConnAck connack;
  if (v5) {
    connack.properties.receive_maximum = 1024;
    connack.properties.topic_alias_maximum = 64;
  }
  out.push_back({"CONNACK", connack});

  out.push_back({"PUBLISH_QoS0_64B", publish(QoS::AtMostOnce, false)});
  out.push_back({"PUBLISH_QoS1_64B", publish(QoS::AtLeastOnce, false)});
  if (v5) out.push_back({"PUBLISH_QoS1_64B_properties", publish(QoS::AtLeastOnce, true)});

  out.push_back({"PUBACK", PubAck{.packet_id = 4711}});
  out.push_back({"PUBREC", PubRec{.packet_id = 4711}});
  out.push_back({"PUBREL", PubRel{.packet_id = 4711}});
  out.push_back({"PUBCOMP", PubComp{.packet_id = 4711}});

  Subscribe subscribe;
  subscribe.packet_id = 7;
  subscribe.subscriptions.push_back({"site/+/device/+/temperature", {.max_qos = QoS::AtLeastOnce}});
  if (v5) subscribe.properties.subscription_identifiers.push_back(12);
  out.push_back({"SUBSCRIBE", subscribe});

  SubAck suback;
  suback.packet_id = 7;
  suback.reasons.push_back(ReasonCode::GrantedQoS1);
  out.push_back({"SUBACK", suback});

  Unsubscribe unsubscribe;
  unsubscribe.packet_id = 8;
  unsubscribe.filters.push_back("site/+/device/+/temperature");
  out.push_back({"UNSUBSCRIBE", unsubscribe});

  UnsubAck unsuback;
  unsuback.packet_id = 8;
  if (v5) unsuback.reasons.push_back(ReasonCode::Success);
  out.push_back({"UNSUBACK", unsuback});

  out.push_back({"PINGREQ", PingReq{}});
  out.push_back({"PINGRESP", PingResp{}});
  out.push_back({"DISCONNECT", Disconnect{}});

  if (v5) {
    Auth auth;
    auth.reason = ReasonCode::ContinueAuthentication;
    auth.properties.authentication_method = "SCRAM-SHA-1";
    auth.properties.authentication_data = Binary(kCorrelation);
    out.push_back({"AUTH", auth});
  }
  return out;
}

std::string_view version_name(ProtocolVersion version) { return is_v5(version) ? "5.0" : "3.1.1"; }

void decode_benchmark(benchmark::State& state, const Packet& packet, ProtocolVersion version) {
  std::vector<uint8_t> wire;
  encode_packet(packet, version, wire);
  for (auto _ : state) {
    auto frame = read_frame(wire, kMaxVariableByteInteger);
    if (!frame || !*frame) {
      state.SkipWithError("read_frame failed on its own encoding");
      return;
    }
    auto decoded = decode(**frame, version);
    if (!decoded) {
      state.SkipWithError("decode failed on its own encoding");
      return;
    }
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
}

void encode_benchmark(benchmark::State& state, const Packet& packet, ProtocolVersion version) {
  std::vector<uint8_t> out;
  out.reserve(1024);
  for (auto _ : state) {
    out.clear();
    encode_packet(packet, version, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}

// Registration happens once, before main() runs the benchmarks; the samples own the packets that
// the registered lambdas capture by value.
const bool kRegistered = [] {
  for (const ProtocolVersion version : {ProtocolVersion::V311, ProtocolVersion::V5}) {
    for (Sample& sample : samples(version)) {
      const std::string suffix = sample.name + "/" + std::string(version_name(version));
      benchmark::RegisterBenchmark(("Decode/" + suffix).c_str(),
                                   [packet = sample.packet, version](benchmark::State& state) {
                                     decode_benchmark(state, packet, version);
                                   });
      benchmark::RegisterBenchmark(("Encode/" + suffix).c_str(),
                                   [packet = std::move(sample.packet), version](benchmark::State& state) {
                                     encode_benchmark(state, packet, version);
                                   });
    }
  }
  return true;
}();

}  // namespace
}  // namespace pregon::protocol
