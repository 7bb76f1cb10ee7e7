"""Persistence: what pregon acknowledged survives a graceful restart and a crash (SIGKILL).

Each test runs brokers one after another on one store directory, as a restarted pregon would.
"""
import os
import random
import select
import threading
import time

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from support import mqtt_raw as raw
from support.http_api import http
from support.paho_client import PahoClient

pytestmark = pytest.mark.pregon_only("mosquitto runs with persistence off in the reference mode")


def store_settings(tmp_path, **persistence):
    return {"persistence": {"dir": str(tmp_path / "store"), **persistence}}


def read_until(client, last, timeout=30):
    """Messages up to and including the one with payload `last`."""
    out = []
    while not out or out[-1].payload != last:
        out.append(client.wait_message(timeout=timeout))
    return out


def restart(make_broker, b, how, settings):
    if how == "sigkill":
        b.kill()
    else:
        b.stop()
    return make_broker(**settings)


def session_expiry(seconds):
    p = Properties(PacketTypes.CONNECT)
    p.SessionExpiryInterval = seconds
    return p


def will_delay(seconds):
    p = Properties(PacketTypes.WILLMESSAGE)
    p.WillDelayInterval = seconds
    return p


def offline_watcher(b, client_id, topic_filter, qos=1):
    """A persistent 3.1.1 session subscribed to `topic_filter`, left offline."""
    watcher = PahoClient(b, client_id, clean_session=False)
    watcher.subscribe(topic_filter, qos=qos)
    watcher.disconnect()


@pytest.mark.parametrize("how", ["graceful", "sigkill"])
def test_sessions_subscriptions_queues_and_retained_survive_a_restart(make_broker, tmp_path, how):
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    offline_watcher(b, "keeper-311", "keep/#")
    v5 = PahoClient(b, "keeper-5", protocol=5, clean_session=False, properties=session_expiry(3600))
    v5.subscribe("keep/#", qos=2)
    v5.disconnect()
    pub = PahoClient(b, "keep-pub")
    for i in range(50):
        pub.publish("keep/one", b"q1-%d" % i, qos=1)
    for i in range(10):
        pub.publish("keep/two", b"q2-%d" % i, qos=2)
    pub.publish("keep/retained", b"kept", qos=1, retain=True)
    pub.disconnect()

    b = restart(make_broker, b, how, settings)
    expected = [b"q1-%d" % i for i in range(50)] + [b"q2-%d" % i for i in range(10)] + [b"kept"]
    resumed = []
    for client_id, protocol, props in (("keeper-311", 4, None), ("keeper-5", 5, session_expiry(3600))):
        c = PahoClient(b, client_id, protocol=protocol, clean_session=False, properties=props)
        assert c.session_present, "[MQTT-3.2.2-2] the stored session was resumed"
        # Logged before the loops start, so before any CONNACK.
        assert "persistence: restored 2 sessions" in b.log_text()
        got = [m.payload for m in c.wait_messages(len(expected))]
        # paho hands a QoS 2 message over at PUBREL, so QoS 1 and 2 interleave differently; each
        # kind keeps its order.
        for prefix in (b"q1-", b"q2-"):
            assert [p for p in got if p.startswith(prefix)] == [p for p in expected if p.startswith(prefix)], got
        assert sorted(got) == sorted(expected)
        resumed.append(c)
    # The subscriptions survived too: a message published after the restart arrives.
    p = PahoClient(b, "keep-pub-2")
    p.publish("keep/after", b"live", qos=1)
    for c in resumed:
        assert c.wait_message().payload == b"live"
        c.disconnect()
    p.disconnect()
    fresh = PahoClient(b, "fresh")
    fresh.subscribe("keep/retained", qos=1)
    m = fresh.wait_message()
    assert m.retain and m.payload == b"kept"
    fresh.disconnect()


