// Matching a PUBLISH topic against a SubscriptionTree holding 1,000,000 subscriptions.
//
// Two trees, built once and shared by the benchmarks that use them:
//   exact      1,000,000 filters "site/{a}/device/{b}/m{c}" without wildcards (a, b, c < 100), one
//              subscriber each; a topic matches exactly one of them.
//   wildcard   1,000,000 filters, a quarter of each of "site/{a}/device/{b}/m{c}",
//              "site/{a}/device/+/m{c}", "site/{a}/device/{b}/#" and "site/+/device/{b}/m{c}",
//              each with its own subscriber key, so a topic matches several filters through '+'
//              and '#' branches.
// The topics matched are drawn from a fixed pseudo-random sequence of 4,096, so successive
// iterations walk different paths of the trie, as a broker's traffic does, instead of one path
// that stays in cache. Counters: matches per call.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "routing/subscription_tree.hpp"

namespace pregon::routing {
namespace {

constexpr int kSpan = 100;  // values per level: 100^3 = 1,000,000 filters
constexpr std::size_t kTopicCount = 4096;

struct SubscriptionValue {
  uint8_t max_qos = 1;
  uint32_t subscription_id = 0;
};

using Tree = SubscriptionTree<uint32_t, SubscriptionValue>;

std::string exact_filter(int a, int b, int c) {
  return "site/" + std::to_string(a) + "/device/" + std::to_string(b) + "/m" + std::to_string(c);
}

std::string wildcard_filter(uint32_t i, int a, int b, int c) {
  switch (i % 4) {
    case 0:
      return exact_filter(a, b, c);
    case 1:
      return "site/" + std::to_string(a) + "/device/+/m" + std::to_string(c);
    case 2:
      return "site/" + std::to_string(a) + "/device/" + std::to_string(b) + "/#";
    default:
      return "site/+/device/" + std::to_string(b) + "/m" + std::to_string(c);
  }
}

// Built on first use and kept for the life of the process: building a million-entry tree takes
// seconds, and every benchmark over it would otherwise pay that again. Mutable only for
// BM_SubscribeUnsubscribe1M, which leaves it as it found it.
Tree& exact_tree() {
  static Tree* const tree = [] {
    auto* t = new Tree;
    uint32_t key = 0;
    for (int a = 0; a < kSpan; ++a) {
      for (int b = 0; b < kSpan; ++b) {
        for (int c = 0; c < kSpan; ++c) t->subscribe(exact_filter(a, b, c), key++, {});
      }
    }
    return t;
  }();
  return *tree;
}

const Tree& wildcard_tree() {
  static const Tree* const tree = [] {
    auto* t = new Tree;
    uint32_t key = 0;
    for (int a = 0; a < kSpan; ++a) {
      for (int b = 0; b < kSpan; ++b) {
        for (int c = 0; c < kSpan; ++c) {
          t->subscribe(wildcard_filter(key, a, b, c), key, {});
          ++key;
        }
      }
    }
    return t;
  }();
  return *tree;
}

// Topics "site/{a}/device/{b}/m{c}" with a, b, c drawn from a fixed seed; `miss` appends a level
// no filter has, so only '#' filters can match.
std::vector<std::string> topics(bool miss) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> pick(0, kSpan - 1);
  std::vector<std::string> out;
  out.reserve(kTopicCount);
  for (std::size_t i = 0; i < kTopicCount; ++i) {
    const int a = pick(rng);
    const int b = pick(rng);
    const int c = pick(rng);
    out.push_back(exact_filter(a, b, c) + (miss ? "/extra" : ""));
  }
  return out;
}

void run_match(benchmark::State& state, const Tree& tree, bool miss) {
  const std::vector<std::string> sample = topics(miss);
  std::size_t next = 0;
  std::size_t matches = 0;
  for (auto _ : state) {
    const std::string& topic = sample[next++ % kTopicCount];
    tree.match(
        topic, [&](const uint32_t& key, const SubscriptionValue&) { matches += key != 0xFFFFFFFF; },
        [&](const Tree::Group&) { ++matches; });
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
  state.counters["matches_per_call"] =
      benchmark::Counter(static_cast<double>(matches) / static_cast<double>(state.iterations()));
}

void BM_MatchExact1M(benchmark::State& state) { run_match(state, exact_tree(), false); }
void BM_MatchExact1MMiss(benchmark::State& state) { run_match(state, exact_tree(), true); }
void BM_MatchWildcard1M(benchmark::State& state) { run_match(state, wildcard_tree(), false); }
void BM_MatchWildcard1MOnlyHash(benchmark::State& state) { run_match(state, wildcard_tree(), true); }

// Subscribing and unsubscribing one more filter on the million-entry tree: the cost of a SUBSCRIBE
// in steady state (node creation, then pruning). Each iteration undoes its own change.
void BM_SubscribeUnsubscribe1M(benchmark::State& state) {
  Tree& tree = exact_tree();
  const std::vector<std::string> sample = topics(true);  // filters not yet in the tree
  std::size_t next = 0;
  for (auto _ : state) {
    const std::string& filter = sample[next++ % kTopicCount];
    benchmark::DoNotOptimize(tree.subscribe(filter, 0xFFFFFFFE, {}));
    benchmark::DoNotOptimize(tree.unsubscribe(filter, 0xFFFFFFFE));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_MatchExact1M);
BENCHMARK(BM_MatchExact1MMiss);
BENCHMARK(BM_MatchWildcard1M);
BENCHMARK(BM_MatchWildcard1MOnlyHash);
BENCHMARK(BM_SubscribeUnsubscribe1M);

}  // namespace
}  // namespace pregon::routing
