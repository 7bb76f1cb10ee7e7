"""MQTT 5.0 section 3.3.1.3 and the Retain Handling / Retain As Published options (3.8.3.1)."""
import pytest

from support import mqtt_raw as raw

from .helpers import RETAIN_AVAILABLE, assert_closed, assert_served, connect5, opts


def _retained_on_subscribe(broker, topic_filter, sentinel_topic, **subscribe_options):
    """Subscribes a new client and returns the retained messages it gets before a sentinel."""
    c, _ = connect5(broker)
    c.sub([(topic_filter, opts(qos=1, **subscribe_options)), (sentinel_topic, opts(qos=1))])
    c.pub(sentinel_topic, b"sentinel", qos=1)
    got = c.publishes_until(b"sentinel")
    return c, got


def test_MQTT_3_3_1_5_retained_message_stored_and_replaced(broker):
    """RETAIN=1 stores the message, replacing the previous one; a new subscriber gets the latest,
    with RETAIN=1 (Retain Handling 0).
    MQTT-3.3.1-9"""
    pub, _ = connect5(broker)
    pub.pub("ret/t", b"v1", qos=1, retain=True)
    pub.pub("ret/t", b"v2", qos=1, retain=True)
    c, got = _retained_on_subscribe(broker, "ret/#", "s/1")
    assert [(m.topic, m.payload, m.retain) for m in got] == [("ret/t", b"v2", True)]
    c.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_6_empty_retained_payload_deletes(broker):
    """A retained PUBLISH with an empty payload deletes the retained message and is not stored.
    MQTT-3.3.1-7"""
    pub, _ = connect5(broker)
    pub.pub("del/t", b"v1", qos=1, retain=True)
    pub.pub("del/t", b"", qos=1, retain=True)
    c, got = _retained_on_subscribe(broker, "del/t", "s/1")
    assert got == []
    c.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_8_non_retained_publish_leaves_retained_message(broker):
    """RETAIN=0 is neither stored nor replaces the retained message."""
    pub, _ = connect5(broker)
    pub.pub("keep/t", b"retained", qos=1, retain=True)
    pub.pub("keep/t", b"live", qos=1)
    c, got = _retained_on_subscribe(broker, "keep/t", "s/1")
    assert [m.payload for m in got] == [b"retained"]
    c.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_9_retain_handling_0_sends_on_every_subscribe(broker):
    """Retain Handling 0 sends retained messages at each SUBSCRIBE, also when it replaces an
    existing subscription.
    MQTT-3.8.4-4"""
    pub, _ = connect5(broker)
    pub.pub("rh0/t", b"r", qos=1, retain=True)
    c, got = _retained_on_subscribe(broker, "rh0/t", "s/1", rh=0)
    assert [m.payload for m in got] == [b"r"]
    c.sub([("rh0/t", opts(qos=1, rh=0))])
    c.pub("s/1", b"sentinel", qos=1)
    assert [(m.payload, m.retain) for m in c.publishes_until(b"sentinel")] == [(b"r", True)]
    c.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_10_retain_handling_1_only_for_new_subscription(broker):
    """Retain Handling 1 sends retained messages only if the subscription did not exist."""
    pub, _ = connect5(broker)
    pub.pub("rh1/t", b"r", qos=1, retain=True)
    c, got = _retained_on_subscribe(broker, "rh1/t", "s/1", rh=1)
    assert [m.payload for m in got] == [b"r"]
    c.sub([("rh1/t", opts(qos=1, rh=1))])
    c.pub("s/1", b"sentinel", qos=1)
    assert c.publishes_until(b"sentinel") == []
    c.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_11_retain_handling_2_never_sends(broker):
    """Retain Handling 2 sends no retained messages on subscribe; live messages still arrive."""
    pub, _ = connect5(broker)
    pub.pub("rh2/t", b"r", qos=1, retain=True)
    c, got = _retained_on_subscribe(broker, "rh2/t", "s/1", rh=2)
    assert got == []
    pub.pub("rh2/t", b"live", qos=1)
    m = c.next_publish()
    assert m.payload == b"live"
    c.ack(m)
    c.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_12_retain_as_published_0_clears_retain_flag(broker):
    """Without Retain As Published, a live retained PUBLISH is forwarded with RETAIN=0."""
    sub, _ = connect5(broker)
    sub.sub([("rap0/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("rap0/t", b"r", qos=1, retain=True)
    m = sub.next_publish()
    assert m.payload == b"r" and not m.retain
    sub.ack(m)
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_13_retain_as_published_1_keeps_retain_flag(broker):
    """With Retain As Published, live messages keep the RETAIN flag they were published with."""
    sub, _ = connect5(broker)
    sub.sub([("rap1/t", opts(qos=1, rap=True))])
    pub, _ = connect5(broker)
    pub.pub("rap1/t", b"retained", qos=1, retain=True)
    pub.pub("rap1/t", b"plain", qos=1)
    a, b = sub.next_publish(), sub.next_publish()
    assert (a.payload, a.retain, b.payload, b.retain) == (b"retained", True, b"plain", False)
    sub.ack(a); sub.ack(b)
    sub.disconnect(); pub.disconnect()


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 sends retained messages to a new shared subscription")
def test_shared_subscription_gets_no_retained_messages(broker):
    """Retained messages are not sent when a Shared Subscription is made (5.0 section 4.8.2; the
    rule carries no statement id)."""
    pub, _ = connect5(broker)
    pub.pub("shret/t", b"r", qos=1, retain=True)
    c, got = _retained_on_subscribe(broker, "$share/g/shret/t", "s/1")
    assert got == []
    c.disconnect(); pub.disconnect()


def test_MQTT_3_2_2_14_retain_when_not_available_is_refused(make_broker):
    """With retain unavailable (CONNACK Retain Available 0), a PUBLISH with RETAIN=1 closes the
    connection (DISCONNECT 0x9A allowed first) and nothing is retained."""
    b = make_broker(limits={"retain_available": False})
    c, ack = connect5(b)
    assert ack.property(RETAIN_AVAILABLE) == 0
    c.send(raw.publish("nr/t", b"x", qos=1, retain=True, packet_id=1, version=5))
    assert_closed(c, reasons={0x9A, 0x82})
    s, got = _retained_on_subscribe(b, "nr/t", "s/1")
    assert got == []
    s.disconnect()
    assert_served(b)
