"""Retained messages on subscribe at scale: a subscriber to `#` over 200,000 retained messages gets
every one of them, at QoS 0 and at QoS 1, without drops and without the broker holding a copy of
the set; streams are stopped by UNSUBSCRIBE, restarted by a repeated SUBSCRIBE and see changes made
while they run. Also: 100,000 abandoned sessions expire on time.
"""
import socket
import struct
import time

import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.http_api import metrics, total
from support.retained_bulk import PublishReader, fill_retained

pytestmark = pytest.mark.pregon_only("pregon's metrics and memory figures")

# The stream is what is measured here: no store to write 200,000 retained messages to.
IN_MEMORY = {"persistence": {"enabled": False}}
COUNT = 200_000
PAYLOAD = b"p" * 200


def dropped(b):
    return total(metrics(b), "pregon_messages_dropped_total")


def topic_of(i):
    return f"r/{i // 1000:03d}/{i % 1000:03d}"


def subscribe_and_count(b, qos):
    """Subscribes to `#` and reads all COUNT retained messages; returns (topics, RSS growth in KiB)."""
    sub, _ = raw.RawClient.connected(b, f"all-{qos}", timeout=60)
    baseline = b.rss_kib()
    peak = [baseline]

    def sample():
        peak[0] = max(peak[0], b.rss_kib())

    assert sub.subscribe(1, [("#", qos)]) == [qos]
    reader = PublishReader(sub)
    reader.read(COUNT, every_read=sample)
    assert reader.not_retained == 0  # [MQTT-3.3.1-8]
    sub.ping()  # nothing beyond the set was sent
    assert not reader.buf and not reader.others
    sub.disconnect()
    return reader.topics, peak[0] - baseline


@pytest.mark.parametrize("qos", [0, 1])
def test_subscriber_to_everything_gets_every_retained_message_without_a_copy_of_the_set(make_broker, qos):
    b = make_broker(**IN_MEMORY)
    fill_retained(b, COUNT, qos=qos, payload=PAYLOAD, topic=topic_of)
    drops_before = dropped(b)
    topics, growth_kib = subscribe_and_count(b, qos)
    assert len(topics) == COUNT
    assert topics == sorted(topics), "sent in topic order"
    assert set(topics) == {topic_of(i) for i in range(COUNT)}
    assert dropped(b) == drops_before
    set_kib = COUNT * (len(PAYLOAD) + len(topic_of(0))) // 1024
    print(f"QoS {qos}: RSS growth while streaming {growth_kib} KiB; the set is {set_kib} KiB")
    assert growth_kib < set_kib // 4, "the broker held no copy (nor encodings) of the set"
    assert_broker_alive(b)


@pytest.mark.parametrize("qos", [0, 1])
def test_a_subscriber_that_leaves_mid_stream_leaves_the_broker_serving(make_broker, qos):
    b = make_broker(**IN_MEMORY)
    fill_retained(b, 50_000, qos=qos, payload=PAYLOAD, topic=topic_of)
    for _ in range(3):
        sub, _ = raw.RawClient.connected(b, "leaver", timeout=30)
        assert sub.subscribe(1, [("#", qos)]) == [qos]
        PublishReader(sub).read(1000)
        sub.close()  # cut while the stream runs
    assert_broker_alive(b)
    fresh, _ = raw.RawClient.connected(b, "after-leavers", timeout=30)
    assert fresh.subscribe(1, [("r/049/#", qos)]) == [qos]
    reader = PublishReader(fresh)
    reader.read(1000)
    assert reader.topics == [topic_of(49_000 + i) for i in range(1000)]
    fresh.disconnect()


def windowed_subscriber(b, client_id):
    sub, _ = raw.RawClient.connected(b, client_id, timeout=30)
    return sub


def next_publishes(sub, n):
    got = [sub.expect(raw.PUBLISH) for _ in range(n)]
    assert all(p.retain for p in got)
    return got


def ack_all_then_ping(sub, publishes):
    """Acknowledges `publishes` and returns what came before the PINGRESP that follows: whatever
    the freed window let the broker send meanwhile."""
    sub.send(b"".join(raw.puback(p.packet_id) for p in publishes) + raw.pingreq())
    _, before = sub.recv_until(lambda p: p.type == raw.PINGRESP)
    return before


WINDOW = {"limits": {"max_inflight_messages": 10}, **IN_MEMORY}


