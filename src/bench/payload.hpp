// The bench payload: who sent a message, when, and in which order. Pure; no allocation.
//
// Layout (little-endian, fixed so that any pregon bench can read another's messages):
//   bytes 0..7   send time, CLOCK_MONOTONIC nanoseconds (same host, so comparable on receipt)
//   bytes 8..15  sequence word: publisher index in the high 24 bits, per-publisher sequence number
//                (counting from 0) in the low 40 bits
//   bytes 16..   padding up to --size
// Packing the publisher index into the sequence word keeps the minimum payload at 16 bytes and lets a
// wildcard subscriber (fan-in) tell publishers apart without parsing topics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace pregon::bench {

inline constexpr size_t kStampSize = 16;
inline constexpr unsigned kSequenceBits = 40;
inline constexpr uint64_t kMaxSequence = (uint64_t{1} << kSequenceBits) - 1;
inline constexpr uint32_t kMaxPublisher = (1u << 24) - 1;

struct Stamp {
  uint64_t sent_ns = 0;
  uint32_t publisher = 0;
  uint64_t sequence = 0;
  bool operator==(const Stamp&) const = default;
};

// Writes the stamp into the first kStampSize bytes of `payload` (which must be that long).
void write_stamp(std::span<uint8_t> payload, const Stamp& s);

// Reads a stamp; std::nullopt when the payload is too short to carry one (not a bench message).
std::optional<Stamp> read_stamp(std::span<const uint8_t> payload);

}  // namespace pregon::bench
