"""`pregon bench`, `pregon pub` and `pregon sub` over TLS, WebSocket and WSS: one broker with a
listener of each kind; load without loss, round trips, client certificates, and the errors for a
wrong CA and an unknown WebSocket path."""
import json
import subprocess
import types

import pytest

from conftest import BIN, free_port
from support.tls_pki import Pki
from support.tool_process import TIMEOUT, Sub

pytestmark = pytest.mark.pregon_only("TLS, WebSocket and WSS listeners of pregon's configuration")

BENCH_TIMEOUT = 60


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.ca_cert = p.ca("pregon test CA")
    p.server = p.cert(p.ca_cert, "server", cn="localhost", san="IP:127.0.0.1,DNS:localhost")
    p.device = p.cert(p.ca_cert, "device", cn="device-1")
    p.rogue_ca = p.ca("rogue CA")
    return p


@pytest.fixture
def endpoints(make_broker, pki):
    """A broker with a TLS, a WebSocket, a WSS and a client-certificate TLS listener; returns the
    command-line options that reach each one, by name."""
    ports = {name: free_port() for name in ("tls", "ws", "wss", "mtls")}
    server = {"tls_cert_file": str(pki.server.cert), "tls_key_file": str(pki.server.key)}
    listeners = [
        {"bind": "127.0.0.1", "port": ports["tls"], **server},
        {"bind": "127.0.0.1", "port": ports["ws"], "protocol": "websocket"},
        {"bind": "127.0.0.1", "port": ports["wss"], "protocol": "websocket", **server},
        {"bind": "127.0.0.1", "port": ports["mtls"], "tls_ca_file": str(pki.ca_cert.cert),
         "tls_client_certificates": "required", **server},
    ]
    make_broker(listeners=listeners)
    ca = ["--cafile", str(pki.ca_cert.cert)]
    return types.SimpleNamespace(
        host="127.0.0.1", ports=ports,
        options={"tls": ca, "ws": ["--ws"], "wss": ["--ws", *ca],
                 "mtls": [*ca, "--cert", str(pki.device.cert), "--key", str(pki.device.key)]})


TRANSPORTS = ["tls", "ws", "wss"]


def at(endpoints, name):
    return types.SimpleNamespace(host=endpoints.host, port=endpoints.ports[name])


def bench(endpoints, name, *args, options=None):
    cmd = [BIN, "bench", *args, "-h", endpoints.host, "-p", str(endpoints.ports[name]), "--json",
           *(endpoints.options[name] if options is None else options)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=BENCH_TIMEOUT)


