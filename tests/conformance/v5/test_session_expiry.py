"""MQTT 5.0 sections 3.1.2.11.2, 3.14.2.2.2 and 4.1: Session Expiry Interval."""
import time

from support import mqtt_raw as raw

from .helpers import SESSION_EXPIRY, assert_closed, assert_served, connect5, opts


def _offline_session(broker, cid, expiry, topic="se/t"):
    c, _ = connect5(broker, cid, clean=False, properties=[(SESSION_EXPIRY, expiry)])
    c.sub([(topic, opts(qos=1))])
    return c


def test_MQTT_3_1_2_23_session_kept_and_messages_queued_while_offline(broker):
    """A session with expiry N > 0 outlives its connection; QoS 1 messages published meanwhile are
    queued and delivered on reconnect.
    MQTT-3.1.2-5 MQTT-4.5.0-1"""
    _offline_session(broker, "queued", 60).close()
    pub, _ = connect5(broker)
    for i in range(3):
        pub.pub("se/t", f"m{i}".encode(), qos=1)
    c, ack = connect5(broker, "queued", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    pub.pub("se/t", b"sentinel", qos=1)
    assert [m.payload for m in c.publishes_until(b"sentinel")] == [b"m0", b"m1", b"m2"]
    c.disconnect(); pub.disconnect()


def test_MQTT_3_2_2_3_session_expiry_zero_ends_at_close(broker):
    """Without Session Expiry Interval the session ends with the connection: Session Present 0 and
    no subscription."""
    c, _ = connect5(broker, "short", clean=False)
    c.sub([("se/t", opts(qos=1))])
    c.disconnect()  # awaits the broker's close: an abrupt close could race the reconnect below
    c, ack = connect5(broker, "short", clean=False)
    assert not ack.session_present
    c.sub([("se/other", opts(qos=1))])
    c.pub("se/t", b"lost", qos=1)
    c.pub("se/other", b"sentinel", qos=1)
    assert c.publishes_until(b"sentinel") == []
    c.disconnect()


def test_MQTT_4_1_0_2_session_discarded_after_expiry(broker):
    """A session with expiry 1 s is gone 2 s after its connection closed."""
    _offline_session(broker, "expires", 1).close()
    time.sleep(2)  # time-driven: let the 1 s Session Expiry Interval pass
    c, ack = connect5(broker, "expires", clean=False)
    assert not ack.session_present
    c.sub([("se/other", opts(qos=1))])
    c.pub("se/t", b"lost", qos=1)
    c.pub("se/other", b"sentinel", qos=1)
    assert c.publishes_until(b"sentinel") == []
    c.disconnect()


def test_MQTT_4_1_0_1_session_kept_while_connected(broker):
    """The Session Expiry Interval runs only after the connection closes."""
    c = _offline_session(broker, "alive", 1)
    time.sleep(1.5)  # time-driven: longer than the interval, while connected
    pub, _ = connect5(broker)
    pub.pub("se/t", b"still", qos=1)
    m = c.next_publish()
    assert m.payload == b"still"
    c.ack(m)
    c.close()
    c, ack = connect5(broker, "alive", clean=False)
    assert ack.session_present
    c.disconnect(); pub.disconnect()


def test_MQTT_3_1_2_23_disconnect_changes_session_expiry(broker):
    """The Session Expiry Interval in DISCONNECT replaces the CONNECT value: 60 -> 0 ends the
    session at close, 1 -> 60 keeps it past 1 s."""
    c = _offline_session(broker, "shorten", 60)
    c.send(raw.disconnect(version=5, reason=0, properties=[(SESSION_EXPIRY, 0)]))
    assert c.wait_closed()
    c, ack = connect5(broker, "shorten", clean=False)
    assert not ack.session_present
    c.disconnect()

    c = _offline_session(broker, "lengthen", 1)
    c.send(raw.disconnect(version=5, reason=0, properties=[(SESSION_EXPIRY, 60)]))
    assert c.wait_closed()
    time.sleep(1.5)  # time-driven: past the CONNECT value
    c, ack = connect5(broker, "lengthen", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    c.disconnect()


def test_MQTT_4_13_1_1_disconnect_session_expiry_from_zero_is_protocol_error(broker):
    """Setting a non-zero Session Expiry Interval in DISCONNECT after CONNECT had 0 is a Protocol
    Error (5.0 section 3.14.2.2.2): closed (DISCONNECT 0x82 allowed), and no session is kept."""
    c, _ = connect5(broker, "zero", clean=False)
    c.sub([("se/t", opts(qos=1))])
    c.send(raw.disconnect(version=5, reason=0, properties=[(SESSION_EXPIRY, 60)]))
    assert_closed(c, reasons={0x82})
    c, ack = connect5(broker, "zero", clean=False)
    assert not ack.session_present
    c.disconnect()
    assert_served(broker)
