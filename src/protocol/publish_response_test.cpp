#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

template <class T>
void round_trips_in_every_version(uint8_t first_byte, ReasonCode error) {
  for (ProtocolVersion v : kAllVersions) {
    Bytes storage;
    T d = round_trip(T{0x0102, ReasonCode::Success, {}}, v, storage);
    EXPECT_EQ(d.packet_id, 0x0102);
    EXPECT_EQ(storage, bytes({first_byte, 0x02, 0x01, 0x02}));  // short form in 5.0 too
  }
  Bytes storage;
  T e = round_trip(T{7, error, {}}, kV5, storage);
  EXPECT_EQ(e.reason, error);
  EXPECT_EQ(storage, bytes({first_byte, 0x03, 0x00, 0x07, static_cast<int>(error)}));
  T p = round_trip(T{7, error, {.reason_string = "why", .user_properties = {{"k", "v"}}}}, kV5, storage);
  EXPECT_EQ(p.reason, error);
  EXPECT_EQ(p.properties.reason_string, "why");
  ASSERT_EQ(p.properties.user_properties.size(), 1u);
  // Before 5.0 the reason code and properties are left out.
  EXPECT_EQ(encoded(T{7, error, {.reason_string = "why"}}, kV311), bytes({first_byte, 0x02, 0x00, 0x07}));
}

TEST(PubAck, RoundTrip) { round_trips_in_every_version<PubAck>(0x40, ReasonCode::NoMatchingSubscribers); }
TEST(PubRec, RoundTrip) { round_trips_in_every_version<PubRec>(0x50, ReasonCode::QuotaExceeded); }
TEST(PubRel, RoundTrip) { round_trips_in_every_version<PubRel>(0x62, ReasonCode::PacketIdentifierNotFound); }
TEST(PubComp, RoundTrip) { round_trips_in_every_version<PubComp>(0x70, ReasonCode::PacketIdentifierNotFound); }

TEST(PubAck, ReasonWithPropertyLengthZeroDecodes) {
  auto d = decode_packet(bytes({0x40, 0x04, 0x00, 0x01, 0x10, 0x00}), kV5);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<PubAck>(*d).reason, ReasonCode::NoMatchingSubscribers);
}

TEST(PubAck, MQTT_3_4_2_1_UndefinedReasonIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x40, 0x03, 0x00, 0x01, 0x92}), kV5), ReasonCode::ProtocolError);
}

TEST(PubRel, MQTT_3_6_2_1_UndefinedReasonIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x62, 0x03, 0x00, 0x01, 0x10}), kV5), ReasonCode::ProtocolError);
}

TEST(PubRel, MQTT_3_6_1_1_FlagsMustBe0010) {
  for (ProtocolVersion v : kAllVersions) {
    EXPECT_EQ(decode_failure(bytes({0x60, 0x02, 0x00, 0x01}), v), ReasonCode::MalformedPacket);
    EXPECT_EQ(decode_failure(bytes({0x63, 0x02, 0x00, 0x01}), v), ReasonCode::MalformedPacket);
  }
}

TEST(PubAck, TrailingBytesBefore5AreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x40, 0x03, 0x00, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
  EXPECT_EQ(decode_failure(bytes({0x40, 0x01, 0x00}), kV311), ReasonCode::MalformedPacket);
}

TEST(PubAck, PacketIdZeroIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x40, 0x02, 0x00, 0x00}), kV311), ReasonCode::ProtocolError);
}

TEST(PubComp, PropertiesOverrunningAreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0x70, 0x04, 0x00, 0x01, 0x00, 0x05}), kV5), ReasonCode::MalformedPacket);
}

// The broker's and the generator's path for the four: the same verdict as decode() on every one
// of these, and the same packet identifier and reason code when it decodes.
TEST(FlowPacket, DecodesAsDecodeDoesWithoutTheProperties) {
  const Bytes cases[] = {
      bytes({0x40, 0x02, 0x01, 0x02}),                    // PUBACK
      bytes({0x50, 0x03, 0x00, 0x07, 0x97}),              // PUBREC, Quota exceeded
      bytes({0x62, 0x02, 0x00, 0x09}),                    // PUBREL
      bytes({0x70, 0x03, 0x00, 0x01, 0x92}),              // PUBCOMP, identifier not found
      bytes({0x40, 0x08, 0x00, 0x05, 0x10, 0x04, 0x1F, 0x00, 0x01, 'x'}),  // reason string
      bytes({0x40, 0x03, 0x00, 0x01, 0x92}),              // a reason PUBACK does not define
      bytes({0x60, 0x02, 0x00, 0x01}),                    // PUBREL without its 0010 flags
      bytes({0x40, 0x02, 0x00, 0x00}),                    // packet identifier 0
      bytes({0x40, 0x03, 0x00, 0x01, 0x00}),              // a trailing byte (3.1.1)
      bytes({0x70, 0x04, 0x00, 0x01, 0x00, 0x05}),        // properties past the end
      bytes({0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}),  // bytes after the properties
  };
  for (ProtocolVersion v : kAllVersions) {
    for (const Bytes& b : cases) {
      const Frame f = **read_frame(b, kMaxVariableByteInteger);
      auto packet = decode(f, v);
      auto step = decode_flow_packet(f, v);
      ASSERT_EQ(step.has_value(), packet.has_value()) << "first byte " << int(b[0]) << " size " << b.size();
      if (!packet) {
        EXPECT_EQ(step.error().code, packet.error().code);
        continue;
      }
      std::visit(
          [&](const auto& p) {
            if constexpr (requires { p.reason; p.packet_id; }) {
              EXPECT_EQ(step->type, f.type);
              EXPECT_EQ(step->packet_id, p.packet_id);
              EXPECT_EQ(step->reason, p.reason);
            } else {
              ADD_FAILURE() << "not a flow packet";
            }
          },
          *packet);
    }
  }
}

}  // namespace
}  // namespace pregon::protocol
