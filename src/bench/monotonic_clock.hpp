// CLOCK_MONOTONIC in nanoseconds: the clock payload timestamps are taken from (payload.hpp), so that
// sender and receiver on one host compare like with like. Thread-safe.
#pragma once

#include <time.h>

#include <cstdint>

namespace pregon::bench {

inline uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline uint64_t seconds_to_ns(double s) { return static_cast<uint64_t>(s * 1e9); }

}  // namespace pregon::bench
