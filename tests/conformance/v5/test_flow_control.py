"""MQTT 5.0 sections 3.3.4 and 4.9 (Receive Maximum) and Maximum Packet Size (3.1.2.11.4, 3.2.2.3.6)."""
import pytest

from support import mqtt_raw as raw

from .helpers import (MAXIMUM_PACKET_SIZE, PUBACK, RECEIVE_MAXIMUM, SESSION_EXPIRY, assert_closed, assert_served,
                      connect5, opts)


@pytest.mark.mosquitto_xfail("mosquitto 2.0.11 had 3 PUBLISHes unacknowledged with Receive Maximum 2")
def test_MQTT_3_3_4_9_broker_respects_client_receive_maximum(broker):
    """With Receive Maximum 2 the broker has at most two unacknowledged QoS 1 PUBLISHes out, keeps
    answering other packets meanwhile, and sends the next one as each is acknowledged.
    MQTT-4.9.0-1 MQTT-4.9.0-2 MQTT-4.9.0-3 MQTT-3.3.4-10 MQTT-2.2.1-4"""
    c, _ = connect5(broker, properties=[(RECEIVE_MAXIMUM, 2)])
    c.sub([("rm/t", opts(qos=1)), ("rm/s", opts(qos=0))])
    pub, _ = connect5(broker)
    for i in range(6):
        pub.pub("rm/t", f"m{i}".encode(), qos=1)
    unacked, delivered = [], []
    for round_ in range(12):
        # A QoS 0 sentinel is not limited by Receive Maximum, so it shows what has been sent so far.
        pub.pub("rm/s", f"s{round_}".encode(), qos=0)
        fresh = c.publishes_until(f"s{round_}".encode(), ack=False)
        unacked += fresh
        delivered += [m.payload for m in fresh]
        assert len(unacked) <= 2, [m.payload for m in unacked]
        assert all(m.packet_id for m in unacked) and len({m.packet_id for m in unacked}) == len(unacked)
        # Other packets are not held back while the quota is used up. A PUBLISH released by the
        # previous acknowledgement may still arrive before the PINGRESP: it counts as unacknowledged.
        c.send(raw.pingreq())
        _, before = c.recv_until(lambda p: p.type == raw.PINGRESP)
        late = [p for p in before if p.type == raw.PUBLISH and p.topic == "rm/t"]
        unacked += late
        delivered += [m.payload for m in late]
        assert len(unacked) <= 2, [m.payload for m in unacked]
        assert c.sub([("rm/other", opts())]) == [0]
        if len(delivered) == 6 and not unacked:
            break
        if unacked:
            c.ack(unacked.pop(0))
    assert sorted(delivered) == [f"m{i}".encode() for i in range(6)]
    c.disconnect(); pub.disconnect()


@pytest.mark.pregon_only("limits.receive_maximum has no mosquitto equivalent")
def test_MQTT_4_13_1_1_client_exceeding_receive_maximum_disconnected_0x93(make_broker):
    """A client with more unacknowledged QoS 2 PUBLISHes than the broker's Receive Maximum (2) is
    disconnected with 0x93."""
    b = make_broker(limits={"receive_maximum": 2})
    c, ack = connect5(b)
    assert ack.property(RECEIVE_MAXIMUM) == 2
    for pid in (1, 2, 3):
        c.send(raw.publish("rx/t", b"x", qos=2, packet_id=pid, version=5))
    got = assert_closed(c, reasons={0x93})
    assert got and got[-1].return_code == 0x93
    assert_served(b)


def test_MQTT_3_2_2_15_packet_over_maximum_size_disconnects_0x95(make_broker):
    """A packet larger than the advertised Maximum Packet Size: DISCONNECT 0x95 and close."""
    b = make_broker(limits={"max_packet_size": 512})
    c, ack = connect5(b)
    assert ack.property(MAXIMUM_PACKET_SIZE) == 512
    c.send(raw.publish("big/t", b"x" * 600, qos=1, packet_id=1, version=5))
    got = assert_closed(c, reasons={0x95})
    assert all(p.type != PUBACK for p in got)
    assert_served(b)


def test_MQTT_3_1_2_24_never_sends_packet_over_client_maximum(broker):
    """A message too large for a client's Maximum Packet Size is dropped for that client only, as if
    delivered (not kept for later); other subscribers get it.
    MQTT-3.1.2-25"""
    small, _ = connect5(broker, "small", clean=False, properties=[(MAXIMUM_PACKET_SIZE, 128), (SESSION_EXPIRY, 60)])
    small.sub([("mps/t", opts(qos=1))])
    big, _ = connect5(broker)
    big.sub([("mps/t", opts(qos=1))])
    pub, _ = connect5(broker)
    pub.pub("mps/t", b"L" * 300, qos=1)
    pub.pub("mps/t", b"sentinel", qos=1)
    assert [m.payload for m in big.publishes_until(b"sentinel")] == [b"L" * 300]
    assert small.publishes_until(b"sentinel") == []
    small.close()
    small, _ = connect5(broker, "small", clean=False, properties=[(MAXIMUM_PACKET_SIZE, 128), (SESSION_EXPIRY, 60)])
    pub.pub("mps/t", b"sentinel", qos=1)
    assert small.publishes_until(b"sentinel") == []
    small.disconnect(); big.disconnect(); pub.disconnect()


def test_MQTT_3_4_2_2_reason_strings_omitted_to_fit_client_maximum(broker):
    """With Maximum Packet Size 32, every packet the broker sends fits, including acks that could
    carry a Reason String or User Properties (PUBACK/PUBREC 0x10, SUBACK 0x8F-or-close, UNSUBACK
    0x11, PUBCOMP for an unknown id, PUBREL), and the flows still complete.
    MQTT-3.4.2-3 MQTT-3.5.2-2 MQTT-3.5.2-3 MQTT-3.6.2-2 MQTT-3.6.2-3 MQTT-3.7.2-2 MQTT-3.7.2-3
    MQTT-3.9.2-1 MQTT-3.9.2-2 MQTT-3.11.2-1 MQTT-3.11.2-2 MQTT-3.1.2-24 MQTT-3.2.2-19 MQTT-3.2.2-20
    MQTT-3.14.2-3 MQTT-3.14.2-4"""
    c, ack = connect5(broker, properties=[(MAXIMUM_PACKET_SIZE, 32)])
    seen = [ack]
    seen.append(c.pub("nobody/here/at/all", b"x", qos=1))
    seen.append(c.pub("nobody/here/at/all", b"x", qos=2))
    c.send(raw.unsubscribe(5, ["never/subscribed/filter"], version=5))
    seen.append(c.expect(raw.UNSUBACK))
    c.send(raw.pubrel(999, version=5))
    seen.append(c.expect(raw.PUBCOMP))
    c.sub([("me/q2", opts(qos=2))])
    c.pub("me/q2", b"x", qos=2)
    m = c.next_publish()
    c.send(raw.pubrec(m.packet_id, version=5))
    seen.append(c.expect(raw.PUBREL))
    c.send(raw.pubcomp(m.packet_id, version=5))
    seen.append(c.ping())
    assert all(p.wire_size <= 32 for p in seen), [(p.name, p.wire_size) for p in seen]
    c.send(raw.subscribe(1, [], version=5))  # provoke a DISCONNECT, which must fit too
    got = assert_closed(c)
    assert all(p.wire_size <= 32 for p in got)
    assert_served(broker)
