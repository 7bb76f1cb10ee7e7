"""MQTT 5.0 section 3.3.2.3.4: Topic Alias in both directions."""
import pytest

from support import mqtt_raw as raw

from .helpers import TOPIC_ALIAS, TOPIC_ALIAS_MAXIMUM, assert_closed, assert_served, connect5, opts


def test_MQTT_3_3_2_12_client_aliases_up_to_maximum_accepted(broker):
    """Aliases 1 and the advertised maximum are defined with a topic, then used with an empty one."""
    sub, _ = connect5(broker)
    sub.sub([("ta/#", opts(qos=1))])
    pub, ack = connect5(broker)
    top = ack.property(TOPIC_ALIAS_MAXIMUM, 0)
    assert top >= 1
    pub.pub("ta/one", b"1", qos=1, properties=[(TOPIC_ALIAS, 1)])
    pub.pub("ta/top", b"2", qos=1, properties=[(TOPIC_ALIAS, top)])
    pub.pub("", b"3", qos=1, properties=[(TOPIC_ALIAS, 1)])
    pub.pub("", b"4", qos=0, properties=[(TOPIC_ALIAS, top)])
    pub.pub("ta/one", b"5", qos=1, properties=[(TOPIC_ALIAS, top)])  # redefined
    pub.pub("", b"sentinel", qos=1, properties=[(TOPIC_ALIAS, top)])
    got = [(m.topic, m.payload) for m in sub.publishes_until(b"sentinel")]
    assert got == [("ta/one", b"1"), ("ta/top", b"2"), ("ta/one", b"3"), ("ta/top", b"4"), ("ta/one", b"5")]
    sub.disconnect(); pub.disconnect()


@pytest.mark.parametrize("alias", ["zero", "over"])
def test_MQTT_4_13_1_1_topic_alias_out_of_range_disconnects_0x94(broker, alias):
    """Topic Alias 0 or above the broker's Topic Alias Maximum: DISCONNECT 0x94 and close."""
    c, ack = connect5(broker)
    value = 0 if alias == "zero" else ack.property(TOPIC_ALIAS_MAXIMUM, 0) + 1
    c.send(raw.publish("ta/x", b"x", qos=1, packet_id=1, version=5, properties=[(TOPIC_ALIAS, value)]))
    # 0x94 is defined for an alias above the maximum; for 0 the spec names no code.
    got = assert_closed(c, reasons={0x94} if alias == "over" else {0x81, 0x82, 0x94})
    if alias == "over":
        assert got and got[-1].return_code == 0x94
    assert_served(broker)


def test_MQTT_4_13_1_1_topic_alias_when_maximum_is_zero(make_broker):
    """With topic_alias_maximum 0 the broker advertises none, and any alias is refused with 0x94."""
    b = make_broker(limits={"topic_alias_maximum": 0})
    c, ack = connect5(b)
    assert ack.property(TOPIC_ALIAS_MAXIMUM, 0) == 0
    c.send(raw.publish("ta/x", b"x", qos=1, packet_id=1, version=5, properties=[(TOPIC_ALIAS, 1)]))
    assert_closed(c, reasons={0x94})
    assert_served(b)


def test_MQTT_3_3_2_7_alias_mapping_not_carried_to_next_connection(broker):
    """An alias defined on one connection is unknown on the next one of the same session: using it
    with an empty topic is a Protocol Error."""
    c, _ = connect5(broker, "alias", clean=False, properties=[(0x11, 60)])
    c.pub("ta/x", b"x", qos=1, properties=[(TOPIC_ALIAS, 1)])
    c.close()
    c, _ = connect5(broker, "alias", clean=False, properties=[(0x11, 60)])
    c.send(raw.publish("", b"y", qos=1, packet_id=2, version=5, properties=[(TOPIC_ALIAS, 1)]))
    assert_closed(c, reasons={0x82, 0x94})
    assert_served(broker)


def _resolve(packets, maximum):
    """Topics of broker PUBLISHes after applying their aliases; asserts every alias is in 1..maximum."""
    aliases, out = {}, []
    for m in packets:
        alias = m.property(TOPIC_ALIAS)
        if alias is None:
            out.append(m.topic)
            continue
        assert 1 <= alias <= maximum, f"alias {alias} outside 1..{maximum}"
        if m.topic:
            aliases[alias] = m.topic
        assert alias in aliases, f"alias {alias} used before being defined on this connection"
        out.append(aliases[alias])
    return out


def test_MQTT_3_3_2_11_broker_aliases_within_client_maximum(broker):
    """With Topic Alias Maximum 2 announced, any alias the broker uses is 1..2 and defined before use
    on the same connection, also on a second connection of the same client.
    MQTT-3.1.2-26 MQTT-3.3.2-8 MQTT-3.3.2-7"""
    topics = [f"tb/{i}" for i in range(5)] * 3
    pub, _ = connect5(broker)
    for _ in range(2):
        c, _ = connect5(broker, "aliased", properties=[(TOPIC_ALIAS_MAXIMUM, 2)])
        c.sub([("tb/#", opts(qos=1))])
        for t in topics:
            pub.pub(t, t.encode(), qos=1)
        pub.pub("tb/0", b"sentinel", qos=1)
        got = c.publishes_until(b"sentinel")
        assert _resolve(got, 2) == topics
        assert [m.payload.decode() for m in got] == topics
        c.close()
    pub.disconnect()


@pytest.mark.parametrize("announce", [None, 0])
def test_MQTT_3_1_2_27_no_aliases_when_client_maximum_absent_or_zero(broker, announce):
    props = [] if announce is None else [(TOPIC_ALIAS_MAXIMUM, 0)]
    c, _ = connect5(broker, properties=props)
    c.sub([("tn/#", opts(qos=1))])
    for _ in range(3):
        c.pub("tn/a", b"m", qos=1)
    c.pub("tn/a", b"sentinel", qos=1)
    got = c.publishes_until(b"sentinel")
    assert len(got) == 3 and all(m.property(TOPIC_ALIAS) is None and m.topic == "tn/a" for m in got)
    c.disconnect()
