"""Persistent sessions (3.1 and 3.1.1): subscriptions and QoS 1/2 messages kept across reconnects
with CleanSession 0, redelivery of unacknowledged messages with DUP, clean sessions discarding
state."""
from support import mqtt_raw as raw
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient, barrier

from .common import BOTH_VERSIONS, cid


def persistent(b, client_id, version=4):
    c, ack = RawClient.connected(b, client_id, version=version, clean=False)
    return c, ack


def offline_gap(c):
    """Ends a persistent connection abruptly (no DISCONNECT). No wait is needed: if the broker has not
    seen the close yet, the reconnect with the same client id takes the session over anyway."""
    c.close()


@BOTH_VERSIONS
def test_MQTT_3_1_2_4_session_resumed_with_messages(broker, version):
    """CleanSession 0: subscriptions survive a disconnect and QoS 1/2 messages published meanwhile
    are delivered on reconnect (at min(published, granted) QoS); QoS 0 ones at most once.
    Also MQTT-4.1.0-1, MQTT-3.2.2-2, MQTT-4.5.0-1, MQTT-3.1.3-2."""
    client_id = cid("p")
    c, _ = persistent(broker, client_id, version)
    assert c.subscribe(1, [("ps/q1", 1), ("ps/q2", 2), ("ps/q0", 2)]) == [1, 2, 2]
    c.disconnect()
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("ps/q1", b"one", qos=2)
    pub.publish("ps/q2", b"two", qos=2)
    pub.publish("ps/q0", b"zero", qos=0)
    pub.disconnect()
    c, ack = persistent(broker, client_id, version)
    if version == 4:
        assert ack.session_present
    # Queued messages may come before or after the SUBACK; the sentinel is published after it. A
    # QoS 2 message may follow the sentinel: order holds per QoS level only [MQTT-4.6.0-6] (pregon
    # sends it once its in-flight state is on disk).
    c.send(raw.subscribe(9, [("ps/sentinel", 0)]))
    got = []
    sentinel = False
    while not (sentinel and any(p.topic == "ps/q2" for p in got)):
        p = c.recv()
        if p.type == raw.SUBACK:
            c.publish_qos0("ps/sentinel", b"s")
        elif p.type == raw.PUBREL:
            c.send(raw.pubcomp(p.packet_id))
        elif p.topic == "ps/sentinel":
            sentinel = True
        else:
            got.append(p)
            if p.qos:
                c.send(raw.puback(p.packet_id) if p.qos == 1 else raw.pubrec(p.packet_id))
    delivered = {(p.topic, p.payload, p.qos) for p in got}
    assert ("ps/q1", b"one", 1) in delivered and ("ps/q2", b"two", 2) in delivered
    assert len([p for p in got if p.topic == "ps/q0"]) <= 1
    assert len(got) == len(delivered)
    c.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_1_2_6_clean_session_discards_previous(broker, version):
    """CleanSession 1 discards the stored session: its subscriptions deliver nothing, and a later
    CleanSession 0 connection starts a new session (Session Present 0, no old subscriptions).
    Also MQTT-3.2.2-1, MQTT-3.2.2-3."""
    client_id = cid("c")
    c, _ = persistent(broker, client_id, version)
    c.subscribe(1, [("cs/t", 1)])
    c.disconnect()
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("cs/t", b"queued", qos=1)
    c, ack = RawClient.connected(broker, client_id, version=version, clean=True)
    assert not ack.session_present
    c.subscribe(2, [("cs/sentinel", 0)])
    pub.publish("cs/t", b"live", qos=1)
    assert barrier(pub, c, "cs/sentinel") == []
    c.disconnect()
    c, ack = persistent(broker, client_id, version)
    assert not ack.session_present
    c.subscribe(3, [("cs/sentinel", 0)])
    pub.publish("cs/t", b"later", qos=1)
    assert barrier(pub, c, "cs/sentinel") == []
    c.disconnect()
    pub.disconnect()


