"""Memory budgets: per-session queue count and bytes, the total over all sessions, retained count and
bytes; each with its policy (drop oldest, drop newest, refuse with 0x97) and a drop count in the log.
"""
import os
import threading
import time

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.paho_client import PahoClient

pytestmark = pytest.mark.pregon_only("pregon's own budgets and policies")

QUOTA_EXCEEDED = 0x97
# The policies apply at once only without spilling: with it, a persistent session's queue goes on
# on disk past its budgets (test_spill.py).
NO_SPILL = {"max_spilled_messages": 0}


def session_expiry(seconds):
    p = Properties(PacketTypes.CONNECT)
    p.SessionExpiryInterval = seconds
    return p


def offline_subscriber(b, client_id, topic):
    """A persistent session subscribed at QoS 1 whose client is gone: everything for it queues."""
    c = PahoClient(b, client_id, clean_session=False)
    c.subscribe(topic, qos=1)
    c.disconnect()


def queued_payloads(b, client_id, marker_topic):
    """Reconnects `client_id` and returns the payloads it was holding, up to a marker published now."""
    c = PahoClient(b, client_id, clean_session=False)
    PahoClient(b, client_id + "-marker").publish(marker_topic, b"marker", qos=1)
    out = []
    while True:
        m = c.wait_message()
        if m.payload == b"marker":
            c.disconnect()
            return out
        out.append(m.payload)


@pytest.mark.parametrize("policy,kept", [("drop_oldest", [6, 7, 8, 9]), ("drop_newest", [0, 1, 2, 3])])
def test_session_queue_bytes_budget_keeps_its_policy(make_broker, policy, kept):
    # Each message takes 4 bytes of topic and 96 of payload: 100. The budget holds four (and the
    # marker that ends the read-back).
    b = make_broker(limits={"max_queued_bytes": 450, "queue_overflow": policy, **NO_SPILL})
    offline_subscriber(b, "bytes-sub", "b/#")
    pub = PahoClient(b, "bytes-pub")
    for i in range(10):
        pub.publish("b/q1", b"%02d" % i + b"." * 94, qos=1)
    got = queued_payloads(b, "bytes-sub", "b/end")
    assert [int(p[:2]) for p in got] == kept
    assert_broker_alive(b)


def test_drop_newest_keeps_the_first_messages_and_logs_the_drops(make_broker):
    b = make_broker(limits={"max_queued_messages": 3, "queue_overflow": "drop_newest", **NO_SPILL})
    offline_subscriber(b, "newest-sub", "n/#")
    pub = PahoClient(b, "newest-pub")
    for i in range(10):
        pub.publish("n/t", b"%d" % i, qos=1)
    sub = PahoClient(b, "newest-sub", clean_session=False)
    got = [sub.wait_message().payload for _ in range(3)]
    assert got == [b"0", b"1", b"2"]
    sub.disconnect()
    deadline = time.monotonic() + 30
    while "QoS 1/2 over a queue budget" not in b.log_text():  # reported by the periodic tick
        assert time.monotonic() < deadline, "no drop report in the log"
        time.sleep(0.1)
    assert "7 QoS 1/2 over a queue budget" in b.log_text()


def test_refuse_answers_a_5_0_publisher_with_quota_exceeded_once_the_total_is_full(make_broker):
    b = make_broker(limits={"max_total_queued_bytes": 1000, "queue_overflow": "refuse", **NO_SPILL})
    offline_subscriber(b, "total-sub", "t/#")
    pub, _ = raw.RawClient.connected(b, "total-pub", version=5)
    reasons = []
    for i in range(30):
        pub.send(raw.publish("t/x", b"." * 96, qos=1, packet_id=i + 1, version=5))
        ack = pub.expect(raw.PUBACK)
        reasons.append(ack.body[2] if len(ack.body) > 2 else 0)
    assert reasons[0] == 0
    assert QUOTA_EXCEEDED in reasons, reasons
    first_refused = reasons.index(QUOTA_EXCEEDED)
    assert all(r == QUOTA_EXCEEDED for r in reasons[first_refused:])
    pub.close()
    assert_broker_alive(b)


def reason_of(ack):
    return ack.body[2] if len(ack.body) > 2 else 0


