"""Hostile clients, part 1: malformed fixed headers and Remaining Lengths, and CONNECTs that do not
conform (flags, protocol names and levels, strings, client ids, packets before and after CONNECT).
The conventions are in tests/support/hostile.py."""
from support.hostile import *  # noqa: F401,F403 — the shared vocabulary of the hostile suites


# ---------------------------------------------------------------------------------------------
# Fixed header: reserved flags, reserved packet types, Remaining Length


def _wrong_flags(version):
    """One packet of each type a client may send that has fixed flags (Table 2.2), flags wrong."""
    v = version
    return {
        "PUBACK": packet(PUBACK, 0x2, u16(1)),
        "PUBREC": packet(PUBREC, 0x1, u16(1)),
        "PUBREL": raw.pubrel(1, version=v, flags=0x0),
        "PUBCOMP": packet(PUBCOMP, 0x8, u16(1)),
        "SUBSCRIBE": raw.subscribe(1, [("a/b", 0)], version=v, flags=0x0),
        "UNSUBSCRIBE": raw.unsubscribe(1, ["a/b"], version=v, flags=0x6),
        "PINGREQ": packet(PINGREQ, 0x4),
        "DISCONNECT": raw.disconnect(version=v, flags=0x1),
    }


FIXED_FLAG_TYPES = list(_wrong_flags(V311))


@pytest.mark.parametrize("name", [pytest.param(n, marks=_LAX if n in ("PUBACK", "PUBREC", "PUBCOMP", "PINGREQ") else ())
                                  for n in FIXED_FLAG_TYPES])
def test_MQTT_2_2_2_2_wrong_fixed_header_flags_close(broker, name):
    """3.1.1: each packet type with fixed header flags, sent with other flags, closes the connection
    without an answer (no PINGRESP, PUBCOMP, SUBACK...). Also MQTT-2.2.2-1, MQTT-3.6.1-1,
    MQTT-3.8.1-1, MQTT-3.10.1-1, MQTT-3.14.1-1."""
    by = Bystander(broker)
    closes_silently(attack(broker, _wrong_flags(V311)[name]))
    assert_unharmed(broker, by)


@pytest.mark.parametrize("name", FIXED_FLAG_TYPES + ["AUTH"])
@STRICT5
def test_MQTT_2_1_3_1_v5_wrong_fixed_header_flags_get_0x81(broker, name):
    """5.0: the same packets (and AUTH) with wrong fixed header flags are Malformed Packets:
    DISCONNECT 0x81, then the close."""
    # 5.0 [MQTT-2.1.3-1]: flags other than those in Table 2-2 make the packet malformed.
    data = packet(AUTH, 0x1, bytes([0x18, 0])) if name == "AUTH" else _wrong_flags(MQTT5)[name]
    by = Bystander(broker)
    closes_with_disconnect(attack(broker, data, MQTT5), MALFORMED)
    assert_unharmed(broker, by, MQTT5)


@pytest.mark.parametrize("version", BOTH)
def test_MQTT_2_2_2_2_connect_with_wrong_fixed_header_flags_closes(broker, version):
    """A CONNECT whose fixed header flags are not 0000 is closed: without CONNACK in 3.1.1
    [MQTT-3.1.4-1]; with CONNACK 0x81 in 5.0."""
    data = bytearray(raw.connect(cid(), version=version))
    data[0] |= 0x2
    c = attack(broker, bytes(data), version, connected=False)
    if version == MQTT5:
        refused_with_connack(c, MALFORMED)
    else:
        closes_silently(c)
    assert_broker_alive(broker, version)


@pytest.mark.parametrize("version,ptype", [pytest.param(V311, 0, id="v311-type0"),
                                           pytest.param(V311, 15, id="v311-type15-auth"),
                                           pytest.param(MQTT5, 0, id="mqtt5-type0", marks=STRICT5)])
