#include "storage/record_codec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "storage/byte_io.hpp"
#include "storage/storage_test_support.hpp"

namespace pregon::storage {
namespace {

using testing::sample_delivery;
using testing::sample_message;
using testing::sample_session;

template <class T, class Decode>
void expect_round_trip(const T& record, Decode decode) {
  const std::string bytes = encode_record(record);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kRecordFormatVersion);
  auto decoded = decode(as_bytes(bytes));
  ASSERT_TRUE(decoded) << decoded.error().what;
  EXPECT_EQ(*decoded, record);
}

// Every proper prefix is rejected, and so is one extra byte.
template <class T, class Decode>
void expect_truncations_rejected(const T& record, Decode decode) {
  const std::string bytes = encode_record(record);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode(as_bytes(std::string_view(bytes).substr(0, n)))) << "prefix " << n;
  }
  EXPECT_FALSE(decode(as_bytes(bytes + '\0')));
}

TEST(RecordCodec, MessageRoundTripsWithEveryField) {
  expect_round_trip(sample_message("a/b"), decode_message);
}

TEST(RecordCodec, MessageRoundTripsWithNoOptionalField) {
  StoredMessage m;
  m.topic = "t";
  expect_round_trip(m, decode_message);
}

TEST(RecordCodec, MessageKeepsBinaryPayloadAndLargeSizes) {
  StoredMessage m = sample_message("t");
  m.payload.assign(200'000, 0);
  for (size_t i = 0; i < m.payload.size(); ++i) m.payload[i] = static_cast<uint8_t>(i * 7);
  m.expires_at_unix_ms = -5;  // before the epoch still round-trips
  expect_round_trip(m, decode_message);
}

TEST(RecordCodec, SubscriptionRoundTrips) {
  StoredSubscription s{"a/+/#", 0x2E, 42};  // QoS 2, No Local, RAP, Retain Handling 2
  expect_round_trip(s, decode_subscription);
  EXPECT_EQ(s.max_qos(), 2);
  EXPECT_TRUE(s.no_local());
  EXPECT_TRUE(s.retain_as_published());
  EXPECT_EQ(s.retain_handling(), 2);
  expect_round_trip(StoredSubscription{"x", 0, 0}, decode_subscription);
}

TEST(RecordCodec, DeliveryRoundTrips) {
  expect_round_trip(sample_delivery(~uint64_t{0}), decode_delivery);
  StoredDelivery plain;
  plain.message_id = 7;
  expect_round_trip(plain, decode_delivery);
}

TEST(RecordCodec, SpilledEntryRoundTrips) {
  StoredDelivery d = sample_delivery(0);
  expect_round_trip(StoredSpilled{d, sample_message("spilled/topic", std::string(1000, 'x'))}, decode_spilled);
  expect_round_trip(StoredSpilled{}, decode_spilled);
}

TEST(RecordCodec, InflightRoundTripsEveryState) {
  for (auto state : {InflightState::AwaitPubAck, InflightState::AwaitPubRec,
                     InflightState::AwaitPubComp}) {
    expect_round_trip(StoredInflight{65535, state, sample_delivery(9)}, decode_inflight);
  }
}

TEST(RecordCodec, SessionRoundTripsWithAndWithoutWill) {
  expect_round_trip(sample_session("client-1"), decode_session);
  StoredSession s;
  s.client_id = std::string("\0\xff", 2);
  s.expiry_interval = kSessionNeverExpires;
  s.protocol_version = 4;
  expect_round_trip(s, decode_session);
}

TEST(RecordCodec, TruncatedAndOverlongRecordsAreRejected) {
  expect_truncations_rejected(sample_message("a/b"), decode_message);
  expect_truncations_rejected(StoredSubscription{"a/#", 1, 3}, decode_subscription);
  expect_truncations_rejected(sample_delivery(1), decode_delivery);
  expect_truncations_rejected(StoredInflight{1, InflightState::AwaitPubRec, sample_delivery(1)},
                              decode_inflight);
  expect_truncations_rejected(sample_session("c"), decode_session);
}

TEST(RecordCodec, UnknownFormatVersionIsRejected) {
  std::string bytes = encode_record(sample_session("c"));
  bytes[0] = static_cast<char>(kRecordFormatVersion + 1);
  auto decoded = decode_session(as_bytes(bytes));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().what, "unknown record format version");
}

