"""CONNECT / CONNACK (3.1 and 3.1.1): session present, client identifiers, protocol name and level,
flags, the first and second CONNECT, takeover, connect timeout."""
import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient, barrier

from .common import BOTH_VERSIONS, cid


def connack_of(b, version=4, **connect_args):
    """Sends one CONNECT on a new connection; returns (client, CONNACK)."""
    c = RawClient.open(b, version=version)
    c.send(raw.connect(version=version, **connect_args))
    return c, c.expect(raw.CONNACK)


@BOTH_VERSIONS
def test_MQTT_3_2_2_1_clean_session_session_present_0(broker, version):
    """CONNACK accepts a clean session with Session Present 0.
    Also MQTT-3.1.4-4, MQTT-3.2.0-1, MQTT-3.1.3-5."""
    c, ack = connack_of(broker, version, client_id=cid(), clean=True)
    assert ack.return_code == 0
    assert not ack.session_present
    assert len(ack.body) == 2
    c.ping()
    c.disconnect()


def test_MQTT_3_2_2_2_stored_session_present_1(broker):
    """A persistent session that exists gives Session Present 1. Also MQTT-3.1.2-4, MQTT-3.1.4-3."""
    client_id = cid()
    c, ack = connack_of(broker, client_id=client_id, clean=False)
    assert ack.return_code == 0 and not ack.session_present
    assert c.subscribe(1, [("sp/x", 1)]) == [1]
    c.disconnect()
    c, ack = connack_of(broker, client_id=client_id, clean=False)
    assert ack.return_code == 0 and ack.session_present
    c.disconnect()


def test_MQTT_3_2_2_3_new_persistent_session_present_0(broker):
    """CleanSession 0 without a stored session creates one: Session Present 0. Also MQTT-3.1.2-5."""
    c, ack = connack_of(broker, client_id=cid(), clean=False)
    assert ack.return_code == 0 and not ack.session_present
    c.disconnect()


def test_MQTT_3_1_3_6_empty_client_id_assigned(broker):
    """A zero-byte client id with CleanSession 1 is accepted and given a unique id: two such clients
    coexist (neither takes the other over) and both are served."""
    a, ack_a = connack_of(broker, client_id="", clean=True)
    b, ack_b = connack_of(broker, client_id="", clean=True)
    assert ack_a.return_code == 0 and ack_b.return_code == 0
    assert not ack_a.session_present
    assert a.subscribe(1, [("empty/id", 0)]) == [0]
    b.publish_qos0("empty/id", b"hello")
    p = a.expect(raw.PUBLISH)
    assert p.payload == b"hello"
    a.ping()
    b.ping()
    a.disconnect()
    b.disconnect()


def test_MQTT_3_1_3_8_empty_client_id_persistent_refused(broker):
    """Zero-byte client id with CleanSession 0: CONNACK 0x02 then close.
    Also MQTT-3.1.3-7, MQTT-3.1.3-9, MQTT-3.2.2-4, MQTT-3.2.2-5."""
    c, ack = connack_of(broker, client_id="", clean=False)
    assert ack.return_code == 0x02
    assert not ack.session_present
    assert c.wait_closed()
    assert_broker_alive(broker)


@BOTH_VERSIONS
def test_MQTT_3_1_3_5_client_id_23_alphanumerics_accepted(broker, version):
    """1 to 23 bytes of 0-9a-zA-Z are accepted."""
    for client_id in ("a", "0123456789abcdefghijKLM"):
        c, ack = connack_of(broker, version, client_id=client_id)
        assert ack.return_code == 0
        c.disconnect()


@pytest.mark.mosquitto_xfail("accepts 3.1 client ids longer than 23 bytes, which the 3.1 spec "
                            "answers with CONNACK 2 (identifier rejected)")
def test_MQTT_3_1_3_9_v31_client_id_over_23_bytes_refused(broker):
    """MQTT 3.1 (MQIsdp) limits client ids to 23 bytes: a 24-byte id gets CONNACK 0x02 and a close.
    Also MQTT-3.2.2-5."""
    c, ack = connack_of(broker, 3, client_id="x" * 24)
    assert ack.return_code == 0x02
    assert c.wait_closed()
    assert_broker_alive(broker)


def test_MQTT_3_1_2_2_unsupported_protocol_level(broker):
    """Protocol name MQTT with level 6: CONNACK 0x01, then close. Also MQTT-3.2.2-5."""
    c = RawClient.open(broker)
    c.send(raw.connect(cid(), version=6, protocol_name="MQTT"))
    packets = c.packets_then_close()
    assert [p.type for p in packets] == [raw.CONNACK], packets
    assert packets[0].return_code == 0x01
    assert_broker_alive(broker)


def test_MQTT_3_1_2_1_unknown_protocol_name_not_accepted(broker):
    """An unknown protocol name is not processed as MQTT: the connection ends without a successful
    CONNACK."""
    c = RawClient.open(broker)
    c.send(raw.connect(cid(), version=4, protocol_name="MQTX"))
    packets = c.packets_then_close()
    assert all(p.type == raw.CONNACK and p.return_code != 0 for p in packets), packets
    assert_broker_alive(broker)


