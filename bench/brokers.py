"""Brokers under test: start, observe and stop pregon and Debian's mosquitto on loopback.

Each Broker runs one process on a free 127.0.0.1 port, optionally pinned to CPUs with taskset and
with a raised open-file limit. Every started broker is remembered in a BrokerSet so that the
caller can stop all of them on any exit path (exceptions, SIGINT, SIGTERM).
"""

import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time

LOOPBACK = "127.0.0.1"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class CpuPlan:
    """Which CPUs the broker and the load generator run on.

    With two or more usable CPUs the broker gets the first and the generator the second, so that
    neither steals cycles from the other. With one CPU nothing is pinned (and `pinned` says so).
    """

    def __init__(self, cpus=None):
        available = sorted(cpus if cpus is not None else os.sched_getaffinity(0))
        self.available = available
        self.pinned = len(available) >= 2 and shutil.which("taskset") is not None
        self.broker = [available[0]] if self.pinned else []
        self.generator = [available[1]] if self.pinned else []

    def describe(self):
        if not self.pinned:
            return "unpinned (fewer than 2 usable CPUs, or no taskset)"
        return f"broker on CPU {self.broker[0]}, generator on CPU {self.generator[0]}"


def taskset_prefix(cpus):
    return ["taskset", "-c", ",".join(str(c) for c in cpus)] if cpus else []


def nofile_limit(want):
    """The open-file limit a child can get: `want`, or the hard limit when it cannot be raised."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard >= want:
        return want
    try:  # raising the hard limit needs CAP_SYS_RESOURCE; probe it in a throwaway child
        probe = subprocess.run(["prlimit", f"--nofile={want}:{want}", "true"],
                               capture_output=True, timeout=10)
        if probe.returncode == 0:
            return want
    except (OSError, subprocess.TimeoutExpired):
        pass
    return hard


def raise_nofile(want):
    """A preexec_fn that gives the child RLIMIT_NOFILE of min(want, what is allowed)."""
    limit = nofile_limit(want)

    def apply():
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
        except (ValueError, OSError):
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    return apply


def wait_for_port(port, proc, timeout):
    """True once something accepts TCP connections on 127.0.0.1:port; False if `proc` died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def read_status_kib(pid, field):
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, ...), in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def process_cpu_seconds(pid):
    """utime + stime of /proc/<pid>/stat (fields 14 and 15, after the parenthesised name)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Broker:
    """One broker process. `label` names the configuration in results ("pregon", "pregon-2t",
    "mosquitto"); `product` names the program ("pregon" or "mosquitto")."""

    def __init__(self, label, product, argv, port, workdir, cpus=(), nofile=4096, data_dir=None):
        self.label = label
        self.product = product
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.cpus = list(cpus)
        self.nofile = nofile
        self.data_dir = data_dir  # pregon's persistence store, removed when the broker stops
        self.proc = None
        self.output_path = os.path.join(workdir, f"{label}.out")

    @property
    def pid(self):
        return self.proc.pid

    def start(self, timeout=10.0):
        cmd = taskset_prefix(self.cpus) + self.argv
        with open(self.output_path, "ab") as out:
            # exec through taskset keeps one pid: the broker's own, which /proc and strace need.
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.workdir,
                                         preexec_fn=raise_nofile(self.nofile))
        if not wait_for_port(self.port, self.proc, timeout):
            self.stop()
            raise RuntimeError(f"{self.label} did not start on port {self.port}; see {self.output_path}:\n"
                               + self.tail_output())
        return self

    def tail_output(self, lines=20):
        try:
            with open(self.output_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kib(self):
        return read_status_kib(self.pid, "VmRSS")

    def fds(self):
        return fd_count(self.pid)

    def cpu_seconds(self):
        """User plus system CPU time the broker used so far, all its threads together."""
        return process_cpu_seconds(self.pid)

    def store_bytes(self):
        """Bytes in the persistence store right now (None without one)."""
        if self.data_dir is None:
            return None
        total = 0
        for parent, _dirs, files in os.walk(self.data_dir):
            for name in files:
                try:
                    total += os.path.getsize(os.path.join(parent, name))
                except OSError:
                    pass  # RocksDB removed it meanwhile
        return total

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after `timeout`. Returns the exit status (None if never started)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.data_dir is not None:
            # Each run gets a fresh store; the next one must not find (or pay for) this one's files.
            shutil.rmtree(os.path.dirname(self.data_dir), ignore_errors=True)
        return self.proc.returncode


class BrokerSet:
    """Remembers every broker started so that stop_all() can end them on any exit path."""

    def __init__(self):
        self._brokers = []

    def start(self, broker):
        self._brokers.append(broker)
        return broker.start()

    def stop(self, broker):
        status = broker.stop()
        if broker in self._brokers:
            self._brokers.remove(broker)
        return status

    def stop_all(self):
        while self._brokers:
            self._brokers.pop().stop(timeout=5.0)


def pregon_broker(binary, label, threads, workdir, cpus=(), nofile=4096, max_queued=1_000_000,
                  sync=None):
    """pregon with a generated configuration: loopback listener, warn logging, and a session
    queue as deep as mosquitto's below, so that neither broker drops QoS 1 messages the other
    would keep.

    `sync` None: persistence off, like mosquitto below (clean sessions would write nothing
    anyway). Otherwise persistence on with that sync mode ("batch", "always", "none") and a
    store of its own under `workdir`, new for this broker and removed when it stops."""
    port = free_port()
    config = os.path.join(workdir, f"{label}.toml")
    data_dir = None
    if sync is None:
        persistence = "[persistence]\nenabled = false\n"
    else:
        # A directory that does not exist yet: pregon creates the store in it.
        data_dir = os.path.join(tempfile.mkdtemp(prefix=f"{label}-store-", dir=workdir), "data")
        persistence = f'[persistence]\nenabled = true\ndir = "{data_dir}"\nsync = "{sync}"\n'
    with open(config, "w", encoding="ascii") as f:
        f.write(f'threads = {threads}\nlog_level = "warn"\n\n'
                f'[listener]\nbind = "{LOOPBACK}"\nport = {port}\n\n'
                f"[limits]\nmax_queued_messages = {max_queued}\n\n"
                + persistence)
    argv = [binary, "--config", config, "--port", str(port), "--threads", str(threads),
            "--log-level", "warn"]
    return Broker(label, "pregon", argv, port, workdir, cpus, nofile, data_dir)


def mosquitto_broker(binary, label, workdir, cpus=(), nofile=4096, max_queued=1_000_000,
                     max_inflight=1024):
    """Debian's mosquitto with a generated configuration matching pregon's limits: the same
    in-flight window (pregon's default max_inflight_messages; mosquitto's own default is 20),
    a deep queue, TCP_NODELAY as pregon sets it, no persistence, no connection limit."""
    port = free_port()
    config = os.path.join(workdir, f"{label}.conf")
    log = os.path.join(workdir, f"{label}.log")
    lines = [
        f"listener {port} {LOOPBACK}",
        "allow_anonymous true",
        "max_connections -1",
        f"max_queued_messages {max_queued}",
        f"max_inflight_messages {max_inflight}",
        "set_tcp_nodelay true",
        "persistence false",
        f"log_dest file {log}",
        "log_type error",
        "log_type warning",
    ]
    if os.geteuid() == 0:
        lines.append("user root")  # otherwise it drops to user mosquitto, which cannot write `log`
    with open(config, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    return Broker(label, "mosquitto", [binary, "-c", config], port, workdir, cpus, nofile)


def version_of(argv):
    """First line a program prints about its version, or "unknown"."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "unknown"