@pytest.mark.parametrize("how", ["graceful", "sigkill"])
def test_MQTT_4_3_3_2_inbound_qos2_is_delivered_once_across_a_restart(make_broker, tmp_path, how):
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    sub = PahoClient(b, "q2-sub", clean_session=False)
    sub.subscribe("q2/t", qos=2)
    pub, _ = raw.RawClient.connected(b, "q2-pub", clean=False)
    pub.send(raw.publish("q2/t", b"once", qos=2, packet_id=7))
    assert pub.expect(raw.PUBREC).packet_id == 7
    assert sub.wait_message().payload == b"once"
    sub.disconnect()
    pub.close()

    b = restart(make_broker, b, how, settings)
    pub, ack = raw.RawClient.connected(b, "q2-pub", clean=False)
    assert ack.session_present
    # The publisher did not see our PUBREC (as far as it knows): it sends the PUBLISH again.
    pub.send(raw.publish("q2/t", b"once", qos=2, packet_id=7, dup=True))
    assert pub.expect(raw.PUBREC).packet_id == 7
    pub.send(raw.pubrel(7))
    assert pub.expect(raw.PUBCOMP).packet_id == 7
    sub = PahoClient(b, "q2-sub", clean_session=False)
    marker = PahoClient(b, "q2-marker")
    marker.publish("q2/t", b"marker", qos=2)
    got = [m.payload for m in read_until(sub, b"marker")]
    assert got == [b"marker"], "the resent QoS 2 PUBLISH was not delivered a second time"


@pytest.mark.parametrize("how", ["graceful", "sigkill"])
def test_MQTT_4_3_3_1_pubrel_not_the_publish_is_resent_after_a_restart(make_broker, tmp_path, how):
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    sub, _ = raw.RawClient.connected(b, "rel-sub", clean=False)
    sub.subscribe(1, [("rel/t", 2)])
    pub = PahoClient(b, "rel-pub")
    pub.publish("rel/t", b"two", qos=2)
    p = sub.expect(raw.PUBLISH)
    sub.send(raw.pubrec(p.packet_id))
    assert sub.expect(raw.PUBREL).packet_id == p.packet_id
    sub.close()  # no PUBCOMP: the flow stays open in the session

    b = restart(make_broker, b, how, settings)
    sub, ack = raw.RawClient.connected(b, "rel-sub", clean=False)
    assert ack.session_present
    again = sub.recv()
    assert again.type == raw.PUBREL and again.packet_id == p.packet_id, again
    sub.send(raw.pubcomp(p.packet_id))
    sub.close()


def test_puback_waits_only_for_what_must_still_be_stored(make_broker, tmp_path):
    """A QoS 1 message its persistent subscriber acknowledged before the store wrote it need not
    survive anywhere: its publisher's PUBACK goes without waiting for a commit. One whose delivery
    is still open is acknowledged once its record is durable, and survives a crash; the other is
    not brought back by it."""
    # A one-second group commit window keeps the store busy while the second message goes through.
    settings = store_settings(tmp_path, batch_window_us=1_000_000)
    b = make_broker(**settings)
    sub, _ = raw.RawClient.connected(b, "early-sub", clean=False)
    sub.send(raw.subscribe(1, [("early/#", 1)]))
    sub.expect(raw.SUBACK)
    first, _ = raw.RawClient.connected(b, "early-pub-1")
    first.send(raw.publish("early/a", b"kept", qos=1, packet_id=1))
    assert sub.expect(raw.PUBLISH).payload == b"kept"  # not acknowledged: it must be stored
    second, _ = raw.RawClient.connected(b, "early-pub-2")
    second.send(raw.publish("early/b", b"done", qos=1, packet_id=2))
    done = sub.expect(raw.PUBLISH)
    assert done.payload == b"done"
    sub.send(raw.puback(done.packet_id))

    readable, _, _ = select.select([first.sock, second.sock], [], [], 30)
    assert readable == [second.sock], "the delivered message was acknowledged before the stored one"
    assert second.expect(raw.PUBACK).packet_id == 2
    assert first.expect(raw.PUBACK, timeout=30).packet_id == 1
    sub.close()

    b = restart(make_broker, b, "sigkill", settings)
    sub, ack = raw.RawClient.connected(b, "early-sub", clean=False)
    assert ack.session_present
    again = sub.expect(raw.PUBLISH)
    assert again.payload == b"kept" and again.dup, "[MQTT-4.4.0-1] the open delivery is resent"
    sub.send(raw.puback(again.packet_id))
    marker, _ = raw.RawClient.connected(b, "early-marker")
    marker.send(raw.publish("early/c", b"marker", qos=1, packet_id=3))
    after = sub.expect(raw.PUBLISH)
    assert after.payload == b"marker", "the acknowledged delivery did not come back"
    sub.send(raw.puback(after.packet_id))
    for c in (sub, first, second, marker):
        c.close()


