// Record encoding: see record_codec.hpp for the layout. Nested records (the delivery inside an
// in-flight entry, the will message inside a session) are written without their own version byte.
#include "storage/record_codec.hpp"

#include "storage/byte_io.hpp"

namespace pregon::storage {
namespace {

// Smallest encodings of vector elements, for ByteReader::count.
constexpr size_t kMinUserPropertySize = 8;  // two empty strings
constexpr size_t kMinSubscriptionIdSize = 4;

void write_optional_string(ByteWriter& w, const std::optional<std::string>& s) {
  w.u8(s ? 1 : 0);
  if (s) w.string(*s);
}

std::optional<std::string> read_optional_string(ByteReader& r) {
  if (!r.flag()) return std::nullopt;
  return std::string(r.string());
}

void write_optional_i64(ByteWriter& w, const std::optional<int64_t>& v) {
  w.u8(v ? 1 : 0);
  if (v) w.i64(*v);
}

std::optional<int64_t> read_optional_i64(ByteReader& r) {
  if (!r.flag()) return std::nullopt;
  return r.i64();
}

uint8_t read_qos(ByteReader& r) {
  const uint8_t qos = r.u8();
  if (qos > 2) r.fail("QoS out of range");
  return qos;
}

void write_message(ByteWriter& w, const StoredMessage& m) {
  w.string(m.topic);
  w.bytes(m.payload);
  w.u8(m.qos);
  w.u8(m.retain ? 1 : 0);
  w.u8(m.payload_format_indicator ? 1 : 0);
  if (m.payload_format_indicator) w.u8(*m.payload_format_indicator);
  write_optional_string(w, m.content_type);
  write_optional_string(w, m.response_topic);
  w.u8(m.correlation_data ? 1 : 0);
  if (m.correlation_data) w.bytes(*m.correlation_data);
  w.u32(static_cast<uint32_t>(m.user_properties.size()));
  for (const auto& p : m.user_properties) {
    w.string(p.name);
    w.string(p.value);
  }
  write_optional_i64(w, m.expires_at_unix_ms);
  w.string(m.origin_client_id);
}

StoredMessage read_message(ByteReader& r) {
  StoredMessage m;
  m.topic = r.string();
  const auto payload = r.bytes();
  m.payload.assign(payload.begin(), payload.end());
  m.qos = read_qos(r);
  m.retain = r.flag();
  if (r.flag()) m.payload_format_indicator = r.u8();
  m.content_type = read_optional_string(r);
  m.response_topic = read_optional_string(r);
  if (r.flag()) {
    const auto data = r.bytes();
    m.correlation_data.emplace(data.begin(), data.end());
  }
  const uint32_t n = r.count(kMinUserPropertySize);
  m.user_properties.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    StoredUserProperty p;
    p.name = r.string();
    p.value = r.string();
    m.user_properties.push_back(std::move(p));
  }
  m.expires_at_unix_ms = read_optional_i64(r);
  m.origin_client_id = r.string();
  return m;
}

void write_delivery(ByteWriter& w, const StoredDelivery& d) {
  w.u64(d.message_id);
  w.u8(d.qos);
  w.u8(d.retain ? 1 : 0);
  w.u32(static_cast<uint32_t>(d.subscription_identifiers.size()));
  for (uint32_t id : d.subscription_identifiers) w.u32(id);
  w.u8(d.shared ? 1 : 0);
  if (d.shared) {
    w.string(d.shared->group);
    w.string(d.shared->filter);
  }
}

StoredDelivery read_delivery(ByteReader& r) {
  StoredDelivery d;
  d.message_id = r.u64();
  d.qos = read_qos(r);
  d.retain = r.flag();
  const uint32_t n = r.count(kMinSubscriptionIdSize);
  d.subscription_identifiers.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) d.subscription_identifiers.push_back(r.u32());
  if (r.flag()) {
    StoredSharedTarget shared;
    shared.group = r.string();
    shared.filter = r.string();
    d.shared = std::move(shared);
  }
  return d;
}

// Reads the version byte, runs `body`, then requires that the input is used up exactly.
template <class T, class Body>
DecodeResult<T> decode_with(std::span<const uint8_t> bytes, Body&& body) {
  ByteReader r(bytes);
  const uint8_t version = r.u8();
  if (!r.ok()) return base::unexpected(RecordError{"empty record"});
  if (version != kRecordFormatVersion) {
    return base::unexpected(RecordError{"unknown record format version"});
  }
  T record = body(r);
  if (r.ok() && !r.at_end()) r.fail("trailing bytes after the record");
  if (!r.ok()) return base::unexpected(RecordError{r.error()});
  return record;
}

