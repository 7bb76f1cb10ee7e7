"""The broker's command line: start-up banner, configuration errors, signals, connection logs."""
import signal
import subprocess
import time

import pytest

from conftest import BIN, free_port
from support.paho_client import PahoClient

pytestmark = pytest.mark.pregon_only("pregon's own command line")


def run(args, timeout=10):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


def test_bad_configuration_names_file_line_key_and_problem(tmp_path):
    conf = tmp_path / "bad.toml"
    conf.write_text('threads = 1\n\n[listener]\nport = 0\n')
    r = run(["--config", str(conf)])
    assert r.returncode == 1
    assert f"{conf}:4:" in r.stderr and "listener.port" in r.stderr and "out of range" in r.stderr


def test_unknown_key_is_refused(tmp_path):
    conf = tmp_path / "typo.toml"
    conf.write_text('[limits]\nmax_pakcet_size = 10\n')
    r = run(["--config", str(conf)])
    assert r.returncode == 1 and "limits.max_pakcet_size" in r.stderr


def test_version_flag():
    r = run(["--version"])
    assert r.returncode == 0 and r.stdout.strip()


def start(args, data_dir):
    port = free_port()
    proc = subprocess.Popen([BIN, "--port", str(port), "--http-port", str(free_port()), "--threads", "2",
                             "--data-dir", str(data_dir), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:  # the banner is the event that says the broker is up
        lines.append(line)
        if "listening on" in line:
            break
    return proc, port, lines


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_default_banner_says_anonymous_and_signals_stop_cleanly(sig, tmp_path):
    proc, port, lines = start([], tmp_path / "data")
    assert any(f"127.0.0.1:{port}" in l for l in lines)
    proc.send_signal(sig)
    rest = proc.communicate(timeout=30)[0]
    banner = "".join(lines) + rest
    assert "anonymous" in banner
    assert proc.returncode == 0


def test_one_log_line_per_connect_and_disconnect(broker):
    c = PahoClient(broker, "log-me-please")
    c.disconnect()
    c2 = PahoClient(broker, "dropped-client")
    c2.close_abruptly()
    # The broker notices the dropped socket asynchronously: await its log line before stopping it,
    # or shutdown could close the connection first.
    deadline = time.monotonic() + 10
    while "client=dropped-client" not in "".join(l for l in broker.log_text().splitlines() if "disconnected" in l):
        assert time.monotonic() < deadline, "no disconnect logged for dropped-client"
        time.sleep(0.02)
    broker.stop()
    log = broker.log_text()
    connected = [l for l in log.splitlines() if "client connected" in l and "log-me-please" in l]
    gone = [l for l in log.splitlines() if "client disconnected" in l and "log-me-please" in l]
    assert len(connected) == 1 and "client=log-me-please peer=127.0.0.1:" in connected[0]
    assert len(gone) == 1 and "reason=" in gone[0]
    lost = [l for l in log.splitlines() if "client disconnected" in l and "dropped-client" in l]
    assert len(lost) == 1 and "connection lost" in lost[0]
