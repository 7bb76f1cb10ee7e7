"""Hostile clients, part 2: SUBSCRIBE and UNSUBSCRIBE violations, PUBLISH properties and topic
aliases, QoS 2 flow abuse, oversize packets, slow-loris CONNECTs, connection floods and garbage
streams. The conventions are in tests/support/hostile.py."""
import select

from support.hostile import *  # noqa: F401,F403 — the shared vocabulary of the hostile suites

PINGRESP_BYTES = bytes([PINGRESP << 4, 0])


# ---------------------------------------------------------------------------------------------
# SUBSCRIBE / UNSUBSCRIBE


def test_MQTT_3_8_4_5_invalid_wildcards_among_valid_filters(broker):
    """3.1.1: a SUBSCRIBE mixing a valid filter with `a/#/b` and `a+` either closes the connection
    unanswered, or grants the valid filter alone (0x80 for the others, in order) and that
    subscription works. Also MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-3.9.3-1."""
    by = Bystander(broker, "bystander/#")
    c, _ = RawClient.connected(broker, cid("mix"))
    c.send(raw.subscribe(1, [("mix/ok", 1), ("a/#/b", 1), ("a+", 1)]))
    try:
        ack = c.recv()
    except raw.Closed:
        ack = None  # closed unanswered: the whole SUBSCRIBE refused
    if ack is not None:
        assert ack.type == SUBACK and ack.packet_id == 1 and ack.return_codes == [1, 0x80, 0x80], ack
        pub, _ = RawClient.connected(broker, cid("pub"))
        pub.publish_qos1("mix/ok", b"hello")
        pub.disconnect()
        m = c.expect(PUBLISH)
        assert (m.topic, m.payload) == ("mix/ok", b"hello")
        c.send(raw.puback(m.packet_id))
        c.disconnect()
    assert_unharmed(broker, by)


@pytest.mark.parametrize("encoding", ["high-surrogate", "nul"])
def test_MQTT_3_10_3_1_unsubscribe_filter_not_utf8_closes(broker, encoding):
    """3.1.1: an UNSUBSCRIBE filter with a surrogate or U+0000 closes the connection unanswered."""
    by = Bystander(broker)
    value = NUL if encoding == "nul" else ILL_FORMED[encoding]
    closes_silently(attack(broker, raw.unsubscribe(1, [value])))
    assert_unharmed(broker, by)


def _subscribe_violations():
    sub = lambda filters, **kw: raw.subscribe(1, filters, version=5, **kw)  # noqa: E731
    return {
        "empty-subscribe": (sub([]), PROTOCOL_ERROR),
        "empty-unsubscribe": (raw.unsubscribe(1, [], version=5), PROTOCOL_ERROR),
        "options-qos-3": (sub([("a/b", 0x03)]), PROTOCOL_ERROR),
        "options-reserved-bit-6": (sub([("a/b", 0x40)]), MALFORMED),
        "options-reserved-bit-7": (sub([("a/b", 0x81)]), MALFORMED),
        "retain-handling-3": (sub([("a/b", 0x30)]), PROTOCOL_ERROR),
        "no-local-on-shared": (sub([("$share/g/a", 0x04)]), PROTOCOL_ERROR),
        "subscription-identifier-0": (sub([("a/b", 0)], properties=[(SUBSCRIPTION_ID, 0)]), PROTOCOL_ERROR),
        "duplicate-subscription-identifier": (sub([("a/b", 0)], properties=[(SUBSCRIPTION_ID, 1), (SUBSCRIPTION_ID, 2)]),
                                              PROTOCOL_ERROR),
        "topic-alias-not-allowed": (sub([("a/b", 0)], properties=[(TOPIC_ALIAS, 1)]), MALFORMED),
        "filter-surrogate": (sub([(ILL_FORMED["high-surrogate"], 0)]), MALFORMED),
        "filter-nul": (sub([(NUL, 0)]), MALFORMED),
        "unsubscribe-filter-surrogate": (raw.unsubscribe(1, [ILL_FORMED["low-surrogate"]], version=5), MALFORMED),
        "unsubscribe-subscription-identifier-not-allowed": (
            raw.unsubscribe(1, ["a/b"], version=5, properties=[(SUBSCRIPTION_ID, 1)]), MALFORMED),
    }


