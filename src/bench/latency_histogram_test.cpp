#include "bench/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace pregon::bench {
namespace {

TEST(LatencyHistogram, IndexIsMonotonicAndBucketsAreNarrow) {
  unsigned last = 0;
  for (uint64_t v = 1; v < LatencyHistogram::kMaxValueNs; v = v * 17 / 16 + 1) {
    const unsigned i = LatencyHistogram::index_of(v);
    ASSERT_GE(i, last);
    ASSERT_LT(i, LatencyHistogram::kBuckets);
    const uint64_t hi = LatencyHistogram::highest_in_bucket(i);
    ASSERT_GE(hi, v);
    ASSERT_LE(static_cast<double>(hi - v), static_cast<double>(v) / 64.0 + 1.0) << v;
    last = i;
  }
}

TEST(LatencyHistogram, BucketsAreContiguous) {
  for (unsigned i = 1; i < LatencyHistogram::index_of(LatencyHistogram::kMaxValueNs); ++i) {
    const uint64_t lo = LatencyHistogram::highest_in_bucket(i - 1) + 1;
    ASSERT_EQ(LatencyHistogram::index_of(lo), i) << i;
  }
}

TEST(LatencyHistogram, Percentiles) {
  auto h = std::make_unique<LatencyHistogram>();
  for (uint64_t us = 1; us <= 1000; ++us) h->record(us * 1000);
  EXPECT_EQ(h->count(), 1000u);
  EXPECT_NEAR(static_cast<double>(h->quantile(0.5)), 500'000.0, 500'000.0 / 64);
  EXPECT_NEAR(static_cast<double>(h->quantile(0.99)), 990'000.0, 990'000.0 / 64);
  EXPECT_EQ(h->quantile(1.0), 1'000'000u);
  EXPECT_EQ(h->max(), 1'000'000u);
  EXPECT_EQ(h->min(), 1'000u);
}

TEST(LatencyHistogram, ClampsAndMerges) {
  auto a = std::make_unique<LatencyHistogram>();
  auto b = std::make_unique<LatencyHistogram>();
  a->record(5);
  b->record(LatencyHistogram::kMaxValueNs * 10);
  a->merge(*b);
  EXPECT_EQ(a->count(), 2u);
  EXPECT_EQ(a->max(), LatencyHistogram::kMaxValueNs);
  EXPECT_EQ(a->quantile(0.5), 5u);
  a->reset();
  EXPECT_EQ(a->count(), 0u);
  EXPECT_EQ(a->quantile(0.99), 0u);
}

}  // namespace
}  // namespace pregon::bench
