#include "bench/payload.hpp"

#include <cstring>

namespace pregon::bench {
namespace {

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

void write_stamp(std::span<uint8_t> payload, const Stamp& s) {
  put_u64(payload.data(), s.sent_ns);
  put_u64(payload.data() + 8, (uint64_t{s.publisher} << kSequenceBits) | (s.sequence & kMaxSequence));
}

std::optional<Stamp> read_stamp(std::span<const uint8_t> payload) {
  if (payload.size() < kStampSize) return std::nullopt;
  const uint64_t word = get_u64(payload.data() + 8);
  return Stamp{get_u64(payload.data()), static_cast<uint32_t>(word >> kSequenceBits), word & kMaxSequence};
}

}  // namespace pregon::bench