def test_session_expiry_continues_on_wall_clock_time_across_a_restart(make_broker, tmp_path):
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    short = PahoClient(b, "short-lived", protocol=5, clean_session=False, properties=session_expiry(1))
    short.subscribe("exp/t", qos=1)
    short.disconnect()
    long = PahoClient(b, "long-lived", protocol=5, clean_session=False, properties=session_expiry(3600))
    long.subscribe("exp/t", qos=1)
    long.disconnect()
    b.stop()
    time.sleep(1.5)  # the behaviour under test is time passing while the broker is down
    b = make_broker(**settings)
    again = PahoClient(b, "short-lived", protocol=5, clean_session=False, properties=session_expiry(1))
    assert not again.session_present, "[MQTT-3.1.2-?] its expiry interval ran out while stopped"
    again.disconnect()
    kept = PahoClient(b, "long-lived", protocol=5, clean_session=False, properties=session_expiry(3600))
    assert kept.session_present
    kept.disconnect()


class OnlineQos2Receiver(threading.Thread):
    """A QoS 2 subscriber that stays connected through the crashes (reconnecting to whichever broker
    `current` holds, with its session), and receives as the spec's method B does: a PUBLISH whose
    identifier awaits PUBREL is not delivered again [MQTT-4.3.3-2]."""

    def __init__(self, current, client_id):
        super().__init__(daemon=True)
        self.current = current  # a one-element list: the running broker
        self.client_id = client_id
        self.delivered = []
        self.awaiting_pubrel = set()
        self.done = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.done.is_set():
                try:
                    c, _ = raw.RawClient.connected(self.current[0], self.client_id, clean=False, timeout=2)
                except (OSError, raw.Closed, TimeoutError, AssertionError):
                    time.sleep(0.05)  # the broker is down or restarting; no event tells when it is back
                    continue
                with c:
                    self.receive(c)
        except Exception as e:  # reported by the test
            self.error = e

    def receive(self, c):
        """Until the connection ends (the broker was killed) or the test is done."""
        try:
            while not self.done.is_set():
                try:
                    p = c.recv(timeout=2)
                except TimeoutError:
                    continue
                if p.type == raw.PUBLISH:
                    if p.packet_id not in self.awaiting_pubrel:
                        self.awaiting_pubrel.add(p.packet_id)
                        self.delivered.append(p.payload)
                    c.send(raw.pubrec(p.packet_id))
                elif p.type == raw.PUBREL:
                    self.awaiting_pubrel.discard(p.packet_id)
                    c.send(raw.pubcomp(p.packet_id))
        except (raw.Closed, OSError):
            return