TEST(RecordCodec, OutOfRangeValuesAreRejected) {
  StoredMessage m;
  m.topic = "t";
  std::string bytes = encode_record(m);
  // version, topic (4 + 1), payload (4 + 0), then the QoS byte.
  const size_t qos_at = 1 + 5 + 4;
  bytes[qos_at] = 3;
  EXPECT_FALSE(decode_message(as_bytes(bytes)));
  bytes[qos_at] = 0;
  bytes[qos_at + 1] = 2;  // retain flag must be 0 or 1
  EXPECT_FALSE(decode_message(as_bytes(bytes)));

  std::string inflight = encode_record(StoredInflight{1, InflightState::AwaitPubAck, {}});
  inflight[3] = 3;  // state after version and packet id
  EXPECT_FALSE(decode_inflight(as_bytes(inflight)));

  EXPECT_FALSE(decode_subscription(as_bytes(encode_record(StoredSubscription{"t", 0x40, 0}))));
  EXPECT_FALSE(decode_subscription(as_bytes(encode_record(StoredSubscription{"t", 0x03, 0}))));
  EXPECT_FALSE(decode_subscription(as_bytes(encode_record(StoredSubscription{"t", 0x30, 0}))));
}

TEST(RecordCodec, HugeCountsAndLengthsDoNotAllocate) {
  // A delivery claiming four billion subscription identifiers in a few bytes.
  std::string bytes;
  ByteWriter w(bytes);
  w.u8(kRecordFormatVersion);
  w.u64(1);
  w.u8(1);
  w.u8(0);
  w.u32(0xFFFFFFFF);
  auto decoded = decode_delivery(as_bytes(bytes));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().what, "element count exceeds the record");

  // A count cut short by the end of the record: two of its four bytes (found by the fuzzer).
  std::string cut;
  ByteWriter c(cut);
  c.u8(kRecordFormatVersion);
  c.u64(1);
  c.u8(1);
  c.u8(0);
  c.u16(0x2F2B);
  auto short_count = decode_delivery(as_bytes(cut));
  ASSERT_FALSE(short_count);
  EXPECT_EQ(short_count.error().what, "record shorter than its fields");

  // A message whose topic claims 4 GiB.
  std::string message;
  ByteWriter m(message);
  m.u8(kRecordFormatVersion);
  m.u32(0xFFFFFFFF);
  m.raw(std::string_view("abc"));
  EXPECT_FALSE(decode_message(as_bytes(message)));
}

TEST(RecordCodec, GarbageNeverCrashes) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 96);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> garbage(static_cast<size_t>(length(rng)));
    for (auto& b : garbage) b = static_cast<uint8_t>(byte(rng));
    if (!garbage.empty() && i % 2 == 0) garbage[0] = kRecordFormatVersion;  // get past the version
    (void)decode_message(garbage);
    (void)decode_subscription(garbage);
    (void)decode_delivery(garbage);
    (void)decode_inflight(garbage);
    (void)decode_session(garbage);
  }
}

TEST(RecordCodec, EverySingleByteCorruptionIsHandled) {
  const std::string good = encode_record(sample_session("client"));
  for (size_t i = 0; i < good.size(); ++i) {
    for (int v : {0x00, 0x01, 0x7F, 0xFF}) {
      std::string bad = good;
      bad[i] = static_cast<char>(v);
      auto decoded = decode_session(as_bytes(bad));
      if (decoded) {
        EXPECT_EQ(encode_record(*decoded), bad);  // accepted means faithfully read
      }
    }
  }
}

}  // namespace
}  // namespace pregon::storage
