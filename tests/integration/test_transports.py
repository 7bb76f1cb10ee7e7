"""Listeners beyond plain TCP on IPv4: Unix domain sockets, the PROXY protocol (v1 and v2, also in
front of TLS) and IPv6. Independent clients: mosquitto_pub/_sub over the Unix socket, Python's
socket and ssl modules for the rest; the peer address is checked where operators see it, in the log
and in the HTTP API."""
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import types
import urllib.request

import pytest

from conftest import free_port
from support import mqtt_raw as raw
from support.paho_client import PahoClient
from support.tls_pki import Pki, client_context

pytestmark = pytest.mark.pregon_only("listener kinds of pregon's configuration")

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


@pytest.fixture
def short_dir():
    """A directory with a short path: a Unix socket path must fit in 107 bytes."""
    d = tempfile.mkdtemp(prefix="pregon-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def unix_client(path, client_id, version=4):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(raw.DEFAULT_TIMEOUT)
    s.connect(path)
    c = raw.RawClient(None, None, version=version, sock=s)
    c.send(raw.connect(client_id, version=version))
    assert c.expect(raw.CONNACK).return_code == 0
    return c


def api_clients(b):
    with urllib.request.urlopen(f"http://127.0.0.1:{b.http_port}/api/v1/clients", timeout=10) as r:
        return {c["client_id"]: c for c in json.loads(r.read())["clients"]}


def proxy_v2(source_ip, source_port, dest_ip="127.0.0.1", dest_port=1883, command=0x21, tlvs=b""):
    family = socket.AF_INET6 if ":" in source_ip else socket.AF_INET
    addresses = (socket.inet_pton(family, source_ip) + socket.inet_pton(family, dest_ip)
                 + struct.pack("!HH", source_port, dest_port))
    body = addresses + tlvs
    return V2_SIGNATURE + bytes([command, 0x21 if family == socket.AF_INET6 else 0x11]) + struct.pack("!H", len(body)) + body


def proxied_broker(make_broker, **listener):
    port = free_port()
    b = make_broker(listeners=[dict({"bind": "127.0.0.1", "port": port, "proxy_protocol": True}, **listener)])
    return b, types.SimpleNamespace(host="127.0.0.1", port=port)


# --- Unix domain sockets ---------------------------------------------------------------------------

def test_unix_socket_listener_serves_mosquitto_clients_and_reaches_tcp_subscribers(make_broker, short_dir):
    path = os.path.join(short_dir, "mqtt.sock")
    b = make_broker(listeners=[{"unix_socket": path}])
    local = unix_client(path, "over-unix")  # anonymous: a Unix socket is local, like loopback
    local.send(raw.subscribe(1, [("unix/t", 1)]))
    local.expect(raw.SUBACK)
    remote = PahoClient(b, "over-tcp")
    remote.subscribe("unix/t", qos=1)

    subprocess.run(["mosquitto_pub", "--unix", path, "-t", "unix/t", "-m", "from a unix socket", "-q", "1"],
                   check=True, timeout=30)
    assert local.expect(raw.PUBLISH).payload == b"from a unix socket"
    assert remote.wait_message().payload == b"from a unix socket"

    remote.publish("unix/retained", b"kept", qos=1, retain=True)
    sub = subprocess.run(["mosquitto_sub", "--unix", path, "-t", "unix/retained", "-C", "1", "-W", "20"],
                         capture_output=True, timeout=30)
    assert sub.stdout == b"kept\n", sub.stderr
    b.wait_for_log('client=over-unix peer="unix:pid=')
    local.close()


def test_unix_socket_file_left_behind_is_replaced_and_removed_at_exit(make_broker, short_dir):
    path = os.path.join(short_dir, "stale.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, with nothing accepting: what a killed broker leaves
    b = make_broker(listeners=[{"unix_socket": path}])
    b.wait_for_log(f"removing the stale socket file {path}")
    unix_client(path, "after-stale").close()
    b.stop()
    assert not os.path.exists(path)


def test_unix_socket_path_that_is_not_a_socket_stops_start_up(make_broker, short_dir):
    path = os.path.join(short_dir, "plain-file")
    with open(path, "w") as f:
        f.write("not a socket")
    with pytest.raises(RuntimeError, match="the path exists and is not a socket"):
        make_broker(listeners=[{"unix_socket": path}])
    assert open(path).read() == "not a socket"


# --- PROXY protocol -------------------------------------------------------------------------------

def test_proxy_v1_header_names_the_client_in_logs_and_api(make_broker):
    b, ep = proxied_broker(make_broker)
    c = raw.RawClient(ep.host, ep.port, before=b"PROXY TCP4 192.0.2.7 198.51.100.1 40123 1883\r\n")
    c.send(raw.connect("behind-balancer"))
    assert c.expect(raw.CONNACK).return_code == 0
    b.wait_for_log("client=behind-balancer peer=192.0.2.7:40123 client connected")
    assert api_clients(b)["behind-balancer"]["peer"] == "192.0.2.7:40123"


def test_proxy_v2_ipv6_header_split_across_writes_with_tlvs(make_broker):
    b, ep = proxied_broker(make_broker)
    header = proxy_v2("2001:db8::5", 5000, "2001:db8::1", 1883, tlvs=b"\x05\x00\x03abc")
    c = raw.RawClient(ep.host, ep.port, before=header[:20])
    c.send(header[20:] + raw.connect("v6-behind-balancer"))
    assert c.expect(raw.CONNACK).return_code == 0
    assert api_clients(b)["v6-behind-balancer"]["peer"] == "[2001:db8::5]:5000"


def test_proxy_v2_local_command_keeps_the_socket_address(make_broker):
    b, ep = proxied_broker(make_broker)
    local = V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    c = raw.RawClient(ep.host, ep.port, before=local)
    c.send(raw.connect("health-check"))
    assert c.expect(raw.CONNACK).return_code == 0
    assert api_clients(b)["health-check"]["peer"].startswith("127.0.0.1:")


@pytest.mark.parametrize("first_bytes", [
    raw.connect("no-header"),
    b"PROXY TCP4 192.0.2.7 198.51.100.1 40123 99999\r\n" + raw.connect("bad-port"),
    V2_SIGNATURE + bytes([0x21, 0x11]) + struct.pack("!H", 4) + b"\x00" * 4 + raw.connect("short-v2"),
], ids=["missing", "v1-bad-port", "v2-short-addresses"])
def test_proxy_listener_closes_connections_without_a_valid_header(make_broker, first_bytes):
    b, ep = proxied_broker(make_broker)
    c = raw.RawClient(ep.host, ep.port)
    c.send(first_bytes)
    with pytest.raises(raw.Closed):
        c.recv()
    ok = raw.RawClient(ep.host, ep.port, before=b"PROXY TCP4 192.0.2.8 198.51.100.1 1000 1883\r\n")
    ok.send(raw.connect("after-refusal"))
    assert ok.expect(raw.CONNACK).return_code == 0


def test_proxy_header_in_front_of_tls(make_broker, tmp_path):
    pki = Pki(tmp_path / "pki")
    ca = pki.ca("pregon test CA")
    server = pki.cert(ca, "server", cn="localhost", san="IP:127.0.0.1,DNS:localhost")
    b, ep = proxied_broker(make_broker, tls_cert_file=str(server.cert), tls_key_file=str(server.key))
    c = raw.RawClient(ep.host, ep.port, tls=client_context(ca),
                      before=proxy_v2("203.0.113.9", 61000))
    c.send(raw.connect("tls-behind-balancer"))
    assert c.expect(raw.CONNACK).return_code == 0
    assert api_clients(b)["tls-behind-balancer"]["peer"] == "203.0.113.9:61000"


# --- IPv6 -----------------------------------------------------------------------------------------

def test_ipv6_listener_relays_to_ipv4_clients(make_broker):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    port = free_port()
    b = make_broker(listeners=[{"bind": "::1", "port": port}])
    v4 = PahoClient(b, "v4-subscriber")
    v4.subscribe("v6/t", qos=1)
    v6 = raw.RawClient("::1", port)
    v6.send(raw.connect("v6-publisher"))
    assert v6.expect(raw.CONNACK).return_code == 0
    v6.send(raw.publish("v6/t", b"over IPv6", qos=1, packet_id=1))
    v6.expect(raw.PUBACK)
    assert v4.wait_message().payload == b"over IPv6"
    assert api_clients(b)["v6-publisher"]["peer"].startswith("[::1]:")
