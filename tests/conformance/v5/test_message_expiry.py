"""MQTT 5.0 section 3.3.2.3.3 and 4.3.3: Message Expiry Interval."""
import time

import pytest

from support import mqtt_raw as raw

from .helpers import MESSAGE_EXPIRY, PUBLISH, PUBREL, SESSION_EXPIRY, connect5, opts


def test_MQTT_3_3_2_6_forwarded_expiry_is_remaining_lifetime(broker):
    """An online subscriber gets at most the sent interval; one that was offline for over a second
    gets it reduced by the time the message waited. Messages without expiry carry none."""
    off, _ = connect5(broker, "late", clean=False, properties=[(SESSION_EXPIRY, 60)])
    off.sub([("me/t", opts(qos=1))])
    off.close()
    on, _ = connect5(broker)
    on.sub([("me/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("me/t", b"m", qos=1, properties=[(MESSAGE_EXPIRY, 60)])
    pub.pub("me/t", b"forever", qos=1)
    m, forever = on.next_publish(), on.next_publish()
    assert 0 < m.property(MESSAGE_EXPIRY) <= 60 and forever.property(MESSAGE_EXPIRY) is None
    on.ack(m); on.ack(forever)
    time.sleep(1.2)  # time-driven: the message waits in the offline session
    off, ack = connect5(broker, "late", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    m = off.next_publish()
    assert m.payload == b"m" and 0 < m.property(MESSAGE_EXPIRY) <= 59
    off.ack(m)
    off.disconnect(); on.disconnect(); pub.disconnect()


def test_MQTT_3_3_2_5_expired_message_not_delivered(broker):
    """A message whose Message Expiry Interval passes while queued for an offline session is not
    delivered; one without expiry is."""
    c, _ = connect5(broker, "expiry", clean=False, properties=[(SESSION_EXPIRY, 60)])
    c.sub([("me/t", opts(qos=1))])
    c.disconnect()  # awaits the broker's close: the session is offline before the publish
    pub, _ = connect5(broker)
    pub.pub("me/t", b"short-lived", qos=1, properties=[(MESSAGE_EXPIRY, 1)])
    pub.pub("me/t", b"sentinel", qos=1)
    time.sleep(2)  # time-driven: let the 1 s Message Expiry Interval pass
    c, _ = connect5(broker, "expiry", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert c.publishes_until(b"sentinel") == []
    c.disconnect(); pub.disconnect()


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 drops an expired message even when it was already sent")
def test_MQTT_4_3_3_7_no_expiry_once_qos2_publish_sent(broker):
    """A QoS 2 PUBLISH already sent is not expired: it is resent on reconnect after its expiry."""
    c, _ = connect5(broker, "sent2", clean=False, properties=[(SESSION_EXPIRY, 60)])
    c.sub([("me/q2", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.pub("me/q2", b"m", qos=2, properties=[(MESSAGE_EXPIRY, 1)])
    first = c.next_publish()
    c.close()
    time.sleep(2)  # time-driven: past the 1 s Message Expiry Interval
    c, ack = connect5(broker, "sent2", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    again = c.recv()
    assert again.type == PUBLISH and again.packet_id == first.packet_id and again.dup
    c.send(raw.pubrec(again.packet_id, version=5))
    assert c.expect(PUBREL).packet_id == again.packet_id
    c.send(raw.pubcomp(again.packet_id, version=5))
    c.disconnect(); pub.disconnect()