def test_unsubscribe_stops_a_stream(make_broker):
    b = make_broker(**WINDOW)
    fill_retained(b, 1000, qos=1, topic=lambda i: f"u/{i:04d}")
    sub = windowed_subscriber(b, "unsub")
    assert sub.subscribe(1, [("u/#", 1)]) == [1]
    first = next_publishes(sub, 10)  # the window is full
    assert [p.topic for p in first] == [f"u/{i:04d}" for i in range(10)]
    sub.send(raw.unsubscribe(2, ["u/#"]))
    sub.expect(raw.UNSUBACK)
    assert ack_all_then_ping(sub, first) == [], "no retained message after UNSUBSCRIBE"
    sub.disconnect()


def test_a_repeated_subscribe_restarts_the_stream(make_broker):
    b = make_broker(**WINDOW)
    fill_retained(b, 1000, qos=1, topic=lambda i: f"u/{i:04d}")
    sub = windowed_subscriber(b, "resub")
    assert sub.subscribe(1, [("u/#", 1)]) == [1]
    first = next_publishes(sub, 10)
    assert sub.subscribe(2, [("u/#", 1)]) == [1]  # Retain Handling 0: all of them again
    got, received = list(first), ack_all_then_ping(sub, first)
    while received:
        got += received
        received = ack_all_then_ping(sub, received)
    topics = [p.topic for p in got]
    assert topics[:20] == [f"u/{i:04d}" for i in range(10)] * 2, "restarted from the first topic"
    assert sorted(topics[10:]) == [f"u/{i:04d}" for i in range(1000)]
    sub.disconnect()


def test_retained_messages_changed_during_a_stream_are_sent_as_they_are_then(make_broker):
    b = make_broker(**WINDOW)
    fill_retained(b, 100, qos=1, topic=lambda i: f"c/{i:03d}")
    sub = windowed_subscriber(b, "changes")
    assert sub.subscribe(1, [("c/#", 1)]) == [1]
    first = next_publishes(sub, 10)  # c/000 .. c/009
    pub, _ = raw.RawClient.connected(b, "changer")
    pub.publish_qos1("c/005", b"", packet_id=1, retain=True)  # sent already: stays sent
    pub.publish_qos1("c/050", b"", packet_id=2, retain=True)  # deleted before its turn: not sent
    pub.publish_qos1("c/060", b"new", packet_id=3, retain=True)  # replaced: the new value
    pub.publish_qos1("c/0605", b"added", packet_id=4, retain=True)  # added ahead: sent
    pub.disconnect()
    got, received = list(first), ack_all_then_ping(sub, first)
    while received:
        got += received
        received = ack_all_then_ping(sub, received)
    live = [p.topic for p in got if not p.retain]  # the changes themselves, to the subscription
    assert sorted(live) == ["c/005", "c/050", "c/060", "c/0605"]
    retained = [p for p in got if p.retain]
    by_topic = {p.topic: p.payload for p in retained}
    assert len(retained) == len(by_topic) == 100  # 10 before the changes, 89 left of the rest, 1 added
    assert "c/050" not in by_topic and by_topic["c/060"] == b"new" and by_topic["c/0605"] == b"added"
    sub.disconnect()


def abandon_sessions(b, count, expiry):
    """`count` 5.0 sessions with a Session Expiry Interval of `expiry` s whose connections are cut
    right after CONNACK (reset, so that no TIME_WAIT ties up the client's ports)."""
    batch = 500
    linger = struct.pack("ii", 1, 0)
    for start in range(0, count, batch):
        socks = []
        for i in range(start, min(count, start + batch)):
            s = socket.create_connection((b.host, b.port), timeout=30)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            s.sendall(raw.connect(f"abandoned-{i}", clean=False, version=5, properties=[(0x11, expiry)]))
            socks.append(s)
        for s in socks:
            ack = s.recv(64)
            assert len(ack) >= 4 and ack[0] >> 4 == raw.CONNACK and ack[3] == 0, ack
            s.close()


def test_a_hundred_thousand_abandoned_sessions_expire_on_time(make_broker):
    b = make_broker(**IN_MEMORY)
    before = metrics(b)
    baseline = total(before, "pregon_sessions")
    abandon_sessions(b, 100_000, expiry=2)
    accepted = total(metrics(b), "pregon_connects_accepted_total") - total(before, "pregon_connects_accepted_total")
    assert accepted == 100_000
    deadline = time.monotonic() + 60
    while (left := total(metrics(b), "pregon_sessions") - baseline) > 0:
        assert time.monotonic() < deadline, f"{left} sessions left"
        time.sleep(0.2)  # polling /metrics: the expiry has no other outward event
    assert total(metrics(b), "pregon_sessions_persistent") == total(before, "pregon_sessions_persistent")
    assert_broker_alive(b)
