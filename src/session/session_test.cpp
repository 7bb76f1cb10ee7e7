#include "session/session.hpp"

#include <gtest/gtest.h>

namespace pregon::session {
namespace {

TEST(Session, MQTT_2_2_1_3_PacketIdentifiersUnusedWhileInFlight) {
  Session s("c", 1);
  for (uint16_t i = 0; i < 100; ++i) {
    const uint16_t id = s.next_packet_id();
    ASSERT_NE(id, 0);
    ASSERT_EQ(s.find_inflight(id), nullptr);
    s.add_inflight(Inflight{id, Inflight::State::AwaitPubAck, {}});
  }
  EXPECT_TRUE(s.erase_inflight(50));
  EXPECT_FALSE(s.erase_inflight(50));
}

TEST(Session, PacketIdentifiersWrapAroundSkippingOnesInUse) {
  Session s("c", 1);
  s.add_inflight(Inflight{1, Inflight::State::AwaitPubAck, {}});
  uint16_t id = 0;
  for (int i = 0; i < 65535; ++i) id = s.next_packet_id();
  EXPECT_NE(id, 1);
  EXPECT_NE(s.next_packet_id(), 1);
}

TEST(Session, LargeWindowsTrackIdentifiersInUse) {
  Session s("c", 1);
  std::vector<uint16_t> ids;
  for (int i = 0; i < 300; ++i) {
    ids.push_back(s.next_packet_id());
    s.add_inflight(Inflight{ids.back(), Inflight::State::AwaitPubAck, {}});
  }
  // Acknowledge every other one, then wrap the identifier space: none of the 150 still in flight
  // is handed out again.
  for (size_t i = 0; i < ids.size(); i += 2) ASSERT_TRUE(s.erase_inflight(ids[i]));
  for (int i = 0; i < 70000; ++i) {
    const uint16_t id = s.next_packet_id();
    ASSERT_EQ(s.find_inflight(id), nullptr) << id;
  }
  std::vector<Delivery> taken;
  s.take_inflight_if([](const Inflight&) { return true; }, taken);
  EXPECT_EQ(taken.size(), 150u);
  EXPECT_TRUE(s.inflight().empty());
}

TEST(Session, QueueCountsTheBytesItHolds) {
  Session s("c", 1);
  auto m1 = Message::make("t/1", {1, 2, 3}, protocol::QoS::AtLeastOnce, false);
  auto m2 = Message::make("t/22", {4}, protocol::QoS::AtLeastOnce, false);
  s.enqueue(Delivery{m1, protocol::QoS::AtLeastOnce});
  s.enqueue(Delivery{m2, protocol::QoS::AtLeastOnce});
  EXPECT_EQ(s.queued_bytes(), 6u + 5u);
  EXPECT_EQ(s.pop_queued().message, m1);
  EXPECT_EQ(s.queued_bytes(), 5u);
  std::vector<Delivery> taken;
  s.take_queued_if([](const Delivery&) { return true; }, taken);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(s.queued_bytes(), 0u);
  EXPECT_TRUE(s.queue().empty());
}

}  // namespace
}  // namespace pregon::session
