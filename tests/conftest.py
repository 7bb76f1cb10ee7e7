"""Fixtures that run a real broker process on a free loopback port.

The binary is taken from $PREGON_BIN (default: build/release/pregon). Each test that asks for
`broker` gets a fresh process with its own configuration; `make_broker(**settings)` starts one with
extra TOML settings (see README.md, "Configuration"), e.g. make_broker(limits={"max_packet_size": 256}).

With PREGON_TEST_AGAINST=mosquitto the same fixtures start the system's mosquitto with an equivalent
configuration instead, to prove the tests themselves right against a reference broker. A setting
mosquitto cannot express skips the test (saying which). Markers:
  @pytest.mark.pregon_only("why")          skipped against mosquitto (behaviour only pregon has)
  @pytest.mark.mosquitto_xfail("how")      expected to fail against mosquitto (it deviates there)
Both brokers are stopped with SIGTERM at teardown and must exit with status 0.
"""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = os.environ.get("PREGON_BIN", str(ROOT / "build" / "release" / "pregon"))
MOSQUITTO_BIN = os.environ.get("MOSQUITTO_BIN", "/usr/sbin/mosquitto")

# Test modules import the shared helpers as `support.*`, whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.mode import AGAINST, against_mosquitto  # noqa: E402


def _port_slice():
    """This test worker's own slice of ports below the kernel's ephemeral range. A port the kernel
    handed out with bind(0) and that was then released can be handed out again, to a parallel
    worker or as a client's source port, before the broker binds it; ports outside the ephemeral
    range, split between workers, cannot."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    first, last = 10000, max(low, 12000)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    workers = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")), index + 1)
    size = (last - first) // workers
    return first + index * size, size


_PORTS = {"next": 0}


def free_port():
    """A loopback port nothing listens on, from this worker's slice, in turn."""
    start, size = _port_slice()
    for _ in range(size):
        port = start + _PORTS["next"] % size
        _PORTS["next"] += 1
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in this worker's slice")


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_toml(settings):
    """Top-level scalars first, then one [table] per dict value and one [[table]] per dict in a
    list value."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in settings.items() if not isinstance(v, (dict, list))]
    for k, v in settings.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
        elif isinstance(v, list):
            for entry in v:
                lines.append(f"[[{k}]]")
                lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in entry.items()]
    return "\n".join(lines) + "\n"


class Broker:
    """A pregon process. host, port, http_port, proc, log (path), config (path); stop(), log_text()."""
    kind = "pregon"
    config_suffix = ".toml"

    def __init__(self, tmp_path, settings):
        self.host = "127.0.0.1"
        self.port = free_port()
        merged = {"threads": 2, "log_level": "debug"}
        for k, v in settings.items():
            if isinstance(v, dict):
                merged.setdefault(k, {}).update(v)
            else:
                merged[k] = v
        merged.setdefault("listener", {}).update({"bind": self.host, "port": self.port})
        if self.kind == "pregon":
            # Persistence stays on, as by default, in a directory of this broker's own.
            merged.setdefault("persistence", {}).setdefault("dir", str(tmp_path / f"data-{self.port}"))
            # The monitoring HTTP server too, on a free port of its own (default: 18083 for all).
            merged.setdefault("http", {}).setdefault("port", free_port())
        self.http_port = merged.get("http", {}).get("port")
        self.settings = merged
        self.config = tmp_path / f"{self.kind}-{self.port}{self.config_suffix}"
        self.config.write_text(self.render_config(merged))
        self.log = tmp_path / f"{self.kind}-{self.port}.log"
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(self.command(), stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}:\n{self.log.read_text()}")
            if self.ready():
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} did not start listening:\n{self.log_text()}")
            time.sleep(0.02)  # polling for the listener to appear; there is no event to wait on

    def ready(self):
        # The log line, not a probe connection: a probe would still count against
        # limits.max_connections until the broker has seen it close.
        return "listening on" in self.log.read_text(errors="replace")

    def render_config(self, settings):
        return render_toml(settings)

    def command(self):
        return [BIN, "--config", str(self.config)]

    def stop(self):
        """SIGTERM; asserts a clean exit (under ASan this includes no leak report)."""
        if getattr(self, "killed", False):
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.kind} did not stop on SIGTERM")
        self._log_file.close()
        assert self.proc.returncode == 0, f"{self.kind} exited with {self.proc.returncode}:\n{self.log.read_text()[-5000:]}"

    def kill(self):
        """SIGKILL: a crash. The process gets no chance to write anything more."""
        self.killed = True
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log_file.close()

    def rss_kib(self):
        """The process's resident memory (VmRSS), in KiB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def wait_for_log(self, text, timeout=30):
        """Waits until `text` appears in the log: for events the broker reports only there."""
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            assert time.monotonic() < deadline, f"no {text!r} in the {self.kind} log"
            time.sleep(0.05)

    def log_text(self):
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text(errors="replace")


