"""CONNECT payload (3.1.1 section 3.1.3): fields present exactly as the flags say, in order, and
UTF-8 where the spec requires it. A CONNECT that breaks these is malformed: no CONNACK 0, a close."""
from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient

from .common import cid

CLEAN = 0x02
WILL = 0x04
PASSWORD = 0x40
USERNAME = 0x80


def refused_or_closed(b, packet):
    """Sends `packet` as the first packet; asserts no successful CONNACK and a close."""
    c = RawClient.open(b, version=4)
    c.send(packet)
    got = c.packets_then_close()
    assert all(not (p.type == raw.CONNACK and p.return_code == 0) for p in got), got
    assert_broker_alive(b)


def test_MQTT_3_1_2_18_user_name_present_without_its_flag_is_malformed(broker):
    """User Name Flag 0 with a user name in the payload: the bytes left over make it malformed."""
    refused_or_closed(broker, raw.connect(cid(), username="alice", flags=CLEAN))


def test_MQTT_3_1_2_20_password_present_without_its_flag_is_malformed(broker):
    """Password Flag 0 with a password in the payload."""
    refused_or_closed(broker, raw.connect(cid(), username="alice", password=b"secret", flags=CLEAN | USERNAME))


def test_MQTT_3_1_2_21_password_flag_without_password_is_malformed(broker):
    """Password Flag 1 with no password in the payload."""
    refused_or_closed(broker, raw.connect(cid(), username="alice", flags=CLEAN | USERNAME | PASSWORD))


def test_MQTT_3_1_3_1_payload_fields_in_order(broker):
    """Client id, will topic, will message, user name, password, in that order: a CONNECT with all of
    them is accepted, and the will read from it is the one published. Also MQTT-3.1.2-19."""
    watcher = PahoClient(broker, cid("watch"))
    watcher.subscribe("order/will", 0)
    c, ack = RawClient.connected(broker, cid("dev"), will=dict(topic="order/will", payload=b"gone"),
                                 username="alice", password=b"secret")
    assert ack.return_code == 0
    c.close()
    m = watcher.wait_message()
    assert (m.topic, m.payload) == ("order/will", b"gone")
    watcher.disconnect()


def test_MQTT_3_1_3_10_will_topic_must_be_utf8(broker):
    """A will topic that is not well-formed UTF-8 makes the CONNECT malformed."""
    refused_or_closed(broker, raw.connect(cid(), will=dict(topic=b"bad\xff\xfe", payload=b"x")))


def test_MQTT_3_1_3_11_user_name_must_be_utf8(broker):
    """A user name that is not well-formed UTF-8 makes the CONNECT malformed."""
    refused_or_closed(broker, raw.connect(cid(), username=b"al\xc0\xafice"))
