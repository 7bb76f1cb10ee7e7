#include "bench/payload.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace pregon::bench {
namespace {

TEST(Payload, RoundTripsAndLeavesPaddingAlone) {
  std::vector<uint8_t> buf(64, 0xAB);
  const Stamp s{123456789012345ull, 4242, 987654321ull};
  write_stamp(buf, s);
  EXPECT_EQ(read_stamp(buf), s);
  for (size_t i = kStampSize; i < buf.size(); ++i) EXPECT_EQ(buf[i], 0xAB);
}

TEST(Payload, LayoutIsLittleEndianWithPublisherInHighBits) {
  std::vector<uint8_t> buf(16);
  write_stamp(buf, Stamp{1, 2, 3});
  EXPECT_EQ(buf[0], 1);
  EXPECT_EQ(buf[8], 3);
  EXPECT_EQ(buf[13], 2);  // bit 40 starts byte 13
}

TEST(Payload, ExtremesFit) {
  std::vector<uint8_t> buf(16);
  const Stamp s{~0ull, kMaxPublisher, kMaxSequence};
  write_stamp(buf, s);
  EXPECT_EQ(read_stamp(buf), s);
}

TEST(Payload, ShortPayloadIsNotAStamp) {
  std::vector<uint8_t> buf(15);
  EXPECT_FALSE(read_stamp(buf).has_value());
}

}  // namespace
}  // namespace pregon::bench
