#include "protocol/varint.hpp"

#include <gtest/gtest.h>

#include "protocol/codec_test_support.hpp"
#include "protocol/wire_writer.hpp"

namespace pregon::protocol {
namespace {

using testing::Bytes;
using testing::bytes;

TEST(Varint, BoundaryValuesRoundTrip) {
  for (uint32_t v : {0u, 1u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u, kMaxVariableByteInteger}) {
    Bytes out;
    WireWriter w(out);
    w.varint(v);
    EXPECT_EQ(out.size(), varint_size(v));
    uint32_t value = 0;
    size_t length = 0;
    ASSERT_EQ(parse_varint(out, value, length), VarintStatus::Ok);
    EXPECT_EQ(value, v);
    EXPECT_EQ(length, out.size());
  }
}

TEST(Varint, SpecExamples) {
  uint32_t value = 0;
  size_t length = 0;
  ASSERT_EQ(parse_varint(bytes({0xFF, 0xFF, 0xFF, 0x7F}), value, length), VarintStatus::Ok);
  EXPECT_EQ(value, 268'435'455u);
  ASSERT_EQ(parse_varint(bytes({0x80, 0x01}), value, length), VarintStatus::Ok);
  EXPECT_EQ(value, 128u);
}

TEST(Varint, MQTT_1_5_5_1_NonMinimalEncodingIsMalformed) {
  uint32_t value = 0;
  size_t length = 0;
  EXPECT_EQ(parse_varint(bytes({0x80, 0x00}), value, length), VarintStatus::Malformed);
  EXPECT_EQ(parse_varint(bytes({0x81, 0x80, 0x00}), value, length), VarintStatus::Malformed);
}

TEST(Varint, FiveBytesAreMalformed) {
  uint32_t value = 0;
  size_t length = 0;
  EXPECT_EQ(parse_varint(bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), value, length), VarintStatus::Malformed);
}

TEST(Varint, TruncatedNeedsMore) {
  uint32_t value = 0;
  size_t length = 0;
  EXPECT_EQ(parse_varint({}, value, length), VarintStatus::NeedMore);
  EXPECT_EQ(parse_varint(bytes({0x80, 0x80}), value, length), VarintStatus::NeedMore);
}

}  // namespace
}  // namespace pregon::protocol