template <class Body>
std::string encode_with(Body&& body) {
  std::string out;
  ByteWriter w(out);
  w.u8(kRecordFormatVersion);
  body(w);
  return out;
}

}  // namespace

std::string encode_record(const StoredMessage& message) {
  return encode_with([&](ByteWriter& w) { write_message(w, message); });
}

std::string encode_record(const StoredSubscription& s) {
  return encode_with([&](ByteWriter& w) {
    w.string(s.filter);
    w.u8(s.options);
    w.u32(s.subscription_identifier);
  });
}

std::string encode_record(const StoredDelivery& delivery) {
  return encode_with([&](ByteWriter& w) { write_delivery(w, delivery); });
}

std::string encode_record(const StoredInflight& f) {
  return encode_with([&](ByteWriter& w) {
    w.u16(f.packet_id);
    w.u8(static_cast<uint8_t>(f.state));
    write_delivery(w, f.delivery);
  });
}

std::string encode_record(const StoredSession& s) {
  return encode_with([&](ByteWriter& w) {
    w.string(s.client_id);
    w.u32(s.expiry_interval);
    write_optional_i64(w, s.disconnected_at_unix_ms);
    w.u8(s.will ? 1 : 0);
    if (s.will) {
      write_message(w, s.will->message);
      w.u32(s.will->delay_interval);
    }
    w.u8(s.protocol_version);
  });
}

std::string encode_record(const StoredSpilled& s) {
  return encode_with([&](ByteWriter& w) {
    write_delivery(w, s.delivery);
    write_message(w, s.message);
  });
}

DecodeResult<StoredMessage> decode_message(std::span<const uint8_t> bytes) {
  return decode_with<StoredMessage>(bytes, [](ByteReader& r) { return read_message(r); });
}

DecodeResult<StoredSubscription> decode_subscription(std::span<const uint8_t> bytes) {
  return decode_with<StoredSubscription>(bytes, [](ByteReader& r) {
    StoredSubscription s;
    s.filter = r.string();
    s.options = r.u8();
    // Bits 6-7 are reserved and Maximum QoS / Retain Handling 3 are invalid [MQTT-3.8.3-5]; the
    // broker never stores such options, so they mean the record is damaged.
    if (r.ok() && ((s.options & 0xC0u) != 0 || s.max_qos() > 2 || s.retain_handling() > 2)) {
      r.fail("invalid subscription options");
    }
    s.subscription_identifier = r.u32();
    return s;
  });
}

DecodeResult<StoredDelivery> decode_delivery(std::span<const uint8_t> bytes) {
  return decode_with<StoredDelivery>(bytes, [](ByteReader& r) { return read_delivery(r); });
}

DecodeResult<StoredInflight> decode_inflight(std::span<const uint8_t> bytes) {
  return decode_with<StoredInflight>(bytes, [](ByteReader& r) {
    StoredInflight f;
    f.packet_id = r.u16();
    const uint8_t state = r.u8();
    if (state > static_cast<uint8_t>(InflightState::AwaitPubComp)) {
      r.fail("invalid in-flight state");
    }
    f.state = static_cast<InflightState>(state);
    f.delivery = read_delivery(r);
    return f;
  });
}

DecodeResult<StoredSession> decode_session(std::span<const uint8_t> bytes) {
  return decode_with<StoredSession>(bytes, [](ByteReader& r) {
    StoredSession s;
    s.client_id = r.string();
    s.expiry_interval = r.u32();
    s.disconnected_at_unix_ms = read_optional_i64(r);
    if (r.flag()) {
      StoredWill will;
      will.message = read_message(r);
      will.delay_interval = r.u32();
      s.will = std::move(will);
    }
    s.protocol_version = r.u8();
    return s;
  });
}

DecodeResult<StoredSpilled> decode_spilled(std::span<const uint8_t> bytes) {
  return decode_with<StoredSpilled>(bytes, [](ByteReader& r) {
    StoredSpilled s;
    s.delivery = read_delivery(r);
    s.message = read_message(r);
    return s;
  });
}

}  // namespace pregon::storage
