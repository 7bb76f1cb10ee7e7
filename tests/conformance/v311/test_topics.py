"""Topic names and filters (3.1 and 3.1.1): '+' and '#', '$' topics, wildcards in PUBLISH, topic
encoding rules, and client publishes to $SYS."""
import pytest

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import RawClient
from support.paho_client import PahoClient, barrier

from .common import assert_filter_refused, BOTH_VERSIONS, cid

TOPICS = ["sport", "sport/", "sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
          "sports", "/sport", "/finance", "finance", "a//c", "a/b/c", "a/b/c/d", "Sport/tennis",
          "a b/c d", "x/b"]

# filter -> the topics of TOPICS it matches [4.7.1]
MATCHES = {
    "#": set(TOPICS),
    "sport/#": {"sport", "sport/", "sport/tennis", "sport/tennis/player1",
                "sport/tennis/player1/ranking"},
    "sport/tennis/#": {"sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking"},
    "sport/+": {"sport/", "sport/tennis"},
    "sport/tennis/+": {"sport/tennis/player1"},
    "+": {"sport", "sports", "finance"},
    "+/+": {"sport/", "sport/tennis", "/sport", "/finance", "a b/c d", "x/b", "Sport/tennis"},
    "/+": {"/sport", "/finance"},
    "+/tennis/#": {"sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
                   "Sport/tennis"},
    "a/+/c": {"a//c", "a/b/c"},
    "+/b/#": {"x/b", "a/b/c", "a/b/c/d"},
    "Sport/tennis": {"Sport/tennis"},
    "a b/c d": {"a b/c d"},
    "sport/tennis/player1": {"sport/tennis/player1"},
}


@pytest.mark.parametrize("topic_filter", sorted(MATCHES))
def test_MQTT_4_7_1_2_wildcard_matching(broker, topic_filter):
    """'#' matches the parent level and any number of levels below it; '+' exactly one level (an
    empty one too); matching is case-sensitive and spaces are ordinary characters.
    Also MQTT-4.7.1-3, MQTT-3.3.2-3, MQTT-4.7.3-4."""
    sub = PahoClient(broker, cid("sub"))
    sub.subscribe([(topic_filter, 0), ("zz/sentinel/x/y/z", 0)])
    pub = PahoClient(broker, cid("pub"))
    for t in TOPICS:
        pub.publish(t, t.encode(), qos=0)
    got = [m.topic for m in barrier(pub, sub, "zz/sentinel/x/y/z")]
    got = [t for t in got if t != "zz/sentinel/x/y/z"]
    assert sorted(got) == sorted(MATCHES[topic_filter])
    pub.disconnect()
    sub.disconnect()


@BOTH_VERSIONS
def test_MQTT_4_7_2_1_dollar_topics_not_matched_by_leading_wildcards(broker, version):
    """Filters starting with '#' or '+' do not match topics starting with '$'; a filter that starts
    with the '$' level itself does."""
    sub = PahoClient(broker, cid("sub"), protocol=version)
    sub.subscribe([("#", 0), ("+", 0), ("+/x", 0), ("+/#", 0), ("+/+", 0)])
    dollar = PahoClient(broker, cid("dol"), protocol=version)
    dollar.subscribe("$foo/#", 0)
    pub = PahoClient(broker, cid("pub"), protocol=version)
    pub.publish("$foo/x", b"d1")
    pub.publish("$foo", b"d2")
    pub.publish("plain/x", b"p")
    got = barrier(pub, sub, "sentinel")
    assert [m.topic for m in got if m.topic.startswith("$")] == []
    assert "plain/x" in [m.topic for m in got]
    m = dollar.wait_message()
    assert (m.topic, m.payload) == ("$foo/x", b"d1")
    for c in (pub, sub, dollar):
        c.disconnect()


@pytest.mark.parametrize("topic", ["a/+", "a/#", "#", "+", "a/b+", "a#"])
@BOTH_VERSIONS
def test_MQTT_3_3_2_2_publish_to_wildcard_topic_closes(broker, version, topic):
    """A PUBLISH topic name containing '+' or '#' is a protocol violation: the broker closes and does
    not deliver it. Also MQTT-4.7.1-1."""
    watcher = PahoClient(broker, cid("w"), protocol=version)
    watcher.subscribe("#", 0)
    c, _ = RawClient.connected(broker, cid(), version=version)
    c.send(raw.publish(topic, b"bad", qos=1, packet_id=1))
    assert all(p.type != raw.PUBACK for p in c.packets_then_close())
    pub = PahoClient(broker, cid("pub"), protocol=version)
    assert [m.topic for m in barrier(pub, watcher, "sentinel")] == []
    pub.disconnect()
    watcher.disconnect()
    assert_broker_alive(broker)


