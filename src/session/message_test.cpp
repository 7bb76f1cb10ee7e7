#include "session/message.hpp"

#include "protocol/codec.hpp"

#include <gtest/gtest.h>

namespace pregon::session {
namespace {

TEST(Message, SharedEncodingIsBuiltOncePerVariant) {
  MessageMemory memory;
  auto m = Message::make("a/b", {'x'}, protocol::QoS::AtLeastOnce, false);
  auto e1 = m->shared_encoding(memory, protocol::ProtocolVersion::V311, protocol::QoS::AtLeastOnce, false);
  auto e2 = m->shared_encoding(memory, protocol::ProtocolVersion::V31, protocol::QoS::AtLeastOnce, false);
  auto e3 = m->shared_encoding(memory, protocol::ProtocolVersion::V5, protocol::QoS::AtLeastOnce, false);
  EXPECT_EQ(e1.get(), e2.get());  // 3.1 and 3.1.1 PUBLISHes are the same bytes
  EXPECT_NE(e1.get(), e3.get());
  EXPECT_NE(e1->packet_id_offset, 0u);
  auto decoded = protocol::decode_packet(e1->bytes, protocol::ProtocolVersion::V311);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<protocol::Publish>(*decoded).topic, "a/b");
}

TEST(Message, MQTT_3_3_2_6_ForwardedExpiryIsWhatRemains) {
  auto now = Clock::now();
  auto m = Message::make("t", {}, protocol::QoS::AtMostOnce, false, {}, 10, 0, now);
  std::vector<uint8_t> bytes;
  m->encode(bytes, protocol::ProtocolVersion::V5, protocol::QoS::AtMostOnce, false, false, 0, {}, 0, true,
            now + std::chrono::seconds(4));
  auto decoded = protocol::decode_packet(bytes, protocol::ProtocolVersion::V5);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<protocol::Publish>(*decoded).properties.message_expiry_interval, 6u);
  EXPECT_TRUE(m->expired(now + std::chrono::seconds(10)));
}

TEST(Message, FromPublishKeepsItsOwnCopyInPooledBlocks) {
  MessageMemory memory;
  std::string topic = "sensors/kitchen/temperature";
  std::vector<uint8_t> payload(100, 'p');
  protocol::Publish p;
  p.qos = protocol::QoS::AtLeastOnce;
  p.topic = topic;
  p.payload = payload;
  {
    auto m = Message::from_publish(memory, p, topic, 7, Clock::now());
    topic.assign(topic.size(), 'x');  // the read buffer is reused
    payload.assign(payload.size(), 'y');
    EXPECT_EQ(m->topic(), "sensors/kitchen/temperature");
    EXPECT_EQ(m->payload().size(), 100u);
    EXPECT_EQ(m->payload()[99], 'p');
    EXPECT_EQ(m->origin_session(), 7u);
    m->shared_encoding(memory, protocol::ProtocolVersion::V311, protocol::QoS::AtMostOnce, false);
    EXPECT_EQ(memory.pool.cached_bytes(), 0u);
  }
  const size_t cached = memory.pool.cached_bytes();
  EXPECT_GT(cached, 0u);  // every block came back
  auto again = Message::from_publish(memory, p, "sensors/kitchen/temperature", 7, Clock::now());
  again->shared_encoding(memory, protocol::ProtocolVersion::V311, protocol::QoS::AtMostOnce, false);
  EXPECT_EQ(memory.pool.cached_bytes(), 0u);  // and were reused
}

}  // namespace
}  // namespace pregon::session
