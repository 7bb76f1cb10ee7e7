"""Retained messages (3.1 and 3.1.1): stored, delivered on subscribe with RETAIN 1, replaced, deleted
by an empty payload, RETAIN 0 on normal forwarding."""
from support import mqtt_raw as raw
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient, barrier

from .common import BOTH_VERSIONS, cid


def retained_on_subscribe(b, topic_filter, qos=2, version=4):
    """Subscribes a fresh client and returns the messages it gets before a sentinel it publishes to
    itself afterwards (retained messages are sent right after the SUBACK)."""
    c = PahoClient(b, cid("late"), protocol=version)
    c.subscribe([(topic_filter, qos), ("zz/retained-sentinel", 0)])
    got = barrier(c, c, "zz/retained-sentinel")
    c.disconnect()
    return got


@BOTH_VERSIONS
def test_MQTT_3_3_1_6_retained_delivered_on_subscribe(broker, version):
    """A retained message is sent to a later subscriber, with RETAIN 1, and survives the end of the
    publisher's session. Also MQTT-3.3.1-5, MQTT-3.3.1-8, MQTT-3.1.2-7."""
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("ret/a", b"kept", qos=1, retain=True)
    pub.disconnect()
    got = retained_on_subscribe(broker, "ret/#", version=version)
    assert [(m.topic, m.payload, m.retain, m.qos) for m in got] == [("ret/a", b"kept", True, 1)]


def test_MQTT_3_3_1_5_retained_replaced(broker):
    """A new retained message on a topic replaces the stored one; the stored QoS is the new one's
    (delivered at min(stored, granted)). Also MQTT-3.3.1-8."""
    pub = PahoClient(broker, cid("pub"))
    pub.publish("rep/t", b"old", qos=2, retain=True)
    pub.publish("rep/t", b"new", qos=1, retain=True)
    got = retained_on_subscribe(broker, "rep/t", qos=2)
    assert [(m.payload, m.retain, m.qos) for m in got] == [(b"new", True, 1)]
    pub.disconnect()


def test_MQTT_3_3_1_6_one_retained_per_matching_topic(broker):
    """A wildcard subscription gets the retained message of every matching topic, once each."""
    pub = PahoClient(broker, cid("pub"))
    for t in ("many/a", "many/b", "many/b/c", "other/x"):
        pub.publish(t, t.encode(), qos=1, retain=True)
    got = retained_on_subscribe(broker, "many/#")
    assert sorted((m.topic, m.payload) for m in got) == [
        ("many/a", b"many/a"), ("many/b", b"many/b"), ("many/b/c", b"many/b/c")]
    assert all(m.retain for m in got)
    pub.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_3_1_10_empty_retained_payload_deletes(broker, version):
    """A retained PUBLISH with an empty payload removes the retained message, is not stored itself,
    and is forwarded to current subscribers as a normal message. Also MQTT-3.3.1-11, MQTT-3.3.1-9."""
    live = PahoClient(broker, cid("live"), protocol=version)
    live.subscribe("del/t", 1)
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("del/t", b"kept", qos=1, retain=True)
    assert live.wait_message().payload == b"kept"
    pub.publish("del/t", b"", qos=1, retain=True)
    m = live.wait_message()
    assert (m.payload, m.retain) == (b"", False)
    assert retained_on_subscribe(broker, "del/#", version=version) == []
    pub.disconnect()
    live.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_3_1_9_forwarded_with_retain_0(broker, version):
    """A retained PUBLISH forwarded to an existing subscription has RETAIN 0 (checked on the wire)."""
    sub, _ = RawClient.connected(broker, cid("sub"), version=version)
    assert sub.subscribe(1, [("fw/t", 1)]) == [1]
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("fw/t", b"r", qos=1, retain=True)
    p = sub.expect(raw.PUBLISH)
    assert (p.payload, p.retain) == (b"r", False)
    sub.send(raw.puback(p.packet_id))
    sub.disconnect()
    pub.disconnect()


def test_MQTT_3_3_1_8_retain_flag_on_wire_for_new_subscription(broker):
    """The retained message sent because of a new subscription has RETAIN 1 (checked on the wire)."""
    pub = PahoClient(broker, cid("pub"))
    pub.publish("wire/t", b"r", qos=1, retain=True)  # the PUBACK says it is stored before we subscribe
    sub, _ = RawClient.connected(broker, cid("sub"))
    assert sub.subscribe(1, [("wire/+", 0)]) == [0]
    p = sub.expect(raw.PUBLISH)
    assert (p.topic, p.payload, p.retain, p.qos) == ("wire/t", b"r", True, 0)
    sub.disconnect()
    pub.disconnect()


def test_MQTT_3_3_1_7_qos0_retained_replaces(broker):
    """A QoS 0 retained PUBLISH discards the previously retained message of the topic."""
    pub = PahoClient(broker, cid("pub"))
    pub.publish("r0/t", b"qos1", qos=1, retain=True)
    pub.publish("r0/t", b"qos0", qos=0, retain=True)
    pub.publish("r0/barrier", b"", qos=1)  # same connection, in order: the QoS 0 one is stored
    got = retained_on_subscribe(broker, "r0/t")
    assert [(m.payload, m.qos) for m in got] == [(b"qos0", 0)]
    pub.disconnect()


def test_MQTT_3_3_1_12_non_retained_publish_keeps_retained(broker):
    """A PUBLISH with RETAIN 0 neither stores nor replaces nor removes the retained message."""
    pub = PahoClient(broker, cid("pub"))
    pub.publish("nr/t", b"kept", qos=1, retain=True)
    pub.publish("nr/t", b"transient", qos=1, retain=False)
    pub.publish("nr/t", b"", qos=1, retain=False)
    pub.publish("nr/u", b"never", qos=1, retain=False)
    got = retained_on_subscribe(broker, "nr/#")
    assert [(m.topic, m.payload) for m in got] == [("nr/t", b"kept")]
    pub.disconnect()


def test_MQTT_3_3_1_6_retained_matching_respects_dollar_rule(broker):
    """Retained messages on '$' topics are not sent for a '#' subscription (the matching rules are
    the same as for live messages). Also MQTT-4.7.2-1."""
    pub = PahoClient(broker, cid("pub"))
    pub.publish("$ret/x", b"dollar", qos=1, retain=True)
    pub.publish("norm/x", b"normal", qos=1, retain=True)
    got = retained_on_subscribe(broker, "#")
    assert [(m.topic, m.payload) for m in got] == [("norm/x", b"normal")]
    got = retained_on_subscribe(broker, "$ret/#")
    assert [(m.topic, m.payload) for m in got] == [("$ret/x", b"dollar")]
    pub.disconnect()
