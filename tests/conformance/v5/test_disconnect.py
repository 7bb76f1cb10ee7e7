"""MQTT 5.0 section 3.14: DISCONNECT from the broker, and limits that end in one (Maximum QoS)."""
import pytest

from support import mqtt_raw as raw

from .helpers import DISCONNECT, MAXIMUM_QOS, assert_closed, assert_served, connect5, opts


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 closes connections on SIGTERM without DISCONNECT 0x8B")
def test_MQTT_3_14_2_1_shutdown_sends_server_shutting_down(broker):
    """On SIGTERM the broker sends connected 5.0 clients DISCONNECT 0x8B, then closes.
    MQTT-3.14.2-2 MQTT-3.14.4-1 MQTT-3.14.4-2"""
    c, _ = connect5(broker)
    broker.stop()
    got = assert_closed(c)
    assert [(p.type, p.return_code) for p in got] == [(DISCONNECT, 0x8B)]


def test_MQTT_3_14_1_1_disconnect_reserved_flags_malformed(broker):
    """DISCONNECT with non-zero flags is malformed: the Will is published as for a lost
    connection (DISCONNECT 0x81 from the broker allowed)."""
    watcher, _ = connect5(broker)
    watcher.sub([("dw/t", opts(qos=1))])
    c, _ = connect5(broker, will=dict(topic="dw/t", payload=b"will", qos=1))
    c.send(raw.disconnect(version=5, reason=0, flags=0x1))
    assert_closed(c, reasons={0x81})
    assert watcher.next_publish().payload == b"will"
    assert_served(broker)


def test_MQTT_3_2_2_10_subscribe_above_maximum_qos_granted_lower(make_broker):
    """With Maximum QoS 1, SUBSCRIBE at QoS 2 is accepted and granted QoS 1."""
    b = make_broker(limits={"maximum_qos": 1})
    c, ack = connect5(b)
    assert ack.property(MAXIMUM_QOS) == 1
    assert c.sub([("mq/t", opts(qos=2))]) == [1]
    c.disconnect()


def test_MQTT_3_2_2_11_publish_above_maximum_qos_disconnects_0x9B(make_broker):
    """With Maximum QoS 1, a QoS 2 PUBLISH is refused with DISCONNECT 0x9B and a close."""
    b = make_broker(limits={"maximum_qos": 1})
    c, _ = connect5(b)
    c.send(raw.publish("mq/t", b"x", qos=2, packet_id=1, version=5))
    got = assert_closed(c, reasons={0x9B, 0x82})
    assert all(p.type != raw.PUBREC for p in got)
    assert_served(b)
