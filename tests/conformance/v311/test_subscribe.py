"""SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK (3.1 and 3.1.1)."""
import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient, barrier

from .common import assert_filter_refused, BOTH_VERSIONS, cid


@BOTH_VERSIONS
def test_MQTT_3_8_4_1_suback_same_id_one_code_per_filter(broker, version):
    """One SUBACK, same packet id, one return code per filter in order (the granted QoS).
    Also MQTT-3.8.4-2, MQTT-3.8.4-4, MQTT-3.8.4-5, MQTT-3.9.3-1, MQTT-3.9.3-2, MQTT-2.3.1-7."""
    c, _ = RawClient.connected(broker, cid(), version=version)
    c.send(raw.subscribe(0x4242, [("s/a", 2), ("s/b", 0), ("s/+", 1), ("s/#", 2)]))
    ack = c.expect(raw.SUBACK)
    assert ack.flags == 0
    assert ack.packet_id == 0x4242
    assert ack.return_codes == [2, 0, 1, 2]
    c.ping()
    c.disconnect()


def test_MQTT_3_8_4_4_multi_filter_subscribe_all_active(broker):
    """Every filter of a multi-filter SUBSCRIBE is subscribed, as if sent one by one."""
    sub = PahoClient(broker, cid("sub"))
    assert sub.subscribe([("m/a", 0), ("m/b", 1), ("m/c/#", 2)]) == [0, 1, 2]
    pub = PahoClient(broker, cid("pub"))
    for t in ("m/a", "m/b", "m/c/d"):
        pub.publish(t, t.encode(), qos=2)
    got = sorted((m.topic, m.qos) for m in sub.wait_messages(3))
    assert got == [("m/a", 0), ("m/b", 1), ("m/c/d", 2)]
    pub.disconnect()
    sub.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_8_4_3_resubscribe_replaces_subscription(broker, version):
    """Subscribing again with an identical filter replaces the subscription: its new QoS is used and
    messages are not duplicated; retained messages are sent again."""
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("re/t", b"kept", qos=1, retain=True)
    sub = PahoClient(broker, cid("sub"), protocol=version)
    assert sub.subscribe("re/t", 2) == [2]
    m = sub.wait_message()
    assert (m.payload, m.retain) == (b"kept", True)
    assert sub.subscribe("re/t", 0) == [0]
    m = sub.wait_message()
    assert (m.payload, m.retain) == (b"kept", True)
    pub.publish("re/t", b"live", qos=2)
    m = sub.wait_message()
    assert (m.payload, m.qos, m.retain) == (b"live", 0, False)
    sub.subscribe("re/sentinel", 0)
    assert barrier(pub, sub, "re/sentinel") == []
    pub.disconnect()
    sub.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_10_4_5_unsuback_even_without_match(broker, version):
    """UNSUBSCRIBE of a filter never subscribed still gets UNSUBACK with the same id.
    Also MQTT-3.10.4-4, MQTT-2.3.1-7."""
    c, _ = RawClient.connected(broker, cid(), version=version)
    c.send(raw.unsubscribe(0x0909, ["never/subscribed"]))
    ack = c.expect(raw.UNSUBACK)
    assert ack.packet_id == 0x0909 and ack.flags == 0 and len(ack.body) == 2
    c.disconnect()


@BOTH_VERSIONS
def test_MQTT_3_10_4_2_unsubscribe_stops_delivery(broker, version):
    """After UNSUBACK, no new messages are delivered for that subscription. Also MQTT-3.10.4-4."""
    sub = PahoClient(broker, cid("sub"), protocol=version)
    sub.subscribe([("un/t", 1), ("un/sentinel", 0)])
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("un/t", b"before", qos=1)
    assert sub.wait_message().payload == b"before"
    sub.unsubscribe("un/t")
    pub.publish("un/t", b"after", qos=1)
    assert barrier(pub, sub, "un/sentinel") == []
    pub.disconnect()
    sub.disconnect()


def test_MQTT_3_10_4_1_unsubscribe_matches_filter_exactly(broker):
    """UNSUBSCRIBE removes only the subscription whose filter is character-for-character the same:
    unsubscribing 'ux/a' (a topic that 'ux/+' matches) or 'UX/+' removes nothing; unsubscribing
    'ux/+' leaves 'ux/#'."""
    sub = PahoClient(broker, cid("sub"))
    sub.subscribe([("ux/+", 1), ("ux/#", 1)])
    sub.unsubscribe("ux/a")
    sub.unsubscribe("UX/+")
    pub = PahoClient(broker, cid("pub"))
    pub.publish("ux/only", b"x", qos=1)
    assert sub.wait_message().payload == b"x"
    sub.unsubscribe("ux/+")
    pub.publish("ux/a", b"still", qos=1)
    pub.publish("ux/b/c", b"deep", qos=1)
    payloads = {sub.wait_message().payload for _ in range(2)}
    assert payloads == {b"still", b"deep"}
    pub.disconnect()
    sub.disconnect()


