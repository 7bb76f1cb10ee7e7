"""MQTT 5.0 section 4.8.2: Shared Subscriptions."""
import time

import pytest

from support import mqtt_raw as raw

from .helpers import SUBACK, assert_closed, assert_served, connect5, opts


def _collect(clients, n, timeout=5.0):
    """PUBLISHes from several clients until n arrived in total (acknowledging each); per client."""
    got = {id(c): [] for c in clients}
    deadline = time.monotonic() + timeout
    while sum(len(v) for v in got.values()) < n:
        assert time.monotonic() < deadline, f"only {sum(len(v) for v in got.values())} of {n} arrived"
        for c in clients:
            try:
                p = c.recv(timeout=0.05)
            except TimeoutError:
                continue
            assert p.type == raw.PUBLISH, p
            c.ack(p)
            got[id(c)].append(p)
    return [got[id(c)] for c in clients]


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 accepts No Local on a shared subscription")
def test_MQTT_3_8_3_4_no_local_on_shared_subscription_is_protocol_error(broker):
    c, _ = connect5(broker)
    c.send(raw.subscribe(1, [("$share/g/t", opts(qos=1, no_local=True))], version=5))
    got = assert_closed(c, reasons={0x82})
    assert all(p.type != SUBACK for p in got)
    assert_served(broker)


_LAX = pytest.mark.mosquitto_xfail("mosquitto 2.0.11 grants this filter")


@pytest.mark.parametrize("topic_filter", [pytest.param("$share//t", marks=_LAX, id="empty-name"),
                                          pytest.param("$share/g", marks=_LAX, id="no-filter"),
                                          pytest.param("$share/g+/t", id="plus-in-name"),
                                          pytest.param("$share/g#/t", id="hash-in-name")])
def test_MQTT_4_8_2_1_invalid_shared_filter_refused(broker, topic_filter):
    """An invalid Shared Subscription filter gets SUBACK 0x8F or a close (0x81/0x82/0x8F allowed).
    MQTT-4.8.2-2"""
    c, _ = connect5(broker)
    c.send(raw.subscribe(1, [(topic_filter, opts(qos=1))], version=5))
    p = c.recv()
    if p.type == SUBACK:
        assert p.return_codes == [0x8F]
        c.disconnect()
    else:
        c._pending.insert(0, p)
        assert_closed(c, reasons={0x81, 0x82, 0x8F})
    assert_served(broker)


def test_MQTT_4_8_2_3_each_message_to_one_member_at_its_granted_qos(broker):
    """Each message goes to exactly one member of the group, at that member's granted QoS; a
    non-shared subscriber still gets all; both members get a share."""
    a, _ = connect5(broker)
    a.sub([("$share/g/sh/#", opts(qos=1))])
    b, _ = connect5(broker)
    b.sub([("$share/g/sh/#", opts(qos=0))])
    plain, _ = connect5(broker)
    plain.sub([("sh/#", opts(qos=1))])
    pub, _ = connect5(broker)
    for i in range(20):
        pub.pub("sh/t", f"m{i}".encode(), qos=1)
    pub.pub("sh/t", b"sentinel", qos=1)
    assert len(plain.publishes_until(b"sentinel")) == 20
    got_a, got_b = _collect([a, b], 21)
    payloads = [m.payload for m in got_a + got_b]
    assert sorted(payloads) == sorted([f"m{i}".encode() for i in range(20)] + [b"sentinel"])
    assert all(m.qos == 1 for m in got_a) and all(m.qos == 0 for m in got_b)
    assert got_a and got_b, "one member got every message"


def test_MQTT_4_8_2_6_negative_ack_from_member_not_redelivered(broker):
    """A message a member refuses with PUBACK 0x80 is discarded, not sent to another member."""
    a, _ = connect5(broker)
    a.sub([("$share/n/neg/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("neg/t", b"refused", qos=1)
    m = a.next_publish()
    a.ack(m, reason=0x80)
    a.ping()
    b, _ = connect5(broker)
    b.sub([("$share/n/neg/t", opts(qos=1))])
    for i in range(6):
        pub.pub("neg/t", f"s{i}".encode(), qos=1)
    got_a, got_b = _collect([a, b], 6)
    assert b"refused" not in [m.payload for m in got_a + got_b]


def test_MQTT_4_8_2_5_qos2_in_flight_not_given_to_other_member_when_session_ends(broker):
    """A QoS 2 message sent to a member whose session then ends is not sent to another member.
    MQTT-4.8.2-4"""
    a, _ = connect5(broker)
    a.sub([("$share/q/q2/t", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.pub("q2/t", b"inflight", qos=2)
    a.next_publish()
    b, _ = connect5(broker)
    b.sub([("$share/q/q2/t", opts(qos=2))])
    a.close()  # Session Expiry 0: the session ends with the connection
    pub.pub("q2/t", b"sentinel", qos=2)
    assert b.publishes_until(b"sentinel") == []


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 drops the messages of a departed member")
def test_shared_member_leaving_loses_no_qos1_message(broker):
    """QoS 1 messages sent to or queued for a member whose session ends go to another member (a
    SHOULD of 5.0 section 4.8.2, without a statement id)."""
    a, _ = connect5(broker, properties=[(0x21, 1)])
    a.sub([("$share/r/rd/t", opts(qos=1))])
    pub, _ = connect5(broker)
    for i in range(4):
        pub.pub("rd/t", f"m{i}".encode(), qos=1)
    a.next_publish()  # in flight, never acknowledged; the rest wait for a's Receive Maximum
    b, _ = connect5(broker)
    b.sub([("$share/r/rd/t", opts(qos=1))])
    a.close()
    pub.pub("rd/t", b"m4", qos=1)
    (got,) = _collect([b], 5)
    assert sorted(m.payload for m in got) == [f"m{i}".encode() for i in range(5)]