def test_retained_count_budget_refuses_5_0_and_keeps_routing_3_1_1(make_broker):
    b = make_broker(limits={"max_retained_messages": 2})
    live = PahoClient(b, "live")
    live.subscribe("r/#", qos=1)
    pub5, _ = raw.RawClient.connected(b, "r-pub5", version=5)
    for i, topic in enumerate(["r/a", "r/b", "r/c"]):
        pub5.send(raw.publish(topic, b"v5", qos=1, retain=True, packet_id=i + 1, version=5))
        assert reason_of(pub5.expect(raw.PUBACK)) == (QUOTA_EXCEEDED if topic == "r/c" else 0), topic
    pub5.send(raw.publish("r/a", b"replaced", qos=1, retain=True, packet_id=9, version=5))
    assert reason_of(pub5.expect(raw.PUBACK)) == 0  # replacing a retained message needs no new room
    pub3 = PahoClient(b, "r-pub3")
    pub3.publish("r/d", b"v3", qos=1, retain=True)  # 3.1.1 cannot be refused: routed, not retained
    topics = [m.topic for m in live.wait_messages(4)]
    assert topics == ["r/a", "r/b", "r/a", "r/d"], "r/c was refused, r/d delivered live"
    fresh = PahoClient(b, "fresh")
    fresh.subscribe("r/#", qos=1)
    pub3.publish("r/zz", b"marker", qos=1)
    retained, _ = [], None
    while True:
        m = fresh.wait_message()
        if m.topic == "r/zz":
            break
        retained.append((m.topic, m.payload))
    assert sorted(retained) == [("r/a", b"replaced"), ("r/b", b"v5")]


def test_slow_consumer_flood_stays_within_budgets(make_broker):
    """A subscriber that never reads while a publisher floods for 30 s: pregon's memory stays within
    its budgets plus a constant, the other subscriber keeps receiving, and the drops are counted."""
    budget_kib = 8 * 1024
    b = make_broker(limits={"max_queued_bytes": budget_kib * 1024, "max_total_queued_bytes": budget_kib * 1024,
                            "output_buffer_bytes": 1024 * 1024, "max_queued_messages": 1_000_000})
    stalled = raw.RawClient.open(b)
    stalled.send(raw.connect("never-reads"))
    stalled.expect(raw.CONNACK)
    stalled.send(raw.subscribe(1, [("flood/#", 1)]))
    stalled.expect(raw.SUBACK)
    reader = PahoClient(b, "keeps-reading")
    reader.subscribe("flood/#", qos=1)
    baseline = b.rss_kib()

    stop = time.monotonic() + 30
    sent = [0]

    def flood():
        pub = PahoClient(b, "flooder", timeout=60)
        payload = b"x" * 1024
        while time.monotonic() < stop:
            for _ in range(200):
                pub.publish("flood/t", payload, qos=1, wait=False)
                sent[0] += 1
            pub.publish("flood/t", b"sync", qos=1)  # a window of 200, then wait for its PUBACK
        pub.disconnect()

    t = threading.Thread(target=flood)
    t.start()
    peak = baseline
    received_in_last_5s = 0
    while t.is_alive():
        peak = max(peak, b.rss_kib())
        try:
            reader.wait_message(timeout=1)
            if time.monotonic() > stop - 5:
                received_in_last_5s += 1
        except AssertionError:
            pass
        reader.drain()
    t.join()
    growth = peak - baseline
    print(f"sent {sent[0]} messages; RSS {baseline} KiB -> peak {peak} KiB (+{growth} KiB), "
          f"budget {budget_kib} KiB")
    assert received_in_last_5s > 0, "the reading subscriber kept receiving to the end"
    if not os.environ.get("ASAN_OPTIONS"):  # AddressSanitizer's quarantine inflates RSS on its own
        assert growth < budget_kib + 64 * 1024, "queued bytes within budget, plus 64 MiB for buffers and pools"
    deadline = time.monotonic() + 30
    while "over a queue budget" not in b.log_text():
        assert time.monotonic() < deadline, "the drops were not reported"
        time.sleep(0.1)
    assert_broker_alive(b)
    stalled.close()


def test_expired_messages_leave_an_offline_sessions_queue_on_time(make_broker):
    b = make_broker()
    offline_subscriber(b, "expiring-sub", "e/#")
    pub, _ = raw.RawClient.connected(b, "e-pub", version=5)
    for i in range(5):
        # Message Expiry Interval (0x02) of 1 s.
        pub.send(raw.publish("e/t", b"short", qos=1, packet_id=i + 1, version=5, properties=[(0x02, 1)]))
        pub.expect(raw.PUBACK)
    pub.send(raw.publish("e/t", b"lasting", qos=1, packet_id=9, version=5))
    pub.expect(raw.PUBACK)
    deadline = time.monotonic() + 30
    while "5 queued messages expired" not in b.log_text():  # removed without the client coming back
        assert time.monotonic() < deadline, "expired messages were not removed"
        time.sleep(0.1)
    assert queued_payloads(b, "expiring-sub", "e/end") == [b"lasting"]