@pytest.mark.parametrize("name", list(_subscribe_violations()))
@STRICT5
def test_MQTT_4_13_1_1_v5_subscribe_violation_gets_reason_code(broker, name):
    """5.0: SUBSCRIBE / UNSUBSCRIBE violations end with one DISCONNECT carrying the code the spec
    gives: 0x82 for an empty payload, QoS 3, Retain Handling 3, No Local on a shared subscription,
    a Subscription Identifier of 0 or twice; 0x81 for reserved option bits, a property the packet
    does not allow, a filter that is not UTF-8."""
    # 5.0 [MQTT-3.8.3-2], [MQTT-3.8.3-4], [MQTT-3.8.3-5], [MQTT-3.10.3-2], 3.8.3.1, 2.2.2.2, 1.5.4.
    data, code = _subscribe_violations()[name]
    by = Bystander(broker)
    closes_with_disconnect(attack(broker, data, MQTT5), code)
    assert_unharmed(broker, by, MQTT5)


# ---------------------------------------------------------------------------------------------
# PUBLISH (5.0 properties, topic aliases)


def _publish_violations(alias_max):
    pub = lambda topic, props=None, qos=1: raw.publish(topic, b"leak", qos=qos, packet_id=1 if qos else None,  # noqa: E731
                                                      version=5, properties=props)
    return {
        "qos-3": (packet(PUBLISH, 0x6, mqtt_str("hostile/t") + u16(1) + b"\x00leak"), (MALFORMED,)),
        "topic-surrogate": (pub(b"hostile/\xed\xa0\x80"), (MALFORMED,)),
        "topic-nul": (pub(b"hostile/\x00"), (MALFORMED,)),
        # 5.0 names no code for a wildcard in a Topic Name; a malformed topic or 0x90 are all sound.
        "topic-wildcard": (pub("hostile/+"), (MALFORMED, PROTOCOL_ERROR, 0x90)),
        "empty-topic-without-alias": (pub(""), (PROTOCOL_ERROR,)),
        "subscription-identifier": (pub("hostile/t", [(SUBSCRIPTION_ID, 3)]), (PROTOCOL_ERROR,)),
        "topic-alias-0": (pub("hostile/t", [(TOPIC_ALIAS, 0)]), (ALIAS_INVALID,)),
        "topic-alias-above-maximum": (pub("hostile/t", [(TOPIC_ALIAS, alias_max + 1)]), (ALIAS_INVALID,)),
        "topic-alias-never-mapped": (pub("", [(TOPIC_ALIAS, 1)]), (PROTOCOL_ERROR,)),
        "duplicate-payload-format": (pub("hostile/t", [(PAYLOAD_FORMAT, 0), (PAYLOAD_FORMAT, 0)]), (PROTOCOL_ERROR,)),
        "duplicate-message-expiry": (pub("hostile/t", [(MESSAGE_EXPIRY, 9), (MESSAGE_EXPIRY, 9)]), (PROTOCOL_ERROR,)),
        "unknown-property": (pub("hostile/t", bytes([0x7F, 0x00])), (MALFORMED,)),
        "session-expiry-not-allowed": (pub("hostile/t", [(SESSION_EXPIRY, 1)]), (MALFORMED,)),
        "user-property-not-utf8": (pub("hostile/t", [(USER_PROPERTY, (b"k\xff", b"v"))]), (MALFORMED,)),
        "response-topic-wildcard": (pub("hostile/t", [(RESPONSE_TOPIC, "r/#")]), (PROTOCOL_ERROR,)),
        "qos0-topic-alias-0": (pub("hostile/t", [(TOPIC_ALIAS, 0)], qos=0), (ALIAS_INVALID,)),
    }