def test_MQTT_4_8_0_1_reserved_packet_type_closes(broker, version, ptype):
    """Packet type 0 is reserved in both versions and type 15 (AUTH in 5.0) is reserved in 3.1.1: a
    protocol violation that closes the connection (5.0: DISCONNECT 0x81)."""
    by = Bystander(broker)
    c = attack(broker, packet(ptype, 0, b"\x00\x00"), version)
    closes_as_required(c, version, MALFORMED)
    assert_unharmed(broker, by, version)


@pytest.mark.parametrize("ptype", [0, 15], ids=["type0", "type15"])
def test_MQTT_3_1_0_1_reserved_packet_type_before_connect_closes(broker, ptype):
    """A reserved packet type as the very first packet: closed, nothing sent."""
    closes_silently(attack(broker, packet(ptype, 0), connected=False))
    assert_broker_alive(broker)


FIVE_BYTE_LENGTH = bytes([0xFF, 0xFF, 0xFF, 0xFF, 0x7F])


@pytest.mark.parametrize("version,connected", [pytest.param(V311, False, id="v311-before-connect"),
                                               pytest.param(V311, True, id="v311-after-connect"),
                                               pytest.param(MQTT5, True, id="mqtt5-after-connect", marks=STRICT5)])
def test_MQTT_4_8_0_1_remaining_length_of_five_bytes_closes(broker, version, connected):
    """A Remaining Length with a continuation bit on its fourth byte (five bytes long) cannot be
    decoded: the connection is closed (5.0: DISCONNECT 0x81) without waiting for more data."""
    first = (PUBLISH << 4) if connected else (CONNECT << 4)
    by = Bystander(broker)
    c = attack(broker, bytes([first]) + FIVE_BYTE_LENGTH + b"\x00\x01a", version, connected)
    closes_as_required(c, version, MALFORMED)
    assert_unharmed(broker, by, version)


@pytest.mark.parametrize("data", [
    bytes([PINGREQ << 4, 0x80, 0x00]),
    bytes([PUBLISH << 4, 0x86, 0x80, 0x00]) + mqtt_str("a") + b"\x00" + b"x",
], ids=["pingreq-0-in-2-bytes", "publish-6-in-3-bytes"])
@STRICT5
def test_MQTT_1_5_5_1_v5_non_minimal_remaining_length_gets_0x81(broker, data):
    """5.0: a Remaining Length not encoded in the fewest bytes is malformed: DISCONNECT 0x81."""
    # 5.0 [MQTT-1.5.5-1]: the encoded value MUST use the minimum number of bytes.
    by = Bystander(broker)
    closes_with_disconnect(attack(broker, data, MQTT5), MALFORMED)
    assert_unharmed(broker, by, MQTT5)


def test_MQTT_3_1_2_8_eof_inside_a_packet_publishes_will_not_the_fragment(broker):
    """A client that announces a longer PUBLISH than it sends and then closes its side: the broker
    closes the connection, publishes the will (no DISCONNECT was received), and never delivers the
    fragment. Also MQTT-3.1.2-10."""
    by = Bystander(broker)
    c, _ = RawClient.connected(broker, cid("eof"), will=dict(topic="hostile/will", payload=b"w", qos=1))
    body = mqtt_str("hostile/fragment") + b"partial"
    c.send(bytes([PUBLISH << 4]) + varint(len(body) + 100) + body)
    c.sock.shutdown(socket.SHUT_WR)
    closes_silently(c)
    assert_unharmed(broker, by, expected=[("hostile/will", b"w")])


