"""TLS listeners: versions, server and client certificates, identity as username, reload on SIGHUP,
and listeners with policies of their own. The clients are Python's ssl module (OpenSSL underneath,
but the client side of it), paho-mqtt and mosquitto_pub/_sub."""
import shutil
import signal
import ssl
import subprocess
import types

import pytest

from conftest import free_port
from support import mqtt_raw as raw
from support.http_api import metrics, total
from support.paho_client import PahoClient
from support.retained_bulk import PublishReader, fill_retained
from support.tls_pki import Pki, client_context

pytestmark = pytest.mark.pregon_only("TLS listeners of pregon's configuration")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.ca_cert = p.ca("pregon test CA")
    p.server = p.cert(p.ca_cert, "server", cn="localhost", san="IP:127.0.0.1,DNS:localhost")
    p.reissued = p.cert(p.ca_cert, "server-reissued", cn="reissued", san="IP:127.0.0.1")
    p.device = p.cert(p.ca_cert, "device", cn="device-1")
    p.san_only = p.cert(p.ca_cert, "san-only", san="DNS:sensor-7.example")
    p.rogue_ca = p.ca("rogue CA")
    p.rogue_device = p.cert(p.rogue_ca, "rogue-device", cn="device-1")
    return p


def tls_broker(make_broker, pki, tmp_path, **tls):
    """A broker with its ordinary listener and a TLS listener; returns (broker, tls endpoint)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    cert = tmp_path / "server.pem"
    key = tmp_path / "server.key"
    cert.write_bytes(pki.server.cert.read_bytes())
    key.write_bytes(pki.server.key.read_bytes())
    port = free_port()
    extra = tls.pop("broker", {})
    listener = {"bind": "127.0.0.1", "port": port, "tls_cert_file": str(cert), "tls_key_file": str(key)}
    listener.update(tls)
    b = make_broker(listeners=[listener], **extra)
    return b, types.SimpleNamespace(host="127.0.0.1", port=port, cert=cert, key=key)


def connack(endpoint, ctx, client_id, version=4, **connect_args):
    """Connects over TLS, sends CONNECT; returns (client, CONNACK return code or None if closed)."""
    c = raw.RawClient.open(endpoint, version=version, tls=ctx)
    c.send(raw.connect(client_id, version=version, **connect_args))
    try:
        return c, c.expect(raw.CONNACK).return_code
    except raw.Closed:
        return c, None


def handshake_refused(endpoint, ctx):
    """True when the TLS connection fails: in the handshake, or (TLS 1.3, where the client finishes
    first) on the first read, with the server's alert or a closed connection."""
    try:
        c, code = connack(endpoint, ctx, "refused")
    except (ssl.SSLError, ConnectionResetError):
        return True
    return code is None


def test_tls13_by_default_and_paho_round_trip(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path)
    ctx = client_context(pki.ca_cert)
    c, code = connack(tls, ctx, "probe")
    assert code == 0
    assert c.sock.version() == "TLSv1.3"
    sub = PahoClient(tls, "tls-sub", tls=client_context(pki.ca_cert))
    sub.subscribe("tls/#", qos=1)
    pub = PahoClient(b, "plain-pub")  # from the plain listener to a TLS subscriber
    for i in range(100):
        pub.publish("tls/n", str(i).encode(), qos=1)
    assert [sub.wait_message().payload for _ in range(100)] == [str(i).encode() for i in range(100)]


def test_retained_messages_on_subscribe_stream_to_the_end_over_tls(make_broker, pki, tmp_path):
    # Several times the stream's output allowance: it goes on each time TLS has written what waits.
    b, tls = tls_broker(make_broker, pki, tmp_path, broker={"persistence": {"enabled": False}})
    fill_retained(b, 20_000, payload=b"t" * 500)
    sub, code = connack(tls, client_context(pki.ca_cert), "tls-all")
    assert code == 0
    assert sub.subscribe(1, [("r/#", 0)]) == [0]
    reader = PublishReader(sub)
    reader.read(20_000)
    assert sorted(reader.topics) == sorted(f"r/{i}" for i in range(20_000))
    assert total(metrics(b), "pregon_messages_dropped_total") == 0
    sub.disconnect()


def test_tls12_client_is_served_unless_the_minimum_is_13(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path)
    only12 = client_context(pki.ca_cert, maximum=ssl.TLSVersion.TLSv1_2)
    c, code = connack(tls, only12, "old-device")
    assert code == 0
    assert c.sock.version() == "TLSv1.2"

    b13, tls13 = tls_broker(make_broker, pki, tmp_path / "b13", tls_min_version="1.3")
    assert handshake_refused(tls13, only12)
    assert connack(tls13, client_context(pki.ca_cert), "new-device")[1] == 0
    assert "TLS refused" in b13.log_text()


