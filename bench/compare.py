#!/usr/bin/python3
"""pregon against Debian's mosquitto, side by side: the script behind `make bench`.

For each standard scenario (bench/scenarios.py) it runs the load generator (`pregon bench`)
against a fresh broker per run, alternating which broker goes first, and reports the median of
the runs per configuration:
  pregon      --threads 1, pinned to one CPU, generator pinned to another
  mosquitto   Debian's /usr/sbin/mosquitto, pinned the same way
  pregon-2t   --threads 2, broker and generator unpinned (throughput scenarios only)
The persistence scenario (fan-in-q1-durable) compares pregon with itself instead, both pinned
like `pregon`:
  pregon-durable  persistence on, sync "batch", a fresh store per run in the scratch directory
  pregon-memory   persistence off
Then it runs the micro-benchmarks briefly, prints one table and writes bench/results/latest.json.

  bench/compare.py                  full run (3 runs per configuration, under 15 minutes)
  bench/compare.py --quick          1 run each, short durations
  bench/compare.py --only pairs-q0,micro
  make bench BENCH_ARGS=--quick

Traffic stays on 127.0.0.1; every broker started is stopped on exit, including on errors and
Ctrl-C. Standard library only (Debian's /usr/bin/python3).
"""

import argparse
import os
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep bench/ free of __pycache__

import brokers  # noqa: E402
import micro  # noqa: E402
import report  # noqa: E402
import scenarios  # noqa: E402
from generator import Generator, GeneratorError  # noqa: E402
from syscalls import perf_works  # noqa: E402


class Lab:
    """What one comparison shares: binaries, the CPU plan, a scratch directory, the brokers that
    are running (so that all of them can be stopped on any exit path)."""

    def __init__(self, args, workdir):
        self.pregon = args.pregon
        self.mosquitto = args.mosquitto
        self.generator = Generator(args.generator or [args.pregon, "bench"])
        self.plan = brokers.CpuPlan()
        self.workdir = workdir
        self.brokers = brokers.BrokerSet()
        self.syscall_method = None
        self._limits = {}

    def nofile_limit(self, want):
        if want not in self._limits:
            self._limits[want] = brokers.nofile_limit(want)
        return self._limits[want]

    def pinned(self, label):
        return self.plan.pinned and label != "pregon-2t"

    def generator_cpus(self, label):
        return self.plan.generator if self.pinned(label) else []

    def generator_threads(self, label):
        return 1 if self.pinned(label) else max(1, len(self.plan.available))

    def start_broker(self, label, nofile):
        cpus = self.plan.broker if self.pinned(label) else []
        if label == "mosquitto":
            broker = brokers.mosquitto_broker(self.mosquitto, label, self.workdir, cpus, nofile)
        else:
            threads = 2 if label == "pregon-2t" else 1
            sync = "batch" if label == "pregon-durable" else None
            broker = brokers.pregon_broker(self.pregon, label, threads, self.workdir, cpus, nofile,
                                           sync=sync)
        return self.brokers.start(broker)

    def stop_broker(self, broker):
        self.brokers.stop(broker)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="1 run per configuration, short durations")
    p.add_argument("--only", default="", help="comma-separated scenario keys (see --list); 'micro' "
                   "for the micro-benchmarks")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--runs", type=int, help="runs per configuration (default 3, or 1 with --quick)")
    p.add_argument("--pregon", default=os.path.join(ROOT, "build/release/pregon"))
    p.add_argument("--mosquitto", default="/usr/sbin/mosquitto")
    p.add_argument("--generator", help="load generator command (default: PREGON bench)")
    p.add_argument("--micro-bin", default=os.path.join(ROOT, "build/release/bench/micro/pregon_micro_bench"))
    p.add_argument("--micro-min-time", type=float, default=0.05, help="seconds per micro-benchmark")
    p.add_argument("--no-2t", action="store_true", help="skip the pregon --threads 2 configuration")
    p.add_argument("--budget-minutes", type=float, default=15.0,
                   help="stop starting new runs after this long (default 15)")
    p.add_argument("--output", default=os.path.join(HERE, "results/latest.json"))
    return p.parse_args(argv)