def _inconsistent_lengths(version):
    """Packets whose Remaining Length disagrees with their content."""
    props = b"\x00" if version == MQTT5 else b""
    return {
        "publish-topic-past-end": packet(PUBLISH, 0, u16(10) + b"abc"),
        "publish-qos1-half-packet-id": packet(PUBLISH, 0x2, mqtt_str("a/b") + b"\x00"),
        "subscribe-no-options-byte": packet(SUBSCRIBE, 0x2, u16(1) + props + mqtt_str("a/b")),
        "subscribe-filter-past-end": packet(SUBSCRIBE, 0x2, u16(1) + props + u16(50) + b"a/b\x00"),
        "unsubscribe-filter-past-end": packet(UNSUBSCRIBE, 0x2, u16(1) + props + u16(9) + b"a"),
        "puback-one-byte": packet(PUBACK, 0, b"\x00"),
        "pubrel-one-byte": packet(PUBREL, 0x2, b"\x00"),
        "pingreq-with-body": packet(PINGREQ, 0, b"\x00"),
    }


INCONSISTENT = list(_inconsistent_lengths(V311))


@pytest.mark.parametrize("name", [pytest.param(n, marks=_LAX if n in ("pingreq-with-body", "puback-three-bytes") else ())
                                  for n in INCONSISTENT + ["disconnect-with-body", "puback-three-bytes"]])
def test_MQTT_4_8_0_1_remaining_length_inconsistent_with_content_closes(broker, name):
    """3.1.1: a packet shorter than its fields, or longer than its type allows (PINGREQ, DISCONNECT
    and PUBACK have fixed sizes), closes the connection without an answer."""
    extra = {"disconnect-with-body": packet(DISCONNECT, 0, b"\x00"),
             "puback-three-bytes": packet(PUBACK, 0, u16(1) + b"\x00")}
    data = extra.get(name) or _inconsistent_lengths(V311)[name]
    by = Bystander(broker)
    closes_silently(attack(broker, data))
    assert_unharmed(broker, by)


@pytest.mark.parametrize("name", INCONSISTENT + ["publish-property-length-past-end",
                                                 "publish-property-length-five-bytes"])
@STRICT5
def test_MQTT_4_13_1_1_v5_remaining_length_inconsistent_with_content_gets_0x81(broker, name):
    """5.0: the same truncated packets, and Property Lengths that overrun the packet or do not
    decode: DISCONNECT 0x81."""
    extra = {"publish-property-length-past-end": packet(PUBLISH, 0, mqtt_str("a") + varint(20) + b"\x01"),
             "publish-property-length-five-bytes": packet(PUBLISH, 0, mqtt_str("a") + FIVE_BYTE_LENGTH)}
    data = extra.get(name) or _inconsistent_lengths(MQTT5)[name]
    by = Bystander(broker)
    closes_with_disconnect(attack(broker, data, MQTT5), MALFORMED)
    assert_unharmed(broker, by, MQTT5)


# ---------------------------------------------------------------------------------------------
# CONNECT


BAD_CONNECT_FLAGS = {
    "reserved-flag": dict(reserved=True),
    "will-qos-3": dict(will=dict(topic="w", payload=b"x", qos=3)),
    "will-qos-without-will-flag": dict(flags=0x02 | 0x10),
    "will-retain-without-will-flag": dict(flags=0x02 | 0x20),
}


@pytest.mark.parametrize("name", list(BAD_CONNECT_FLAGS) + ["password-without-user-name"])
def test_MQTT_3_1_4_1_connect_with_invalid_flags_closed_without_connack(broker, name):
    """3.1.1: a CONNECT with the reserved flag set, Will QoS 3, Will QoS or Will Retain without the
    Will Flag, or a password without a user name does not conform: closed without CONNACK.
    Also MQTT-3.1.2-3, MQTT-3.1.2-13, MQTT-3.1.2-14, MQTT-3.1.2-15, MQTT-3.1.2-22."""
    args = dict(password=b"pw") if name == "password-without-user-name" else BAD_CONNECT_FLAGS[name]
    closes_silently(attack(broker, raw.connect(cid(), **args), connected=False))
    assert_broker_alive(broker)


