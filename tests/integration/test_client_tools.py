"""`pregon pub` and `pregon sub` against a running broker, and against the mosquitto tools.

Each subscriber is started with -d so that the test can wait for its SUBACK (a line on stderr)
before publishing, instead of sleeping and hoping.
"""
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BIN, free_port
from support.tool_process import TIMEOUT, Sub

paho = pytest.importorskip("paho.mqtt.client")


def start_sub(broker, *args):
    return Sub(broker, "-d", *args).wait_subscribed()


def pub(broker, *args, stdin=None):
    return subprocess.run([BIN, "pub", "-h", broker.host, "-p", str(broker.port), *args],
                          input=stdin, capture_output=True, timeout=TIMEOUT)


def run_tool(*args):
    return subprocess.run([BIN, *args], capture_output=True, timeout=TIMEOUT)


@pytest.mark.parametrize("version", ["311", "5", "31"])
def test_sub_receives_what_pub_sends(broker, version):
    sub = start_sub(broker, "-V", version, "-t", "tools/basic", "-C", "1", "-v")
    r = pub(broker, "-V", version, "-t", "tools/basic", "-m", "hello world")
    assert r.returncode == 0, r.stderr
    assert sub.finish() == (0, b"tools/basic hello world\n")


@pytest.mark.parametrize("qos", ["1", "2"])
@pytest.mark.parametrize("version", ["311", "5"])
def test_qos_flows(broker, qos, version):
    sub = start_sub(broker, "-V", version, "-q", qos, "-t", "tools/qos", "-C", "1", "-F", "%q %t %p")
    r = pub(broker, "-V", version, "-q", qos, "-t", "tools/qos", "-m", "payload", "-d")
    assert r.returncode == 0, r.stderr
    expected_ack = b"received PUBACK" if qos == "1" else b"received PUBCOMP"
    assert expected_ack in r.stderr
    assert sub.finish() == (0, f"{qos} tools/qos payload\n".encode())


def test_retained_message_reaches_later_subscriber(broker):
    assert pub(broker, "-t", "tools/retained", "-m", "kept", "-r", "-q", "1").returncode == 0
    r = subprocess.run([BIN, "sub", "-h", broker.host, "-p", str(broker.port), "-t", "tools/retained",
                        "-C", "1", "-F", "%r %p"], capture_output=True, timeout=TIMEOUT)
    assert (r.returncode, r.stdout) == (0, b"1 kept\n")
    # -R hides the stale message, so nothing arrives before -W ends the run with status 27.
    r = subprocess.run([BIN, "sub", "-h", broker.host, "-p", str(broker.port), "-t", "tools/retained",
                        "-R", "-W", "1"], capture_output=True, timeout=TIMEOUT)
    assert (r.returncode, r.stdout) == (27, b"")
    assert b"Timed out" in r.stderr
    # An empty retained message clears it.
    assert pub(broker, "-t", "tools/retained", "-n", "-r").returncode == 0


def test_lines_from_stdin(broker):
    sub = start_sub(broker, "-t", "tools/lines", "-C", "4", "-q", "1")
    r = pub(broker, "-t", "tools/lines", "-l", "-q", "1", stdin=b"one\ntwo\n\nlast without newline")
    assert r.returncode == 0, r.stderr
    assert sub.finish() == (0, b"one\ntwo\n\nlast without newline\n")


def test_whole_stdin_and_file_and_null(broker, tmp_path):
    sub = start_sub(broker, "-t", "tools/payload", "-C", "3", "-F", "%l:%x")
    payload_file = tmp_path / "payload.bin"
    payload_file.write_bytes(b"\x00\x01file\n")
    assert pub(broker, "-t", "tools/payload", "-f", str(payload_file)).returncode == 0
    assert pub(broker, "-t", "tools/payload", "-s", stdin=b"a\nb\n").returncode == 0
    assert pub(broker, "-t", "tools/payload", "-n").returncode == 0
    code, out = sub.finish()
    assert code == 0
    assert out == b"7:000166696c650a\n4:610a620a\n0:\n"


def test_missing_file_is_an_error(broker, tmp_path):
    r = pub(broker, "-t", "x", "-f", str(tmp_path / "absent"))
    assert r.returncode == 1
    assert r.stderr.startswith(b"Error: Unable to read file")


