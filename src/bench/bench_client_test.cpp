#include "bench/bench_client.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "protocol/codec.hpp"

namespace pregon::bench {
namespace {

using namespace pregon::protocol;

ClientPlan subscriber(bool persistent) {
  ClientPlan p;
  p.role = Role::Subscriber;
  p.client_id = "pb-1-sub-0";
  p.topic = "bench/in/+";
  p.publishers = 2;
  p.persistent = persistent;
  return p;
}

// The packets waiting in the client's output, decoded; the bytes are copied into `store` so that
// the views inside the packets stay valid.
std::vector<Packet> drain(BenchClient& c, ProtocolVersion v, std::vector<uint8_t>& store) {
  store.assign(c.pending_data(), c.pending_data() + c.pending());
  c.consume(c.pending());
  std::vector<Packet> out;
  std::span<const uint8_t> rest = store;
  while (!rest.empty()) {
    auto frame = read_frame(rest, kMaxVariableByteInteger);
    EXPECT_TRUE(frame && frame->has_value());
    if (!frame || !frame->has_value()) break;
    auto packet = decode(**frame, v);
    EXPECT_TRUE(packet);
    if (!packet) break;
    out.push_back(*packet);
    rest = rest.subspan((*frame)->size);
  }
  return out;
}

std::vector<uint8_t> payload_stamped(uint64_t sent_ns, uint32_t publisher, uint64_t sequence) {
  std::vector<uint8_t> payload(kStampSize);
  write_stamp(payload, Stamp{sent_ns, publisher, sequence});
  return payload;
}

TEST(BenchClient, CleanSubscriberByDefault) {
  const auto plan = subscriber(false);
  BenchClient c(plan, ProtocolVersion::V5, QoS::AtLeastOnce);
  c.queue_connect();
  std::vector<uint8_t> store;
  auto packets = drain(c, ProtocolVersion::V5, store);
  ASSERT_EQ(packets.size(), 1u);
  const auto& connect = std::get<Connect>(packets[0]);
  EXPECT_TRUE(connect.clean_start);
  EXPECT_FALSE(connect.properties.session_expiry_interval);
}

TEST(BenchClient, PersistentSubscriber311) {
  const auto plan = subscriber(true);
  BenchClient c(plan, ProtocolVersion::V311, QoS::AtLeastOnce);
  c.queue_connect();
  std::vector<uint8_t> store;
  auto packets = drain(c, ProtocolVersion::V311, store);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_FALSE(std::get<Connect>(packets[0]).clean_start);
  EXPECT_EQ(std::get<Connect>(packets[0]).client_id, "pb-1-sub-0");

  // At the end: unsubscribe, so that the session left behind collects nothing, then disconnect.
  c.queue_disconnect();
  packets = drain(c, ProtocolVersion::V311, store);
  ASSERT_EQ(packets.size(), 2u);
  const auto& unsubscribe = std::get<Unsubscribe>(packets[0]);
  ASSERT_EQ(unsubscribe.filters.size(), 1u);
  EXPECT_EQ(unsubscribe.filters[0], "bench/in/+");
  EXPECT_TRUE(std::holds_alternative<Disconnect>(packets[1]));
}

TEST(BenchClient, PersistentSubscriber5) {
  const auto plan = subscriber(true);
  BenchClient c(plan, ProtocolVersion::V5, QoS::AtLeastOnce);
  c.queue_connect();
  std::vector<uint8_t> store;
  auto packets = drain(c, ProtocolVersion::V5, store);
  ASSERT_EQ(packets.size(), 1u);
  const auto& connect = std::get<Connect>(packets[0]);
  EXPECT_TRUE(connect.clean_start);
  EXPECT_EQ(connect.properties.session_expiry_interval, kPersistentSessionExpiry);

  // At the end the session is ended with the connection: expiry 0 on DISCONNECT.
  c.queue_disconnect();
  packets = drain(c, ProtocolVersion::V5, store);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(std::get<Disconnect>(packets[0]).properties.session_expiry_interval, 0u);
}

TEST(BenchClient, DeliveryStampedBeforeTheRunIsStale) {
  const auto plan = subscriber(true);
  BenchClient c(plan, ProtocolVersion::V311, QoS::AtLeastOnce, 1000);
  Publish p;
  p.qos = QoS::AtLeastOnce;
  p.topic = "bench/in/0";
  p.packet_id = 9;
  const auto old_payload = payload_stamped(999, 0, 0);
  p.payload = old_payload;
  EXPECT_EQ(c.handle(p).kind, Reaction::Stale);
  const auto new_payload = payload_stamped(1000, 0, 0);
  p.payload = new_payload;
  EXPECT_EQ(c.handle(p).kind, Reaction::Delivered);  // sequence 0 is not taken by the stale one
  EXPECT_EQ(c.handle(p).kind, Reaction::Duplicate);
  EXPECT_EQ(c.tracker()->distinct(), 1u);

  // Every PUBLISH is acknowledged, stale or not: the broker must be able to empty the session.
  std::vector<uint8_t> store;
  const auto packets = drain(c, ProtocolVersion::V311, store);
  ASSERT_EQ(packets.size(), 3u);
  for (const auto& packet : packets) EXPECT_EQ(std::get<PubAck>(packet).packet_id, 9);
}

}  // namespace
}  // namespace pregon::bench
