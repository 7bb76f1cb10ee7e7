// A latency histogram with log-linear buckets (HdrHistogram-like): values in nanoseconds from 0 to
// 60 s, each bucket at most 1/64 (about 1.6 %) wide relative to its value. Recording is an index
// computation and an increment; nothing is allocated after construction. Not thread-safe: each
// generator thread owns one and they are merged at the end.
#pragma once

#include <array>
#include <cstdint>

namespace pregon::bench {

class LatencyHistogram {
 public:
  static constexpr uint64_t kMaxValueNs = 60'000'000'000ull;  // larger values are clamped to this

  void record(uint64_t ns);
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  // The value at quantile q (0..1): the highest value of the bucket holding the rank ceil(q*count),
  // capped by the exact maximum. 0 when empty.
  uint64_t quantile(double q) const;

  // Bucket layout, exposed for tests.
  static constexpr unsigned kSubBucketBits = 7;  // 128 linear steps for values below 128
  static constexpr unsigned kBuckets = 38 * 64;  // enough for 2^37 > kMaxValueNs
  static unsigned index_of(uint64_t ns);
  static uint64_t highest_in_bucket(unsigned index);

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace pregon::bench
