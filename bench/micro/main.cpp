// Entry point of pregon_micro_bench. Each *_bench.cpp registers its own benchmarks; this file only
// runs them with Google Benchmark's command line (--benchmark_filter, --benchmark_min_time, ...).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
