"""Runs pregon_micro_bench (bench/micro/) briefly and returns its results for latest.json."""

import json
import os
import subprocess


def run(binary, min_time=0.05, timeout=600):
    """{"benchmarks": [...]} as Google Benchmark reports them, or {"skipped": reason}."""
    if not binary or not os.access(binary, os.X_OK):
        return {"skipped": f"{binary} is not built (bench/micro needs add_subdirectory in the "
                           "top-level CMakeLists.txt)"}
    # Google Benchmark 1.7 takes --benchmark_min_time as plain seconds ("0.05", no unit suffix).
    argv = [binary, f"--benchmark_min_time={min_time:g}", "--benchmark_format=json"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"skipped": f"still running after {timeout} s"}
    if done.returncode != 0:
        return {"skipped": f"exited with {done.returncode}: {done.stderr.strip()[-300:]}"}
    data = json.loads(done.stdout)
    keep = ("name", "real_time", "cpu_time", "time_unit", "iterations", "items_per_second",
            "bytes_per_second", "matches_per_call", "messages_per_call", "error_message")
    benchmarks = [{k: b[k] for k in keep if k in b} for b in data.get("benchmarks", [])]
    return {"context": data.get("context", {}), "benchmarks": benchmarks}


def nanoseconds(entry):
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[entry.get("time_unit", "ns")]
    return entry["cpu_time"] * scale
