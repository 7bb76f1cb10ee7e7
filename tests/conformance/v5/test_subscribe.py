"""MQTT 5.0 sections 3.8-3.13: SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK, PINGREQ; topic filters."""
import pytest

from support import mqtt_raw as raw

from .helpers import (PUBCOMP, PUBREL, SUBACK, SUBACK_CODES, SUBSCRIPTION_ID, UNSUBACK, UNSUBACK_CODES,
                      assert_closed, assert_served, connect5, opts)


def test_MQTT_3_8_4_5_multi_filter_subscribe_one_suback(broker):
    """One SUBSCRIBE with several filters gets one SUBACK with the same Packet Identifier and one
    defined reason code per filter, in order: the granted QoS. Shared, wildcard and identified
    subscriptions are available (no 0x9E, 0xA1, 0xA2).
    MQTT-3.8.4-1 MQTT-3.8.4-2 MQTT-3.8.4-6 MQTT-3.8.4-7 MQTT-3.9.3-1 MQTT-3.9.3-2 MQTT-2.2.1-6
    MQTT-2.2.2-1"""
    c, _ = connect5(broker)
    filters = [("a", opts(qos=0)), ("b/#", opts(qos=1)), ("c/+/d", opts(qos=2)), ("$share/g/e", opts(qos=1)),
               ("+", opts(qos=0)), ("#", opts(qos=2))]
    c.send(raw.subscribe(4321, filters, version=5, properties=[(SUBSCRIPTION_ID, 9)]))
    ack = c.expect(SUBACK)
    assert ack.packet_id == 4321
    assert ack.return_codes == [0, 1, 2, 1, 0, 2]
    assert all(rc in SUBACK_CODES for rc in ack.return_codes)
    c.send(raw.unsubscribe(4322, ["a"], version=5))
    uack = c.expect(UNSUBACK)
    assert uack.packet_id == 4322 and uack.body[2] == 0  # Property Length present, zero
    c.disconnect()


def test_MQTT_3_8_3_3_no_local(broker):
    """With No Local, a client's own messages are not sent back to it; others' are."""
    c, _ = connect5(broker, "self")
    c.sub([("nl/t", opts(qos=1, no_local=True))])
    other, _ = connect5(broker)
    c.pub("nl/t", b"own", qos=1)
    other.pub("nl/t", b"sentinel", qos=1)
    assert c.publishes_until(b"sentinel") == []
    c.disconnect(); other.disconnect()


def test_MQTT_3_8_4_3_resubscribe_replaces_subscription(broker):
    """Subscribing again to the same filter replaces the subscription: one copy, at the new QoS."""
    sub, _ = connect5(broker)
    assert sub.sub([("re/t", opts(qos=0))]) == [0]
    assert sub.sub([("re/t", opts(qos=1))]) == [1]
    pub, _ = connect5(broker)
    pub.pub("re/t", b"m", qos=1)
    pub.pub("re/t", b"sentinel", qos=1)
    got = sub.publishes_until(b"sentinel")
    assert [(m.payload, m.qos) for m in got] == [(b"m", 1)]
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_10_4_1_unsubscribe_exact_filter_only(broker):
    """UNSUBSCRIBE removes only the subscription whose filter is identical; one that matches no
    subscription still gets UNSUBACK 0x11, and delivery on the removed filter stops.
    MQTT-3.10.4-2 MQTT-3.10.4-4 MQTT-3.10.4-5 MQTT-3.11.3-2"""
    sub, _ = connect5(broker)
    sub.sub([("u/+", opts(qos=1)), ("u/x", opts(qos=1)), ("v/x", opts(qos=1))])
    assert sub.unsub(["u/#"]) == [0x11]
    assert sub.unsub(["u/x"]) == [0x00]
    assert sub.unsub(["v/x"]) == [0x00]
    pub, _ = connect5(broker)
    pub.pub("v/x", b"gone", qos=1)
    pub.pub("u/x", b"via-plus", qos=1)
    pub.pub("u/x", b"sentinel", qos=1)
    assert [m.payload for m in sub.publishes_until(b"sentinel")] == [b"via-plus"]
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_10_4_6_multi_filter_unsubscribe_one_unsuback(broker):
    """One UNSUBSCRIBE with three filters gets one UNSUBACK with a code per filter, in order.
    MQTT-3.11.3-1 MQTT-3.11.3-2 MQTT-3.10.4-4"""
    c, _ = connect5(broker)
    c.sub([("x/1", opts()), ("x/3", opts())])
    c.send(raw.unsubscribe(77, ["x/1", "x/2", "x/3"], version=5))
    ack = c.expect(UNSUBACK)
    assert ack.packet_id == 77 and ack.return_codes == [0x00, 0x11, 0x00]
    assert all(rc in UNSUBACK_CODES for rc in ack.return_codes)
    c.disconnect()


