"""MQTT 5.0 sections 3.1.2.5, 3.1.3.2-3.1.3.3: the Will Message, its properties and its delay."""
import time

import pytest

from support import mqtt_raw as raw

from .helpers import (CONTENT_TYPE, CORRELATION_DATA, MAXIMUM_QOS, PAYLOAD_FORMAT, RESPONSE_TOPIC, SESSION_EXPIRY,
                      USER_PROPERTY, WILL_DELAY, assert_closed, assert_served, connect5, opts, refused, uid)


def _watch(broker, topic="will/t", sentinel_topic="will/sentinel"):
    w, _ = connect5(broker)
    w.sub([(topic, opts(qos=1, rap=True)), (sentinel_topic, opts(qos=1))])
    return w


def _no_will_before_sentinel(broker, watcher, sentinel_topic="will/sentinel"):
    pub, _ = connect5(broker)
    pub.pub(sentinel_topic, b"sentinel", qos=1)
    got = watcher.publishes_until(b"sentinel")
    pub.disconnect()
    return got


WILL_PROPS = [(PAYLOAD_FORMAT, 1), (CONTENT_TYPE, "text/plain"), (RESPONSE_TOPIC, "will/reply"),
              (CORRELATION_DATA, b"\x00corr\xff"), (USER_PROPERTY, ("k", "2")), (USER_PROPERTY, ("a", "1")),
              (USER_PROPERTY, ("k", "1"))]


def test_MQTT_3_1_2_8_will_published_on_abnormal_close(broker):
    """A connection lost without DISCONNECT publishes the stored Will, non-retained, with its
    properties forwarded and User Properties in order.
    MQTT-3.1.2-7 MQTT-3.1.2-14 MQTT-3.1.3-10 MQTT-3.3.2-4 MQTT-3.3.2-15 MQTT-3.3.2-16 MQTT-3.3.2-20"""
    watcher = _watch(broker)
    c, _ = connect5(broker, uid(), will=dict(topic="will/t", payload=b"bye", qos=1, properties=WILL_PROPS))
    c.close()
    w = watcher.next_publish()
    assert (w.topic, w.payload, w.qos, w.retain) == ("will/t", b"bye", 1, False)
    assert [p for p in w.properties if p[0] != 0x0B] == WILL_PROPS
    watcher.ack(w)
    watcher.disconnect()


def test_MQTT_3_1_2_15_will_retain_publishes_retained(broker):
    """Will Retain 1 publishes the Will as a retained message."""
    c, _ = connect5(broker, uid(), will=dict(topic="will/ret", payload=b"bye", qos=1, retain=True))
    c.close()
    watcher = _watch(broker, "will/ret")
    w = watcher.next_publish()  # retained: delivered on subscribe once the Will was published
    assert (w.topic, w.payload, w.retain) == ("will/ret", b"bye", True)
    watcher.ack(w)
    watcher.disconnect()


def test_MQTT_3_14_4_3_no_will_after_normal_disconnect(broker):
    """DISCONNECT 0x00 discards the Will.
    MQTT-3.1.2-10"""
    watcher = _watch(broker)
    c, _ = connect5(broker, uid(), will=dict(topic="will/t", payload=b"bye", qos=1))
    c.send(raw.disconnect(version=5, reason=0x00))
    assert c.wait_closed()  # the broker has handled the DISCONNECT
    assert _no_will_before_sentinel(broker, watcher) == []
    watcher.disconnect()


def test_MQTT_3_1_2_8_disconnect_with_will_message_0x04(broker):
    """DISCONNECT 0x04 (Disconnect with Will Message) publishes the Will."""
    watcher = _watch(broker)
    c, _ = connect5(broker, uid(), will=dict(topic="will/t", payload=b"asked", qos=1))
    c.send(raw.disconnect(version=5, reason=0x04))
    w = watcher.next_publish()
    assert w.payload == b"asked"
    watcher.ack(w)
    watcher.disconnect()


def test_MQTT_3_1_2_10_will_published_once(broker):
    """The Will is removed once published: a takeover of the new connection does not publish it
    again (the new connection has no Will)."""
    watcher = _watch(broker)
    c, _ = connect5(broker, "once", will=dict(topic="will/t", payload=b"bye", qos=1))
    c.close()
    w = watcher.next_publish()
    watcher.ack(w)
    c2, _ = connect5(broker, "once")
    c2.close()
    assert _no_will_before_sentinel(broker, watcher) == []
    watcher.disconnect()


def test_MQTT_3_1_2_8_will_delay_interval(broker):
    """With a Will Delay Interval, the Will comes after the delay, not at the close."""
    watcher = _watch(broker)
    c, _ = connect5(broker, uid(), clean=False, properties=[(SESSION_EXPIRY, 60)],
                    will=dict(topic="will/t", payload=b"late", qos=1, properties=[(WILL_DELAY, 2)]))
    c.close()
    assert _no_will_before_sentinel(broker, watcher) == []
    w = watcher.next_publish(timeout=6)
    assert w.payload == b"late"
    watcher.ack(w)
    watcher.disconnect()


