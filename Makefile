# pregon: `make run` starts a broker, `make test` runs every test. Both install what is missing first.
SHELL := /bin/bash
PY := /usr/bin/python3
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: deps build run test test-release test-asan fuzz-build fuzz-smoke fuzz bench clean

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS)

run: build
	./build/release/pregon

# Everything CI checks: release tests, the same under ASan+UBSan, and a short fuzzing run.
test: test-release test-asan fuzz-smoke

test-release: build
	ctest --test-dir build/release --output-on-failure -j $(JOBS)
	PREGON_BIN=$(CURDIR)/build/release/pregon $(PY) -m pytest -q -n 4

test-asan: deps
	cmake --preset asan >/dev/null
	cmake --build build/asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build/asan --output-on-failure -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  PREGON_BIN=$(CURDIR)/build/asan/pregon $(PY) -m pytest -q -n 4

fuzz-build: deps
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS)

# Each libFuzzer target runs FUZZ_SECONDS over a scratch copy of its seed corpus.
fuzz-smoke: fuzz-build
	@scripts/run-fuzzers.sh $(FUZZ_SECONDS)

fuzz: fuzz-build
	@scripts/run-fuzzers.sh 600

# pregon vs Debian's mosquitto (bench/compare.py) and the micro-benchmarks; results in
# bench/results/latest.json. Quick run: make bench BENCH_ARGS=--quick (see docs/performance.md).
BENCH_ARGS ?=
bench: build
	$(PY) bench/compare.py $(BENCH_ARGS)

clean:
	rm -rf build