def test_MQTT_3_10_4_3_started_qos2_delivery_completed_after_unsubscribe(broker):
    """A QoS 2 delivery that had started is completed after the subscription is removed."""
    sub, _ = connect5(broker)
    sub.sub([("inf/t", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.pub("inf/t", b"m", qos=2)
    m = sub.next_publish()
    assert sub.unsub(["inf/t"]) == [0x00]
    sub.send(raw.pubrec(m.packet_id, version=5))
    assert sub.expect(PUBREL).packet_id == m.packet_id
    sub.send(raw.pubcomp(m.packet_id, version=5))
    sub.ping()
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_12_4_1_pingreq_answered(broker):
    c, _ = connect5(broker)
    for _ in range(3):
        c.ping()
    c.disconnect()


def _expect_close(broker, data, reasons):
    c, _ = connect5(broker)
    c.send(data)
    got = assert_closed(c, reasons=reasons)
    assert all(p.type not in (SUBACK, UNSUBACK) for p in got), got
    assert_served(broker)


def test_MQTT_3_8_1_1_subscribe_flags_must_be_0010(broker):
    _expect_close(broker, raw.subscribe(1, [("a", 0)], version=5, flags=0), {0x81})


def test_MQTT_3_10_1_1_unsubscribe_flags_must_be_0010(broker):
    _expect_close(broker, raw.unsubscribe(1, ["a"], version=5, flags=0), {0x81})


def test_MQTT_3_8_3_2_subscribe_without_filters_is_protocol_error(broker):
    _expect_close(broker, raw.subscribe(1, [], version=5), {0x81, 0x82})


def test_MQTT_3_10_3_2_unsubscribe_without_filters_is_protocol_error(broker):
    _expect_close(broker, raw.unsubscribe(1, [], version=5), {0x81, 0x82})


@pytest.mark.parametrize("options", [0x40, 0x80, 0x03, 0x30], ids=["bit6", "bit7", "qos3", "retain-handling-3"])
def test_MQTT_3_8_3_5_reserved_subscription_options_malformed(broker, options):
    """Reserved option bits, QoS 3 or Retain Handling 3 close the connection (0x81/0x82 allowed)."""
    _expect_close(broker, raw.subscribe(1, [("a", options)], version=5), {0x81, 0x82})


def test_MQTT_3_8_3_1_filter_invalid_utf8(broker):
    _expect_close(broker, raw.subscribe(1, [(b"a/\xed\xa0\x80", 0)], version=5), {0x81})


def test_MQTT_3_10_3_1_unsubscribe_filter_invalid_utf8(broker):
    _expect_close(broker, raw.unsubscribe(1, [b"a/\xff"], version=5), {0x81})


def _filter_refused(broker, topic_filter):
    """A SUBSCRIBE for an invalid filter gets SUBACK 0x8F, or the connection is closed as for a
    malformed packet (DISCONNECT 0x81/0x82/0x8F allowed first). The filter is not subscribed."""
    c, _ = connect5(broker)
    c.send(raw.subscribe(1, [(topic_filter, opts(qos=1))], version=5))
    got = c.recv()
    if got.type == SUBACK:
        assert got.return_codes == [0x8F]
        c.disconnect()
    else:
        c._pending.insert(0, got)
        assert_closed(c, reasons={0x81, 0x82, 0x8F})
    assert_served(broker)


@pytest.mark.parametrize("topic_filter", ["f/#/g", "f/g#", "#/"], ids=["hash-not-last", "hash-in-level", "hash-then-slash"])
def test_MQTT_4_7_1_1_misplaced_hash_filter_refused(broker, topic_filter):
    _filter_refused(broker, topic_filter)


@pytest.mark.parametrize("topic_filter", ["f/+g", "f/g+", "+f"])
def test_MQTT_4_7_1_2_plus_not_whole_level_refused(broker, topic_filter):
    _filter_refused(broker, topic_filter)


def test_MQTT_4_7_3_1_empty_topic_filter_refused(broker):
    _filter_refused(broker, "")


def test_MQTT_4_13_1_1_subscription_identifier_zero_is_protocol_error(broker):
    """Subscription Identifier 0 is a Protocol Error (5.0 section 3.8.2.1.2): closed."""
    _expect_close(broker, raw.subscribe(1, [("a", 0)], version=5, properties=[(SUBSCRIPTION_ID, 0)]),
                  {0x81, 0x82})


def test_MQTT_3_7_2_1_pubrel_for_unknown_id_gets_pubcomp(broker):
    """A PUBREL for an id with no flow in progress is still answered with PUBCOMP (0x00 or 0x92).
    MQTT-2.2.1-5"""
    c, _ = connect5(broker)
    c.send(raw.pubrel(321, version=5))
    comp = c.expect(PUBCOMP)
    assert comp.packet_id == 321 and comp.return_code in (0x00, 0x92)
    c.disconnect()
