"""Keep-alive and PINGREQ (3.1 and 3.1.1). These are time-driven: keep-alive 1 s, and the tests
wait for the broker's close (1.5 s) instead of sleeping."""
import time

import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient

from .common import BOTH_VERSIONS, cid


@BOTH_VERSIONS
def test_MQTT_3_12_4_1_pingreq_answered(broker, version):
    """Every PINGREQ gets a PINGRESP (an empty packet)."""
    c, _ = RawClient.connected(broker, cid(), version=version)
    for _ in range(3):
        p = c.ping()
        assert p.flags == 0 and p.body == b""
    c.send(raw.pingreq() * 3)
    assert [c.recv().type for _ in range(3)] == [raw.PINGRESP] * 3
    c.disconnect()


@pytest.mark.mosquitto_xfail("checks keep-alive only every 5 s: a silent 1 s keep-alive client is "
                            "closed after about 5.5 s, not 1.5 s")
@BOTH_VERSIONS
def test_MQTT_3_1_2_24_silent_client_disconnected_and_will_sent(broker, version):
    """A client with keep-alive 1 s that sends nothing is disconnected (after 1.5 s) as if the
    network failed: its will is published. Also MQTT-3.1.2-8."""
    w = PahoClient(broker, cid("w"), protocol=version)
    w.subscribe("ka/will", 1)
    c, _ = RawClient.connected(broker, cid("silent"), version=version, keepalive=1,
                               will=dict(topic="ka/will", payload=b"timed out", qos=1))
    assert c.wait_closed(timeout=5)
    m = w.wait_message(timeout=3)
    assert (m.topic, m.payload) == ("ka/will", b"timed out")
    w.disconnect()
    assert_broker_alive(broker)


def test_MQTT_3_1_2_24_activity_keeps_connection(broker):
    """A client that pings within its 1 s keep-alive stays connected past several intervals."""
    c, _ = RawClient.connected(broker, cid(), keepalive=1)
    end = time.monotonic() + 2.5
    while time.monotonic() < end:
        c.ping()
        time.sleep(0.4)  # time-driven: stay inside the 1 s keep-alive
    c.ping()
    c.disconnect()


def test_MQTT_3_1_2_24_any_packet_counts_as_activity(broker):
    """Control packets other than PINGREQ (here QoS 1 PUBLISHes) also reset the keep-alive timer."""
    c, _ = RawClient.connected(broker, cid(), keepalive=1)
    end = time.monotonic() + 2.5
    i = 1
    while time.monotonic() < end:
        c.publish_qos1("ka/busy", b"x", packet_id=i)
        i += 1
        time.sleep(0.4)  # time-driven: stay inside the 1 s keep-alive
    c.ping()
    c.disconnect()


@pytest.mark.pregon_only("mosquitto 2.0.11 accepts 3.1.1 keep-alives above max_keepalive, and 0")
@pytest.mark.parametrize("keepalive", [61, 0])
def test_max_keep_alive_refuses_longer_v311_keep_alive(make_broker, keepalive):
    """limits.max_keep_alive: 3.1.1 has no way to tell a client a shorter keep-alive, so a client
    asking for more (or for none, 0) is refused with return code 0x02 (pregon's choice).
    Also MQTT-3.1.3-9, MQTT-3.2.2-4, MQTT-3.2.2-5."""
    b = make_broker(limits={"max_keep_alive": 60})
    c = RawClient.open(b, version=4)
    c.send(raw.connect(version=4, client_id=cid(), keepalive=keepalive))
    ack = c.expect(raw.CONNACK)
    assert ack.return_code == 0x02 and not ack.session_present
    assert c.wait_closed(timeout=5)
    c, ack = RawClient.connected(b, cid(), keepalive=60)
    assert ack.return_code == 0
    c.disconnect()
    assert_broker_alive(b)
