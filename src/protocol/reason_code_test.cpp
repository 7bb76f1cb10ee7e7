#include "protocol/reason_code.hpp"

#include <gtest/gtest.h>

#include "protocol/reason_rules.hpp"

namespace pregon::protocol {
namespace {

TEST(ReasonCode, ConnectReturnCodeMapping) {
  EXPECT_EQ(to_connect_return_code(ReasonCode::Success), ConnectReturnCode::Accepted);
  EXPECT_EQ(to_connect_return_code(ReasonCode::UnsupportedProtocolVersion),
            ConnectReturnCode::UnacceptableProtocolVersion);
  EXPECT_EQ(to_connect_return_code(ReasonCode::ClientIdentifierNotValid), ConnectReturnCode::IdentifierRejected);
  EXPECT_EQ(to_connect_return_code(ReasonCode::ServerUnavailable), ConnectReturnCode::ServerUnavailable);
  EXPECT_EQ(to_connect_return_code(ReasonCode::ServerBusy), ConnectReturnCode::ServerUnavailable);
  EXPECT_EQ(to_connect_return_code(ReasonCode::BadUserNameOrPassword), ConnectReturnCode::BadUserNameOrPassword);
  EXPECT_EQ(to_connect_return_code(ReasonCode::NotAuthorized), ConnectReturnCode::NotAuthorized);
  EXPECT_EQ(to_connect_return_code(ReasonCode::Banned), ConnectReturnCode::NotAuthorized);
}

TEST(ReasonCode, FromConnectReturnCodeIsInverseOnDefinedCodes) {
  for (uint8_t c = 0; c <= 5; ++c) {
    const auto rc = static_cast<ConnectReturnCode>(c);
    EXPECT_EQ(to_connect_return_code(from_connect_return_code(rc)), rc);
  }
  EXPECT_EQ(from_connect_return_code(ConnectReturnCode::UnacceptableProtocolVersion),
            ReasonCode::UnsupportedProtocolVersion);
  EXPECT_EQ(from_connect_return_code(ConnectReturnCode::IdentifierRejected), ReasonCode::ClientIdentifierNotValid);
  EXPECT_EQ(from_connect_return_code(ConnectReturnCode::ServerUnavailable), ReasonCode::ServerUnavailable);
  EXPECT_EQ(from_connect_return_code(ConnectReturnCode::BadUserNameOrPassword), ReasonCode::BadUserNameOrPassword);
  EXPECT_EQ(from_connect_return_code(ConnectReturnCode::NotAuthorized), ReasonCode::NotAuthorized);
}

TEST(ReasonCode, Names) {
  EXPECT_EQ(reason_name(ReasonCode::Success), "Success");
  EXPECT_EQ(reason_name(ReasonCode::SessionTakenOver), "Session taken over");
  EXPECT_EQ(reason_name(static_cast<ReasonCode>(0x42)), "Unknown reason code");
}

TEST(ReasonCode, AllowedPerPacket) {
  EXPECT_TRUE(reason_allowed(PacketType::PubAck, ReasonCode::NoMatchingSubscribers));
  EXPECT_FALSE(reason_allowed(PacketType::PubRel, ReasonCode::NoMatchingSubscribers));
  EXPECT_TRUE(reason_allowed(PacketType::PubRel, ReasonCode::PacketIdentifierNotFound));
  EXPECT_TRUE(reason_allowed(PacketType::Disconnect, ReasonCode::DisconnectWithWillMessage));
  EXPECT_FALSE(reason_allowed(PacketType::ConnAck, ReasonCode::DisconnectWithWillMessage));
  EXPECT_TRUE(reason_allowed(PacketType::Auth, ReasonCode::ReAuthenticate));
  EXPECT_FALSE(reason_allowed(PacketType::Auth, ReasonCode::UnspecifiedError));
  EXPECT_TRUE(reason_allowed(PacketType::SubAck, ReasonCode::GrantedQoS2));
  EXPECT_FALSE(reason_allowed(PacketType::UnsubAck, ReasonCode::GrantedQoS1));
  EXPECT_FALSE(reason_allowed(PacketType::PingReq, ReasonCode::Success));
}

}  // namespace
}  // namespace pregon::protocol