def test_cipher_settings_are_applied(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path, tls_ciphersuites="TLS_CHACHA20_POLY1305_SHA256",
                        tls_ciphers="ECDHE-ECDSA-AES128-GCM-SHA256")
    c, code = connack(tls, client_context(pki.ca_cert), "suite")
    assert code == 0
    assert c.sock.cipher()[0] == "TLS_CHACHA20_POLY1305_SHA256"
    c12, code = connack(tls, client_context(pki.ca_cert, maximum=ssl.TLSVersion.TLSv1_2), "suite12")
    assert code == 0
    assert c12.sock.cipher()[0] == "ECDHE-ECDSA-AES128-GCM-SHA256"


def test_plain_mqtt_on_a_tls_port_is_closed_and_the_broker_serves_on(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path)
    c = raw.RawClient.open(tls)
    c.send(raw.connect("not-tls"))
    assert c.wait_closed()
    assert connack(tls, client_context(pki.ca_cert), "after")[1] == 0


def test_required_client_certificate(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path, tls_ca_file=str(pki.ca_cert.cert),
                        tls_client_certificates="required")
    assert handshake_refused(tls, client_context(pki.ca_cert))
    assert connack(tls, client_context(pki.ca_cert, pki.device), "with-cert")[1] == 0
    assert connack(tls, client_context(pki.ca_cert, pki.device, maximum=ssl.TLSVersion.TLSv1_2),
                   "with-cert-12")[1] == 0


def test_client_certificate_from_another_ca_is_refused(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path, tls_ca_file=str(pki.ca_cert.cert),
                        tls_client_certificates="optional")
    assert handshake_refused(tls, client_context(pki.ca_cert, pki.rogue_device))
    assert handshake_refused(tls, client_context(pki.ca_cert, pki.rogue_device, maximum=ssl.TLSVersion.TLSv1_2))
    assert "TLS refused" in b.log_text()


def test_optional_client_certificate(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path, tls_ca_file=str(pki.ca_cert.cert),
                        tls_client_certificates="optional")
    assert connack(tls, client_context(pki.ca_cert), "without")[1] == 0
    assert connack(tls, client_context(pki.ca_cert, pki.device), "with")[1] == 0