@BOTH_VERSIONS
def test_MQTT_4_4_0_1_unacked_qos1_redelivered_with_dup(broker, version):
    """A QoS 1 delivery left unacknowledged is resent on reconnect with the same packet id and DUP 1;
    once acknowledged it is not sent again. Also MQTT-3.3.1-1, MQTT-2.3.1-3, MQTT-3.3.1-3."""
    client_id = cid("r")
    c, _ = persistent(broker, client_id, version)
    c.subscribe(1, [("rd/t", 1)])
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("rd/t", b"again", qos=1)
    first = c.expect(raw.PUBLISH)
    assert not first.dup
    offline_gap(c)
    c, _ = persistent(broker, client_id, version)
    p = c.expect(raw.PUBLISH)
    assert (p.topic, p.payload, p.qos, p.dup, p.packet_id) == ("rd/t", b"again", 1, True,
                                                                first.packet_id)
    c.send(raw.puback(p.packet_id))
    c.disconnect()
    c, _ = persistent(broker, client_id, version)
    c.send(raw.pingreq())
    _, before = c.recv_until(lambda x: x.type == raw.PINGRESP)
    assert before == []
    c.disconnect()
    pub.disconnect()


def test_MQTT_4_4_0_1_unacked_qos2_publish_redelivered_with_dup(broker):
    """A QoS 2 delivery without PUBREC is resent on reconnect with DUP 1 and the same id, then
    completes normally. Also MQTT-3.3.1-1."""
    client_id = cid("r2")
    c, _ = persistent(broker, client_id)
    c.subscribe(1, [("rd2/t", 2)])
    pub = PahoClient(broker, cid("pub"))
    pub.publish("rd2/t", b"twice?", qos=2)
    first = c.expect(raw.PUBLISH)
    offline_gap(c)
    c, _ = persistent(broker, client_id)
    p = c.expect(raw.PUBLISH)
    assert (p.payload, p.qos, p.dup, p.packet_id) == (b"twice?", 2, True, first.packet_id)
    c.ack(p)
    c.ping()
    c.disconnect()
    pub.disconnect()


def test_MQTT_4_4_0_1_pubrel_resent_after_reconnect(broker):
    """After our PUBREC the broker owes a PUBREL: on reconnect it resends the PUBREL with the same
    id (and not the PUBLISH). Also MQTT-4.3.3-1."""
    client_id = cid("rel")
    c, _ = persistent(broker, client_id)
    c.subscribe(1, [("rel/t", 2)])
    pub = PahoClient(broker, cid("pub"))
    pub.publish("rel/t", b"r", qos=2)
    p = c.expect(raw.PUBLISH)
    c.send(raw.pubrec(p.packet_id))
    assert c.expect(raw.PUBREL).packet_id == p.packet_id
    offline_gap(c)
    c, _ = persistent(broker, client_id)
    rel = c.expect(raw.PUBREL)
    assert rel.packet_id == p.packet_id and rel.flags == 0x2
    c.send(raw.pubcomp(p.packet_id))
    c.ping()
    c.disconnect()
    pub.disconnect()


def test_MQTT_4_3_3_2_inbound_qos2_exactly_once_across_reconnect(broker):
    """A client's QoS 2 PUBLISH, answered by PUBREC, resent with DUP after a reconnect and then
    released, reaches subscribers exactly once. Also MQTT-4.4.0-1."""
    sub, _ = RawClient.connected(broker, cid("sub"))
    sub.subscribe(1, [("eo2/#", 0)])  # QoS 0: deliveries arrive in wire order for the barrier
    client_id = cid("pub")
    c, _ = persistent(broker, client_id)
    c.send(raw.publish("eo2/t", b"exactly", qos=2, packet_id=11))
    assert c.expect(raw.PUBREC).packet_id == 11
    offline_gap(c)
    c, _ = persistent(broker, client_id)
    c.send(raw.publish("eo2/t", b"exactly", qos=2, packet_id=11, dup=True))
    assert c.expect(raw.PUBREC).packet_id == 11
    c.send(raw.pubrel(11))
    assert c.expect(raw.PUBCOMP).packet_id == 11
    got = barrier(c, sub, "eo2/sentinel")
    assert [(p.topic, p.payload) for p in got] == [("eo2/t", b"exactly")]
    c.disconnect()
    sub.disconnect()


