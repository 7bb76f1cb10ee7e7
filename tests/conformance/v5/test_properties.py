"""MQTT 5.0 section 3.3.2.3: PUBLISH properties forwarded unchanged, and their validation; Request
Problem Information (3.1.2.11.7)."""
import pytest

from support import mqtt_raw as raw

from .helpers import (CONTENT_TYPE, CORRELATION_DATA, PAYLOAD_FORMAT, PUBACK, REASON_STRING,
                      REQUEST_PROBLEM_INFO, RESPONSE_TOPIC, USER_PROPERTY, assert_closed, assert_served, connect5,
                      opts)

PROPS = [(PAYLOAD_FORMAT, 1), (CONTENT_TYPE, "application/json; charset=utf-8"), (RESPONSE_TOPIC, "reply/to/me"),
         (CORRELATION_DATA, b"\x00\x01\xfe\xff"), (USER_PROPERTY, ("z", "last-name-first")),
         (USER_PROPERTY, ("a", "1")), (USER_PROPERTY, ("a", "0")), (USER_PROPERTY, ("", ""))]


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_MQTT_3_3_2_17_properties_forwarded_unaltered_in_order(broker, qos):
    """Payload Format Indicator, Content Type, Response Topic, Correlation Data and User Properties
    (repeated names, order kept) reach every subscriber unchanged.
    MQTT-3.3.2-4 MQTT-3.3.2-15 MQTT-3.3.2-16 MQTT-3.3.2-18 MQTT-3.3.2-20"""
    s1, _ = connect5(broker)
    s1.sub([("pr/t", opts(qos=0))])
    s2, _ = connect5(broker)
    s2.sub([("pr/t", opts(qos=2))])
    pub, _ = connect5(broker)
    pub.pub("pr/t", '{"ok": "é"}'.encode(), qos=qos, properties=PROPS)
    for s in (s1, s2):
        m = s.next_publish()
        assert [p for p in m.properties if p[0] != 0x0B] == PROPS
        assert m.payload == '{"ok": "é"}'.encode()
        s.ack(m)
        s.disconnect()
    pub.disconnect()


def test_MQTT_3_3_2_4_invalid_utf8_payload_with_format_indicator(broker):
    """Payload Format Indicator 1 with a payload that is not UTF-8 is either refused (PUBACK 0x99 or
    DISCONNECT 0x99) or forwarded unaltered with its indicator."""
    sub, _ = connect5(broker)
    sub.sub([("pfi/t", opts(qos=1))])
    c, _ = connect5(broker)
    c.send(raw.publish("pfi/t", b"\xff\xfe", qos=1, packet_id=1, version=5, properties=[(PAYLOAD_FORMAT, 1)]))
    p = c.recv()
    if p.type == PUBACK and p.return_code in (0x00, 0x10):
        m = sub.next_publish()
        assert m.payload == b"\xff\xfe" and m.property(PAYLOAD_FORMAT) == 1
        sub.ack(m)
    elif p.type == PUBACK:
        assert p.return_code == 0x99
    else:
        c._pending.insert(0, p)
        assert_closed(c, reasons={0x99})
        assert_served(broker)


BAD = {
    "MQTT_3_3_2_13_response_topic_utf8": [(RESPONSE_TOPIC, b"r/\xed\xa0\x80")],
    "MQTT_3_3_2_14_response_topic_wildcard": [(RESPONSE_TOPIC, "r/#")],
    "MQTT_3_3_2_19_content_type_utf8": [(CONTENT_TYPE, b"\xff")],
    "MQTT_1_5_7_1_user_property_utf8": [(USER_PROPERTY, (b"k", b"\xc3"))],
}


_XFAIL = {"MQTT_3_3_2_14_response_topic_wildcard":
          pytest.mark.mosquitto_xfail("mosquitto 2.0.11 accepts a Response Topic with wildcards")}


@pytest.mark.parametrize("props", [pytest.param(v, id=k, marks=_XFAIL.get(k, ())) for k, v in BAD.items()])
def test_MQTT_3_3_2_13_invalid_string_properties_close(broker, props):
    """A Response Topic, Content Type or User Property that is not valid UTF-8, or a Response Topic
    with wildcards, makes the PUBLISH malformed / a protocol error: closed, nothing delivered.
    MQTT-3.3.2-14 MQTT-3.3.2-19 MQTT-1.5.7-1"""
    sub, _ = connect5(broker)
    sub.sub([("bad/t", opts(qos=1))])
    c, _ = connect5(broker)
    if props[0][0] == USER_PROPERTY:
        k, v = props[0][1]
        block = bytes([USER_PROPERTY]) + raw.mqtt_str(k) + raw.mqtt_str(v)
    else:
        block = bytes([props[0][0]]) + raw.mqtt_str(props[0][1])
    c.send(raw.publish("bad/t", b"x", qos=1, packet_id=1, version=5, properties=block))
    got = assert_closed(c, reasons={0x81, 0x82})
    assert all(p.type != PUBACK for p in got)
    pub, _ = connect5(broker)
    pub.pub("bad/t", b"sentinel", qos=1)
    assert sub.publishes_until(b"sentinel") == []
    assert_served(broker)


def test_MQTT_3_1_2_29_no_reason_strings_without_problem_information(broker):
    """With Request Problem Information 0, SUBACK, UNSUBACK, PUBACK and PUBREC carry no Reason
    String and no User Property."""
    c, _ = connect5(broker, properties=[(REQUEST_PROBLEM_INFO, 0)])
    seen = [c.pub("nobody/t", b"x", qos=1), c.pub("nobody/t", b"x", qos=2)]
    c.send(raw.subscribe(7, [("ok/t", 1), ("$share/g/ok", 1)], version=5))
    seen.append(c.expect(raw.SUBACK))
    c.send(raw.unsubscribe(8, ["never"], version=5))
    seen.append(c.expect(raw.UNSUBACK))
    for p in seen:
        assert all(k not in (REASON_STRING, USER_PROPERTY) for k, _ in p.properties), p
    c.disconnect()