def test_server_certificate_from_an_unknown_ca_is_refused_by_the_client(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        connack(tls, client_context(pki.rogue_ca), "doubter")


@pytest.mark.parametrize("version", [4, 5])
def test_certificate_identity_is_the_username(make_broker, pki, tmp_path, version):
    passwords = tmp_path / "passwords"
    passwords.write_text("")  # nobody has a password: only certificates let clients in
    acl = tmp_path / "acl"
    acl.write_text("pattern readwrite devices/%u/#\nuser sensor-7.example\ntopic read devices/#\n")
    b, tls = tls_broker(make_broker, pki, tmp_path, tls_ca_file=str(pki.ca_cert.cert),
                        tls_client_certificates="optional", tls_identity_as_username=True,
                        allow_anonymous=False,
                        broker={"auth": {"password_file": str(passwords), "acl_file": str(acl)}})
    # No certificate: anonymous, and this listener refuses anonymous clients.
    assert connack(tls, client_context(pki.ca_cert), "nobody", version)[1] == (5 if version == 4 else 0x87)
    # A claimed username does not override the certificate's.
    device, code = connack(tls, client_context(pki.ca_cert, pki.device), "dev", version, username="admin")
    assert code == 0
    monitor, code = connack(tls, client_context(pki.ca_cert, pki.san_only), "mon", version)
    assert code == 0
    monitor.send(raw.subscribe(1, [("devices/#", 0)], version=version))
    assert monitor.expect(raw.SUBACK).return_codes == [0]
    device.send(raw.subscribe(2, [("devices/device-1/cmd", 0), ("devices/other/cmd", 0)], version=version))
    assert device.expect(raw.SUBACK).return_codes == [0, 0x80 if version == 4 else 0x87]
    device.send(raw.publish("devices/device-1/temp", b"21.5", version=version))
    m = monitor.expect(raw.PUBLISH)
    assert (m.topic, m.payload) == ("devices/device-1/temp", b"21.5")


def test_certificates_reload_on_sighup_without_dropping_connections(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path)
    ctx = client_context(pki.ca_cert)
    ctx.check_hostname = False  # the reissued certificate names only the address
    old, code = connack(tls, ctx, "old")
    assert code == 0
    assert dict(x[0] for x in old.sock.getpeercert()["subject"])["commonName"] == "localhost"
    tls.cert.write_bytes(pki.reissued.cert.read_bytes())
    tls.key.write_bytes(pki.reissued.key.read_bytes())
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reloaded on SIGHUP: TLS certificates")
    new, code = connack(tls, ctx, "new")
    assert code == 0
    assert dict(x[0] for x in new.sock.getpeercert()["subject"])["commonName"] == "reissued"
    old.send(raw.pingreq())
    assert old.expect(raw.PINGRESP)

    tls.key.write_text("not a key\n")
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("its previous certificates stay")
    again, code = connack(tls, ctx, "again")
    assert code == 0
    assert dict(x[0] for x in again.sock.getpeercert()["subject"])["commonName"] == "reissued"


def test_connections_move_between_threads_with_their_tls_state(make_broker, pki, tmp_path):
    """Each client id belongs to one of the two loops; a TLS connection accepted on the other one
    moves there mid-stream, after the handshake (and, with TLS 1.3, session tickets)."""
    b, tls = tls_broker(make_broker, pki, tmp_path)
    clients = [PahoClient(tls, f"mover-{i}", protocol=5, tls=client_context(pki.ca_cert)) for i in range(12)]
    for c in clients:
        c.subscribe(f"move/{c.client_id}", qos=1)
    pub = PahoClient(b, "mover-pub")
    for c in clients:
        pub.publish(f"move/{c.client_id}", b"x" * 100_000, qos=1)
    for c in clients:
        assert c.wait_message().payload == b"x" * 100_000


def test_large_messages_and_bursts_cross_tls_intact(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path, broker={"limits": {"max_packet_size": 4_000_000}})
    sub = PahoClient(tls, "big-sub", tls=client_context(pki.ca_cert))
    sub.subscribe("big/#", qos=0)
    pub = PahoClient(tls, "big-pub", tls=client_context(pki.ca_cert))
    payload = bytes(range(256)) * 12_000  # 3 MB: many records, partial writes
    pub.publish("big/one", payload, qos=1)
    assert sub.wait_message(timeout=10).payload == payload
    for i in range(2000):
        pub.client.publish("big/burst", str(i).encode(), qos=0)
    got = [sub.wait_message().payload for _ in range(2000)]
    assert got == [str(i).encode() for i in range(2000)]


def test_a_listener_refuses_anonymous_clients_another_admits(make_broker):
    port = free_port()
    b = make_broker(listeners=[{"bind": "127.0.0.1", "port": port, "allow_anonymous": False}])
    strict = types.SimpleNamespace(host="127.0.0.1", port=port)
    for version, code in [(4, 5), (5, 0x87)]:
        c = raw.RawClient.open(strict, version=version)
        c.send(raw.connect(f"anon-{version}", version=version))
        assert c.expect(raw.CONNACK).return_code == code
        raw.RawClient.connected(b, f"anon-ok-{version}", version=version)


@pytest.mark.parametrize("version,code", [(4, 0x03), (5, 0x97)])
def test_a_listener_with_its_own_connection_limit(make_broker, version, code):
    port = free_port()
    b = make_broker(listeners=[{"bind": "127.0.0.1", "port": port, "max_connections": 1}])
    small = types.SimpleNamespace(host="127.0.0.1", port=port)
    first, _ = raw.RawClient.connected(small, "only", version=version)
    second = raw.RawClient.open(small, version=version)
    second.send(raw.connect("one-too-many", version=version))
    assert second.expect(raw.CONNACK).return_code == code
    others = [raw.RawClient.connected(b, f"main-{i}", version=version)[0] for i in range(3)]
    assert len(others) == 3  # the other listener is not limited by this one
    samples = metrics(b)
    assert total(samples, "pregon_limits_exceeded_total", limit="listener_max_connections") == 1
    assert total(samples, "pregon_limits_exceeded_total", limit="max_connections") == 0


def test_a_missing_certificate_file_stops_the_start_with_a_clear_message(make_broker, tmp_path):
    with pytest.raises(RuntimeError) as refused:
        make_broker(listeners=[{"port": free_port(), "tls_cert_file": str(tmp_path / "nope.pem"),
                                "tls_key_file": str(tmp_path / "nope.key")}])
    assert "tls_cert_file" in str(refused.value) and "nope.pem" in str(refused.value)


@pytest.mark.skipif(not shutil.which("mosquitto_pub"), reason="mosquitto-clients missing")
def test_mosquitto_clients_over_tls_with_a_client_certificate(make_broker, pki, tmp_path):
    b, tls = tls_broker(make_broker, pki, tmp_path, tls_ca_file=str(pki.ca_cert.cert),
                        tls_client_certificates="required")
    cert_args = ["--cafile", str(pki.ca_cert.cert), "--cert", str(pki.device.cert), "--key", str(pki.device.key)]
    line_buffered = ["stdbuf", "-oL"] if shutil.which("stdbuf") else []
    sub = subprocess.Popen([*line_buffered, "mosquitto_sub", "-h", "localhost", "-p", str(tls.port), "-t", "mq/tls", "-C", "1",
                            "-q", "1", "-i", "mq-sub", "-d", "-W", "20", *cert_args], stdout=subprocess.PIPE, text=True)
    # -d prints the SUBACK: the subscription is in place once that line is out.
    for line in sub.stdout:
        if "SUBACK" in line:
            break
    subprocess.run(["mosquitto_pub", "-h", "localhost", "-p", str(tls.port), "-t", "mq/tls", "-m", "over tls",
                    "-q", "1", *cert_args], check=True, timeout=10)
    out, _ = sub.communicate(timeout=10)
    assert "over tls" in out.splitlines()
    without = subprocess.run(["mosquitto_pub", "-h", "localhost", "-p", str(tls.port), "-t", "mq/tls", "-m", "x",
                              "--cafile", str(pki.ca_cert.cert)], capture_output=True, timeout=10)
    assert without.returncode != 0