@pytest.mark.parametrize("name", list(_publish_violations(0)))
@STRICT5
def test_MQTT_4_13_1_1_v5_publish_violation_gets_reason_code(broker, name):
    """5.0: PUBLISH violations end with one DISCONNECT carrying the spec's code (0x81 malformed,
    0x82 protocol error, 0x94 Topic Alias invalid), no PUBACK, and the message reaches nobody."""
    # 5.0 [MQTT-3.3.1-4], [MQTT-3.3.2-2], [MQTT-3.3.2-8], [MQTT-3.3.2-9], [MQTT-3.3.2-10],
    # [MQTT-3.3.2-14], [MQTT-3.3.4-6], [MQTT-1.5.4-1], [MQTT-1.5.4-2], 2.2.2.2.
    by = Bystander(broker)
    c, ack = RawClient.connected(broker, cid("bad"), version=MQTT5)
    data, codes = _publish_violations(ack.prop(TOPIC_ALIAS_MAXIMUM, 0))[name]
    c.send(data)
    closes_with_disconnect(c, *codes)
    assert_unharmed(broker, by, MQTT5)


def _ack_violations():
    return {
        "puback-unknown-property": raw.puback(1, version=5, reason=0, properties=bytes([0x7F, 0x00])),
        "pubrec-topic-alias-not-allowed": raw.pubrec(1, version=5, reason=0, properties=[(TOPIC_ALIAS, 1)]),
        "pubcomp-property-length-past-end": packet(PUBCOMP, 0, u16(1) + b"\x00" + varint(9) + b"\x1f"),
        "disconnect-topic-alias-not-allowed": raw.disconnect(version=5, reason=0, properties=[(TOPIC_ALIAS, 1)]),
        "disconnect-reason-string-not-utf8": raw.disconnect(version=5, reason=0, properties=[(0x1F, b"\xed\xa0\x80")]),
    }


@pytest.mark.parametrize("name", list(_ack_violations()))
@STRICT5
def test_MQTT_4_13_1_1_v5_bad_properties_in_acks_and_disconnect_get_0x81(broker, name):
    """5.0: an ack or DISCONNECT whose properties are unknown, not allowed there, overrun the packet or
    are not UTF-8 is malformed: DISCONNECT 0x81 (a malformed DISCONNECT is not a normal one)."""
    by = Bystander(broker)
    closes_with_disconnect(attack(broker, _ack_violations()[name], MQTT5), MALFORMED)
    assert_unharmed(broker, by, MQTT5)


# ---------------------------------------------------------------------------------------------
# QoS 2 flow abuse


@pytest.mark.parametrize("version", BOTH)
def test_MQTT_4_3_3_2_pubrel_flood_for_unknown_ids_each_get_pubcomp(broker, version):
    """1000 PUBRELs for packet ids never published, in one write: each gets its PUBCOMP, in order
    (5.0: reason 0x92 Packet Identifier not found), the connection stays usable and nothing is
    delivered to anyone. Also MQTT-2.3.1-6, MQTT-4.6.0-4."""
    by = Bystander(broker)
    c, _ = RawClient.connected(broker, cid("rel"), version=version)
    ids = list(range(1, 1001))
    c.send(b"".join(raw.pubrel(i, version=version) for i in ids))
    comps = [c.expect(PUBCOMP) for _ in ids]
    assert [p.packet_id for p in comps] == ids
    if version == MQTT5:
        assert {p.return_code for p in comps} == {0x92}
    c.ping()
    c.disconnect()
    assert_unharmed(broker, by, version)


@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("ack", ["PUBACK", "PUBREC", "PUBCOMP"])
def test_MQTT_4_3_3_1_acks_for_ids_never_sent_are_harmless(broker, ack, version):
    """PUBACK, PUBREC or PUBCOMP for packet ids the broker never used: ignored (a PUBREC may be
    answered by a PUBREL, 5.0 with 0x92), the connection stays usable and real QoS 1 and 2
    deliveries to that client still work with their own ids."""
    by = Bystander(broker, "bystander/#")
    c, _ = RawClient.connected(broker, cid("ack"), version=version)
    build = {"PUBACK": raw.puback, "PUBREC": raw.pubrec, "PUBCOMP": raw.pubcomp}[ack]
    c.send(b"".join(build(i, version=version) for i in (1, 2, 77, 65535)))
    c.send(raw.pingreq())
    _, before = c.recv_until(lambda p: p.type == PINGRESP)
    for p in before:
        assert ack == "PUBREC" and p.type == PUBREL, f"unexpected {p!r}"
        if version == MQTT5:
            assert p.return_code == 0x92, p
    topic = "acks/" + uuid.uuid4().hex[:8]
    assert c.subscribe(5, [(topic, 2)]) == [2]
    for qos in (1, 2):
        pub, _ = RawClient.connected(broker, cid("pub"))
        if qos == 1:
            pub.publish_qos1(topic, b"q1")
        else:
            pub.publish_qos2(topic, b"q2")
        pub.disconnect()
        m = c.expect(PUBLISH)
        assert (m.qos, m.payload) == (qos, f"q{qos}".encode())
        c.ack(m)
    c.ping()
    c.disconnect()
    assert_unharmed(broker, by, version)


