"""MQTT over WebSocket and over WebSocket with TLS (listener protocol = "websocket"): paho-mqtt's
websocket transport, mqtt.js under node, and a raw WebSocket client for what libraries will not
send (text frames, unmasked frames, packets split across frames or several in one)."""
import json
import shutil
import socket
import subprocess
import types
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from conftest import free_port
from support import mqtt_raw as raw
from support import ws_raw
from support.paho_client import PahoClient
from support.tls_pki import Pki, client_context
from support.ws_raw import WsRawClient

pytestmark = pytest.mark.pregon_only("WebSocket listeners of pregon's configuration")

JS_DIR = Path(__file__).resolve().parents[1] / "js"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.ca_cert = p.ca("pregon test CA")
    p.server = p.cert(p.ca_cert, "server", cn="localhost", san="IP:127.0.0.1,DNS:localhost")
    return p


def ws_broker(make_broker, pki=None, path=None, **broker_settings):
    """A broker with its ordinary listener and a websocket listener (wss with `pki`); returns
    (broker, websocket endpoint with host, port, path)."""
    port = free_port()
    listener = {"bind": "127.0.0.1", "port": port, "protocol": "websocket"}
    if path is not None:
        listener["websocket_path"] = path
    if pki is not None:
        listener.update(tls_cert_file=str(pki.server.cert), tls_key_file=str(pki.server.key))
    b = make_broker(listeners=[listener], **broker_settings)
    return b, types.SimpleNamespace(host="127.0.0.1", port=port, path=path or "/mqtt")


def ws_client(ws, client_id, tls=None, **kw):
    return PahoClient(ws, client_id, websocket_path=ws.path, tls=tls, **kw)


def round_trips(pub, sub, topic, note=""):
    """Subscribes `sub` to topic/# and checks 20 messages at each QoS from `pub`, in order."""
    sub.subscribe(topic + "/#", qos=2)
    for qos in (0, 1, 2):
        for i in range(20):
            pub.publish(f"{topic}/{qos}", f"{qos}-{i}".encode(), qos=qos)
    got = [sub.wait_message() for _ in range(60)]
    for qos in (0, 1, 2):
        mine = [m for m in got if m.topic == f"{topic}/{qos}"]
        assert [m.payload for m in mine] == [f"{qos}-{i}".encode() for i in range(20)], note
        assert all(m.qos == qos for m in mine)


@pytest.mark.parametrize("protocol", [4, 5])
def test_websocket_publish_subscribe_qos_0_1_2(make_broker, protocol):
    b, ws = ws_broker(make_broker)
    sub = ws_client(ws, "ws-sub", protocol=protocol)
    pub = ws_client(ws, "ws-pub", protocol=protocol)
    round_trips(pub, sub, "ws/t", f"protocol {protocol}")
    pub.disconnect()
    sub.disconnect()


def test_websocket_and_tcp_clients_exchange_both_ways(make_broker):
    b, ws = ws_broker(make_broker)
    ws_sub = ws_client(ws, "ws-side")
    tcp_sub = PahoClient(b, "tcp-side")
    # TCP to WebSocket, then WebSocket to TCP; large payloads go out as shared encodings.
    round_trips(PahoClient(b, "tcp-pub"), ws_sub, "to-ws")
    round_trips(ws_client(ws, "ws-pub"), tcp_sub, "to-tcp")
    big = bytes(range(256)) * 400  # beyond the copy threshold: a shared reference behind a frame header
    ws_sub.subscribe("big/#", qos=1)
    tcp_sub.subscribe("big/#", qos=1)
    PahoClient(b, "big-pub").publish("big/1", big, qos=1)
    assert ws_sub.wait_message().payload == big
    assert tcp_sub.wait_message().payload == big
    ws_client(ws, "big-ws-pub").publish("big/2", big[::-1], qos=1)  # a frame with a 64-bit length
    assert ws_sub.wait_message().payload == big[::-1]
    assert tcp_sub.wait_message().payload == big[::-1]


