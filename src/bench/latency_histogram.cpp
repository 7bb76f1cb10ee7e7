#include "bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace pregon::bench {
namespace {
constexpr uint64_t kHalf = uint64_t{1} << (LatencyHistogram::kSubBucketBits - 1);  // 64
}

// Values below 128 have a bucket each. Above, a value with its highest bit at position m falls in
// the group shift = m - 6, where it is resolved to a multiple of 2^shift: index = shift*64 + (v >> shift),
// which runs on without holes from the group below.
unsigned LatencyHistogram::index_of(uint64_t ns) {
  if (ns > kMaxValueNs) ns = kMaxValueNs;
  if (ns < 2 * kHalf) return static_cast<unsigned>(ns);
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(ns));
  const unsigned shift = msb - (kSubBucketBits - 1);
  return static_cast<unsigned>(shift * kHalf + (ns >> shift));
}

uint64_t LatencyHistogram::highest_in_bucket(unsigned index) {
  if (index < 2 * kHalf) return index;
  const unsigned shift = static_cast<unsigned>(index / kHalf) - 1;
  const uint64_t sub = index - shift * kHalf;  // in [64, 128)
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::record(uint64_t ns) {
  ++counts_[index_of(ns)];
  ++count_;
  max_ = std::max(max_, std::min(ns, kMaxValueNs));
  min_ = std::min(min_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

void LatencyHistogram::reset() { *this = LatencyHistogram{}; }

uint64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_in_bucket(i), max_);
  }
  return max_;
}

}  // namespace pregon::bench
