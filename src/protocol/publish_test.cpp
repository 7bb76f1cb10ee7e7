#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"
#include "protocol/property_table.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Publish, RoundTripEveryVersionAndQoS) {
  for (ProtocolVersion v : kAllVersions) {
    for (QoS q : {QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce}) {
      Publish p;
      p.qos = q;
      p.dup = q != QoS::AtMostOnce;
      p.retain = true;
      p.topic = "sensors/kitchen/temp";
      p.packet_id = q == QoS::AtMostOnce ? 0 : 513;
      p.payload = bin("21.5");
      if (is_v5(v)) {
        p.properties.message_expiry_interval = 30;
        p.properties.content_type = "text/plain";
      }
      Bytes storage;
      Publish d = round_trip(p, v, storage);
      EXPECT_EQ(d.qos, q);
      EXPECT_EQ(d.dup, p.dup);
      EXPECT_TRUE(d.retain);
      EXPECT_EQ(d.topic, p.topic);
      EXPECT_EQ(d.packet_id, p.packet_id);
      EXPECT_EQ(str(d.payload), "21.5");
      EXPECT_EQ(d.properties.content_type, p.properties.content_type);
      // Views point into the decoded buffer.
      EXPECT_GE(d.topic.data(), reinterpret_cast<const char*>(storage.data()));
      EXPECT_LT(d.topic.data(), reinterpret_cast<const char*>(storage.data() + storage.size()));
    }
  }
}

TEST(Publish, WireFormat) {
  Publish p;
  p.qos = QoS::AtLeastOnce;
  p.topic = "a";
  p.packet_id = 10;
  p.payload = bin("hi");
  EXPECT_EQ(encoded(p, kV311), bytes({0x32, 0x07, 0x00, 0x01, 'a', 0x00, 0x0A, 'h', 'i'}));
  EXPECT_EQ(encoded(p, kV5), bytes({0x32, 0x08, 0x00, 0x01, 'a', 0x00, 0x0A, 0x00, 'h', 'i'}));
}

TEST(Publish, LayoutGivesPacketIdOffsetAndSize) {
  Publish p;
  p.qos = QoS::ExactlyOnce;
  p.topic = "abc";
  p.packet_id = 0x1234;
  p.payload = bin(std::string_view("payload-payload-payload-payload-payload-payload-payload-payload-"
                                   "payload-payload-payload-payload-payload-payload-payload-payload-"));
  for (ProtocolVersion v : kAllVersions) {
    Bytes out = bytes({0xAA});  // encode appends
    PublishLayout layout = encode(p, v, out);
    EXPECT_EQ(out.size() - 1, encoded_size(p, v));
    ASSERT_GT(layout.packet_id_offset, 0u);
    EXPECT_EQ(out[1 + layout.packet_id_offset], 0x12);
    EXPECT_EQ(out[1 + layout.packet_id_offset + 1], 0x34);
  }
  p.qos = QoS::AtMostOnce;
  Bytes out;
  EXPECT_EQ(encode(p, kV311, out).packet_id_offset, 0u);
}

TEST(Publish, EmptyPayloadAllowed) {
  Publish p;
  p.topic = "t";
  Bytes storage;
  EXPECT_TRUE(round_trip(p, kV311, storage).payload.empty());
}

TEST(Publish, MQTT_3_3_1_4_QoS3IsMalformed) {
  for (ProtocolVersion v : kAllVersions) {
    EXPECT_EQ(decode_failure(bytes({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}), v), ReasonCode::MalformedPacket);
  }
}

TEST(Publish, MQTT_3_3_1_2_DupWithQoS0IsMalformed) {
  for (ProtocolVersion v : kAllVersions) {
    EXPECT_EQ(decode_failure(bytes({0x38, 0x03, 0x00, 0x01, 't'}), v), ReasonCode::MalformedPacket);
  }
}

TEST(Publish, MQTT_3_3_2_2_WildcardInTopicIsTopicNameInvalid) {
  for (ProtocolVersion v : {kV31, kV311}) {
    EXPECT_EQ(decode_failure(bytes({0x30, 0x03, 0x00, 0x01, '#'}), v), ReasonCode::TopicNameInvalid);
    EXPECT_EQ(decode_failure(bytes({0x30, 0x05, 0x00, 0x03, 'a', '/', '+'}), v), ReasonCode::TopicNameInvalid);
  }
  EXPECT_EQ(decode_failure(bytes({0x30, 0x04, 0x00, 0x01, '+', 0x00}), kV5), ReasonCode::TopicNameInvalid);
}

TEST(Publish, MQTT_2_2_1_3_PacketIdZeroWithQoSIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00}), kV311), ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(bytes({0x34, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 0x00}), kV5),
            ReasonCode::ProtocolError);
}

TEST(Publish, MQTT_4_7_3_1_EmptyTopicRejectedBefore5) {
  for (ProtocolVersion v : {kV31, kV311}) {
    EXPECT_EQ(decode_failure(bytes({0x30, 0x02, 0x00, 0x00}), v), ReasonCode::TopicNameInvalid);
  }
}

TEST(Publish, EmptyTopicWithTopicAliasAllowedIn5) {
  Publish p;
  p.properties.topic_alias = 3;
  p.payload = bin("x");
  Bytes storage;
  Publish d = round_trip(p, kV5, storage);
  EXPECT_EQ(d.topic, "");
  EXPECT_EQ(d.properties.topic_alias, 3);
}

