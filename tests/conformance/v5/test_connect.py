"""MQTT 5.0 section 3.1 / 3.2: CONNECT and CONNACK, sessions on connect, keep-alive, takeover."""
import pytest

from support import mqtt_raw as raw

from .helpers import (ASSIGNED_CLIENT_ID, AUTH_METHOD, CONNACK, DISCONNECT, MAXIMUM_PACKET_SIZE,
                      MAXIMUM_QOS, RECEIVE_MAXIMUM, RESPONSE_INFO, RETAIN_AVAILABLE, SERVER_KEEP_ALIVE,
                      SESSION_EXPIRY, SHARED_SUB_AVAILABLE, SUB_ID_AVAILABLE, TOPIC_ALIAS_MAXIMUM,
                      WILDCARD_SUB_AVAILABLE, Client5, assert_closed, assert_served, connect5, connect_packet,
                      disconnect_reason, opts, refused, uid)


def test_MQTT_3_1_4_5_valid_connect_gets_connack_success_first(broker):
    """A valid CONNECT is answered first by CONNACK 0x00 with reserved flags 0 and Session Present 0.
    MQTT-3.2.0-1 MQTT-3.1.3-5 MQTT-3.2.2-1 MQTT-3.2.2-2 MQTT-2.2.2-1"""
    cid = "azAZ09" + "x" * 17  # 23 characters from the set every server must accept
    c = Client5.open(broker)
    c.send(connect_packet(cid))
    ack = c.recv()
    assert ack.type == CONNACK and ack.return_code == 0
    assert ack.body[0] == 0  # Session Present 0 and reserved bits 7-1 zero
    assert len(ack.body) >= 3  # a Property Length is present even when no property is
    c.ping()
    c.disconnect()


