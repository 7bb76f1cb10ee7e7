#include "session/message.hpp"

#include "protocol/codec.hpp"

#include <gtest/gtest.h>

namespace pregon::session {
namespace {

TEST(Message, SharedEncodingIsBuiltOncePerVariant) {
  auto m = Message::make("a/b", {'x'}, protocol::QoS::AtLeastOnce, false);
  auto e1 = m->shared_encoding(protocol::ProtocolVersion::V311, protocol::QoS::AtLeastOnce, false);
  auto e2 = m->shared_encoding(protocol::ProtocolVersion::V31, protocol::QoS::AtLeastOnce, false);
  auto e3 = m->shared_encoding(protocol::ProtocolVersion::V5, protocol::QoS::AtLeastOnce, false);
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
  auto bytes = m->encode(protocol::ProtocolVersion::V5, protocol::QoS::AtMostOnce, false, false, 0, {}, 0, true,
                         now + std::chrono::seconds(4));
  auto decoded = protocol::decode_packet(bytes, protocol::ProtocolVersion::V5);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<protocol::Publish>(*decoded).properties.message_expiry_interval, 6u);
  EXPECT_TRUE(m->expired(now + std::chrono::seconds(10)));
}


}  // namespace
}  // namespace pregon::session