def test_MQTT_3_10_4_6_multi_filter_unsubscribe(broker):
    """One UNSUBSCRIBE with several filters removes them all and is answered by one UNSUBACK."""
    c, _ = RawClient.connected(broker, cid())
    assert c.subscribe(1, [("mu/a", 0), ("mu/b", 0), ("mu/c", 0)]) == [0, 0, 0]
    c.send(raw.unsubscribe(2, ["mu/a", "mu/b", "mu/none"]))
    assert c.expect(raw.UNSUBACK).packet_id == 2
    c.publish_qos0("mu/a", b"a")
    c.publish_qos0("mu/b", b"b")
    c.publish_qos0("mu/c", b"c")
    p = c.expect(raw.PUBLISH)
    assert (p.topic, p.payload) == ("mu/c", b"c")
    c.disconnect()


@pytest.mark.pregon_only("mosquitto closes the connection on an invalid filter, which 3.1.1 also "
                         "permits [MQTT-4.8.0-1]; pregon answers 0x80 for that filter")
@pytest.mark.parametrize("bad", ["a/#/b", "a#", "a/b+", "+a/b", "#/"])
def test_MQTT_3_8_4_5_invalid_filter_gets_failure_code(broker, bad):
    """A filter breaking the wildcard rules gets return code 0x80 in its SUBACK slot while the valid
    filters beside it are granted; the connection stays usable.
    Also MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-3.9.3-2."""
    c, _ = RawClient.connected(broker, cid())
    assert c.subscribe(3, [("ok/1", 1), (bad, 1), ("ok/2", 0)]) == [1, 0x80, 0]
    c.publish_qos0("ok/2", b"fine")
    assert c.expect(raw.PUBLISH).payload == b"fine"
    c.disconnect()


def test_MQTT_4_7_1_2_invalid_filter_not_granted(broker):
    """Whatever form the refusal takes (0x80 or a close), an invalid filter is never granted."""
    assert_filter_refused(broker, "a/#/b")


@pytest.mark.parametrize("flags", [0x0, 0x3, 0xA])
def test_MQTT_3_8_1_1_subscribe_wrong_flags_closes(broker, flags):
    """SUBSCRIBE with fixed-header flags other than 0010 is malformed: close, no SUBACK.
    Also MQTT-2.2.2-1, MQTT-2.2.2-2."""
    c, _ = RawClient.connected(broker, cid())
    c.send(raw.subscribe(1, [("f/t", 0)], flags=flags))
    assert all(p.type != raw.SUBACK for p in c.packets_then_close())
    assert_broker_alive(broker)


@pytest.mark.parametrize("flags", [0x0, 0x3])
def test_MQTT_3_10_1_1_unsubscribe_wrong_flags_closes(broker, flags):
    """UNSUBSCRIBE with fixed-header flags other than 0010 is malformed: close, no UNSUBACK."""
    c, _ = RawClient.connected(broker, cid())
    c.send(raw.unsubscribe(1, ["f/t"], flags=flags))
    assert all(p.type != raw.UNSUBACK for p in c.packets_then_close())
    assert_broker_alive(broker)


def test_MQTT_3_8_3_3_subscribe_without_filters_closes(broker):
    """A SUBSCRIBE with no filter is a protocol violation: close."""
    c, _ = RawClient.connected(broker, cid())
    c.send(raw.subscribe(1, []))
    assert all(p.type != raw.SUBACK for p in c.packets_then_close())
    assert_broker_alive(broker)


def test_MQTT_3_10_3_2_unsubscribe_without_filters_closes(broker):
    """An UNSUBSCRIBE with no filter is a protocol violation: close."""
    c, _ = RawClient.connected(broker, cid())
    c.send(raw.unsubscribe(1, []))
    assert all(p.type != raw.UNSUBACK for p in c.packets_then_close())
    assert_broker_alive(broker)


@pytest.mark.parametrize("options", [0x03, 0x04, 0x80])
def test_MQTT_3_8_3_4_subscribe_bad_qos_byte_closes(broker, options):
    """Requested QoS 3 or non-zero reserved bits in the QoS byte: the broker closes."""
    c, _ = RawClient.connected(broker, cid())
    c.send(raw.subscribe(1, [("q/t", options)]))
    assert all(p.type != raw.SUBACK for p in c.packets_then_close())
    assert_broker_alive(broker)


@pytest.mark.parametrize("kind", ["subscribe", "unsubscribe"])
def test_MQTT_2_3_1_1_subscribe_packet_id_zero_closes(broker, kind):
    """SUBSCRIBE / UNSUBSCRIBE must carry a non-zero packet id: id 0 makes the broker close."""
    c, _ = RawClient.connected(broker, cid())
    if kind == "subscribe":
        c.send(raw.subscribe(0, [("z/t", 0)]))
    else:
        c.send(raw.unsubscribe(0, ["z/t"]))
    assert all(p.type not in (raw.SUBACK, raw.UNSUBACK) for p in c.packets_then_close())
    assert_broker_alive(broker)
