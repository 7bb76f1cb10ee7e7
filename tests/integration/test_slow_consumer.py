"""A subscriber that does not keep up cannot make the broker hold without bound: QoS 1/2 messages
wait in its session queue up to limits.max_queued_messages (oldest dropped first), beyond its
in-flight window."""
import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient

pytestmark = pytest.mark.pregon_only("limits.max_queued_messages drops the oldest; mosquitto's "
                                     "max_queued_messages drops the newest")


def test_unacknowledging_subscriber_gets_window_then_newest_queued(make_broker):
    b = make_broker(limits={"max_inflight_messages": 5, "max_queued_messages": 5})
    slow, _ = RawClient.connected(b, "slow-consumer")
    assert slow.subscribe(1, [("flood/q1", 1)]) == [1]
    pub = PahoClient(b, "flooder")
    for i in range(100):
        pub.publish("flood/q1", b"%d" % i, qos=1)
    first = [slow.expect(raw.PUBLISH) for _ in range(5)]
    assert [p.payload for p in first] == [b"%d" % i for i in range(5)]
    for p in first:
        slow.send(raw.puback(p.packet_id))
    queued = [slow.expect(raw.PUBLISH) for _ in range(5)]
    assert [p.payload for p in queued] == [b"%d" % i for i in range(95, 100)]
    for p in queued:
        slow.send(raw.puback(p.packet_id))
    pub.publish("flood/q1", b"sentinel", qos=1)
    assert slow.expect(raw.PUBLISH).payload == b"sentinel"  # nothing else was kept
    slow.disconnect()
    pub.disconnect()
    assert_broker_alive(b)


def test_qos0_flood_to_a_subscriber_that_never_reads_leaves_the_broker_serving(make_broker):
    b = make_broker(limits={"output_buffer_bytes": 65536})
    stalled = RawClient.open(b)
    stalled.send(raw.connect("never-reads"))
    stalled.send(raw.subscribe(1, [("flood/q0", 0)]))
    pub = PahoClient(b, "flooder0", timeout=60)
    payload = b"x" * 4096
    for _ in range(4000):  # 16 MB: more than the socket buffers and the output limit together
        pub.publish("flood/q0", payload, qos=0, wait=False)
    pub.publish("flood/q0", b"done", qos=1)
    assert_broker_alive(b)
    pub.disconnect()
    stalled.close()