@STRICT5
def test_MQTT_3_3_4_7_v5_unreleased_qos2_beyond_receive_maximum_gets_0x93(make_broker):
    """5.0, Receive Maximum 3: released flows free their slot (a fourth PUBLISH after one PUBREL is
    accepted), but a fourth unreleased QoS 2 PUBLISH gets DISCONNECT 0x93, with no PUBREC for it."""
    # 5.0 [MQTT-3.3.4-7], [MQTT-3.3.4-8] and 4.9: exceeding Receive Maximum is 0x93.
    b = make_broker(limits={"receive_maximum": 3})
    by = Bystander(b, "bystander/#")  # QoS 2 messages may be delivered
    c, ack = RawClient.connected(b, cid("rm"), version=MQTT5)
    assert ack.prop(RECEIVE_MAXIMUM) == 3
    for pid in (1, 2, 3):
        c.send(raw.publish("rm/t", b"x", qos=2, packet_id=pid, version=5))
        assert c.expect(PUBREC).packet_id == pid
    c.send(raw.pubrel(1, version=5))
    assert c.expect(PUBCOMP).packet_id == 1
    c.send(raw.publish("rm/t", b"x", qos=2, packet_id=4, version=5))
    assert c.expect(PUBREC).packet_id == 4
    c.send(raw.publish("rm/t", b"x", qos=2, packet_id=5, version=5))
    closes_with_disconnect(c, RECEIVE_MAX_EXCEEDED)
    assert_unharmed(b, by, MQTT5)


@pytest.mark.parametrize("version", BOTH)
def test_MQTT_4_3_3_2_pubrel_twice_delivers_once(broker, version):
    """A QoS 2 PUBLISH released twice: both PUBRELs get a PUBCOMP (5.0: the second with 0x92, its
    id no longer known) and the message is delivered exactly once. Also MQTT-4.3.3-1."""
    by = Bystander(broker)
    c, _ = RawClient.connected(broker, cid("twice"), version=version)
    c.send(raw.publish("twice/t", b"once", qos=2, packet_id=7, version=version))
    assert c.expect(PUBREC).packet_id == 7
    c.send(raw.pubrel(7, version=version) + raw.pubrel(7, version=version))
    first, second = c.expect(PUBCOMP), c.expect(PUBCOMP)
    assert first.packet_id == second.packet_id == 7
    if version == MQTT5:
        assert (first.return_code, second.return_code) == (0x00, 0x92)
    c.ping()
    c.disconnect()
    assert_unharmed(broker, by, version, expected=[("twice/t", b"once")])


@pytest.mark.parametrize("version", BOTH)
def test_MQTT_3_1_3_9_client_id_over_length_limit_rejected(make_broker, version):
    """A client id longer than limits.max_client_id_length is refused: CONNACK 0x02 (3.1.1) or
    0x85 Client Identifier not valid (5.0), then the close; the other clients are unaffected.
    Also MQTT-3.2.2-5."""
    b = make_broker(limits={"max_client_id_length": 32})
    by = Bystander(b)
    c = attack(b, raw.connect("i" * 33, version=version), version, connected=False)
    refused_with_connack(c, 0x85 if version == MQTT5 else 0x02)
    assert_unharmed(b, by, version)


