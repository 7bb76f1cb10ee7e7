"""Limits with safe defaults: connections, client id length, topic length and levels, subscriptions
per client, publish and accept rates, keep-alive, packet size, connect timeout. Going past one gives
the spec's reason code, is counted in limits_exceeded{limit}, and the broker keeps serving."""
import pytest

from support import mqtt_raw as raw
from support.http_api import metrics, total

pytestmark = pytest.mark.pregon_only("pregon's own limits")

SERVER_KEEP_ALIVE = 0x13


def exceeded(b, limit):
    return total(metrics(b), "pregon_limits_exceeded_total", limit=limit)


def connack_code(b, client_id, version):
    c = raw.RawClient.open(b, version=version)
    c.send(raw.connect(client_id, version=version))
    return c, c.expect(raw.CONNACK).return_code


@pytest.mark.parametrize("version,code", [(4, 0x02), (5, 0x85)])
def test_client_id_longer_than_the_limit_is_refused(make_broker, version, code):
    b = make_broker(limits={"max_client_id_length": 32})
    _, rc = connack_code(b, "x" * 33, version)
    assert rc == code
    _, rc = connack_code(b, "x" * 32, version)
    assert rc == 0
    assert exceeded(b, "max_client_id_length") == 1


@pytest.mark.parametrize("version,code", [(4, 0x03), (5, 0x97)])
def test_connections_beyond_max_connections_are_refused(make_broker, version, code):
    b = make_broker(limits={"max_connections": 2})
    first, rc1 = connack_code(b, "c1", version)
    second, rc2 = connack_code(b, "c2", version)
    third, rc3 = connack_code(b, "c3", version)
    assert (rc1, rc2, rc3) == (0, 0, code)
    assert third.wait_closed()
    first.close()
    assert second.wait_closed(timeout=0.5) is False  # the others are undisturbed
    assert exceeded(b, "max_connections") == 1


@pytest.mark.parametrize("version", [4, 5])
def test_topics_beyond_length_and_levels_are_not_accepted(make_broker, version):
    b = make_broker(limits={"max_topic_length": 20, "max_topic_levels": 3})
    sub, _ = raw.RawClient.connected(b, "lim-sub", version=version)
    refused = 0x80 if version == 4 else 0x8F
    sub.send(raw.subscribe(1, [("a/b/c/d", 0), ("x" * 21, 0), ("a/#", 1)], version=version))
    assert sub.expect(raw.SUBACK).return_codes == [refused, refused, 1]
    pub, _ = raw.RawClient.connected(b, "lim-pub", version=version)
    pub.send(raw.publish("a/" + "y" * 30, b"long", qos=1, packet_id=1, version=version))
    assert pub.expect(raw.PUBACK).return_code == (0 if version == 4 else 0x90)
    pub.send(raw.publish("a/ok", b"fine", qos=1, packet_id=2, version=version))
    pub.expect(raw.PUBACK)
    assert sub.expect(raw.PUBLISH).payload == b"fine", "the long topic was not routed"
    assert (exceeded(b, "max_topic_levels"), exceeded(b, "max_topic_length")) == (1, 2)


@pytest.mark.parametrize("version", [4, 5])
def test_subscriptions_beyond_the_per_client_limit_get_quota_exceeded(make_broker, version):
    b = make_broker(limits={"max_subscriptions_per_client": 2})
    c, _ = raw.RawClient.connected(b, "many-subs", version=version)
    refused = 0x80 if version == 4 else 0x97
    c.send(raw.subscribe(1, [("a", 0), ("b", 0), ("c", 0), ("a", 1)], version=version))
    assert c.expect(raw.SUBACK).return_codes == [0, 0, refused, 1], "replacing an existing one is fine"
    assert exceeded(b, "max_subscriptions_per_client") == 1


@pytest.mark.parametrize("version", [4, 5])
@pytest.mark.parametrize("limit,size", [({"max_publish_rate": 5}, 10), ({"max_publish_bytes_rate": 1000}, 600)],
                         ids=["messages", "bytes"])
def test_a_client_over_its_publish_rate_is_disconnected_with_0x96(make_broker, version, limit, size):
    b = make_broker(limits=limit)
    c, _ = raw.RawClient.connected(b, "flooder", version=version)
    c.send(b"".join(raw.publish("rate/t", b"x" * size, version=version) for _ in range(20)))
    got = c.packets_then_close()
    if version == 5:
        assert [p.type for p in got] == [raw.DISCONNECT] and got[0].return_code == 0x96
    else:
        assert got == []
    ok, _ = raw.RawClient.connected(b, "polite", version=version)
    ok.send(raw.publish("rate/t", b"x" * size, version=version))
    ok.send(raw.pingreq())
    assert ok.expect(raw.PINGRESP), "a client within the limit is served"
    assert exceeded(b, next(iter(limit))) == 1


def test_connections_over_the_accept_rate_are_closed_before_connect(make_broker):
    b = make_broker(limits={"max_accept_rate": 5})
    clients = [raw.RawClient.open(b) for _ in range(40)]
    outcomes = []
    for i, c in enumerate(clients):
        try:
            c.send(raw.connect(f"burst-{i}"))
            outcomes.append(c.recv().type == raw.CONNACK)
        except (raw.Closed, ConnectionError):
            outcomes.append(False)
    assert outcomes.count(True) >= 1 and outcomes.count(False) >= 10, outcomes
    assert "accept rate above limits.max_accept_rate" in b.log_text()
    assert exceeded(b, "max_accept_rate") == outcomes.count(False)


def test_keep_alive_packet_size_and_connect_timeout_are_counted(make_broker):
    b = make_broker(limits={"max_keep_alive": 30, "max_packet_size": 1024, "connect_timeout_ms": 500})
    old, rc = connack_code(b, "slow-pinger", 4)
    assert rc == 0x02, "3.1.1 cannot be told a shorter keep-alive: refused"
    new = raw.RawClient.open(b, version=5)
    new.send(raw.connect("slow-pinger-5", keepalive=60, version=5))
    assert new.expect(raw.CONNACK).prop(SERVER_KEEP_ALIVE) == 30
    new.send(raw.publish("big/one", b"x" * 2000, version=5))
    assert [p.return_code for p in new.packets_then_close()] == [0x95]
    silent = raw.RawClient.open(b)
    assert silent.packets_then_close() == [], "closed at the connect timeout without a word"
    assert [exceeded(b, limit) for limit in ("max_keep_alive", "max_packet_size", "connect_timeout_ms")] == [2, 1, 1], \
        "both keep-alives ran into the limit: the 3.1.1 one refused, the 5.0 one lowered"
