"""Will messages (3.1 and 3.1.1): published on abnormal disconnects (socket closed, protocol error,
keep-alive timeout in test_keepalive.py), not after DISCONNECT; QoS and retain honoured; invalid
will flag combinations refused."""
import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient, barrier

from .common import BOTH_VERSIONS, cid


def will_watcher(b, topic_filter="will/#", qos=2, version=4):
    """A subscriber for wills. Wills checked with assert_no_will() are QoS 0/1, so that a barrier
    catches them (paho hands QoS 2 deliveries over only at PUBREL)."""
    w = PahoClient(b, cid("watch"), protocol=version)
    w.subscribe([(topic_filter, qos), ("will-sentinel", 0)])
    return w


def assert_no_will(b, watcher):
    """Proves no will reached `watcher` so far (a sentinel from a fresh client closes the window)."""
    p = PahoClient(b, cid("bar"))
    got = barrier(p, watcher, "will-sentinel")
    p.disconnect()
    assert [(m.topic, m.payload) for m in got] == []


@BOTH_VERSIONS
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_MQTT_3_1_2_8_will_published_on_socket_close(broker, version, qos):
    """A connection closed without DISCONNECT publishes its will, at the will QoS and with RETAIN 0.
    Also MQTT-3.1.2-16, MQTT-3.1.2-9."""
    w = will_watcher(broker, version=version)
    c, _ = RawClient.connected(broker, cid("dying"), version=version,
                               will=dict(topic="will/t", payload=b"gone", qos=qos))
    c.close()
    m = w.wait_message()
    assert (m.topic, m.payload, m.qos, m.retain) == ("will/t", b"gone", qos, False)
    assert retained_will(broker, "will/t") == []
    w.disconnect()


def retained_will(b, topic):
    c = PahoClient(b, cid("late"))
    c.subscribe([(topic, 1), ("late-sentinel", 0)])
    got = barrier(c, c, "late-sentinel")
    c.disconnect()
    return [(m.topic, m.payload, m.retain) for m in got]


@BOTH_VERSIONS
def test_MQTT_3_1_2_10_no_will_after_disconnect(broker, version):
    """After a normal DISCONNECT the will is discarded, not published. Also MQTT-3.14.4-3."""
    w = will_watcher(broker, version=version)
    c, _ = RawClient.connected(broker, cid("polite"), version=version,
                               will=dict(topic="will/t", payload=b"gone", qos=1))
    c.send(raw.disconnect())
    assert c.wait_closed()
    assert_no_will(broker, w)
    w.disconnect()


def test_MQTT_3_1_2_12_no_will_without_will_flag(broker):
    """A client that set no will publishes nothing when its socket drops."""
    w = will_watcher(broker, topic_filter="#")
    client_id = cid("nowill")
    c, _ = RawClient.connected(broker, client_id)
    c.close()
    # Once the same client id is accepted again, the first connection is gone either way.
    c2, _ = RawClient.connected(broker, client_id)
    c2.disconnect()
    assert_no_will(broker, w)
    w.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_1_2_17_will_retain_honoured(broker, version):
    """A will with Will Retain 1 is published as a retained message: a later subscriber gets it with
    RETAIN 1."""
    w = will_watcher(broker, version=version)
    c, _ = RawClient.connected(broker, cid("dying"), version=version,
                               will=dict(topic="will/kept", payload=b"last", qos=1, retain=True))
    c.close()
    m = w.wait_message()
    assert (m.topic, m.payload) == ("will/kept", b"last")
    assert retained_will(broker, "will/kept") == [("will/kept", b"last", True)]
    w.disconnect()


@pytest.mark.parametrize("violation", [
    "qos3_publish",
    pytest.param("second_connect", marks=pytest.mark.mosquitto_xfail(
        "closes on a second CONNECT without publishing the will")),
    "subscribe_bad_flags"])
def test_MQTT_4_8_0_1_will_published_on_protocol_error(broker, violation):
    """A connection the broker closes for a protocol violation publishes its will.
    Also MQTT-3.1.2-8."""
    w = will_watcher(broker)
    c, _ = RawClient.connected(broker, cid("bad"), will=dict(topic="will/err", payload=b"e", qos=1))
    c.send({"qos3_publish": raw.packet(raw.PUBLISH, 0x06, raw.mqtt_str("x") + raw.u16(1)),
            "second_connect": raw.connect(cid()),
            "subscribe_bad_flags": raw.subscribe(1, [("x", 0)], flags=0)}[violation])
    assert c.wait_closed()
    m = w.wait_message()
    assert (m.topic, m.payload) == ("will/err", b"e")
    w.disconnect()
    assert_broker_alive(broker)


def test_MQTT_3_14_1_1_disconnect_reserved_flags_is_not_normal(broker):
    """A DISCONNECT with non-zero reserved flags is malformed: the broker closes and, as it is no
    normal DISCONNECT, publishes the will."""
    w = will_watcher(broker)
    c, _ = RawClient.connected(broker, cid("bad"), will=dict(topic="will/flags", payload=b"f"))
    c.send(raw.disconnect(flags=0x1))
    assert c.wait_closed()
    m = w.wait_message()
    assert (m.topic, m.payload) == ("will/flags", b"f")
    w.disconnect()


@pytest.mark.parametrize("flags,what", [
    (0x02 | 0x08, "will QoS 1 without will flag"),
    (0x02 | 0x20, "will retain without will flag"),
    (0x02 | 0x04 | 0x18, "will QoS 3"),
], ids=["MQTT-3.1.2-13", "MQTT-3.1.2-15", "MQTT-3.1.2-14"])
def test_MQTT_3_1_2_11_invalid_will_flags_close(broker, flags, what):
    """Invalid will flag combinations are malformed CONNECTs: close without CONNACK.
    Also MQTT-3.1.2-13, MQTT-3.1.2-14, MQTT-3.1.2-15, MQTT-3.1.4-1."""
    c = RawClient.open(broker)
    body = raw.mqtt_str("MQTT") + bytes([4, flags]) + raw.u16(60) + raw.mqtt_str(cid())
    if flags & 0x04:
        body += raw.mqtt_str("will/t") + raw.mqtt_str(b"w")
    c.send(raw.packet(raw.CONNECT, 0, body))
    assert all(p.type == raw.CONNACK and p.return_code != 0 for p in c.packets_then_close()), what
    assert_broker_alive(broker)


def test_MQTT_3_1_2_9_will_flag_without_will_fields_closes(broker):
    """Will flag 1 but no will topic/message in the payload: malformed, no successful CONNACK."""
    c = RawClient.open(broker)
    body = raw.mqtt_str("MQTT") + bytes([4, 0x02 | 0x04]) + raw.u16(60) + raw.mqtt_str(cid())
    c.send(raw.packet(raw.CONNECT, 0, body))
    assert all(p.type == raw.CONNACK and p.return_code != 0 for p in c.packets_then_close())
    assert_broker_alive(broker)


def test_MQTT_3_1_2_8_will_on_takeover_is_not_duplicated(broker):
    """When a second connection takes over a client id, the will of the first is published at most
    once, and the new connection's will is kept for its own end."""
    w = will_watcher(broker)
    client_id = cid("tk")
    first, _ = RawClient.connected(broker, client_id, will=dict(topic="will/one", payload=b"1"))
    second, _ = RawClient.connected(broker, client_id, will=dict(topic="will/two", payload=b"2"))
    assert first.wait_closed()
    second.close()
    m, before = w.wait_for_topic("will/two")
    assert [x.topic for x in before] in ([], ["will/one"])
    w.disconnect()