def _malformed_connects():
    """5.0 CONNECTs that do not conform, with the CONNACK reason code each must get."""
    c = cid()
    return {
        "reserved-flag": (raw.connect(c, version=5, reserved=True), MALFORMED),
        "will-qos-3": (raw.connect(c, version=5, will=dict(topic="w", qos=3)), MALFORMED),
        "will-qos-without-will-flag": (raw.connect(c, version=5, flags=0x02 | 0x08), MALFORMED),
        "will-retain-without-will-flag": (raw.connect(c, version=5, flags=0x02 | 0x20), MALFORMED),
        "unknown-property": (raw.connect(c, version=5, properties=bytes([0x7F, 0])), MALFORMED),
        "topic-alias-not-allowed": (raw.connect(c, version=5, properties=[(TOPIC_ALIAS, 1)]), MALFORMED),
        "will-property-not-allowed": (raw.connect(c, version=5, will=dict(topic="w", properties=[(SESSION_EXPIRY, 1)])),
                                      MALFORMED),
        "property-length-past-end": (packet(CONNECT, 0, mqtt_str("MQTT") + bytes([5, 2, 0, 60]) + varint(40)
                                            + bytes([SESSION_EXPIRY, 0, 0, 0, 1])), MALFORMED),
        "duplicate-session-expiry": (raw.connect(c, version=5, properties=[(SESSION_EXPIRY, 1), (SESSION_EXPIRY, 2)]),
                                     PROTOCOL_ERROR),
        "duplicate-will-delay": (raw.connect(c, version=5, will=dict(topic="w", properties=[(WILL_DELAY, 1),
                                                                                            (WILL_DELAY, 1)])),
                                 PROTOCOL_ERROR),
        "receive-maximum-0": (raw.connect(c, version=5, properties=[(RECEIVE_MAXIMUM, 0)]), PROTOCOL_ERROR),
        "maximum-packet-size-0": (raw.connect(c, version=5, properties=[(MAXIMUM_PACKET_SIZE, 0)]), PROTOCOL_ERROR),
        "request-problem-information-2": (raw.connect(c, version=5, properties=[(REQUEST_PROBLEM_INFO, 2)]),
                                          PROTOCOL_ERROR),
    }


MALFORMED_CONNECTS = list(_malformed_connects())


@pytest.mark.parametrize("name", MALFORMED_CONNECTS)
@STRICT5
def test_MQTT_3_1_4_1_v5_nonconforming_connect_gets_connack_reason(broker, name):
    """5.0: each non-conforming CONNECT gets exactly one CONNACK with its reason code (0x81 for a
    malformed one, 0x82 for a protocol error), then the close; a live client is not disturbed."""
    # 5.0 [MQTT-3.1.4-1], [MQTT-3.2.2-7], [MQTT-3.2.2-8], 4.13.
    data, code = _malformed_connects()[name]
    by = Bystander(broker)
    refused_with_connack(attack(broker, data, MQTT5, connected=False), code)
    assert_unharmed(broker, by, MQTT5)


@pytest.mark.parametrize("level", [0, 2, 6, 255])
def test_MQTT_3_1_2_2_unsupported_protocol_level_connack_0x01(broker, level):
    """3.1.1-format CONNECT with a Protocol Level the broker does not support: CONNACK 0x01, then the
    close. Also MQTT-3.2.2-5."""
    refused_with_connack(attack(broker, raw.connect(cid(), version=level, protocol_name="MQTT"),
                                connected=False), 0x01)
    assert_broker_alive(broker)


@pytest.mark.parametrize("version,name", [pytest.param(V311, "MQTX", id="v311-MQTX"),
                                          pytest.param(V311, "MQIsdp", id="v311-MQIsdp-with-level-4"),
                                          pytest.param(MQTT5, "MQTX", id="mqtt5-MQTX", marks=STRICT5)])