def test_MQTT_3_1_3_9_no_will_if_reconnected_within_delay(broker):
    """Reconnecting to the session before the Will Delay Interval ends cancels the Will."""
    watcher = _watch(broker)
    c, _ = connect5(broker, "comeback", clean=False, properties=[(SESSION_EXPIRY, 60)],
                    will=dict(topic="will/t", payload=b"late", qos=1, properties=[(WILL_DELAY, 1)]))
    c.close()
    c, ack = connect5(broker, "comeback", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    time.sleep(1.5)  # time-driven: let the 1 s Will Delay Interval pass
    assert _no_will_before_sentinel(broker, watcher) == []
    c.disconnect(); watcher.disconnect()


def test_MQTT_3_1_2_8_will_sent_when_session_ends_before_delay(broker):
    """When the session expires before the Will Delay Interval, the Will is sent at session end."""
    watcher = _watch(broker)
    c, _ = connect5(broker, uid(), clean=False, properties=[(SESSION_EXPIRY, 1)],
                    will=dict(topic="will/t", payload=b"expired", qos=1, properties=[(WILL_DELAY, 300)]))
    c.close()
    w = watcher.next_publish(timeout=6)
    assert w.payload == b"expired"
    watcher.ack(w)
    watcher.disconnect()


@pytest.mark.parametrize("flags", [0x02 | 0x08, 0x02 | 0x10], ids=["will-qos1", "will-qos2"])
def test_MQTT_3_1_2_11_will_qos_without_will_flag_malformed(broker, flags):
    assert all(p.return_code in (0x81, 0x82) for p in refused(broker, raw.connect(uid(), version=5, flags=flags)))
    assert_served(broker)


def test_MQTT_3_1_2_12_will_qos_3_malformed(broker):
    data = raw.connect(uid(), version=5, will=dict(topic="w", payload=b"x", qos=3))
    assert all(p.return_code in (0x81, 0x82) for p in refused(broker, data))
    assert_served(broker)


def test_MQTT_3_1_2_13_will_retain_without_will_flag_malformed(broker):
    assert all(p.return_code in (0x81, 0x82) for p in refused(broker, raw.connect(uid(), version=5, flags=0x22)))
    assert_served(broker)


def test_MQTT_3_1_2_9_will_flag_without_will_fields_malformed(broker):
    """Will Flag 1 with the Will Properties, Topic and Payload missing is malformed: closed."""
    assert all(p.return_code in (0x81, 0x82) for p in refused(broker, raw.connect(uid(), version=5, flags=0x06)))
    assert_served(broker)


@pytest.mark.parametrize("topic", [b"w/\xed\xa0\x80", b"w/\xc0\xaf"], ids=["surrogate", "overlong"])
def test_MQTT_3_1_3_11_will_topic_invalid_utf8_refused(broker, topic):
    data = raw.connect(uid(), version=5, will=dict(topic=topic, payload=b"x"))
    assert all(p.return_code in (0x81, 0x85, 0x90) for p in refused(broker, data))
    assert_served(broker)


def test_MQTT_3_2_2_12_will_qos_above_maximum_refused(make_broker):
    """With Maximum QoS 1, a Will QoS 2 is refused (CONNACK 0x9B advised) and the connection closed.
    MQTT-3.2.2-9"""
    b = make_broker(limits={"maximum_qos": 1})
    c, ack = connect5(b)
    assert ack.property(MAXIMUM_QOS) == 1
    c.disconnect()
    got = refused(b, raw.connect(uid(), version=5, will=dict(topic="w", payload=b"x", qos=2)))
    assert all(p.return_code in (0x9B, 0x80) for p in got)
    assert_served(b)


def test_MQTT_3_2_2_13_will_retain_without_retain_support_refused(make_broker):
    """With Retain Available 0, a Will Retain 1 is refused (CONNACK 0x9A advised) and closed."""
    b = make_broker(limits={"retain_available": False})
    got = refused(b, raw.connect(uid(), version=5, will=dict(topic="w", payload=b"x", retain=True)))
    assert all(p.return_code in (0x9A, 0x80) for p in got)
    assert_served(b)


def test_MQTT_3_1_2_8_will_after_server_side_protocol_error_close(broker):
    """A connection the broker closes for a protocol error publishes the Will too."""
    watcher = _watch(broker)
    c, _ = connect5(broker, uid(), will=dict(topic="will/t", payload=b"err", qos=1))
    c.send(raw.subscribe(1, [], version=5))
    assert_closed(c)
    w = watcher.next_publish()
    assert w.payload == b"err"
    watcher.ack(w)
    watcher.disconnect()