@pytest.mark.parametrize("version", BOTH)
def test_MQTT_3_8_4_5_subscription_flood_capped_per_client(make_broker, version):
    """A SUBSCRIBE with more filters than limits.max_subscriptions_per_client: the first ones are
    granted, the rest refused (0x80; 5.0: 0x97 Quota exceeded), the connection stays usable and a
    granted subscription works."""
    b = make_broker(limits={"max_subscriptions_per_client": 10})
    c, _ = RawClient.connected(b, cid("subs"), version=version)
    filters = [(f"flood/{i}", 1) for i in range(25)]
    assert c.subscribe(1, filters) == [1] * 10 + [0x97 if version == MQTT5 else 0x80] * 15
    assert c.subscribe(2, [("flood/0", 0)]) == [0]  # replacing an existing one is within the cap
    pub, _ = RawClient.connected(b, cid("pub"))
    pub.publish_qos1("flood/0", b"capped")
    pub.disconnect()
    m = c.expect(PUBLISH)
    assert (m.topic, m.payload) == ("flood/0", b"capped")
    c.ping()
    c.disconnect()
    assert_broker_alive(b, version)


@pytest.mark.pregon_only("limits.max_topic_levels and max_topic_length are pregon's")
@pytest.mark.parametrize("version", BOTH)
@pytest.mark.parametrize("topic", ["lvl/" * 100 + "end", "long/" + "x" * 2000], ids=["101-levels", "2005-bytes"])
def test_MQTT_3_3_4_1_topic_beyond_limits_acknowledged_not_routed(broker, version, topic):
    """A PUBLISH to a well-formed topic beyond limits.max_topic_levels or max_topic_length is
    acknowledged (5.0: PUBACK 0x90 Topic Name invalid) but routed to nobody; the connection stays
    usable and a filter that deep is not granted (0x80; 5.0: 0x8F)."""
    by = Bystander(broker)
    c, _ = RawClient.connected(broker, cid("deep"), version=version)
    c.send(raw.publish(topic, b"deep", qos=1, packet_id=3, version=version))
    ack = c.expect(PUBACK)
    assert ack.packet_id == 3 and ack.return_code == (0x90 if version == MQTT5 else 0)
    assert c.subscribe(4, [(topic, 1)]) == [0x8F if version == MQTT5 else 0x80]
    c.ping()
    c.disconnect()
    assert_unharmed(broker, by, version)