def test_repeat(broker):
    sub = start_sub(broker, "-t", "tools/repeat", "-C", "3")
    r = pub(broker, "-t", "tools/repeat", "-m", "again", "--repeat", "3", "--repeat-delay", "0.1")
    assert r.returncode == 0, r.stderr
    assert sub.finish() == (0, b"again\nagain\nagain\n")


def test_filter_out(broker):
    sub = start_sub(broker, "-t", "tools/f/#", "-T", "tools/f/hidden/#", "-C", "1", "-v")
    assert pub(broker, "-t", "tools/f/hidden/x", "-m", "no").returncode == 0
    assert pub(broker, "-t", "tools/f/shown", "-m", "yes").returncode == 0
    assert sub.finish() == (0, b"tools/f/shown yes\n")


def test_user_properties_reach_a_v5_subscriber(broker):
    got = queue.Queue()
    client = paho.Client(client_id="tools-v5-observer", protocol=paho.MQTTv5)
    client.on_message = lambda c, u, msg: got.put(msg)
    subscribed = threading.Event()
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        client.subscribe("tools/props", qos=1)
        assert subscribed.wait(TIMEOUT)
        r = pub(broker, "-V", "5", "-q", "1", "-t", "tools/props", "-m", "p",
                "--user-property", "colour", "blue", "--user-property", "size", "10",
                "-e", "tools/reply", "--correlation-data", "abc", "--content-type", "text/plain")
        assert r.returncode == 0, r.stderr
        msg = got.get(timeout=TIMEOUT)
        assert msg.payload == b"p"
        assert msg.properties.UserProperty == [("colour", "blue"), ("size", "10")]
        assert msg.properties.ResponseTopic == "tools/reply"
        assert msg.properties.CorrelationData == b"abc"
        assert msg.properties.ContentType == "text/plain"
    finally:
        client.loop_stop()
        client.disconnect()


def test_sub_prints_v5_properties(broker):
    sub = start_sub(broker, "-V", "5", "-t", "tools/fmt", "-C", "1", "-F", "%P|%R|%C")
    r = pub(broker, "-V", "5", "-t", "tools/fmt", "-m", "x", "--user-property", "k", "v",
            "-e", "tools/back", "--content-type", "ct")
    assert r.returncode == 0, r.stderr
    assert sub.finish() == (0, b"k:v|tools/back|ct\n")


def test_will_is_published_when_the_subscriber_dies(broker):
    watcher = start_sub(broker, "-t", "tools/will", "-C", "1", "-v")
    doomed = start_sub(broker, "-t", "tools/nothing", "--will-topic", "tools/will", "--will-payload", "gone",
                       "-k", "5")
    doomed.proc.kill()  # no DISCONNECT: the broker must publish the will
    doomed.proc.wait()
    assert watcher.finish() == (0, b"tools/will gone\n")


def test_sigterm_disconnects_cleanly_without_will(broker):
    watcher = start_sub(broker, "-t", "tools/will2", "-W", "2")
    sub = start_sub(broker, "-t", "tools/nothing", "--will-topic", "tools/will2", "--will-payload", "gone")
    sub.proc.send_signal(signal.SIGTERM)
    code, _ = sub.finish()
    assert code == 0
    assert "sending DISCONNECT" in "".join(sub.stderr)
    assert watcher.finish() == (27, b"")


