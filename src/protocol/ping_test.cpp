#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(Ping, RoundTripEveryVersion) {
  for (ProtocolVersion v : kAllVersions) {
    Bytes storage;
    (void)round_trip(PingReq{}, v, storage);
    EXPECT_EQ(storage, bytes({0xC0, 0x00}));
    (void)round_trip(PingResp{}, v, storage);
    EXPECT_EQ(storage, bytes({0xD0, 0x00}));
  }
}

TEST(Ping, ContentIsMalformed) {
  for (ProtocolVersion v : kAllVersions) {
    EXPECT_EQ(decode_failure(bytes({0xC0, 0x01, 0x00}), v), ReasonCode::MalformedPacket);
    EXPECT_EQ(decode_failure(bytes({0xD0, 0x01, 0x00}), v), ReasonCode::MalformedPacket);
  }
}

TEST(Ping, FlagsAreMalformed) {
  EXPECT_EQ(decode_failure(bytes({0xD2, 0x00}), kV311), ReasonCode::MalformedPacket);
}

}  // namespace
}  // namespace pregon::protocol