def pub(endpoints, name, *args, options=None):
    return subprocess.run([BIN, "pub", "-h", endpoints.host, "-p", str(endpoints.ports[name]), *args,
                           *(endpoints.options[name] if options is None else options)],
                          capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("qos", [0, 1])
@pytest.mark.parametrize("scenario", ["pairs", "fan-in"])
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bench_without_loss(endpoints, transport, scenario, qos):
    proc = bench(endpoints, transport, scenario, "-n", "3", "-q", str(qos), "-d", "1", "--warmup", "0", "-s", "100")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["transport"] == transport
    assert r["errors"] == 0
    assert r["sent"] > 0
    assert r["loss"] == 0 and r["duplicates"] == 0
    assert r["received"] == r["expected"] == r["sent"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bench_conn_counts_the_handshakes(endpoints, transport):
    proc = bench(endpoints, transport, "conn", "-n", "20", "--hold", "0")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["connected"] == 20 and r["failed"] == 0 and r["errors"] == 0


def test_bench_with_a_client_certificate(endpoints):
    proc = bench(endpoints, "mtls", "pairs", "-n", "2", "-q", "1", "-d", "0.5", "--warmup", "0")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["loss"] == 0 and r["received"] == r["expected"] > 0


@pytest.mark.parametrize("transport", ["tls", "wss"])
def test_bench_refuses_a_server_of_another_ca(endpoints, pki, transport):
    wrong = ["--cafile", str(pki.rogue_ca.cert)] + (["--ws"] if transport == "wss" else [])
    proc = bench(endpoints, transport, "pairs", "-n", "1", "-d", "0.5", options=wrong)
    assert proc.returncode == 2
    assert "TLS handshake failed: certificate verify failed" in proc.stderr


def test_bench_reports_an_unknown_websocket_path(endpoints):
    proc = bench(endpoints, "ws", "pairs", "-n", "1", "-d", "0.5", options=["--ws", "--ws-path", "/nope"])
    assert proc.returncode == 2
    assert "WebSocket upgrade refused: HTTP/1.1 404 Not Found" in proc.stderr


@pytest.mark.parametrize("version", ["311", "5"])
@pytest.mark.parametrize("transport", TRANSPORTS + ["mtls"])
def test_pub_sub_round_trip(endpoints, transport, version):
    topic = f"transport/{transport}/{version}"
    sub = Sub(at(endpoints, transport), "-d", "-V", version, "-q", "1", "-t", topic, "-C", "2", "-v",
              *endpoints.options[transport]).wait_subscribed()
    # The second spans TLS records; stdout stays below a pipe's buffer (Sub reads it at the end).
    for payload in ("first", "x" * 30000):
        r = pub(endpoints, transport, "-V", version, "-q", "1", "-t", topic, "-m", payload)
        assert r.returncode == 0, r.stderr
    code, out = sub.finish()
    assert code == 0
    assert out == f"{topic} first\n{topic} {'x' * 30000}\n".encode()


def test_client_certificate_is_required_where_asked(endpoints):
    r = pub(endpoints, "mtls", "-t", "transport/nocert", "-m", "x", options=endpoints.options["tls"])
    assert r.returncode == 1
    assert r.stderr.startswith("Error: ")


@pytest.mark.parametrize("transport", ["tls", "wss"])
def test_wrong_ca_is_refused_with_a_clear_error(endpoints, pki, transport):
    wrong = ["--cafile", str(pki.rogue_ca.cert)] + (["--ws"] if transport == "wss" else [])
    r = pub(endpoints, transport, "-t", "transport/rogue", "-m", "x", options=wrong)
    assert r.returncode == 1
    assert r.stderr == ("Error: TLS handshake failed: certificate verify failed "
                        "(unable to get local issuer certificate)\n")
    # --insecure skips the check, TLS stays on.
    r = pub(endpoints, transport, "-t", "transport/rogue", "-m", "x", options=[*wrong, "--insecure"])
    assert r.returncode == 0, r.stderr


def test_unknown_websocket_path_is_a_clear_error(endpoints):
    r = pub(endpoints, "ws", "-t", "transport/path", "-m", "x", options=["--ws", "--ws-path", "/nope"])
    assert r.returncode == 1
    assert r.stderr == "Error: WebSocket upgrade refused: HTTP/1.1 404 Not Found\n"


def test_sub_over_wss_with_a_custom_path(make_broker, pki):
    port = free_port()
    make_broker(listeners=[{"bind": "127.0.0.1", "port": port, "protocol": "websocket", "websocket_path": "/ws/mqtt",
                            "tls_cert_file": str(pki.server.cert), "tls_key_file": str(pki.server.key)}])
    endpoint = types.SimpleNamespace(host="127.0.0.1", port=port)
    options = ["--ws", "--ws-path", "/ws/mqtt", "--cafile", str(pki.ca_cert.cert)]
    sub = Sub(endpoint, "-d", "-t", "transport/custom", "-C", "1", *options).wait_subscribed()
    r = subprocess.run([BIN, "pub", "-h", "127.0.0.1", "-p", str(port), "-t", "transport/custom", "-m", "hi",
                        *options], capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert sub.finish() == (0, b"hi\n")


@pytest.mark.parametrize("args,message", [
    (["--cert", "c.pem"], "--cert and --key go together"),
    (["--tls-version", "tlsv1.1"], "Invalid TLS version 'tlsv1.1'"),
    (["--cafile", "/nonexistent/ca.pem"], "Cannot load CA file '/nonexistent/ca.pem'"),
    (["--ws", "--ws-path", "mqtt"], "--ws-path 'mqtt' must start with /"),
])
def test_bad_transport_options(args, message):
    r = subprocess.run([BIN, "pub", "-t", "t", "-m", "x", *args], capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 1
    assert message in r.stderr
