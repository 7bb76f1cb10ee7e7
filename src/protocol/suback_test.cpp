#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(SubAck, RoundTripV311) {
  for (ProtocolVersion v : {kV31, kV311}) {
    SubAck s{3, {}, {ReasonCode::GrantedQoS0, ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS2,
                     ReasonCode::UnspecifiedError}};
    Bytes storage;
    SubAck d = round_trip(s, v, storage);
    EXPECT_EQ(d.reasons, s.reasons);
    EXPECT_EQ(storage, bytes({0x90, 0x06, 0x00, 0x03, 0x00, 0x01, 0x02, 0x80}));
  }
}

TEST(SubAck, V5ErrorsBecome0x80Before5) {
  SubAck s{3, {}, {ReasonCode::TopicFilterInvalid, ReasonCode::GrantedQoS1}};
  EXPECT_EQ(encoded(s, kV311), bytes({0x90, 0x04, 0x00, 0x03, 0x80, 0x01}));
}

TEST(SubAck, RoundTripV5) {
  SubAck s{3, {.reason_string = "no"}, {ReasonCode::GrantedQoS1, ReasonCode::SharedSubscriptionsNotSupported,
                                        ReasonCode::WildcardSubscriptionsNotSupported}};
  Bytes storage;
  SubAck d = round_trip(s, kV5, storage);
  EXPECT_EQ(d.reasons, s.reasons);
  EXPECT_EQ(d.properties.reason_string, "no");
}

TEST(SubAck, UndefinedReturnCodeV311IsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x90, 0x03, 0x00, 0x01, 0x03}), kV311), ReasonCode::ProtocolError);
  EXPECT_EQ(decode_failure(bytes({0x90, 0x03, 0x00, 0x01, 0x8F}), kV311), ReasonCode::ProtocolError);
}

TEST(SubAck, MQTT_3_9_3_2_UndefinedReasonV5IsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x90, 0x04, 0x00, 0x01, 0x00, 0x11}), kV5), ReasonCode::ProtocolError);
}

TEST(SubAck, NoReasonCodesIsProtocolError) {
  EXPECT_EQ(decode_failure(bytes({0x90, 0x02, 0x00, 0x01}), kV311), ReasonCode::ProtocolError);
}

}  // namespace
}  // namespace pregon::protocol
