"""The standard scenarios of `make bench` and how one run of each is measured.

A scenario names a generator workload, the broker configurations it runs against, how many runs
it gets, the metrics taken from each run, and which two configurations its ratio compares
(pregon against mosquitto, or pregon with persistence against pregon without). Kinds:
  load      one generator run; metrics from its JSON (throughput, latency percentiles)
  idle      N connections held open; broker RSS before and while they are held
  syscalls  a fixed-rate run with the broker's system calls counted (perf or strace)
Every run starts a fresh broker and stops it afterwards, so no run inherits another's state.
"""

import time
from dataclasses import dataclass, field

from brokers import read_status_kib
from syscalls import SyscallCounter

# Loopback connections from one source address to one broker port are limited by the ephemeral
# port range (/proc/sys/net/ipv4/ip_local_port_range); beyond it the generator needs --sources.
CONNECTIONS_PER_SOURCE = 25_000


@dataclass
class Metric:
    name: str
    unit: str
    path: tuple  # keys into the run record, e.g. ("result", "latency_us", "p99")
    higher_is_better: bool = True

    def value(self, record):
        node = record
        for key in self.path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node if isinstance(node, (int, float)) else None


@dataclass
class Scenario:
    key: str
    title: str
    kind: str
    workload: str  # generator scenario: conn, pairs, fan-in, fan-out
    params: dict
    metrics: list
    configs: tuple = ("pregon", "mosquitto")
    runs: int = 3  # in a full run; --quick makes it 1
    quick: dict = field(default_factory=dict)  # params overridden by --quick
    # The ratio reported is subject / baseline; the two alternate which runs first in each round.
    subject: str = "pregon"
    baseline: str = "mosquitto"
    min_ratio: float = None  # a goal for subject / baseline (higher-is-better metrics), if any

    @property
    def against_mosquitto(self):
        return self.baseline == "mosquitto"


THROUGHPUT = Metric("throughput", "msgs/s", ("result", "throughput"))
DELIVERIES = Metric("deliveries", "msgs/s", ("result", "throughput"))
LOAD_CONFIGS = ("pregon", "mosquitto", "pregon-2t")
# pregon pinned like "pregon", with persistence on (sync batch, a fresh store per run) and off.
DURABLE_CONFIGS = ("pregon-durable", "pregon-memory")
SHORT = {"duration": 2, "warmup": 0.5}


def standard():
    return [
        Scenario("pairs-q0", "50 publisher/subscriber pairs, QoS 0, max rate", "load", "pairs",
                 dict(clients=50, qos=0, size=64, duration=5, warmup=1), [THROUGHPUT],
                 LOAD_CONFIGS, quick=SHORT),
        Scenario("fan-in-q0", "100 publishers -> 1 subscriber, QoS 0, max rate", "load", "fan-in",
                 dict(clients=100, qos=0, size=64, duration=5, warmup=1), [THROUGHPUT],
                 LOAD_CONFIGS, quick=SHORT),
        Scenario("fan-in-q1", "100 publishers -> 1 subscriber, QoS 1, max rate", "load", "fan-in",
                 dict(clients=100, qos=1, size=64, duration=5, warmup=1), [THROUGHPUT],
                 LOAD_CONFIGS, quick=SHORT),
        # The subscriber's session is persistent, so each QoS 1 message is stored before its
        # PUBACK (group commit); the publishers' sessions are clean. Goal: batch keeps at least
        # half of the in-memory throughput.
        Scenario("fan-in-q1-durable",
                 "100 publishers -> 1 persistent subscriber, QoS 1, persistence batch vs off",
                 "load", "fan-in",
                 dict(clients=100, qos=1, size=64, duration=5, warmup=1, persistent=True),
                 [THROUGHPUT], DURABLE_CONFIGS, quick=SHORT,
                 subject="pregon-durable", baseline="pregon-memory", min_ratio=0.5),
        Scenario("fan-out-q0", "1 publisher -> 500 subscribers, QoS 0, max rate", "load", "fan-out",
                 dict(clients=500, qos=0, size=64, duration=5, warmup=1), [DELIVERIES],
                 LOAD_CONFIGS, quick=SHORT),
        Scenario("latency-q1", "50 pairs, QoS 1, 10,000 msg/s in total", "load", "pairs",
                 dict(clients=50, qos=1, size=64, rate=10_000, duration=10, warmup=2),
                 [Metric("p99 latency", "us", ("result", "latency_us", "p99"), False),
                  Metric("p50 latency", "us", ("result", "latency_us", "p50"), False)],
                 quick={"duration": 3, "warmup": 1}),
        Scenario("idle-10k", "10,000 idle connections", "idle", "conn",
                 dict(clients=10_000, connect_rate=5_000, hold=3, duration=3, warmup=0),
                 [Metric("RSS per connection", "bytes", ("extra", "rss_bytes_per_connection"), False),
                  Metric("connected", "conns", ("result", "connected"))],
                 quick={"hold": 1, "duration": 1}),
        Scenario("hold-50k", "50,000 connections held", "idle", "conn",
                 dict(clients=50_000, connect_rate=10_000, hold=5, duration=5, warmup=0),
                 [Metric("connections held", "conns", ("extra", "held")),
                  Metric("RSS per connection", "bytes", ("extra", "rss_bytes_per_connection"), False)],
                 runs=1, quick={"hold": 2, "duration": 2}),
        Scenario("syscalls-q0", "system calls per relayed message: 10 pairs, QoS 0, 20,000 msg/s",
                 "syscalls", "pairs",
                 dict(clients=10, qos=0, size=64, rate=20_000, duration=5, warmup=0),
                 [Metric("syscalls per message", "calls", ("extra", "syscalls_per_message"), False)],
                 runs=1, quick={"duration": 3}),
    ]