@BOTH_VERSIONS
def test_MQTT_4_6_0_1_queued_messages_resent_in_order(broker, version):
    """Messages queued while offline and unacknowledged in-flight ones come back in their original
    order. Also MQTT-4.6.0-6."""
    client_id = cid("o")
    c, _ = persistent(broker, client_id, version)
    c.subscribe(1, [("oq/t", 1)])
    pub = PahoClient(broker, cid("pub"), protocol=version)
    for i in range(3):
        pub.publish("oq/t", str(i).encode(), qos=1)
    assert [c.expect(raw.PUBLISH).payload for _ in range(3)] == [b"0", b"1", b"2"]
    offline_gap(c)  # 0..2 unacknowledged
    for i in range(3, 10):
        pub.publish("oq/t", str(i).encode(), qos=1)
    c, _ = persistent(broker, client_id, version)
    got = []
    for _ in range(10):
        p = c.expect(raw.PUBLISH)
        got.append(int(p.payload))
        c.send(raw.puback(p.packet_id))
    assert got == list(range(10))
    c.disconnect()
    pub.disconnect()


def test_MQTT_3_1_2_4_session_state_after_disconnect_packet(broker):
    """A normal DISCONNECT ends the connection, not the persistent session: messages published
    afterwards are still queued for it."""
    client_id = cid("d")
    sub = PahoClient(broker, client_id, clean_session=False)
    sub.subscribe("dq/t", 1)
    sub.disconnect()
    pub = PahoClient(broker, cid("pub"))
    pub.publish("dq/t", b"queued", qos=1)
    sub = PahoClient(broker, client_id, clean_session=False)
    assert sub.session_present
    m = sub.wait_message()
    assert (m.topic, m.payload, m.qos) == ("dq/t", b"queued", 1)
    sub.disconnect()
    pub.disconnect()


def test_MQTT_3_10_4_3_delivery_started_before_unsubscribe_is_completed(broker):
    """A QoS 1 message sent before UNSUBSCRIBE stays in flight: after a reconnect of the persistent
    session it is sent again with DUP, although the subscription is gone."""
    client_id = cid("u")
    c, _ = persistent(broker, client_id)
    assert c.subscribe(1, [("unsub/q1", 1)]) == [1]
    pub = PahoClient(broker, cid("pub"))
    pub.publish("unsub/q1", b"started", qos=1)
    first = c.expect(raw.PUBLISH)  # not acknowledged
    c.send(raw.unsubscribe(2, ["unsub/q1"]))
    c.expect(raw.UNSUBACK)
    c.close()
    c, ack = persistent(broker, client_id)
    assert ack.session_present
    again = c.expect(raw.PUBLISH)
    assert (again.topic, again.payload, again.packet_id, again.dup) == ("unsub/q1", b"started", first.packet_id, True)
    c.send(raw.puback(again.packet_id))
    c.disconnect()
    pub.disconnect()


def test_MQTT_4_1_0_2_session_lasts_while_connected(broker):
    """A clean session keeps its subscription for as long as its connection is open."""
    sub = PahoClient(broker, cid("s"))
    sub.subscribe("alive/t", 1)
    pub = PahoClient(broker, cid("p"))
    for i in range(3):
        pub.publish("alive/t", b"%d" % i, qos=1)
        assert sub.wait_message().payload == b"%d" % i
    assert not sub.is_disconnected
    sub.disconnect()
    pub.disconnect()