# pregon setting -> mosquitto option, for the settings mosquitto can express.
MOSQUITTO_LIMITS = {
    "max_packet_size": "max_packet_size",
    "max_keep_alive": "max_keepalive",
    "max_inflight_messages": "max_inflight_messages",
    "max_queued_messages": "max_queued_messages",
    "retain_available": "retain_available",
    "maximum_qos": "max_qos",
    "topic_alias_maximum": "max_topic_alias",
}
# Settings with no effect on protocol behaviour, ignored for mosquitto.
# [http] and sys_interval: mosquitto has no HTTP server and publishes $SYS on its own schedule.
MOSQUITTO_IGNORED = {"threads", "log_level", "listener", "persistence", "http", "sys_interval"}


class MosquittoBroker(Broker):
    """The reference broker: mosquitto with the configuration equivalent to the pregon settings."""
    kind = "mosquitto"
    config_suffix = ".conf"

    def render_config(self, settings):
        lines = [f"listener {self.port} {self.host}", "allow_anonymous true", "persistence false",
                 "log_dest stdout", "log_type all", "connection_messages true"]
        if os.geteuid() == 0:
            lines.append("user root")  # keep the inherited log descriptor and tmp files usable
        for key, value in settings.items():
            if key in MOSQUITTO_IGNORED:
                continue
            if key != "limits":
                pytest.skip(f"mosquitto cannot express the setting {key!r}")
            for lk, lv in value.items():
                if lk not in MOSQUITTO_LIMITS:
                    pytest.skip(f"mosquitto cannot express the setting limits.{lk}")
                lines.append(f"{MOSQUITTO_LIMITS[lk]} {_mosquitto_value(lv)}")
        return "\n".join(lines) + "\n"

    def command(self):
        return [MOSQUITTO_BIN, "-c", str(self.config)]

    def ready(self):
        try:
            socket.create_connection((self.host, self.port), timeout=1).close()
            return True
        except OSError:
            return False


def _mosquitto_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


BROKER_CLASS = MosquittoBroker if against_mosquitto() else Broker


def pytest_configure(config):
    config.addinivalue_line("markers", "pregon_only(reason): checks behaviour only pregon has; "
                            "skipped when PREGON_TEST_AGAINST=mosquitto")
    config.addinivalue_line("markers", "mosquitto_xfail(reason, strict=True): mosquitto deviates "
                            "from the spec here; expected to fail when PREGON_TEST_AGAINST=mosquitto")


def pytest_report_header(config):
    return f"broker under test: {AGAINST} ({MOSQUITTO_BIN if against_mosquitto() else BIN})"


def pytest_collection_modifyitems(config, items):
    if not against_mosquitto():
        return
    for item in items:
        m = item.get_closest_marker("pregon_only")
        if m is not None:
            why = m.args[0] if m.args else m.kwargs.get("reason", "pregon-only behaviour")
            item.add_marker(pytest.mark.skip(reason=f"pregon only: {why}"))
        m = item.get_closest_marker("mosquitto_xfail")
        if m is not None:
            why = m.args[0] if m.args else m.kwargs.get("reason", "mosquitto deviates")
            item.add_marker(pytest.mark.xfail(reason=f"mosquitto deviates: {why}",
                                              strict=m.kwargs.get("strict", True)))


@pytest.fixture
def make_broker(tmp_path):
    brokers = []

    def start(**settings):
        b = BROKER_CLASS(tmp_path, settings)
        brokers.append(b)
        return b

    yield start
    for b in brokers:
        b.stop()


@pytest.fixture
def broker(make_broker):
    return make_broker()
