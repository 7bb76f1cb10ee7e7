"""Fixtures that run a real pregon process on a free loopback port.

The binary is taken from $PREGON_BIN (default: build/release/pregon). Each test that asks for
`broker` gets a fresh process with its own configuration; `make_broker(**settings)` starts one with
extra TOML settings (see README.md, "Configuration"), e.g. make_broker(limits={"max_packet_size": 256}).
"""
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("PREGON_BIN", str(ROOT / "build" / "release" / "pregon"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_toml(settings):
    """Top-level scalars first, then one [table] per dict value."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in settings.items() if not isinstance(v, dict)]
    for k, v in settings.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


class Broker:
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
        self.config = tmp_path / f"pregon-{self.port}.toml"
        self.config.write_text(render_toml(merged))
        self.log = tmp_path / f"pregon-{self.port}.log"
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen([BIN, "--config", str(self.config)],
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pregon exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)  # polling for the listener to appear; there is no event to wait on

    def stop(self):
        """SIGTERM; asserts a clean exit (under ASan this includes no leak report)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("pregon did not stop on SIGTERM")
        self._log_file.close()
        assert self.proc.returncode == 0, f"pregon exited with {self.proc.returncode}:\n{self.log.read_text()[-5000:]}"

    def log_text(self):
        self._log_file.flush()
        return self.log.read_text(errors="replace")


@pytest.fixture
def make_broker(tmp_path):
    brokers = []

    def start(**settings):
        b = Broker(tmp_path, settings)
        brokers.append(b)
        return b

    yield start
    for b in brokers:
        b.stop()


@pytest.fixture
def broker(make_broker):
    return make_broker()