def crash_and_count(make_broker, tmp_path, qos, total=20000, crashes=3, online=False):
    """Publishes QoS `qos` messages to a persistent subscriber until `total` are acknowledged,
    killing the broker with SIGKILL at `crashes` random moments and restarting it; returns
    (acknowledged sequence numbers, payloads the subscriber received). The subscriber is offline
    until the end, or (online, QoS 2) connected throughout."""
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    kill_at = sorted(rng.sample(range(total // 10, total - total // 10), crashes))
    print(f"seed {seed}: SIGKILL after {kill_at} acknowledged messages")
    # A queue deep enough for every message: this test is about durability, not memory budgets.
    settings = {**store_settings(tmp_path), "limits": {"max_queued_messages": 2 * total}}
    b = make_broker(**settings)
    offline_watcher(b, "crash-sub", "crash/t", qos)
    current = [b]
    receiver = None
    if online:
        receiver = OnlineQos2Receiver(current, "crash-sub")
        receiver.start()

    acked = set()
    seq = 0
    next_id = 1        # never reused: 2 * total stays below 65,536 identifiers
    unreleased = set()  # QoS 2: PUBREL sent, PUBCOMP not yet seen
    ack_type = raw.PUBACK if qos == 1 else raw.PUBREC
    while len(acked) < total:
        pub, _ = raw.RawClient.connected(b, "crash-pub", clean=False, timeout=10)
        for packet_id in sorted(unreleased):
            pub.send(raw.pubrel(packet_id))  # [MQTT-4.4.0-1] finish what the crash interrupted
        pending = {}  # packet id -> sequence number
        crashed = False
        try:
            while len(acked) < total and not crashed:
                while len(pending) < 100:
                    pub.send(raw.publish("crash/t", b"%d" % seq, qos=qos, packet_id=next_id))
                    pending[next_id] = seq
                    seq += 1
                    next_id += 1
                p = pub.recv()
                if p.type == ack_type and p.packet_id in pending:
                    acked.add(pending.pop(p.packet_id))
                    if qos == 2:
                        unreleased.add(p.packet_id)
                        pub.send(raw.pubrel(p.packet_id))
                elif p.type == raw.PUBCOMP:
                    unreleased.discard(p.packet_id)
                if kill_at and len(acked) >= kill_at[0]:
                    kill_at.pop(0)
                    crashed = True
        finally:
            pub.close()
        if crashed:
            b = restart(make_broker, b, "sigkill", settings)
            current[0] = b
    assert next_id < 65536
    if receiver is not None:
        end = PahoClient(b, "crash-end")
        end.publish("crash/t", b"end", qos=qos)
        deadline = time.monotonic() + 60
        while b"end" not in receiver.delivered and receiver.error is None:
            assert time.monotonic() < deadline, "the end marker did not arrive"
            time.sleep(0.05)  # polling the receiver thread's list
        receiver.done.set()
        receiver.join()
        assert receiver.error is None, receiver.error
        return acked, [p for p in receiver.delivered if p != b"end"]
    sub = PahoClient(b, "crash-sub", clean_session=False, timeout=30)
    assert sub.session_present
    end = PahoClient(b, "crash-end")
    end.publish("crash/t", b"end", qos=qos)
    received = [m.payload for m in read_until(sub, b"end")][:-1]
    sub.disconnect()
    return acked, received


def check_counts(label, acked, received, exactly_once):
    """Prints the counts; asserts that nothing acknowledged was lost and, for exactly once, that
    nothing arrived twice."""
    got = {int(p) for p in received}
    lost = acked - got
    duplicates = len(received) - len(got)
    print(f"{label}: {len(acked)} acknowledged, {len(received)} received, {len(lost)} lost, "
          f"{duplicates} duplicates")
    assert not lost, f"acknowledged but lost: {sorted(lost)[:20]}"
    if exactly_once:
        assert duplicates == 0


@pytest.mark.parametrize("qos", [1, 2])
def test_no_acknowledged_message_is_lost_across_sigkill(make_broker, tmp_path, qos):
    acked, received = crash_and_count(make_broker, tmp_path, qos)
    check_counts(f"QoS {qos}", acked, received, exactly_once=qos == 2)


def test_MQTT_4_4_0_1_qos2_to_a_connected_subscriber_is_exactly_once_across_sigkill(make_broker, tmp_path):
    acked, received = crash_and_count(make_broker, tmp_path, 2, total=5000, online=True)
    check_counts("QoS 2, subscriber connected", acked, received, exactly_once=True)


def test_a_damaged_store_is_quarantined_and_the_broker_serves(make_broker, tmp_path):
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    c = PahoClient(b, "doomed", clean_session=False)
    c.subscribe("q/t", qos=1)
    c.disconnect()
    b.stop()
    store = tmp_path / "store"
    for f in store.iterdir():
        if f.is_file():
            f.write_bytes(os.urandom(max(64, f.stat().st_size)))
    b = make_broker(**settings)
    assert "is damaged" in b.log_text() and "started an empty store" in b.log_text()
    moved = [p for p in tmp_path.iterdir() if p.name.startswith("store.corrupt-")]
    assert len(moved) == 1
    c = PahoClient(b, "doomed", clean_session=False)
    assert not c.session_present
    c.subscribe("q/t", qos=1)
    p = PahoClient(b, "p")
    p.publish("q/t", b"served", qos=1)
    assert c.wait_message().payload == b"served"


def test_on_corruption_fail_refuses_to_start_with_a_clear_message(make_broker, tmp_path):
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    b.stop()
    for f in (tmp_path / "store").iterdir():
        if f.is_file():
            f.write_bytes(os.urandom(max(64, f.stat().st_size)))
    with pytest.raises(RuntimeError) as e:
        make_broker(**store_settings(tmp_path, on_corruption="fail"))
    assert "persistence" in str(e.value)


def test_MQTT_3_1_2_8_wills_of_clients_connected_at_a_crash_are_published_after_restart(make_broker, tmp_path):
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    offline_watcher(b, "will-watcher", "wills/#")
    delayed = will_delay(1)
    PahoClient(b, "doomed-311", clean_session=False,
               will=dict(topic="wills/doomed-311", payload=b"gone", qos=1))
    PahoClient(b, "doomed-5", protocol=5, clean_session=False, properties=session_expiry(3600),
               will=dict(topic="wills/doomed-5", payload=b"gone after a second", qos=1, properties=delayed))
    PahoClient(b, "clean-311", will=dict(topic="wills/clean-311", payload=b"not stored", qos=1))
    # Acknowledged once the watcher's queue is durable, and with it every earlier write: the
    # session records of the clients above.
    PahoClient(b, "will-sync").publish("wills/sync", b"sync", qos=1)

    b = restart(make_broker, b, "sigkill", settings)
    assert "2 wills to publish" in b.log_text()
    watcher = PahoClient(b, "will-watcher", clean_session=False)
    got = {m.topic: m.payload for m in watcher.wait_messages(3)}
    assert got == {"wills/sync": b"sync", "wills/doomed-311": b"gone", "wills/doomed-5": b"gone after a second"}
    watcher.disconnect()


def wait_gone(b, client_id, timeout=30):
    """Until the broker has handled the close of `client_id`'s connection."""
    deadline = time.monotonic() + timeout
    while http(b, f"/api/v1/clients/{client_id}")[0] != 404:
        assert time.monotonic() < deadline, f"{client_id} still connected"
        time.sleep(0.05)


def test_MQTT_3_1_2_8_v5_waiting_wills_survive_two_crashes_and_go_out_once(make_broker, tmp_path):
    """A will waiting for its Will Delay Interval is kept with its session: it is published after
    two SIGKILLs, both for a client gone before the first crash and for one connected at it."""
    settings = store_settings(tmp_path)
    b = make_broker(**settings)
    offline_watcher(b, "waiting-watcher", "waiting/#")
    delayed = will_delay(3)
    before = PahoClient(b, "gone-before", protocol=5, clean_session=False, properties=session_expiry(3600),
                        will=dict(topic="waiting/gone-before", payload=b"before", qos=1, properties=delayed))
    before.close_abruptly()
    wait_gone(b, "gone-before")
    PahoClient(b, "gone-at", protocol=5, clean_session=False, properties=session_expiry(3600),
               will=dict(topic="waiting/gone-at", payload=b"at", qos=1, properties=delayed))
    # Acknowledged once the watcher's queue is durable, and with it every earlier write.
    PahoClient(b, "waiting-sync").publish("waiting/sync", b"sync", qos=1)

    b = restart(make_broker, b, "sigkill", settings)
    assert "2 wills to publish" in b.log_text()
    PahoClient(b, "waiting-sync-2").publish("waiting/sync", b"sync-2", qos=1)
    b = restart(make_broker, b, "sigkill", settings)
    watcher = PahoClient(b, "waiting-watcher", clean_session=False)
    got = [m.payload for m in read_until(watcher, b"at") if m.topic != "waiting/sync"]
    if b"before" not in got:
        got += [m.payload for m in read_until(watcher, b"before")]
    PahoClient(b, "waiting-sync-3").publish("waiting/sync", b"end", qos=1)
    got += [m.payload for m in read_until(watcher, b"end") if m.topic != "waiting/sync"]
    assert sorted(got) == [b"at", b"before"], "each will once"