def test_MQTT_3_1_2_1_wrong_protocol_name_not_processed(broker, version, name):
    """A protocol name that does not belong to the level is not processed as a CONNECT: 3.1.1
    closes without CONNACK, 5.0 answers CONNACK 0x84 (Unsupported Protocol Version), then closes."""
    c = attack(broker, raw.connect(cid(), version=version, protocol_name=name), version, connected=False)
    if version == MQTT5:
        refused_with_connack(c, 0x84)
    else:
        # 3.1.1 lets the server close, or go on under another specification (as 3.1, say, which
        # would refuse level 4 with CONNACK 0x01): never an accepted session.
        got = c.packets_then_close()
        c.close()
        assert got == [] or ([p.type for p in got] == [CONNACK] and got[0].return_code != 0), got
    assert_broker_alive(broker, version)


def _connect_with(field, value, version):
    if field == "client-id":
        return raw.connect(value, version=version)
    if field == "will-topic":
        return raw.connect(cid(), version=version, will=dict(topic=value, payload=b"x"))
    return raw.connect(cid(), version=version, username=value)


FIELDS = ["client-id", "will-topic", "user-name"]


@pytest.mark.parametrize("encoding", list(ILL_FORMED))
@pytest.mark.parametrize("field", FIELDS)
def test_MQTT_1_5_3_1_ill_formed_utf8_in_connect_closes(broker, field, encoding):
    """3.1.1: a client id, will topic or user name that is not well-formed UTF-8 (surrogates,
    over-long forms, 0xFF) makes the CONNECT malformed: closed without CONNACK.
    Also MQTT-3.1.3-4, MQTT-3.1.3-10, MQTT-3.1.3-11, MQTT-3.1.4-1."""
    closes_silently(attack(broker, _connect_with(field, ILL_FORMED[encoding], V311), connected=False))
    assert_broker_alive(broker)


@pytest.mark.parametrize("field", FIELDS)
def test_MQTT_1_5_3_2_nul_character_in_connect_closes(broker, field):
    """3.1.1: U+0000 in the client id, will topic or user name: closed without CONNACK."""
    closes_silently(attack(broker, _connect_with(field, NUL, V311), connected=False))
    assert_broker_alive(broker)


@pytest.mark.parametrize("encoding", ["high-surrogate", "overlong", "nul"])
@pytest.mark.parametrize("field", FIELDS)
@STRICT5
def test_MQTT_1_5_4_1_v5_bad_string_in_connect_gets_connack_0x81(broker, field, encoding):
    """5.0: ill-formed UTF-8 or U+0000 in the client id, will topic or user name: CONNACK 0x81 (for
    the client id 0x85 Client Identifier not valid is allowed), then the close."""
    # 5.0 [MQTT-1.5.4-1], [MQTT-1.5.4-2], [MQTT-3.1.3-4], [MQTT-3.1.3-11], [MQTT-3.1.3-12].
    value = NUL if encoding == "nul" else ILL_FORMED[encoding]
    c = attack(broker, _connect_with(field, value, MQTT5), MQTT5, connected=False)
    refused_with_connack(c, *((MALFORMED, 0x85) if field == "client-id" else (MALFORMED,)))
    assert_broker_alive(broker, MQTT5)


@pytest.mark.parametrize("version,clean", [
    (V311, False),
    (3, True),
    (3, False)], ids=["v311-persistent", "v31-clean", "v31-persistent"])
def test_MQTT_3_1_3_9_empty_client_id_rejected_with_connack_0x02(broker, version, clean):
    """A zero-byte client id the broker cannot accept is refused: 3.1.1 with CleanSession 0 gets
    CONNACK 0x02 and a close; 3.1, whose ids are 1 to 23 characters, gets CONNACK 0x02 or a bare
    close. Also MQTT-3.1.3-8, MQTT-3.2.2-4, MQTT-3.2.2-5."""
    c = attack(broker, raw.connect("", clean=clean, version=version), version, connected=False)
    if version == V311:
        refused_with_connack(c, 0x02)
    else:
        got = c.packets_then_close()
        c.close()
        assert got == [] or ([p.type for p in got] == [CONNACK] and got[0].return_code == 0x02), got
    assert_broker_alive(broker)