def test_MQTT_4_7_3_1_empty_topic_name_closes(broker):
    """A PUBLISH with a zero-length topic name is a protocol violation: close."""
    c, _ = RawClient.connected(broker, cid())
    c.send(raw.publish("", b"x", qos=1, packet_id=1))
    assert all(p.type != raw.PUBACK for p in c.packets_then_close())
    assert_broker_alive(broker)


def test_MQTT_4_7_3_1_empty_topic_filter_refused(broker):
    """A zero-length topic filter is never granted: SUBACK 0x80 or a close."""
    assert_filter_refused(broker, "")


@pytest.mark.parametrize("where", ["publish", "subscribe"])
def test_MQTT_4_7_3_2_null_character_in_topic_closes(broker, where):
    """U+0000 in a topic name or filter makes the broker close. Also MQTT-1.5.3-2."""
    c, _ = RawClient.connected(broker, cid())
    if where == "publish":
        c.send(raw.publish(b"a\x00b", b"x", qos=1, packet_id=1))
    else:
        c.send(raw.subscribe(1, [(b"a\x00b", 0)]))
    assert all(p.type not in (raw.PUBACK, raw.SUBACK) for p in c.packets_then_close())
    assert_broker_alive(broker)


@pytest.mark.parametrize("encoded", [b"a/\xed\xa0\x80", b"a/\xff", b"a/\xc0\xaf"],
                         ids=["surrogate", "invalid_byte", "overlong"])
@pytest.mark.parametrize("where", ["publish", "subscribe"])
def test_MQTT_1_5_3_1_ill_formed_utf8_topic_closes(broker, where, encoded):
    """Ill-formed UTF-8 in a topic name or filter: the broker closes. Also MQTT-3.3.2-1,
    MQTT-3.8.3-1."""
    c, _ = RawClient.connected(broker, cid())
    if where == "publish":
        c.send(raw.publish(encoded, b"x", qos=1, packet_id=1))
    else:
        c.send(raw.subscribe(1, [(encoded, 0)]))
    assert all(p.type not in (raw.PUBACK, raw.SUBACK) for p in c.packets_then_close())
    assert_broker_alive(broker)


def test_MQTT_1_5_3_3_bom_kept_in_topic(broker):
    """A topic starting with U+FEFF (EF BB BF) is kept as it is: a filter with the BOM matches it and
    the delivered topic still carries it. Also MQTT-4.7.3-4."""
    topic = "\ufeffbom/t"
    sub = PahoClient(broker, cid("sub"))
    sub.subscribe([(topic, 0), ("bom/t", 0)])
    pub = PahoClient(broker, cid("pub"))
    pub.publish(topic, b"b")
    got = barrier(pub, sub, "bom/t")
    assert [m._topic for m in got] == [topic.encode("utf-8")]
    pub.disconnect()
    sub.disconnect()


def test_MQTT_4_7_3_4_no_unicode_normalisation(broker):
    """'café' precomposed and 'café' decomposed are different topics."""
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    sub = PahoClient(broker, cid("sub"))
    sub.subscribe([(decomposed, 0), ("n/sentinel", 0)])
    pub = PahoClient(broker, cid("pub"))
    pub.publish(composed, b"c")
    pub.publish(decomposed, b"d")
    got = barrier(pub, sub, "n/sentinel")
    assert [(m._topic, m.payload) for m in got] == [(decomposed.encode(), b"d")]
    pub.disconnect()
    sub.disconnect()


def test_sys_topic_client_publish_dropped(broker):
    """A client's PUBLISH to '$SYS/x' is acknowledged (QoS 1) but not delivered: '$SYS' belongs to the
    broker (4.7.2; an unauthorised PUBLISH may be acked and dropped, [MQTT-3.3.5-2])."""
    sub = PahoClient(broker, cid("sub"))
    sub.subscribe([("$SYS/#", 0), ("plain/sentinel", 0)])
    pub = PahoClient(broker, cid("pub"))
    pub.publish("$SYS/x", b"forged", qos=1)
    pub.publish("$SYS/x", b"forged0", qos=0)
    got = barrier(pub, sub, "plain/sentinel")
    assert [m.payload for m in got if m.topic == "$SYS/x"] == []
    pub.disconnect()
    sub.disconnect()