def test_MQTT_3_1_2_5_session_resumed_with_session_present(broker):
    """Clean Start 0 with no session makes a new one (Session Present 0); after the connection
    closes, Clean Start 0 resumes it (Session Present 1) with its subscriptions.
    MQTT-3.1.2-6 MQTT-3.2.2-3 MQTT-3.1.3-2 MQTT-3.1.2-23"""
    c, ack = connect5(broker, "resume", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert not ack.session_present
    assert c.sub([("r/t", opts(qos=1))]) == [1]
    c.close()
    c, ack = connect5(broker, "resume", clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert ack.session_present
    pub, _ = connect5(broker)
    pub.pub("r/t", b"kept", qos=1)
    m = c.next_publish()
    assert m.payload == b"kept" and m.qos == 1
    c.ack(m)
    c.disconnect(); pub.disconnect()


def test_MQTT_3_1_2_4_clean_start_discards_session(broker):
    """Clean Start 1 discards the stored session: Session Present 0 and the old subscription is gone.
    MQTT-3.1.4-4 MQTT-3.2.2-2"""
    c, _ = connect5(broker, "discard", clean=False, properties=[(SESSION_EXPIRY, 60)])
    c.sub([("old/t", opts(qos=1))])
    c.close()
    c, ack = connect5(broker, "discard", clean=True, properties=[(SESSION_EXPIRY, 60)])
    assert not ack.session_present
    c.sub([("new/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("old/t", b"lost", qos=1)
    pub.pub("new/t", b"sentinel", qos=1)
    assert c.publishes_until(b"sentinel") == []
    c.disconnect(); pub.disconnect()


def test_MQTT_3_1_3_6_empty_client_id_gets_unique_assigned_id(broker):
    """A zero-length ClientID is accepted with an Assigned Client Identifier, distinct per client,
    and the session behaves as if that id had been supplied.
    MQTT-3.1.3-7 MQTT-3.2.2-16"""
    c1, a1 = connect5(broker, "", clean=False, properties=[(SESSION_EXPIRY, 60)])
    c2, a2 = connect5(broker, "")
    id1, id2 = a1.property(ASSIGNED_CLIENT_ID), a2.property(ASSIGNED_CLIENT_ID)
    assert id1 and id2 and id1 != id2
    c1.sub([("assigned/t", opts(qos=1))])
    c1.close()
    c3, a3 = connect5(broker, id1, clean=False, properties=[(SESSION_EXPIRY, 60)])
    assert a3.session_present and a3.property(ASSIGNED_CLIENT_ID) is None
    c3.disconnect(); c2.disconnect()


def test_MQTT_3_1_2_22_keep_alive_enforced_with_will(broker):
    """A client silent for 1.5 x Keep Alive is closed (DISCONNECT 0x8D allowed first) and its Will
    is published, as for any abnormal close.
    MQTT-3.2.2-22"""
    watcher, _ = connect5(broker)
    watcher.sub([("ka/will", opts(qos=1))])
    c, ack = connect5(broker, uid(), keepalive=1, will=dict(topic="ka/will", payload=b"gone", qos=1),
                      timeout=6)
    assert ack.property(SERVER_KEEP_ALIVE) in (None, 1)
    got = assert_closed(c, reasons={0x8D})
    assert [p.type for p in got] in ([], [DISCONNECT])
    w = watcher.next_publish(timeout=6)
    assert w.payload == b"gone"
    watcher.ack(w)
    watcher.disconnect()
    assert_served(broker)


@pytest.mark.pregon_only("mosquitto's max_keepalive cannot go below 10 s")
def test_MQTT_3_1_2_22_server_keep_alive_sent_and_enforced(make_broker):
    """With a server maximum below the requested Keep Alive, CONNACK carries Server Keep Alive and
    the broker enforces that value, not the client's."""
    b = make_broker(limits={"max_keep_alive": 1})
    c, ack = connect5(b, uid(), keepalive=600, timeout=6)
    assert ack.property(SERVER_KEEP_ALIVE) == 1
    assert_closed(c, reasons={0x8D})
    assert_served(b)


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 closes the old connection without DISCONNECT 0x8E")
def test_MQTT_3_1_4_3_takeover_disconnects_old_connection_0x8E(broker):
    """A second connection with the same ClientID closes the first with DISCONNECT 0x8E, after
    which nothing else is sent on it.
    MQTT-3.14.4-1 MQTT-3.14.4-2 MQTT-3.14.2-2"""
    old, _ = connect5(broker, "twin")
    new, _ = connect5(broker, "twin")
    got = assert_closed(old)
    assert disconnect_reason(got) == 0x8E, got
    new.ping()
    new.disconnect()


def test_MQTT_3_2_2_9_connack_advertises_capabilities(broker):
    """Default broker: every capability property is absent or has a valid value, the features are
    available, and there is no Authentication Method nor unrequested Response Information.
    MQTT-4.12.0-6 MQTT-3.1.2-28"""
    c, ack = connect5(broker, properties=[(0x19, 0)])
    props = dict(ack.properties)
    assert props.get(RECEIVE_MAXIMUM, 65535) > 0
    assert MAXIMUM_QOS not in props  # absent means QoS 2, the default limit
    assert props.get(MAXIMUM_PACKET_SIZE, 1) > 0
    for feature in (RETAIN_AVAILABLE, WILDCARD_SUB_AVAILABLE, SUB_ID_AVAILABLE, SHARED_SUB_AVAILABLE):
        assert props.get(feature, 1) == 1, f"feature 0x{feature:02x} not available"
    assert AUTH_METHOD not in props and RESPONSE_INFO not in props
    c.disconnect()


def test_MQTT_3_2_2_9_connack_reflects_configured_limits(make_broker):
    """Configured limits are advertised: Maximum QoS 1, Retain Available 0, Maximum Packet Size,
    Topic Alias Maximum."""
    b = make_broker(limits={"maximum_qos": 1, "retain_available": False, "max_packet_size": 2048,
                            "topic_alias_maximum": 7})
    c, ack = connect5(b)
    assert ack.property(MAXIMUM_QOS) == 1
    assert ack.property(RETAIN_AVAILABLE) == 0
    assert ack.property(MAXIMUM_PACKET_SIZE) == 2048
    assert ack.property(TOPIC_ALIAS_MAXIMUM) == 7
    c.disconnect()


@pytest.mark.pregon_only("limits.receive_maximum has no mosquitto equivalent")
def test_MQTT_3_2_2_9_connack_receive_maximum_configured(make_broker):
    """limits.receive_maximum is advertised as Receive Maximum."""
    b = make_broker(limits={"receive_maximum": 20})
    c, ack = connect5(b)
    assert ack.property(RECEIVE_MAXIMUM) == 20
    c.disconnect()


@pytest.mark.parametrize("level", [6, 7, 0x85])
def test_MQTT_3_1_2_2_unsupported_protocol_version(broker, level):
    """An unsupported Protocol Version may get CONNACK 0x84, then the connection is closed. Since
    the broker cannot know the client's format, a 3.1.1-format CONNACK 0x01 is accepted too.
    MQTT-3.2.2-7 MQTT-4.13.2-1"""
    data = bytearray(connect_packet(uid()))
    data[2 + 6] = level  # fixed header (2) + "MQTT" string (6): the Protocol Version byte
    got = refused(broker, bytes(data), v311_connack=True)
    assert all(p.return_code in (0x84, 0x01) for p in got)
    assert_served(broker)


def test_MQTT_3_1_2_1_protocol_name_mismatch(broker):
    """A Protocol Name other than "MQTT" closes the connection (CONNACK 0x84 allowed first)."""
    got = refused(broker, raw.connect(uid(), version=5, protocol_name="MQTX"))
    assert all(p.return_code == 0x84 for p in got)
    assert_served(broker)


def test_MQTT_3_1_2_3_reserved_connect_flag_is_malformed(broker):
    """CONNECT with the reserved flag set is malformed: closed, CONNACK 0x81 allowed first."""
    got = refused(broker, raw.connect(uid(), version=5, reserved=True))
    assert all(p.return_code == 0x81 for p in got)
    assert_served(broker)


@pytest.mark.parametrize("first", [raw.pingreq(), raw.publish("a", b"x", version=5),
                                   raw.subscribe(1, [("a", 0)], version=5)], ids=["PINGREQ", "PUBLISH", "SUBSCRIBE"])
def test_MQTT_3_1_0_1_first_packet_must_be_connect(broker, first):
    """Anything but CONNECT first is answered by nothing and a close.
    MQTT-3.14.0-1"""
    assert refused(broker, first) == []
    assert_served(broker)


def test_MQTT_3_1_0_2_second_connect_is_protocol_error(broker):
    """A second CONNECT closes the connection; there is no second CONNACK (DISCONNECT 0x82 allowed).
    MQTT-3.2.0-2 MQTT-4.13.1-1"""
    c, _ = connect5(broker, uid())
    c.send(connect_packet(uid()))
    got = assert_closed(c, reasons={0x82})
    assert all(p.type == DISCONNECT for p in got), got
    assert_served(broker)


MALFORMED_CONNECTS = {
    # Remaining Length shorter than the variable header it announces.
    "truncated": raw.packet(raw.CONNECT, 0, raw.mqtt_str("MQTT") + bytes([5, 2])),
    # Property Length runs past the end of the packet.
    "property-length": raw.packet(raw.CONNECT, 0, raw.mqtt_str("MQTT") + bytes([5, 2, 0, 60, 50])
                                  + raw.mqtt_str("cid")),
    # Unknown property identifier 0x7F.
    "unknown-property": raw.connect("cid", version=5, properties=bytes([0x7F, 0])),
    # Property not allowed in CONNECT (Topic Alias).
    "wrong-property": raw.connect("cid", version=5, properties=[(0x23, 1)]),
    # Session Expiry Interval given twice.
    "duplicate-property": raw.connect("cid", version=5, properties=[(SESSION_EXPIRY, 1), (SESSION_EXPIRY, 2)]),
    # Receive Maximum 0.
    "receive-maximum-zero": raw.connect("cid", version=5, properties=[(RECEIVE_MAXIMUM, 0)]),
    # Trailing bytes after the payload.
    "trailing-bytes": raw.connect("cid", version=5)[:1] + bytes([raw.connect("cid", version=5)[1] + 2])
                      + raw.connect("cid", version=5)[2:] + b"\x00\x00",
}


@pytest.mark.parametrize("data", list(MALFORMED_CONNECTS.values()), ids=list(MALFORMED_CONNECTS))
def test_MQTT_3_1_4_1_malformed_connect_closes(broker, data):
    """A CONNECT that does not conform is answered by at most a CONNACK >= 0x80, then a close; never
    a DISCONNECT, since no successful CONNACK was sent.
    MQTT-3.14.0-1 MQTT-3.2.2-6 MQTT-3.2.2-7 MQTT-3.2.2-8 MQTT-4.13.1-1 MQTT-4.13.2-1"""
    got = refused(broker, data)
    assert all(p.return_code in (0x81, 0x82) for p in got), got
    assert_served(broker)


def test_MQTT_3_1_2_19_password_flag_without_password(broker):
    """Password Flag 1 with no Password in the payload is malformed: closed.
    MQTT-3.1.2-17"""
    assert all(p.return_code >= 0x80 for p in refused(broker, raw.connect(uid(), version=5, flags=0x42)))
    assert all(p.return_code >= 0x80 for p in refused(broker, raw.connect(uid(), version=5, flags=0x82)))
    assert_served(broker)


def test_MQTT_3_1_2_16_user_name_present_without_flag(broker):
    """Bytes of a User Name or Password after the ClientID, with both flags 0, are malformed.
    MQTT-3.1.2-18"""
    data = raw.connect(uid(), version=5, username="u", password=b"p", flags=0x02)
    assert all(p.return_code >= 0x80 for p in refused(broker, data))
    assert_served(broker)


def test_MQTT_3_1_3_1_payload_fields_in_order(broker):
    """ClientID, Will Properties, Will Topic, Will Payload, User Name and Password are read in that
    order: the Will sent with credentials arrives with its own topic and payload.
    MQTT-3.1.2-7"""
    watcher, _ = connect5(broker)
    watcher.sub([("order/will", opts(qos=1))])
    c, _ = connect5(broker, uid(), will=dict(topic="order/will", payload=b"will-payload", qos=1),
                    username="user", password=b"secret")
    c.close()
    w = watcher.next_publish()
    assert (w.topic, w.payload) == ("order/will", b"will-payload")
    watcher.ack(w)
    watcher.disconnect()


def test_MQTT_3_1_3_4_client_id_invalid_utf8_refused(broker):
    """A ClientID that is not valid UTF-8 (an encoded surrogate) is refused: closed, with CONNACK
    0x85 or 0x81 allowed first.
    MQTT-3.1.3-8 MQTT-1.5.4-1"""
    got = refused(broker, raw.connect(b"id\xed\xa0\x80", version=5))
    assert all(p.return_code in (0x81, 0x85) for p in got)
    assert_served(broker)


def test_MQTT_3_1_3_12_user_name_invalid_utf8_refused(broker):
    """A User Name that is not valid UTF-8 is malformed: closed."""
    got = refused(broker, raw.connect(uid(), version=5, username=b"u\xff\xfe"))
    assert all(p.return_code in (0x81, 0x86) for p in got)
    assert_served(broker)


def test_MQTT_4_12_0_1_authentication_method_refused_0x8C(broker):
    """No authentication method is supported: CONNECT with one gets CONNACK 0x8C (or 0x87) and a
    close.
    MQTT-3.1.4-2 MQTT-4.12.0-4 MQTT-3.2.2-6 MQTT-3.2.2-7 MQTT-4.13.2-1"""
    got = refused(broker, raw.connect(uid(), version=5, properties=[(AUTH_METHOD, "SCRAM-SHA-256")]))
    assert all(p.return_code in (0x8C, 0x87) for p in got)
    assert_served(broker)


def test_MQTT_3_1_4_6_nothing_processed_after_refused_connect(broker):
    """Packets sent right behind a refused CONNECT are not processed: a retained PUBLISH in the same
    write is not stored."""
    data = raw.connect(uid(), version=5, properties=[(AUTH_METHOD, "SCRAM-SHA-256")])
    data += raw.publish("refused/t", b"must-not-store", retain=True, version=5)
    refused(broker, data)
    c, _ = connect5(broker)
    c.sub([("refused/t", opts(qos=1))])
    c.pub("refused/t", b"sentinel", qos=1)
    assert c.publishes_until(b"sentinel") == []
    c.disconnect()


def test_MQTT_4_13_1_1_auth_packet_without_method_is_protocol_error(broker):
    """AUTH from a client that gave no Authentication Method is a Protocol Error: closed, DISCONNECT
    0x82 allowed first."""
    c, _ = connect5(broker, uid())
    c.send(raw.packet(raw.AUTH, 0, bytes([0x18, 0])))
    assert_closed(c, reasons={0x82, 0x8C})
    assert_served(broker)


def test_MQTT_3_2_2_7_connack_failure_then_close_and_no_session(broker):
    """After a refused CONNECT for an existing ClientID, the connection is closed and the stored
    session is untouched: the takeover of a working connection does not happen either.
    MQTT-3.2.2-6"""
    live, _ = connect5(broker, "victim")
    refused(broker, raw.connect("victim", version=5, properties=[(AUTH_METHOD, "x")]))
    live.ping()  # still connected: the refused CONNECT did not take it over
    live.disconnect()
    assert_served(broker)