def test_MQTT_3_12_4_1_pingreq_flood_without_reading_is_held_back_and_all_answered(make_broker):
    """A client that sends PINGREQs without end and never reads: once its unanswered PINGRESPs
    pass limits.output_buffer_bytes the broker stops reading from it, so its sending blocks (TCP
    flow control) instead of the broker queueing answers without bound; when it reads, every
    PINGREQ it sent has its PINGRESP, and nobody else was disturbed."""
    b = make_broker(limits={"output_buffer_bytes": 65536})
    by = Bystander(b)
    c, _ = RawClient.connected(b, cid("pinger"))
    # Small buffers on this side; the broker's receive buffer may still grow to tcp_rmem's maximum
    # (32 MiB here), which the cap leaves far behind.
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 16)
    c.sock.setblocking(False)
    chunk = raw.pingreq() * 4096
    sent, cap = 0, 256 << 20
    pending = memoryview(chunk)
    while sent < cap:
        try:
            n = c.sock.send(pending)
        except BlockingIOError:
            # Blocked: give the broker a moment to read more, if it still reads at all.
            if not select.select([], [c.sock], [], 1.0)[1]:
                break
            continue
        sent += n
        pending = pending[n:] if n < len(pending) else memoryview(chunk)
    assert sent < cap, "the broker kept reading from a client that never reads its answers"
    # A PINGREQ cut in the middle is finished only after the answers are read: until then the socket
    # may have no room for even one more byte, and the broker reads nothing from it.
    requests = sent // 2
    c.sock.setblocking(True)
    c.sock.settimeout(30)
    got = 0
    while got < 2 * requests:
        data = c.sock.recv(1 << 20)
        assert data, f"closed after {got // 2} of {requests} PINGRESPs"
        assert data == (PINGRESP_BYTES * (len(data) // 2 + 1))[got % 2:got % 2 + len(data)], "only PINGRESPs"
        got += len(data)
    assert got == 2 * requests
    if sent % 2:
        c.sock.sendall(bytes(pending[:1]))
        c.expect(PINGRESP)
    c.ping()
    c.disconnect()
    assert_unharmed(b, by)


# ---------------------------------------------------------------------------------------------
# Oversize packets


MAX_PACKET = 1024


def _oversize(version):
    """Packets over MAX_PACKET bytes, and one only announced by its Remaining Length."""
    return {
        "publish": raw.publish("big/t", b"x" * (MAX_PACKET + 10), qos=1, packet_id=1, version=version),
        "subscribe": raw.subscribe(1, [("f/" + "x" * 200, 0)] * 6, version=version),
        "announced-256MB": bytes([PUBLISH << 4]) + bytes([0xFF, 0xFF, 0xFF, 0x7F]),
    }


@pytest.mark.parametrize("name", list(_oversize(MQTT5)))
@STRICT5
def test_MQTT_3_2_2_15_v5_oversize_packet_gets_0x95(make_broker, name):
    """5.0, limits.max_packet_size 1024: a larger packet, even one only announced by its fixed
    header, gets DISCONNECT 0x95 without the broker waiting for (or reading) the body."""
    # 5.0 [MQTT-3.2.2-15]: the client must not exceed the Maximum Packet Size the server sent.
    b = make_broker(limits={"max_packet_size": MAX_PACKET})
    by = Bystander(b)
    c, ack = RawClient.connected(b, cid("big"), version=MQTT5)
    assert ack.prop(MAXIMUM_PACKET_SIZE) == MAX_PACKET
    c.send(_oversize(MQTT5)[name])
    closes_with_disconnect(c, TOO_LARGE)
    assert_unharmed(b, by, MQTT5)


@pytest.mark.parametrize("name", list(_oversize(V311)) + ["connect"])
def test_MQTT_4_8_0_2_oversize_packet_closes_v311_connection(make_broker, name):
    """3.1.1 has no way to say "too large": a packet over limits.max_packet_size (a CONNECT too) is
    answered by a close, nothing else."""
    b = make_broker(limits={"max_packet_size": MAX_PACKET})
    by = Bystander(b)
    if name == "connect":
        c = attack(b, raw.connect(cid(), username="u" * (MAX_PACKET + 10)), connected=False)
    else:
        c = attack(b, _oversize(V311)[name])
    closes_silently(c)
    assert_unharmed(b, by)


@STRICT5
def test_MQTT_3_1_4_1_v5_oversize_connect_is_closed(make_broker):
    """5.0: a CONNECT larger than limits.max_packet_size ends the connection (the spec allows a
    close without CONNACK: the broker has not read the client's version yet), and nothing else is
    disturbed."""
    b = make_broker(limits={"max_packet_size": MAX_PACKET})
    c = attack(b, raw.connect(cid(), version=5, username="u" * (MAX_PACKET + 10)), MQTT5, connected=False)
    closes_silently(c)
    assert_broker_alive(b, MQTT5)


# ---------------------------------------------------------------------------------------------
# Slow loris, connection floods, garbage


CONNECT_TIMEOUT_MS = 500


def test_MQTT_3_1_0_1_slow_loris_connect_closed_at_connect_timeout(make_broker):
    """Twenty clients trickle a valid CONNECT one byte at a time, each byte well within the connect
    timeout but the whole CONNECT well beyond it: the timeout counts from the accept, not from the
    last byte, so each is closed before its CONNECT completes and none ever gets a CONNACK. A fresh
    client is served meanwhile."""
    b = make_broker(limits={"connect_timeout_ms": CONNECT_TIMEOUT_MS})
    by = Bystander(b, "bystander/#")  # not '#': the fresh client's own messages go out meanwhile
    data = raw.connect(cid("loris"), keepalive=60)
    assert len(data) * 0.1 > 3 * CONNECT_TIMEOUT_MS / 1000  # the trickle outlasts the timeout
    lorises = [socket.create_connection((b.host, b.port)) for _ in range(20)]
    open_ = {s: bytearray() for s in lorises}  # socket -> bytes received from the broker
    for i, byte in enumerate(data):
        for s in list(open_):
            try:
                s.sendall(bytes([byte]))
            except OSError:  # reset by the broker: closed
                del open_[s]
        if i == 3:
            assert_broker_alive(b)  # served while twenty connections hang in CONNECT
        # The trickle: one byte per 0.1 s, watching for data or the close meanwhile.
        deadline = time.monotonic() + 0.1
        sel = selectors.DefaultSelector()
        for s in open_:
            sel.register(s, selectors.EVENT_READ)
        while open_ and (left := deadline - time.monotonic()) > 0:
            for key, _ in sel.select(left):
                try:
                    chunk = key.fileobj.recv(4096)
                except OSError:
                    chunk = b""
                if chunk:
                    open_[key.fileobj] += chunk
                else:
                    sel.unregister(key.fileobj)
                    assert open_.pop(key.fileobj) == b"", "a slow-loris client got an answer"
        sel.close()
        if not open_:
            break
    assert not open_, f"{len(open_)} slow-loris connections outlived the whole trickle; " \
                      f"received {[bytes(v) for v in open_.values()]}"
    for s in lorises:
        s.close()
    assert_unharmed(b, by)


@pytest.mark.parametrize("sends", ["nothing", "partial-connect"])
def test_MQTT_3_1_0_1_connect_flood_all_closed_after_timeout(make_broker, sends):
    """500 connections that never complete a CONNECT (silent, or a CONNECT cut after its first 5
    bytes) are all closed by the connect timeout without an answer, while a connected client and
    fresh clients are served."""
    b = make_broker(limits={"connect_timeout_ms": 1000})
    by = Bystander(b, "bystander/#")  # not '#': the fresh client's own messages go out meanwhile
    prefix = raw.connect(cid())[:5] if sends == "partial-connect" else b""
    flood = []
    try:
        for _ in range(500):
            s = socket.create_connection((b.host, b.port))
            if prefix:
                s.sendall(prefix)
            flood.append(s)
        assert_broker_alive(b)
        still_open = wait_all_closed(flood, timeout=30)
        assert not still_open, f"{len(still_open)} of 500 idle connections were never closed"
    finally:
        for s in flood:
            s.close()
    assert_unharmed(b, by)


def _stream_garbage(sock, seed, stop):
    """Sends pseudo-random bytes until the broker closes the connection (or `stop` is set)."""
    rng = random.Random(seed)
    while not stop.is_set():
        chunk = bytes(rng.getrandbits(8) for _ in range(4096))
        try:
            sock.sendall(chunk)
        except socket.timeout:
            continue
        except OSError:
            return


@pytest.mark.parametrize("when,seed", [("before-connect", 1), ("before-connect", 2),
                                       ("after-v311-connect", 3), ("after-mqtt5-connect", 4)])
def test_MQTT_4_8_0_1_garbage_stream_closed(make_broker, when, seed):
    """A client that sends random bytes without end, from the first byte or after a successful
    CONNECT, is closed; a 5.0 client gets a DISCONNECT with an error code first if anything. A
    connected client and fresh clients are served afterwards."""
    b = make_broker(limits={"max_packet_size": 4096})
    by = Bystander(b, "bystander/#")  # random bytes may by chance form a valid PUBLISH elsewhere
    version = MQTT5 if when == "after-mqtt5-connect" else V311
    if when == "before-connect":
        c = RawClient.open(b, timeout=10)
        # A CONNECT type byte would let the broker wait for a plausible CONNECT; anything else is
        # an immediate violation. Both must end in a close, so start with the CONNECT byte.
        c.send(bytes([CONNECT << 4]))
    else:
        c, _ = RawClient.connected(b, cid("junk"), version=version, timeout=10)
    stop = threading.Event()
    writer = threading.Thread(target=_stream_garbage, args=(c.sock, seed, stop), daemon=True)
    writer.start()
    try:
        got = c.packets_then_close()
    finally:
        stop.set()
        writer.join(timeout=10)
        c.close()
    if version == MQTT5:
        disconnects = [p for p in got if p.type == DISCONNECT]
        assert all(p.return_code >= 0x80 for p in disconnects), disconnects
    assert_unharmed(b, by, version)
