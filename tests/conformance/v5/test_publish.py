"""MQTT 5.0 sections 3.3-3.7 and 4.3-4.7: PUBLISH and its QoS flows in both directions, packet
identifiers, DUP, redelivery, ordering, topic names."""
import time

import pytest

from support import mqtt_raw as raw

from .helpers import (PUBACK, PUBCOMP, PUBCOMP_CODES, PUBLISH, PUBREC, PUBREC_CODES, PUBREL,
                      PUBREL_CODES, SESSION_EXPIRY, SUBSCRIPTION_ID, assert_closed, assert_served, connect5,
                      opts)


def test_MQTT_3_3_4_1_qos_flows_both_directions(broker):
    """QoS 0, 1 and 2 from a client are answered with nothing, PUBACK and PUBREC/PUBCOMP carrying
    the same Packet Identifier and defined reason codes; delivered copies use QoS 0 without an id
    and DUP 0, QoS 1/2 with distinct non-zero ids and DUP 0, and the broker's PUBREL echoes its id.
    MQTT-2.2.1-2 MQTT-2.2.1-4 MQTT-2.2.1-5 MQTT-3.3.1-2 MQTT-4.3.1-1 MQTT-4.3.2-1 MQTT-4.3.2-2
    MQTT-4.3.2-4 MQTT-4.3.3-1 MQTT-4.3.3-2 MQTT-4.3.3-4 MQTT-4.3.3-8 MQTT-4.3.3-11 MQTT-3.4.2-1
    MQTT-3.5.2-1 MQTT-3.6.2-1 MQTT-3.7.2-1 MQTT-4.3.2-3 MQTT-4.3.3-3 MQTT-4.3.3-5"""
    sub, _ = connect5(broker)
    sub.sub([("q/#", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.pub("q/0", b"zero", qos=0)
    a1 = pub.pub("q/1", b"one", qos=1, packet_id=1111)
    assert a1.packet_id == 1111 and a1.return_code == 0x00
    pub.send(raw.publish("q/2", b"two", qos=2, packet_id=2222, version=5))
    rec = pub.expect(PUBREC)
    assert rec.packet_id == 2222 and rec.return_code in PUBREC_CODES and rec.return_code < 0x80
    pub.send(raw.pubrel(2222, version=5))
    comp = pub.expect(PUBCOMP)
    assert comp.packet_id == 2222 and comp.return_code in PUBCOMP_CODES

    m0, m1, m2 = sub.next_publish(), sub.next_publish(), sub.next_publish()
    assert (m0.topic, m0.payload, m0.qos, m0.dup, m0.packet_id) == ("q/0", b"zero", 0, False, None)
    assert (m1.topic, m1.payload, m1.qos, m1.dup) == ("q/1", b"one", 1, False)
    assert (m2.topic, m2.payload, m2.qos, m2.dup) == ("q/2", b"two", 2, False)
    assert m1.packet_id and m2.packet_id and m1.packet_id != m2.packet_id
    sub.send(raw.puback(m1.packet_id, version=5))
    sub.send(raw.pubrec(m2.packet_id, version=5))
    rel = sub.expect(PUBREL)
    assert rel.packet_id == m2.packet_id and rel.flags == 0x2 and rel.return_code in PUBREL_CODES
    sub.send(raw.pubcomp(m2.packet_id, version=5))
    sub.ping()
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_4_2_1_no_matching_subscribers_reason(broker):
    """With no subscriber, PUBACK/PUBREC carry 0x00 or 0x10 (No matching subscribers), and the QoS 2
    flow still completes.
    MQTT-3.5.2-1"""
    c, _ = connect5(broker)
    assert c.pub("nobody/1", b"x", qos=1).return_code in (0x00, 0x10)
    assert c.pub("nobody/2", b"x", qos=2).return_code in (0x00, 0x10)
    c.ping()
    c.disconnect()


def test_MQTT_3_8_4_8_delivered_qos_is_minimum_of_published_and_granted(broker):
    """Each copy goes out at min(published QoS, granted QoS)."""
    sub, _ = connect5(broker)
    assert sub.sub([("g/0", opts(qos=0)), ("g/1", opts(qos=1)), ("g/2", opts(qos=2))]) == [0, 1, 2]
    pub, _ = connect5(broker)
    sent = []
    for granted in (0, 1, 2):
        for published in (0, 1, 2):
            payload = f"{granted}{published}".encode()
            pub.pub(f"g/{granted}", payload, qos=published)
            sent.append((payload, min(granted, published)))
    pub.pub("g/2", b"sentinel", qos=0)
    got = {(m.payload, m.qos) for m in sub.publishes_until(b"sentinel")}
    assert got == set(sent)
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_3_4_2_overlapping_subscriptions_highest_qos(broker):
    """A message matching a QoS 0 and a QoS 2 subscription of one client is delivered respecting
    QoS 2 (further copies allowed)."""
    sub, _ = connect5(broker)
    sub.sub([("o/#", opts(qos=0))])
    sub.sub([("o/+", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.pub("o/x", b"m", qos=2)
    pub.pub("o/x", b"sentinel", qos=2)
    copies = sub.publishes_until(b"sentinel")
    assert copies and max(m.qos for m in copies) == 2 and all(m.payload == b"m" for m in copies)
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_3_4_3_subscription_identifiers_of_all_matches(broker):
    """Overlapping subscriptions with identifiers 1 and 2 (and one without): either one copy with
    both identifiers, or one copy per subscription carrying only its own identifier.
    MQTT-3.3.4-4 MQTT-3.3.4-5"""
    sub, _ = connect5(broker)
    sub.sub([("s/#", opts(qos=1))], properties=[(SUBSCRIPTION_ID, 1)])
    sub.sub([("s/+", opts(qos=1))], properties=[(SUBSCRIPTION_ID, 2)])
    sub.sub([("s/x", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("s/x", b"m", qos=1)
    pub.pub("s/x", b"sentinel", qos=1)
    copies = sub.publishes_until(b"sentinel")
    ids = [sorted(m.all(SUBSCRIPTION_ID)) for m in copies]
    if len(copies) == 1:
        assert ids == [[1, 2]]
    else:
        assert all(len(i) <= 1 for i in ids), ids
        assert sorted(x for i in ids for x in i) == [1, 2], ids
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_3_1_3_outgoing_dup_independent_of_incoming(broker):
    """A PUBLISH received with DUP 1 is forwarded as a first delivery, DUP 0."""
    sub, _ = connect5(broker)
    sub.sub([("dup/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("dup/t", b"m", qos=1, dup=True)
    m = sub.next_publish()
    assert m.payload == b"m" and not m.dup
    sub.ack(m)
    sub.disconnect(); pub.disconnect()


def test_MQTT_4_3_2_5_same_packet_id_after_puback_is_new_message(broker):
    """After its PUBACK, a PUBLISH reusing the Packet Identifier is a new message, even with DUP 1."""
    sub, _ = connect5(broker)
    sub.sub([("reuse/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("reuse/t", b"first", qos=1, packet_id=7)
    pub.pub("reuse/t", b"second", qos=1, packet_id=7, dup=True)
    pub.pub("reuse/t", b"sentinel", qos=1, packet_id=7)
    assert [m.payload for m in sub.publishes_until(b"sentinel")] == [b"first", b"second"]
    sub.disconnect(); pub.disconnect()


def test_MQTT_4_3_3_10_qos2_duplicate_before_pubrel_not_delivered_twice(broker):
    """A repeated QoS 2 PUBLISH before PUBREL gets another PUBREC but no second delivery; after
    PUBCOMP the id is free and the next PUBLISH with it is new.
    MQTT-4.3.3-11 MQTT-4.3.3-12"""
    sub, _ = connect5(broker)
    sub.sub([("q2/t", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.send(raw.publish("q2/t", b"once", qos=2, packet_id=5, version=5))
    assert pub.expect(PUBREC).packet_id == 5
    pub.send(raw.publish("q2/t", b"once", qos=2, packet_id=5, dup=True, version=5))
    assert pub.expect(PUBREC).packet_id == 5
    pub.send(raw.pubrel(5, version=5))
    assert pub.expect(PUBCOMP).packet_id == 5
    pub.pub("q2/t", b"again", qos=2, packet_id=5)
    pub.pub("q2/t", b"sentinel", qos=2, packet_id=6)
    assert [m.payload for m in sub.publishes_until(b"sentinel")] == [b"once", b"again"]
    sub.disconnect(); pub.disconnect()


def test_MQTT_4_4_0_1_unacknowledged_resent_on_reconnect(broker):
    """On reconnect with a session, the broker resends an unacknowledged QoS 1 and QoS 2 PUBLISH
    with their original ids and DUP 1, and a PUBREL (not the PUBLISH) for the QoS 2 message whose
    PUBREC it had received.
    MQTT-3.3.1-1 MQTT-4.3.2-3 MQTT-4.3.3-3 MQTT-4.3.3-5 MQTT-4.3.3-6"""
    sub, _ = connect5(broker, "resend", clean=False, properties=[(SESSION_EXPIRY, 60)])
    sub.sub([("rs/#", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.pub("rs/1", b"one", qos=1)
    pub.pub("rs/2", b"two", qos=2)
    pub.pub("rs/3", b"three", qos=2)
    m1, m2, m3 = sub.next_publish(), sub.next_publish(), sub.next_publish()
    sub.send(raw.pubrec(m3.packet_id, version=5))
    assert sub.expect(PUBREL).packet_id == m3.packet_id
    sub.close()

    sub, ack = connect5(broker, "resend", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    got = [sub.recv(), sub.recv(), sub.recv()]
    publishes = {p.payload: p for p in got if p.type == PUBLISH}
    assert set(publishes) == {b"one", b"two"}, got
    for old in (m1, m2):
        again = publishes[old.payload]
        assert again.dup and again.packet_id == old.packet_id and again.qos == old.qos
    rels = [p for p in got if p.type == PUBREL]
    assert len(rels) == 1 and rels[0].packet_id == m3.packet_id
    sub.send(raw.pubcomp(m3.packet_id, version=5))
    sub.ack(publishes[b"one"]); sub.ack(publishes[b"two"])
    sub.ping()
    sub.disconnect(); pub.disconnect()


def test_MQTT_4_4_0_2_negative_puback_not_retransmitted(broker):
    """A PUBLISH the client acknowledged with PUBACK 0x80 is done: not resent on reconnect."""
    sub, _ = connect5(broker, "negack", clean=False, properties=[(SESSION_EXPIRY, 60)])
    sub.sub([("neg/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("neg/t", b"refused", qos=1)
    m = sub.next_publish()
    sub.ack(m, reason=0x80)
    sub.ping()
    sub.close()
    sub, ack = connect5(broker, "negack", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    pub.pub("neg/t", b"sentinel", qos=1)
    assert sub.publishes_until(b"sentinel") == []
    sub.disconnect(); pub.disconnect()


def test_MQTT_4_6_0_5_messages_delivered_in_order(broker):
    """Messages of one publisher on one topic arrive in the order sent, per QoS.
    MQTT-4.6.0-6"""
    sub, _ = connect5(broker)
    sub.sub([("ord/t", opts(qos=2))])
    pub, _ = connect5(broker)
    for qos in (0, 1, 2):
        for i in range(15):
            pub.pub("ord/t", f"{qos}-{i}".encode(), qos=qos)
    got = []
    for qos in (0, 1, 2):  # a sentinel per QoS: order across QoS levels is not promised
        pub.pub("ord/t", b"sentinel", qos=qos)
        got += sub.publishes_until(b"sentinel")
    for qos in (0, 1, 2):
        assert [m.payload for m in got if m.qos == qos] == [f"{qos}-{i}".encode() for i in range(15)]
    sub.disconnect(); pub.disconnect()


def test_MQTT_3_3_2_3_topic_name_matches_filter(broker):
    """The delivered Topic Name is the published one, which matches the subscription's filter."""
    sub, _ = connect5(broker)
    sub.sub([("m/+/z", opts(qos=0)), ("n/#", opts(qos=0))])
    pub, _ = connect5(broker)
    for t in ("m/y/z", "n", "n/a/b"):
        pub.pub(t, t.encode(), qos=1)
    pub.pub("n/end", b"sentinel", qos=1)
    assert [m.topic for m in sub.publishes_until(b"sentinel")] == ["m/y/z", "n", "n/a/b"]
    sub.disconnect(); pub.disconnect()


def test_MQTT_4_7_2_1_dollar_topics_not_matched_by_leading_wildcards(broker):
    """'#' and '+/x' do not match "$test/x"; "$test/#" does."""
    wild, _ = connect5(broker)
    wild.sub([("#", opts(qos=1)), ("+/x", opts(qos=1))])
    dollar, _ = connect5(broker)
    dollar.sub([("$test/#", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("$test/x", b"dollar", qos=1)
    pub.pub("plain/x", b"sentinel", qos=1)
    m = dollar.next_publish()
    assert (m.topic, m.payload) == ("$test/x", b"dollar")
    dollar.ack(m)
    assert wild.publishes_until(b"sentinel") == []
    wild.disconnect(); dollar.disconnect(); pub.disconnect()


def test_MQTT_1_5_4_3_bom_kept_in_topic(broker):
    """A topic starting with U+FEFF (EF BB BF) is matched and forwarded with the BOM intact."""
    topic = "\ufeffbom/t"
    sub, _ = connect5(broker)
    sub.sub([(topic, opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub(topic, b"m", qos=1)
    m = sub.next_publish()
    assert m.body[2:2 + len(topic.encode())] == topic.encode() and m.payload == b"m"
    sub.ack(m)
    sub.disconnect(); pub.disconnect()


def test_MQTT_4_7_3_4_no_normalisation_when_matching(broker):
    """Topics are compared byte for byte: no Unicode normalisation, no case folding."""
    sub, _ = connect5(broker)
    sub.sub([("caf\u00e9", opts(qos=1)), ("Case", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("cafe\u0301", b"decomposed", qos=1)
    pub.pub("case", b"lower", qos=1)
    pub.pub("Case", b"sentinel", qos=1)
    assert sub.publishes_until(b"sentinel") == []
    sub.disconnect(); pub.disconnect()


BAD_TOPICS = {
    "MQTT_3_3_2_2_wildcard_plus": "a/+",
    "MQTT_3_3_2_2_wildcard_hash": "a/#",
    "MQTT_4_7_3_1_empty_without_alias": "",
    "MQTT_1_5_4_1_surrogate": b"a/\xed\xa0\x80",
    "MQTT_1_5_4_1_invalid_byte": b"a/\xff",
    "MQTT_1_5_4_2_null_character": "a/\u0000b",
}


@pytest.mark.parametrize("topic", list(BAD_TOPICS.values()), ids=list(BAD_TOPICS))
@pytest.mark.parametrize("qos", [0, 1])
def test_MQTT_3_3_2_1_invalid_topic_name_closes(broker, topic, qos):
    """A PUBLISH whose Topic Name has wildcards, is empty without a Topic Alias, or is not valid
    UTF-8 closes the connection (DISCONNECT 0x81/0x82/0x90 allowed first) and is not delivered.
    MQTT-3.3.2-2 MQTT-4.7.0-1 MQTT-4.7.3-1 MQTT-4.7.3-2 MQTT-1.5.4-1 MQTT-1.5.4-2 MQTT-4.13.1-1"""
    sub, _ = connect5(broker)
    sub.sub([("#", opts(qos=1))])
    c, _ = connect5(broker)
    c.send(raw.publish(topic, b"bad", qos=qos, version=5))
    got = assert_closed(c, reasons={0x81, 0x82, 0x90})
    assert all(p.type != PUBACK for p in got)
    pub, _ = connect5(broker)
    pub.pub("ok", b"sentinel", qos=1)
    assert sub.publishes_until(b"sentinel") == []
    assert_served(broker)


def test_MQTT_3_3_1_4_qos3_is_malformed(broker):
    """A PUBLISH with both QoS bits set closes the connection (DISCONNECT 0x81 allowed)."""
    c, _ = connect5(broker)
    c.send(raw.packet(raw.PUBLISH, 0x6, raw.mqtt_str("a") + raw.u16(1) + b"\x00x"))
    assert_closed(c, reasons={0x81})
    assert_served(broker)


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 accepts a Subscription Identifier from a client")
def test_MQTT_4_13_1_1_subscription_identifier_in_client_publish_is_protocol_error(broker):
    """A PUBLISH from a client carrying a Subscription Identifier is a Protocol Error: closed,
    DISCONNECT 0x82 allowed first."""
    c, _ = connect5(broker)
    c.send(raw.publish("a", b"x", qos=1, packet_id=1, version=5, properties=[(SUBSCRIPTION_ID, 3)]))
    got = assert_closed(c, reasons={0x81, 0x82})
    assert all(p.type != PUBACK for p in got)
    assert_served(broker)


_FLAGS_UNCHECKED = pytest.mark.mosquitto_xfail("mosquitto 2.0.11 ignores these reserved flags")


@pytest.mark.parametrize("data", [pytest.param(raw.packet(raw.PUBACK, 0x1, raw.u16(1)), marks=_FLAGS_UNCHECKED),
                                  pytest.param(raw.packet(raw.PINGREQ, 0x1), marks=_FLAGS_UNCHECKED),
                                  pytest.param(raw.packet(raw.PUBCOMP, 0x4, raw.u16(1)), marks=_FLAGS_UNCHECKED)],
                         ids=["PUBACK", "PINGREQ", "PUBCOMP"])
def test_MQTT_2_1_3_1_reserved_fixed_header_flags(broker, data):
    """Reserved fixed-header flags other than the listed values make the packet malformed: closed,
    DISCONNECT 0x81 allowed first.
    MQTT-4.13.1-1"""
    c, _ = connect5(broker)
    c.send(data)
    got = assert_closed(c, reasons={0x81, 0x82})
    assert all(p.type != raw.PINGRESP for p in got)
    assert_served(broker)


def test_MQTT_3_6_1_1_pubrel_flags_must_be_0010(broker):
    """PUBREL with flags 0000 is malformed: closed, no PUBCOMP."""
    c, _ = connect5(broker)
    c.send(raw.publish("rel/t", b"x", qos=2, packet_id=9, version=5))
    c.expect(PUBREC)
    c.send(raw.pubrel(9, version=5, flags=0))
    got = assert_closed(c, reasons={0x81})
    assert all(p.type != PUBCOMP for p in got)
    assert_served(broker)


def test_MQTT_4_3_3_13_qos2_flow_completed_for_expired_message(broker):
    """The broker completes an inbound QoS 2 flow even if the message expired before PUBREL."""
    c, _ = connect5(broker)
    c.send(raw.publish("exp2/t", b"x", qos=2, packet_id=4, version=5, properties=[(0x02, 1)]))
    c.expect(PUBREC)
    time.sleep(1.5)  # time-driven: let the 1 s Message Expiry Interval pass
    c.send(raw.pubrel(4, version=5))
    comp = c.expect(PUBCOMP)
    assert comp.packet_id == 4 and comp.return_code == 0x00
    c.disconnect()

