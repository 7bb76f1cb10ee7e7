"""Medians, the comparison table, machine facts and bench/results/latest.json."""

import datetime
import json
import os
import platform
import statistics
import subprocess

import micro


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(scenario, runs_by_label):
    """{label: {metric name: median}} over the successful runs of each configuration."""
    out = {}
    for label, runs in runs_by_label.items():
        ok = [r for r in runs if "error" not in r and "skipped" not in r]
        out[label] = {m.name: median([m.value(r) for r in ok]) for m in scenario.metrics}
    return out


def ratios(scenario, medians):
    """{"of": subject, "to": baseline, metric name: subject / baseline, ...} from the medians, and
    for a scenario with a goal {"goal": min ratio, "goal_met": bool or None}."""
    out = {"of": scenario.subject, "to": scenario.baseline}
    for m in scenario.metrics:
        a = medians.get(scenario.subject, {}).get(m.name)
        b = medians.get(scenario.baseline, {}).get(m.name)
        out[m.name] = round(a / b, 3) if a is not None and b else None
    if scenario.min_ratio is not None:
        first = out[scenario.metrics[0].name]
        out["goal"] = scenario.min_ratio
        out["goal_met"] = None if first is None else first >= scenario.min_ratio
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit(root):
    try:
        done = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        return done.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def machine_facts(root, plan, versions, extra):
    facts = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cpus": plan.available,
        "pinning": plan.describe(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": git_commit(root),
    }
    facts.update(versions)
    facts.update(extra)
    return facts


def _number(value, unit):
    if value is None:
        return "-"
    if unit in ("calls",) or abs(value) < 100:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _ratio(a, b):
    if a is None or b in (None, 0):
        return "-"
    return f"{a / b:.2f}"


def table(rows):
    """rows: [(scenario, metric, unit, higher_is_better, pregon, mosquitto, pregon_2t)] -> text."""
    header = ("scenario", "metric", "pregon", "mosquitto", "pregon/mosq", "pregon 2T")
    lines = [header]
    for scenario, metric, unit, higher, p, m, p2 in rows:
        direction = "higher" if higher else "lower"
        lines.append((scenario, f"{metric} ({unit}, {direction} is better)", _number(p, unit),
                      _number(m, unit), _ratio(p, m), _number(p2, unit) if p2 is not None else ""))
    return _columns(lines)


def _columns(lines):
    """Text columns: the first two left-aligned, the rest right-aligned, a rule under the header."""
    header = lines[0]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = []
    for n, line in enumerate(lines):
        cells = [line[i].ljust(widths[i]) if i < 2 else line[i].rjust(widths[i]) for i in range(len(line))]
        text.append("  ".join(cells).rstrip())
        if n == 0:
            text.append("  ".join("-" * w for w in widths))
    return "\n".join(text)


def self_table(rows):
    """rows: [(scenario, metric, unit, higher_is_better, durable, memory, min_ratio)] -> text."""
    header = ("scenario", "metric", "pregon-durable", "pregon-memory", "durable/memory", "goal")
    lines = [header]
    for scenario, metric, unit, higher, d, m, goal in rows:
        direction = "higher" if higher else "lower"
        verdict = ""
        if goal is not None:
            met = None if d is None or not m else d / m >= goal
            verdict = f">= {goal:.2f}: " + {None: "-", True: "met", False: "missed"}[met]
        lines.append((scenario, f"{metric} ({unit}, {direction} is better)", _number(d, unit),
                      _number(m, unit), _ratio(d, m), verdict))
    return _columns(lines)


def micro_table(results):
    if "skipped" in results:
        return f"micro-benchmarks skipped: {results['skipped']}"
    lines = []
    width = max((len(b["name"]) for b in results["benchmarks"]), default=10)
    for b in results["benchmarks"]:
        note = f"  {b['error_message']}" if "error_message" in b else ""
        count = b.get("matches_per_call", b.get("messages_per_call"))
        per = f"  ({count:,.1f} per call)" if count is not None else ""
        lines.append(f"{b['name'].ljust(width)}  {micro.nanoseconds(b):>12,.1f} ns{per}{note}")
    return "\n".join(lines)


def write_json(path, document):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)