def test_websocket_client_on_a_custom_path_and_connections_moving_between_loops(make_broker):
    # Client ids hash to either of the two loops, so some connections move after CONNECT, with
    # their WebSocket state.
    b, ws = ws_broker(make_broker, path="/custom/path")
    sub = ws_client(ws, "mover-sub")
    sub.subscribe("move/#", qos=1)
    for i in range(8):
        c = ws_client(ws, f"mover-{i}")
        c.publish("move/x", str(i).encode(), qos=1)
        c.disconnect()
    assert sorted(sub.wait_message().payload for _ in range(8)) == [str(i).encode() for i in range(8)]


def test_wss_round_trip(make_broker, pki):
    b, wss = ws_broker(make_broker, pki=pki)
    sub = ws_client(wss, "wss-sub", tls=client_context(pki.ca_cert))
    pub = PahoClient(b, "tcp-pub")
    sub.subscribe("wss/#", qos=1)
    for i in range(50):
        pub.publish("wss/n", str(i).encode(), qos=1)
    assert [sub.wait_message().payload for _ in range(50)] == [str(i).encode() for i in range(50)]
    back = ws_client(wss, "wss-pub", tls=client_context(pki.ca_cert))
    tcp_sub = PahoClient(b, "tcp-sub")
    round_trips(back, tcp_sub, "from-wss")
    # Some of these move to the other loop after CONNECT, with their TLS and WebSocket state.
    for i in range(6):
        c = ws_client(wss, f"wss-mover-{i}", tls=client_context(pki.ca_cert))
        c.publish("wss/moved", str(i).encode(), qos=1)
        c.disconnect()
    assert sorted(sub.wait_message().payload for _ in range(6)) == [str(i).encode() for i in range(6)]


def test_wss_raw_client_split_frames(make_broker, pki):
    b, wss = ws_broker(make_broker, pki=pki)
    c = WsRawClient(wss.host, wss.port, tls=client_context(pki.ca_cert))
    connect = raw.connect("wss-raw")
    for i in range(len(connect)):
        c.send_frame(ws_raw.OP_BINARY if i == 0 else ws_raw.OP_CONTINUATION, connect[i:i + 1],
                     fin=i == len(connect) - 1)
    assert c.expect(raw.CONNACK).return_code == 0


def test_wrong_path_is_refused_with_404(make_broker):
    b, ws = ws_broker(make_broker)
    c = WsRawClient(ws.host, ws.port, upgrade=False)
    status, _ = c.request_upgrade(path="/elsewhere")
    assert status == 404
    assert c.wait_closed()
    with pytest.raises(mqtt.WebsocketConnectionError):
        PahoClient(ws, "lost", websocket_path="/nope")
    b.wait_for_log("WebSocket handshake refused: no WebSocket endpoint at this path")


def http_answer(ws, request):
    """Sends `request` and returns everything the broker answers before it closes."""
    with socket.create_connection((ws.host, ws.port), timeout=5) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
        return answer