def params_for(scenario, quick):
    params = dict(scenario.params)
    if quick:
        params.update(scenario.quick)
    return params


def run_once(lab, scenario, label, params):
    """One run of `scenario` against a fresh broker of configuration `label`: a run record with
    the generator's JSON under "result" and our own measurements under "extra"."""
    if scenario.kind == "idle":
        return _run_idle(lab, scenario, label, params)
    if scenario.kind == "syscalls":
        return _run_syscalls(lab, scenario, label, params)
    return _run_load(lab, scenario, label, params)


def _command(lab, scenario, label, broker, params, extra=()):
    p = dict(params)
    return lab.generator.command(scenario.workload, broker.port, threads=lab.generator_threads(label),
                                 extra=extra, **p)


def _timeout(params):
    connect = params.get("clients", 0) / params.get("connect_rate", 1_000_000)
    return params.get("duration", 0) + params.get("warmup", 0) + params.get("hold", 0) + connect + 60


def _run_load(lab, scenario, label, params):
    if params.get("persistent") and not lab.generator.supports("--persistent"):
        raise SkipRun("the generator has no --persistent option")
    nofile = params["clients"] * 2 + 1024
    broker = lab.start_broker(label, nofile)
    try:
        argv = _command(lab, scenario, label, broker, params)
        cpu_before = broker.cpu_seconds()
        result, wall = lab.generator.run(argv, lab.generator_cpus(label), nofile, _timeout(params))
        extra = {"wall_s": round(wall, 3), "broker_peak_rss_kib": read_status_kib(broker.pid, "VmHWM"),
                 # Below wall_s while the broker waits (for fsync, say) rather than computes.
                 "broker_cpu_s": round(broker.cpu_seconds() - cpu_before, 3)}
        if broker.data_dir is not None:
            extra["store_bytes_after"] = broker.store_bytes()
        record = {"result": result, "extra": extra}
        if not broker.alive():
            raise RuntimeError(f"{label} exited during the run:\n{broker.tail_output()}")
        return record
    finally:
        lab.stop_broker(broker)


def _run_idle(lab, scenario, label, params):
    clients = params["clients"]
    extra_args = []
    reasons = []
    if clients > CONNECTIONS_PER_SOURCE:
        if lab.generator.supports("--sources"):
            count = -(-clients // CONNECTIONS_PER_SOURCE)
            extra_args = ["--sources", str(count)]  # 127.0.0.1 .. 127.0.0.<count>
        else:
            reasons.append(f"{clients} connections need more than one source address and the "
                           "generator has no --sources option")
    nofile = clients + 1024
    limit = lab.nofile_limit(nofile)
    if limit < nofile:
        reasons.append(f"they need RLIMIT_NOFILE {nofile}, the hard limit here is {limit} and "
                       "cannot be raised (needs CAP_SYS_RESOURCE)")
    if reasons:
        raise SkipRun("; ".join(reasons))
    broker = lab.start_broker(label, nofile)
    try:
        time.sleep(0.5)
        rss_before = broker.rss_kib()
        fds_before = broker.fds()
        argv = _command(lab, scenario, label, broker, params, extra_args)
        proc = lab.generator.start(argv, lab.generator_cpus(label), nofile)
        # Wait until the broker holds the connections (one descriptor each), or the generator
        # ends, or connecting takes far longer than the connect rate allows.
        deadline = time.monotonic() + clients / params["connect_rate"] + 30
        held = 0
        while time.monotonic() < deadline and proc.poll() is None:
            held = broker.fds() - fds_before
            if held >= clients:
                break
            time.sleep(0.2)
        time.sleep(0.5)  # let the last CONNACKs and buffers settle
        held = broker.fds() - fds_before
        rss_held = broker.rss_kib()
        result = lab.generator.finish(proc, _timeout(params))
        connected = result.get("connected") or held
        extra = {"rss_before_kib": rss_before, "rss_held_kib": rss_held, "held": held,
                 "rss_bytes_per_connection": round((rss_held - rss_before) * 1024 / max(connected, 1), 1),
                 "all_held": held >= clients and result.get("failed", 0) == 0}
        if not broker.alive():
            raise RuntimeError(f"{label} exited while holding connections:\n{broker.tail_output()}")
        return {"result": result, "extra": extra}
    finally:
        lab.stop_broker(broker)


def _run_syscalls(lab, scenario, label, params):
    nofile = params["clients"] * 2 + 1024
    broker = lab.start_broker(label, nofile)
    counter = None
    try:
        counter = SyscallCounter(broker.pid, lab.workdir, lab.syscall_method).start()
        argv = _command(lab, scenario, label, broker, params)
        result, wall = lab.generator.run(argv, lab.generator_cpus(label), nofile, _timeout(params))
        calls = counter.stop()
        counter = None
        relayed = result.get("received") or 0
        extra = {"syscalls": calls, "relayed": relayed, "method": lab.syscall_method,
                 "syscalls_per_message": round(calls / relayed, 3) if relayed else None,
                 "wall_s": round(wall, 3)}
        return {"result": result, "extra": extra}
    finally:
        if counter is not None:
            counter.abandon()
        lab.stop_broker(broker)


class SkipRun(Exception):
    """The run cannot happen on this machine; the reason is reported instead of a figure."""
