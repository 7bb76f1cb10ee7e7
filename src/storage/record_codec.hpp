// Binary encoding of the stored records (records.hpp): the values kept in the durable store.
//
// Every encoded record opens with a format-version byte (kRecordFormatVersion), so that a later
// release can read what an earlier one wrote. After it come the fields in declaration order:
// integers big-endian, strings and byte strings as a 4-byte length then the bytes, optionals as a
// 0/1 presence byte then the value, vectors as a 4-byte count then the elements.
//
// Decoding is total: any input, truncated or garbage, yields a record or a RecordError; it never
// reads out of bounds, never trusts a length or count beyond the bytes present (so garbage cannot
// make it allocate more than the input's size), and rejects trailing bytes and out-of-range enum,
// flag and QoS values. Pure functions, no I/O; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/expected.hpp"
#include "storage/records.hpp"

namespace pregon::storage {

inline constexpr uint8_t kRecordFormatVersion = 1;

// Why a record could not be decoded; `what` points to a static string.
struct RecordError {
  std::string_view what;
};

template <class T>
using DecodeResult = base::Expected<T, RecordError>;

// Each returns the whole encoded record, format-version byte first.
std::string encode_record(const StoredMessage& message);
std::string encode_record(const StoredSubscription& subscription);
std::string encode_record(const StoredDelivery& delivery);
std::string encode_record(const StoredInflight& inflight);
std::string encode_record(const StoredSession& session);
std::string encode_record(const StoredSpilled& spilled);

DecodeResult<StoredMessage> decode_message(std::span<const uint8_t> bytes);
DecodeResult<StoredSubscription> decode_subscription(std::span<const uint8_t> bytes);
DecodeResult<StoredDelivery> decode_delivery(std::span<const uint8_t> bytes);
DecodeResult<StoredInflight> decode_inflight(std::span<const uint8_t> bytes);
DecodeResult<StoredSession> decode_session(std::span<const uint8_t> bytes);
DecodeResult<StoredSpilled> decode_spilled(std::span<const uint8_t> bytes);

// Views a std::string (as returned by encode_record, or a RocksDB value) as bytes.
inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace pregon::storage