@pytest.mark.parametrize("version", BOTH)
def test_MQTT_3_1_0_2_second_connect_cannot_take_over_another_client(broker, version):
    """A second CONNECT naming another connected client's id closes the sender's connection (5.0:
    DISCONNECT 0x82) and does not take the other client over: it stays connected and served."""
    victim = Bystander(broker)
    victim_id = cid("victim")
    v, _ = RawClient.connected(broker, victim_id)
    c = attack(broker, raw.connect(victim_id, version=version), version)
    closes_as_required(c, version, PROTOCOL_ERROR)
    v.ping()
    assert v.subscribe(2, [("still/mine", 0)]) == [0]
    v.disconnect()
    assert_unharmed(broker, victim, version)


def test_MQTT_3_1_4_2_takeover_storm_leaves_exactly_one_connection(broker):
    """Fifty connections send a CONNECT with the same client id at once: each is accepted in turn
    and closes the previous one, so exactly one stays connected and served; the others are
    closed. Also MQTT-3.1.4-4."""
    by = Bystander(broker)
    storm_id = cid("storm")
    clients = [RawClient.open(broker) for _ in range(50)]
    for c in clients:
        c.send(raw.connect(storm_id, clean=True))
    for c in clients:
        assert c.expect(CONNACK).return_code == 0
    pending = wait_all_closed([c.sock for c in clients], timeout=10, until_left=1)
    assert len(pending) == 1, f"{len(pending)} of 50 connections with one client id are still open"
    survivor = next(c for c in clients if c.sock in pending)
    survivor.ping()
    assert survivor.subscribe(1, [("storm/t", 0)]) == [0]
    survivor.disconnect()
    for c in clients:
        c.close()
    assert_unharmed(broker, by)


SERVER_PACKETS = {
    "CONNACK": packet(CONNACK, 0, b"\x00\x00"),
    "SUBACK": packet(SUBACK, 0, u16(1) + b"\x00"),
    "UNSUBACK": packet(UNSUBACK, 0, u16(1)),
    "PINGRESP": packet(PINGRESP, 0),
}


@pytest.mark.parametrize("name", list(SERVER_PACKETS) + ["PUBREL", "UNSUBSCRIBE"])
def test_MQTT_3_1_0_1_other_packet_before_connect_closes(broker, name):
    """A first packet that is not CONNECT (here packets only a server sends, and client packets the
    conformance suite does not already try) closes the connection with no answer."""
    data = SERVER_PACKETS.get(name) or {"PUBREL": raw.pubrel(1), "UNSUBSCRIBE": raw.unsubscribe(1, ["a"])}[name]
    by = Bystander(broker)
    closes_silently(attack(broker, data, connected=False))
    assert_unharmed(broker, by)


@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n == "CONNACK" else pytest.mark.mosquitto_xfail(
    "mosquitto 2.0.11 ignores this server-only packet from a 3.1.1 client")) for n in SERVER_PACKETS])
def test_MQTT_4_8_0_1_server_only_packet_from_client_closes(broker, name, version):
    """CONNACK, SUBACK, UNSUBACK or PINGRESP sent by a client is a protocol violation: closed
    (5.0: DISCONNECT 0x82)."""
    data = SERVER_PACKETS[name]
    if version == MQTT5 and name in ("CONNACK", "SUBACK", "UNSUBACK"):
        data = packet(data[0] >> 4, 0, data[2:] + b"\x00")  # with an empty property block
        if name == "UNSUBACK":
            data = packet(UNSUBACK, 0, u16(1) + b"\x00\x00")
    by = Bystander(broker)
    closes_as_required(attack(broker, data, version), version, PROTOCOL_ERROR)
    assert_unharmed(broker, by, version)