TEST(Publish, EmptyTopicWithoutTopicAliasIsProtocolErrorIn5) {
  EXPECT_EQ(decode_failure(bytes({0x30, 0x03, 0x00, 0x00, 0x00}), kV5), ReasonCode::ProtocolError);
}

TEST(Publish, MissingPropertyLengthIsMalformedIn5) {
  EXPECT_EQ(decode_failure(bytes({0x30, 0x03, 0x00, 0x01, 't'}), kV5), ReasonCode::MalformedPacket);
}

TEST(Publish, TruncatedTopicIsMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x30, 0x03, 0x00, 0x05, 't'}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0x32, 0x04, 0x00, 0x01, 't', 0x00}), kV311), ReasonCode::MalformedPacket);
}

TEST(Publish, AllPublishPropertiesRoundTrip) {
  Publish p;
  p.topic = "req";
  p.properties.payload_format_indicator = 1;
  p.properties.message_expiry_interval = 100;
  p.properties.content_type = "application/json";
  p.properties.response_topic = "resp/1";
  p.properties.correlation_data = bin("corr");
  p.properties.subscription_identifiers = {5, 6};
  p.properties.topic_alias = 2;
  p.properties.user_properties = {{"k", "v"}};
  Bytes storage;
  Publish d = round_trip(p, kV5, storage);
  EXPECT_EQ(d.properties.payload_format_indicator, 1);
  EXPECT_EQ(d.properties.message_expiry_interval, 100u);
  EXPECT_EQ(d.properties.response_topic, "resp/1");
  EXPECT_EQ(str(*d.properties.correlation_data), "corr");
  EXPECT_EQ(d.properties.subscription_identifiers, (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(d.properties.topic_alias, 2);
}

TEST(Publish, PropertiesLeftOutBefore5) {
  Publish p;
  p.topic = "t";
  p.properties.content_type = "x";
  EXPECT_EQ(encoded(p, kV311), bytes({0x30, 0x03, 0x00, 0x01, 't'}));
}

// The hot path decodes every PUBLISH into one reused object: nothing of an earlier packet may
// show through, whatever the versions, and a failed decode leaves nothing for the next one.
TEST(Publish, DecodeIntoReusedObjectOverwritesEverything) {
  Publish rich;
  rich.qos = QoS::ExactlyOnce;
  rich.retain = true;
  rich.topic = "req";
  rich.packet_id = 7;
  rich.payload = bin("question");
  rich.properties.payload_format_indicator = 1;
  rich.properties.message_expiry_interval = 100;
  rich.properties.content_type = "application/json";
  rich.properties.response_topic = "resp/1";
  rich.properties.correlation_data = bin("corr");
  rich.properties.topic_alias = 2;
  rich.properties.user_properties = {{"k", "v"}};
  Publish plain;
  plain.topic = "t";
  plain.payload = bin("x");

  const Bytes rich_bytes = encoded(rich, kV5);
  const Bytes plain_bytes = encoded(plain, kV311);
  const Bytes bad_bytes = bytes({0x32, 0x04, 0x00, 0x01, 't', 0x00});  // truncated packet id
  auto frame_of = [](const Bytes& b) { return **read_frame(b, kMaxVariableByteInteger); };

  Publish out;
  ASSERT_TRUE(decode_publish(frame_of(rich_bytes), kV5, out));
  EXPECT_EQ(out.qos, QoS::ExactlyOnce);
  EXPECT_EQ(out.packet_id, 7);
  EXPECT_EQ(out.properties.content_type, "application/json");
  EXPECT_EQ(out.properties.user_properties.size(), 1u);

  EXPECT_FALSE(decode_publish(frame_of(bad_bytes), kV311, out));
  ASSERT_TRUE(decode_publish(frame_of(plain_bytes), kV311, out));
  EXPECT_EQ(out.qos, QoS::AtMostOnce);
  EXPECT_FALSE(out.retain);
  EXPECT_EQ(out.packet_id, 0);
  EXPECT_EQ(out.topic, "t");
  EXPECT_EQ(str(out.payload), "x");
  EXPECT_TRUE(out.properties.empty());

  ASSERT_TRUE(decode_publish(frame_of(rich_bytes), kV5, out));
  ASSERT_TRUE(decode_publish(frame_of(encoded(plain, kV5)), kV5, out));
  EXPECT_TRUE(out.properties.empty());
}

// decode_publish clears the properties a PUBLISH may carry from a list of its own, kept short for
// speed; the property table is what says which those are, so the two must not drift apart.
TEST(Publish, DecodeIntoReusedObjectClearsEveryPropertyThePropertyTableAllowsInPublish) {
  Publish plain;
  plain.topic = "t";
  const Bytes plain_bytes = encoded(plain, kV5);
  const Frame frame = **read_frame(plain_bytes, kMaxVariableByteInteger);
  for (const PropertyEntry& entry : property_table()) {
    if ((entry.info.allowed & context_of(PacketType::Publish)) == 0) continue;
    Publish out;
    std::visit(
        [&](auto member) {
          auto& field = out.properties.*member;
          if constexpr (requires { field.emplace_back(); }) {
            field.emplace_back();
          } else {
            field.emplace();
          }
        },
        entry.field);
    ASSERT_FALSE(out.properties.empty()) << entry.info.name;
    ASSERT_TRUE(decode_publish(frame, kV5, out));
    EXPECT_TRUE(out.properties.empty()) << entry.info.name << " survives a reused decode";
  }
}

}  // namespace
}  // namespace pregon::protocol