def test_not_an_upgrade_is_400_and_wrong_version_426(make_broker):
    b, ws = ws_broker(make_broker)
    assert http_answer(ws, b"GET /mqtt HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    c = WsRawClient(ws.host, ws.port, upgrade=False)
    status, headers = c.request_upgrade(version="8")
    assert status == 426
    assert headers["sec-websocket-version"] == "13"
    # An oversized header section (or MQTT sent to a WebSocket port, which never ends one).
    assert http_answer(ws, b"GET /mqtt HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n").startswith(b"HTTP/1.1 431 ")


def test_connect_timeout_applies_to_the_handshake(make_broker):
    b, ws = ws_broker(make_broker, limits={"connect_timeout_ms": 300})
    with raw.RawClient(ws.host, ws.port) as c:
        c.send(b"GET /mqtt HTTP/1.1\r\n")  # and nothing more
        assert c.wait_closed(timeout=5)
    c = WsRawClient(ws.host, ws.port)  # upgraded, but no CONNECT
    assert c.wait_closed(timeout=5)


def test_MQTT_6_0_0_4_server_returns_the_mqtt_subprotocol(make_broker):
    b, ws = ws_broker(make_broker)
    c = WsRawClient(ws.host, ws.port, protocols=("chat", "mqtt"))
    assert c.headers["sec-websocket-protocol"] == "mqtt"
    c.send(raw.connect("subprotocol"))
    assert c.expect(raw.CONNACK).return_code == 0


def test_MQTT_6_0_0_4_server_returns_the_mqtt_subprotocol_v5(make_broker):
    b, ws = ws_broker(make_broker)
    c = WsRawClient(ws.host, ws.port, version=5)
    assert c.headers["sec-websocket-protocol"] == "mqtt"
    c.send(raw.connect("subprotocol5", version=5))
    assert c.expect(raw.CONNACK).return_code == 0


def test_MQTT_6_0_0_3_subprotocols_without_mqtt_are_refused(make_broker):
    """A client that offers subprotocols must offer "mqtt"; one that offers none is accepted without."""
    b, ws = ws_broker(make_broker)
    c = WsRawClient(ws.host, ws.port, upgrade=False)
    status, _ = c.request_upgrade(protocols=("chat", "MQTT"))
    assert status == 400
    c = WsRawClient(ws.host, ws.port, protocols=())
    assert "sec-websocket-protocol" not in c.headers
    c.send(raw.connect("no-subprotocol"))
    assert c.expect(raw.CONNACK).return_code == 0


def text_frame_closes(ws, version):
    c = WsRawClient(ws.host, ws.port, version=version)
    c.send(raw.connect("texter", version=version))
    assert c.expect(raw.CONNACK).return_code == 0
    c.send_frame(ws_raw.OP_TEXT, raw.pingreq())
    with pytest.raises(raw.Closed):
        c.recv()
    assert c.close_code() == 1003


def test_MQTT_6_0_0_1_text_frame_closes_the_connection(make_broker):
    b, ws = ws_broker(make_broker)
    text_frame_closes(ws, 4)


def test_MQTT_6_0_0_1_text_frame_closes_the_connection_v5(make_broker):
    b, ws = ws_broker(make_broker)
    text_frame_closes(ws, 5)


def test_text_frame_publishes_the_will(make_broker):
    b, ws = ws_broker(make_broker)
    sub = PahoClient(b, "will-watch")
    sub.subscribe("will/t", qos=1)
    c = WsRawClient(ws.host, ws.port)
    c.send(raw.connect("will-texter", will=dict(topic="will/t", payload=b"gone", qos=1)))
    c.expect(raw.CONNACK)
    c.send_frame(ws_raw.OP_TEXT, b"hello")
    assert sub.wait_message().payload == b"gone"


def test_unmasked_frame_is_a_protocol_error(make_broker):
    b, ws = ws_broker(make_broker)
    c = WsRawClient(ws.host, ws.port)
    c.send_frame(ws_raw.OP_BINARY, raw.connect("unmasked"), masked=False)
    with pytest.raises(raw.Closed):
        c.recv()
    assert c.close_code() == 1002


def split_and_joined(ws, version):
    c = WsRawClient(ws.host, ws.port, version=version)
    c.send(raw.connect("splitter", version=version))
    assert c.expect(raw.CONNACK).return_code == 0
    sub = raw.subscribe(1, [("split/#", 0)], version=version)
    # One packet across three frames of one fragmented message.
    c.send_frame(ws_raw.OP_BINARY, sub[:1], fin=False)
    c.send_frame(ws_raw.OP_CONTINUATION, sub[1:4], fin=False)
    c.send_frame(ws_raw.OP_CONTINUATION, sub[4:], fin=True)
    assert c.expect(raw.SUBACK).packet_id == 1
    # One packet across two messages.
    p1 = raw.publish("split/a", b"one", version=version)
    c.send(p1[:3])
    c.send(p1[3:])
    assert c.expect(raw.PUBLISH).payload == b"one"
    # Several packets in one frame, the last one cut and finished in the next frame.
    p2 = raw.publish("split/b", b"two", version=version)
    p3 = raw.publish("split/c", b"three", version=version)
    c.send(p2 + p3[:5])
    c.send(p3[5:] + raw.pingreq())
    assert c.expect(raw.PUBLISH).payload == b"two"
    assert c.expect(raw.PUBLISH).payload == b"three"
    c.expect(raw.PINGRESP)


def test_MQTT_6_0_0_2_packets_split_across_frames_and_several_in_one(make_broker):
    b, ws = ws_broker(make_broker)
    split_and_joined(ws, 4)


def test_MQTT_6_0_0_2_packets_split_across_frames_and_several_in_one_v5(make_broker):
    b, ws = ws_broker(make_broker)
    split_and_joined(ws, 5)


def test_ping_is_answered_with_pong_and_close_with_close(make_broker):
    b, ws = ws_broker(make_broker)
    c = WsRawClient(ws.host, ws.port)
    c.send(raw.connect("pinger"))
    c.expect(raw.CONNACK)
    c.send_frame(ws_raw.OP_PING, b"are you there")
    assert c.ping().type == raw.PINGRESP  # MQTT keeps flowing around the control frames
    assert (ws_raw.OP_PONG, b"are you there") in c.controls
    c.send_frame(ws_raw.OP_CLOSE, (1000).to_bytes(2, "big") + b"bye")
    assert c.wait_closed()
    assert c.close_code() == 1000


def test_broker_disconnect_ends_with_a_close_frame(make_broker):
    b, ws = ws_broker(make_broker)
    c = WsRawClient(ws.host, ws.port)
    c.send(raw.connect("leaver"))
    c.expect(raw.CONNACK)
    c.send(raw.connect("leaver"))  # a second CONNECT is a protocol violation: the broker closes
    assert c.wait_closed()
    assert c.close_code() == 1000


def run_node(url, topic, ca=None, version=4):
    args = ["node", str(JS_DIR / "ws_round_trip.js"), url, topic, "10"]
    if ca is not None:
        args += [str(ca), str(version)]
    elif version != 4:
        args += ["", str(version)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=30, cwd=JS_DIR)
    assert r.returncode == 0, r.stderr + r.stdout
    lines = r.stdout.split("\n")
    assert "done" in lines
    return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("version", [4, 5])
def test_mqtt_js_over_ws(make_broker, version):
    b, ws = ws_broker(make_broker)
    got = run_node(f"ws://{ws.host}:{ws.port}{ws.path}", "js", version=version)
    for qos in (0, 1, 2):
        assert [m["payload"] for m in got if m["topic"] == f"js/{qos}"] == [f"m{i}" for i in range(10)]
        assert all(m["qos"] == qos for m in got if m["topic"] == f"js/{qos}")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_mqtt_js_over_wss(make_broker, pki):
    b, wss = ws_broker(make_broker, pki=pki)
    got = run_node(f"wss://localhost:{wss.port}{wss.path}", "jss", ca=pki.ca_cert.cert)
    assert len(got) == 30
    assert sorted(m["payload"] for m in got if m["topic"] == "jss/2") == sorted(f"m{i}" for i in range(10))


@pytest.mark.skipif(shutil.which("node") is None or not Path("/usr/bin/chromium").exists(),
                    reason="node or Chromium is not installed")
def test_browser_websocket_with_mqtt_js(make_broker):
    """Chromium's own WebSocket (mqtt.js's browser bundle in a headless page) to a ws:// listener."""
    b, ws = ws_broker(make_broker)
    r = subprocess.run(["node", str(JS_DIR / "browser_round_trip.js"), f"ws://{ws.host}:{ws.port}{ws.path}", "br", "10"],
                       capture_output=True, text=True, timeout=90, cwd=JS_DIR)
    assert r.returncode == 0, r.stderr + r.stdout
    assert json.loads(r.stdout.strip().splitlines()[-1]) == [f"b{i}" for i in range(10)]