def test_exit_after_subscribe(broker):
    r = subprocess.run([BIN, "sub", "-h", broker.host, "-p", str(broker.port), "-t", "tools/e", "-E"],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr


@pytest.mark.pregon_only("mosquitto accepts 3.1 client identifiers longer than 23 bytes")
def test_identifier_rejected_exit_code(broker):
    # MQTT 3.1 limits client identifiers to 23 bytes; the broker answers CONNACK 2.
    r = pub(broker, "-V", "31", "-i", "x" * 30, "-t", "t", "-m", "m")
    assert r.returncode == 2
    assert r.stderr == b"Connection error: Identifier rejected\n"


class RefusingBroker:
    """Accepts one connection, reads the CONNECT, answers with a fixed CONNACK and closes."""

    def __init__(self, connack):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.connack = connack
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(TIMEOUT)
            conn.recv(65536)  # the CONNECT; its content does not matter here
            conn.sendall(self.connack)
        self.sock.close()


@pytest.mark.parametrize("version, connack, status, message", [
    ("311", b"\x20\x02\x00\x05", 5, b"Connection error: Not authorized\n"),
    ("31", b"\x20\x02\x00\x04", 4, b"Connection error: Bad user name or password\n"),
    ("5", b"\x20\x03\x00\x87\x00", 135, b"Connection error: Not authorized\n"),
    ("5", b"\x20\x03\x00\x8a\x00", 138, b"Connection error: Banned\n"),
])
@pytest.mark.parametrize("tool", ["pub", "sub"])
def test_connack_refusal_reason_and_exit_status(tool, version, connack, status, message):
    fake = RefusingBroker(connack)
    args = ["-t", "t", "-m", "m"] if tool == "pub" else ["-t", "t"]
    r = run_tool(tool, "-h", "127.0.0.1", "-p", str(fake.port), "-V", version, *args)
    assert (r.returncode, r.stderr) == (status, message)


def test_connection_refused():
    r = run_tool("pub", "-h", "127.0.0.1", "-p", str(free_port()), "-t", "t", "-m", "m")
    assert r.returncode == 1
    assert r.stderr == b"Error: Connection refused\n"
    r = run_tool("pub", "--quiet", "-h", "127.0.0.1", "-p", str(free_port()), "-t", "t", "-m", "m")
    assert (r.returncode, r.stderr) == (1, b"")


@pytest.mark.parametrize("args, message", [
    (["pub", "-m", "m"], b"--topic is required"),
    (["pub", "-t", "a/#", "-m", "m"], b"Invalid topic"),
    (["pub", "-t", "a", "-m", "m", "-n"], b"exactly one of"),
    (["pub", "-t", "a", "-m", "m", "-q", "3"], b"Invalid QoS 3"),
    (["pub", "-t", "a", "-m", "m", "-V", "4"], b"Invalid protocol version"),
    (["pub", "-t", "a", "-m", "m", "--user-property", "a", "b"], b"needs MQTT 5.0"),
    (["pub", "-t", "a", "-m", "m", "-c"], b"-c needs a client id"),
    (["sub", "-v"], b"at least one topic filter"),
    (["sub", "-t", "a/#/b"], b"Invalid topic filter"),
    (["sub", "-t", "a", "--nl"], b"need MQTT 5.0"),
    (["sub", "-t", "a", "--bogus"], b"bogus"),
])
def test_bad_options(args, message):
    r = run_tool(*args)
    assert r.returncode == 1
    assert r.stderr.startswith(b"Error: ")
    assert message in r.stderr


def test_help():
    for tool in ("pub", "sub"):
        r = run_tool(tool, "--help")
        assert r.returncode == 0
        assert b"--topic" in r.stdout


@pytest.mark.skipif(not shutil.which("mosquitto_sub"), reason="mosquitto clients not installed")
def test_pregon_pub_to_mosquitto_sub(broker):
    # stdbuf: mosquitto_sub prints its debug lines on stdout, which is block-buffered into a pipe.
    proc = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-t", "tools/interop",
                             "-C", "2", "-v", "-q", "2", "-d"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = []
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if b"SUBACK" in line:
            break
    assert any(b"SUBACK" in l for l in lines), lines
    assert pub(broker, "-t", "tools/interop", "-m", "from pregon", "-q", "2").returncode == 0
    assert pub(broker, "-V", "5", "-t", "tools/interop", "-m", "v5 too", "-q", "1").returncode == 0
    out, _ = proc.communicate(timeout=TIMEOUT)
    printed = [l for l in out.splitlines() if l.startswith(b"tools/interop ")]
    # Order may differ: mosquitto_sub prints a QoS 2 message at PUBREL, which can come after the
    # next message's PUBLISH.
    assert sorted(printed) == [b"tools/interop from pregon", b"tools/interop v5 too"]
    assert proc.returncode == 0


@pytest.mark.skipif(not shutil.which("mosquitto_pub"), reason="mosquitto clients not installed")
@pytest.mark.parametrize("version", ["mqttv311", "mqttv5"])
def test_mosquitto_pub_to_pregon_sub(broker, version):
    sub = start_sub(broker, "-V", version, "-t", "tools/interop2", "-C", "2", "-q", "2", "-v")
    for qos in ("1", "2"):
        r = subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-V", version,
                            "-t", "tools/interop2", "-m", f"from mosquitto q{qos}", "-q", qos],
                           capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
    assert sub.finish() == (0, b"tools/interop2 from mosquitto q1\ntools/interop2 from mosquitto q2\n")