def selected(args, all_scenarios):
    keys = [k for k in args.only.split(",") if k]
    known = {s.key for s in all_scenarios} | {"micro"}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise SystemExit(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    chosen = [s for s in all_scenarios if not keys or s.key in keys]
    return chosen, (not keys or "micro" in keys)


def run_order(configs, round_index, compared=("pregon", "mosquitto")):
    """The two compared configurations alternate (pregon, mosquitto / mosquitto, pregon / ...);
    the others (the two-thread pregon) run after them."""
    pair = [c for c in configs if c in compared]
    if round_index % 2:
        pair.reverse()
    return pair + [c for c in configs if c not in compared]


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_scenarios(lab, args, chosen, deadline):
    results = {}
    for scenario in chosen:
        params = scenarios.params_for(scenario, args.quick)
        runs = args.runs or (1 if args.quick else scenario.runs)
        configs = [c for c in scenario.configs
                   if not (c == "pregon-2t" and (args.no_2t or len(lab.plan.available) < 2))]
        raw = {c: [] for c in configs}
        skipped = None
        log(f"== {scenario.key}: {scenario.title}")
        for round_index in range(runs):
            for label in run_order(configs, round_index, (scenario.subject, scenario.baseline)):
                if time.monotonic() > deadline:
                    skipped = skipped or f"time budget of {args.budget_minutes:g} min used up"
                    continue
                started = time.monotonic()
                try:
                    record = scenarios.run_once(lab, scenario, label, params)
                except scenarios.SkipRun as e:
                    skipped = str(e)
                    log(f"   skipped: {e}")
                    break
                except (GeneratorError, RuntimeError, OSError) as e:
                    record = {"error": str(e)}
                record.update(round=round_index, config=label)
                raw[label].append(record)
                shown = "; ".join(f"{m.name} {m.value(record)}" for m in scenario.metrics)
                log(f"   run {round_index + 1}/{runs} {label:<14} "
                    f"{record['error'] if 'error' in record else shown} "
                    f"({time.monotonic() - started:.1f} s)")
            if skipped and not any(raw.values()):
                break
        medians = report.summarize(scenario, raw)
        results[scenario.key] = {
            "title": scenario.title, "kind": scenario.kind, "workload": scenario.workload,
            "params": params, "runs": raw, "medians": medians,
            "metrics": [{"name": m.name, "unit": m.unit, "higher_is_better": m.higher_is_better}
                        for m in scenario.metrics],
            # subject / baseline per metric: pregon / mosquitto, or pregon-durable / pregon-memory
            "ratio": report.ratios(scenario, medians),
        }
        if skipped:
            results[scenario.key]["skipped"] = skipped
    return results


def table_rows(chosen, results):
    """Rows of the pregon-against-mosquitto table."""
    rows = []
    for scenario in chosen:
        entry = results.get(scenario.key)
        if entry is None or not scenario.against_mosquitto:
            continue
        medians = entry["medians"]
        for m in scenario.metrics:
            value = lambda label: medians.get(label, {}).get(m.name)  # noqa: E731
            rows.append((scenario.key, m.name, m.unit, m.higher_is_better, value("pregon"),
                         value("mosquitto"), value("pregon-2t")))
    return rows


def self_rows(chosen, results):
    """Rows of the table comparing pregon with itself (persistence on against off)."""
    rows = []
    for scenario in chosen:
        entry = results.get(scenario.key)
        if entry is None or scenario.against_mosquitto:
            continue
        medians = entry["medians"]
        for m in scenario.metrics:
            value = lambda label: medians.get(label, {}).get(m.name)  # noqa: E731
            rows.append((scenario.key, m.name, m.unit, m.higher_is_better, value(scenario.subject),
                         value(scenario.baseline), scenario.min_ratio))
    return rows


def main(argv):
    args = parse_args(argv)
    all_scenarios = scenarios.standard()
    if args.list:
        for s in all_scenarios:
            print(f"{s.key:<18} {s.title}")
        print(f"{'micro':<18} micro-benchmarks (bench/micro)")
        return 0
    chosen, with_micro = selected(args, all_scenarios)
    deadline = time.monotonic() + args.budget_minutes * 60

    with tempfile.TemporaryDirectory(prefix="pregon-bench-") as workdir:
        lab = Lab(args, workdir)
        if chosen:
            if not os.access(args.pregon, os.X_OK):
                raise SystemExit(f"no pregon binary at {args.pregon}; run `make build` first")
            if not os.access(args.mosquitto, os.X_OK):
                raise SystemExit(f"no mosquitto at {args.mosquitto}; `apt-get install mosquitto`")
            if not lab.generator.available():
                raise SystemExit(f"`{lab.generator.describe()}` is not the load generator (its --help "
                                 "does not list the bench scenarios); build a pregon with `pregon bench` "
                                 "or pass --generator")
            if any(s.kind == "syscalls" for s in chosen):
                lab.syscall_method = "perf" if perf_works() else "strace"

        def on_signal(signum, _frame):
            lab.generator.kill_all()
            lab.brokers.stop_all()
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            log(f"pinning: {lab.plan.describe()}")
            results = run_scenarios(lab, args, chosen, deadline)
        finally:
            lab.generator.kill_all()
            lab.brokers.stop_all()

    micro_results = None
    if with_micro:
        log("== micro-benchmarks")
        micro_results = micro.run(args.micro_bin, args.micro_min_time)

    versions = {
        "pregon_version": brokers.version_of([args.pregon, "--version"]),
        "mosquitto_version": brokers.version_of([args.mosquitto, "-h"]),
    }
    facts = report.machine_facts(ROOT, lab.plan, versions, {
        "generator": lab.generator.describe(),
        "syscall_counter": lab.syscall_method,
        "nofile_hard_limit": brokers.nofile_limit(1 << 20),
        "quick": args.quick,
    })
    document = {"machine": facts, "scenarios": results, "micro": micro_results}
    report.write_json(args.output, document)

    print()
    print(f"pregon vs mosquitto on {facts['cpu_model']}, {facts['cores']} cores, kernel {facts['kernel']}, "
          f"{facts['mosquitto_version']}; {facts['pinning']}")
    print(f"medians of {args.runs or (1 if args.quick else 3)} run(s); pregon 2T = --threads 2, unpinned")
    against_mosquitto = table_rows(chosen, results)
    if against_mosquitto:
        print()
        print(report.table(against_mosquitto))
    persistence = self_rows(chosen, results)
    if persistence:
        print()
        print("pregon with persistence on (sync batch, a fresh store per run) against off; both pinned "
              "like pregon")
        print()
        print(report.self_table(persistence))
    for key, entry in results.items():
        if "skipped" in entry:
            print(f"  {key}: skipped: {entry['skipped']}")
        errors = [r["error"] for runs in entry["runs"].values() for r in runs if "error" in r]
        if errors:
            print(f"  {key}: {len(errors)} failed run(s), first: {errors[0].splitlines()[0]}")
    if micro_results is not None:
        print()
        print(report.micro_table(micro_results))
    print()
    print(f"raw runs and medians: {os.path.relpath(args.output, os.getcwd())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