@BOTH_VERSIONS
def test_MQTT_3_1_0_2_second_connect_closes(broker, version):
    """A second CONNECT on a connection is a protocol violation: the broker closes."""
    c, ack = connack_of(broker, version, client_id=cid())
    assert ack.return_code == 0
    c.send(raw.connect(cid(), version=version))
    assert all(p.type != raw.CONNACK for p in c.packets_then_close())
    assert_broker_alive(broker)


@pytest.mark.parametrize("first", ["pingreq", "publish", "subscribe", "disconnect"])
def test_MQTT_3_1_0_1_first_packet_not_connect_closes(broker, first):
    """A connection whose first packet is not CONNECT is closed, and nothing is answered.
    Also MQTT-3.2.0-1."""
    data = {"pingreq": raw.pingreq(), "publish": raw.publish("x/y", b"p"),
            "subscribe": raw.subscribe(1, [("x/#", 0)]), "disconnect": raw.disconnect()}[first]
    c = RawClient.open(broker)
    c.send(data)
    assert c.packets_then_close() == []
    assert_broker_alive(broker)


def test_MQTT_3_1_2_3_reserved_flag_closes(broker):
    """CONNECT with the reserved flag bit set: close without CONNACK. Also MQTT-3.1.4-1."""
    c = RawClient.open(broker)
    c.send(raw.connect(cid(), reserved=True))
    assert c.packets_then_close() == []
    assert_broker_alive(broker)


@pytest.mark.parametrize("case", ["password_without_username", "username_flag_without_field"])
def test_MQTT_3_1_2_22_user_name_and_password_flags(broker, case):
    """Password flag without user name flag, or a user name flag with no user name in the payload,
    is malformed: no successful CONNACK. Also MQTT-3.1.2-19, MQTT-3.1.4-1."""
    c = RawClient.open(broker)
    if case == "password_without_username":
        c.send(raw.connect(cid(), password="secret"))
    else:
        c.send(raw.connect(cid(), flags=0x02 | 0x80))
    packets = c.packets_then_close()
    assert all(p.type == raw.CONNACK and p.return_code != 0 for p in packets), packets
    assert_broker_alive(broker)


def test_MQTT_1_5_3_1_client_id_ill_formed_utf8_closes(broker):
    """A client id holding an encoded surrogate (ill-formed UTF-8) is not accepted.
    Also MQTT-3.1.3-4."""
    c = RawClient.open(broker)
    c.send(raw.connect(b"ab\xed\xa0\x80"))
    packets = c.packets_then_close()
    assert all(p.type == raw.CONNACK and p.return_code != 0 for p in packets), packets
    assert_broker_alive(broker)


def test_MQTT_3_1_4_5_no_processing_after_refused_connect(broker):
    """Packets that follow a refused CONNECT on the same connection are not processed: a PUBLISH
    sent right behind it never reaches a subscriber. Also MQTT-3.1.3-8."""
    watcher = PahoClient(broker, cid("w"))
    watcher.subscribe("refused/#", 0)
    c = RawClient.open(broker)
    c.send(raw.connect("", clean=False) + raw.publish("refused/leak", b"must not arrive"))
    packets = c.packets_then_close()
    assert [p.type for p in packets] == [raw.CONNACK] and packets[0].return_code == 0x02
    sender = PahoClient(broker, cid("s"))
    assert barrier(sender, watcher, "refused/sentinel") == []
    sender.disconnect()
    watcher.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_1_4_2_takeover_closes_first_connection(broker, version):
    """A second connection with the same client id makes the broker close the first; the second is
    served. Also MQTT-3.1.3-2."""
    client_id = cid("take")
    first, _ = RawClient.connected(broker, client_id, version=version)
    second, ack = RawClient.connected(broker, client_id, version=version)
    assert ack.return_code == 0
    assert first.wait_closed()
    second.ping()
    second.disconnect()


def test_MQTT_3_1_4_2_takeover_keeps_persistent_session(broker):
    """Takeover of a persistent session: the new connection sees Session Present 1 and the old
    subscription still delivers to it. Also MQTT-3.2.2-2, MQTT-4.1.0-1."""
    client_id = cid("take")
    first, _ = RawClient.connected(broker, client_id, clean=False)
    assert first.subscribe(1, [("take/t", 1)]) == [1]
    second, ack = RawClient.connected(broker, client_id, clean=False)
    assert ack.session_present
    assert first.wait_closed()
    pub = PahoClient(broker, cid("p"))
    pub.publish("take/t", b"after", qos=1)
    p = second.expect(raw.PUBLISH)
    assert p.payload == b"after" and p.qos == 1
    second.send(raw.puback(p.packet_id))
    second.disconnect()
    pub.disconnect()


def test_connect_timeout_closes_socket_without_connect(make_broker):
    """A socket that never sends CONNECT is closed once limits.connect_timeout_ms has passed (the
    spec's "reasonable amount of time", 3.1.4); a socket that does connect is unaffected."""
    b = make_broker(limits={"connect_timeout_ms": 300})
    silent = RawClient.open(b)
    ok, _ = RawClient.connected(b, cid())
    assert silent.wait_closed(timeout=3)
    ok.ping()
    ok.disconnect()
    assert_broker_alive(b)


def test_connect_timeout_closes_partial_connect(make_broker):
    """A socket that sends only part of a CONNECT is closed by the connect timeout too."""
    b = make_broker(limits={"connect_timeout_ms": 300})
    c = RawClient.open(b)
    c.send(raw.connect(cid())[:5])
    assert c.wait_closed(timeout=3)
    assert_broker_alive(b)
