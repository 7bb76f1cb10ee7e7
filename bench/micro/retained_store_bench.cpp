// Retained-message lookups over a RetainedStore holding 1,000,000 topics
// "site/{a}/device/{b}/m{c}" (a, b, c < 100), i.e. what a new subscription costs the broker:
//   Find        one exact topic (the filter has no wildcard)
//   MatchPlus   "site/{a}/device/{b}/+"   100 messages, one lookup per literal level
//   MatchMiddle "site/+/device/{b}/m{c}"  100 messages, a '+' fanning out over 100 subtrees
//   MatchHash   "site/{a}/#"              10,000 messages, the whole subtree of one site
// The filters cycle through a fixed pseudo-random sequence so that iterations do not reuse one
// cached path. Counters: retained messages visited per call.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "routing/retained_store.hpp"

namespace pregon::routing {
namespace {

constexpr int kSpan = 100;
constexpr std::size_t kFilterCount = 1024;

// Stands in for a shared pointer to a stored message: the store's cost is in the trie, not here.
using Store = RetainedStore<uint64_t>;

std::string topic(int a, int b, int c) {
  return "site/" + std::to_string(a) + "/device/" + std::to_string(b) + "/m" + std::to_string(c);
}

// Built once, on first use: see subscription_tree_bench.cpp.
const Store& store() {
  static const Store* const s = [] {
    auto* out = new Store;
    uint64_t id = 0;
    for (int a = 0; a < kSpan; ++a) {
      for (int b = 0; b < kSpan; ++b) {
        for (int c = 0; c < kSpan; ++c) out->set(topic(a, b, c), ++id);
      }
    }
    return out;
  }();
  return *s;
}

enum class Shape { Exact, LastPlus, MiddlePlus, Hash };

std::vector<std::string> filters(Shape shape) {
  std::mt19937 rng(20240602);
  std::uniform_int_distribution<int> pick(0, kSpan - 1);
  std::vector<std::string> out;
  out.reserve(kFilterCount);
  for (std::size_t i = 0; i < kFilterCount; ++i) {
    const std::string a = std::to_string(pick(rng));
    const std::string b = std::to_string(pick(rng));
    const std::string c = std::to_string(pick(rng));
    switch (shape) {
      case Shape::Exact:
        out.push_back("site/" + a + "/device/" + b + "/m" + c);
        break;
      case Shape::LastPlus:
        out.push_back("site/" + a + "/device/" + b + "/+");
        break;
      case Shape::MiddlePlus:
        out.push_back("site/+/device/" + b + "/m" + c);
        break;
      case Shape::Hash:
        out.push_back("site/" + a + "/#");
        break;
    }
  }
  return out;
}

void BM_RetainedFind1M(benchmark::State& state) {
  const Store& s = store();
  const std::vector<std::string> sample = filters(Shape::Exact);
  std::size_t next = 0;
  std::size_t found = 0;
  for (auto _ : state) found += s.find(sample[next++ % kFilterCount]) != nullptr;
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations());
  state.counters["messages_per_call"] =
      benchmark::Counter(static_cast<double>(found) / static_cast<double>(state.iterations()));
}

void run_match(benchmark::State& state, Shape shape) {
  const Store& s = store();
  const std::vector<std::string> sample = filters(shape);
  std::size_t next = 0;
  std::size_t visited = 0;
  for (auto _ : state) {
    s.match(sample[next++ % kFilterCount], [&](std::string_view topic_name, const uint64_t& value) {
      visited += topic_name.size() != 0 && value != 0;
    });
  }
  benchmark::DoNotOptimize(visited);
  state.SetItemsProcessed(static_cast<int64_t>(visited));
  state.counters["messages_per_call"] =
      benchmark::Counter(static_cast<double>(visited) / static_cast<double>(state.iterations()));
}

void BM_RetainedMatchPlus1M(benchmark::State& state) { run_match(state, Shape::LastPlus); }
void BM_RetainedMatchMiddle1M(benchmark::State& state) { run_match(state, Shape::MiddlePlus); }
void BM_RetainedMatchHash1M(benchmark::State& state) { run_match(state, Shape::Hash); }

BENCHMARK(BM_RetainedFind1M);
BENCHMARK(BM_RetainedMatchPlus1M);
BENCHMARK(BM_RetainedMatchMiddle1M);
BENCHMARK(BM_RetainedMatchHash1M);

}  // namespace
}  // namespace pregon::routing
