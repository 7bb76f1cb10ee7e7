"""Monitoring: $SYS topics, Prometheus /metrics and the HTTP API (README "Monitoring").

Each broker gets its own free HTTP port from the fixtures (broker.http_port). Counters are checked
by differences over known traffic; every wait is for an event (an acknowledgement, a message, a
disconnect) with a timeout.
"""
import base64
import json
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

import pytest

from support import mqtt_raw as raw
from support.http_api import get_json, http, metrics, total
from support.paho_client import PahoClient, barrier

pytestmark = pytest.mark.pregon_only("pregon's HTTP API and $SYS values")

ADMINISTRATIVE_ACTION = 0x98


def test_publishing_100_moves_sys_and_metrics_by_exactly_100(make_broker):
    b = make_broker(sys_interval=1)
    sub = PahoClient(b, "mon-sub")
    sub.subscribe("mon/#", qos=1)
    sys_watch = PahoClient(b, "mon-sys")
    sys_watch.subscribe("$SYS/broker/publish/messages/received")
    pub = PahoClient(b, "mon-pub")

    before = metrics(b)
    received_before = total(before, "pregon_publish_messages_received_total")
    for i in range(100):
        pub.publish(f"mon/{i}", b"x" * 10, qos=1)
    sub.wait_messages(100)
    after = metrics(b)

    assert total(after, "pregon_publish_messages_received_total") - received_before == 100
    assert total(after, "pregon_publish_messages_received_total", qos="1") - \
        total(before, "pregon_publish_messages_received_total", qos="1") == 100
    # $SYS messages go out at QoS 0; the QoS 1 series counts exactly the relayed ones.
    assert total(after, "pregon_publish_messages_sent_total", qos="1") - \
        total(before, "pregon_publish_messages_sent_total", qos="1") == 100
    assert total(after, "pregon_publish_bytes_received_total") - \
        total(before, "pregon_publish_bytes_received_total") == 1000
    assert total(after, "pregon_clients_connected") == 3
    assert total(after, "pregon_subscriptions") == 2

    # $SYS catches up within a few intervals, never past the true count.
    target = str(int(received_before) + 100).encode()
    while True:
        m = sys_watch.wait_message(timeout=10)
        assert int(m.payload) <= int(target), m.payload
        if m.payload == target:
            break

    stats = get_json(b, "/api/v1/stats")
    assert stats["publish_messages_received"] == int(received_before) + 100
    assert stats["publish_messages_received_by_qos"]["1"] >= 100
    for c in (sub, sys_watch, pub):
        c.disconnect()


def test_sys_topics_are_retained_and_kept_from_wildcards_and_clients(make_broker):
    b = make_broker(sys_interval=1)
    everything = PahoClient(b, "mon-all")
    everything.subscribe([("#", 0), ("+/broker/#", 0)])
    pub = PahoClient(b, "mon-pub")
    # A client cannot write the broker's namespace: acknowledged, and dropped.
    pub.publish("$SYS/broker/version", b"forged", qos=1, retain=True)

    sys_sub = PahoClient(b, "mon-sys")
    sys_sub.subscribe("$SYS/#")
    seen = {}
    while "$SYS/broker/uptime" not in seen or "$SYS/broker/version" not in seen:
        m = sys_sub.wait_message(timeout=10)
        seen[m.topic] = m.payload
    assert seen["$SYS/broker/version"].startswith(b"pregon ")
    assert seen["$SYS/broker/uptime"].endswith(b" seconds")

    # A fresh $SYS update went out (non-retained delivery to the live subscription); the "#" and
    # "+/..." subscriber still has none of it [MQTT-4.7.2-1].
    while True:
        m = sys_sub.wait_message(timeout=10)
        if not m.retain:
            break
    before = barrier(pub, everything, "mon/sentinel")
    assert [m.topic for m in before if m.topic.startswith("$")] == []

    retained = get_json(b, "/api/v1/retained?limit=1000")["retained"]
    topics = {r["topic"] for r in retained}
    assert "$SYS/broker/clients/connected" in topics and "$SYS/broker/retained messages/count" in topics
    for c in (everything, pub, sys_sub):
        c.disconnect()


def test_clients_are_listed_and_delete_disconnects_with_administrative_action(broker):
    watched = PahoClient(broker, "mon-watched", protocol=5, keepalive=45)
    watched.subscribe("a/b", qos=1)
    old = PahoClient(broker, "mon-old", protocol=4)

    clients = {c["client_id"]: c for c in get_json(broker, "/api/v1/clients")["clients"]}
    assert set(clients) == {"mon-watched", "mon-old"}
    w = clients["mon-watched"]
    assert w["protocol_version"] == "5.0" and w["keep_alive"] == 45 and w["subscriptions"] == 1
    assert w["peer"].startswith("127.0.0.1:") and w["connected_since_ms"] > 0
    assert clients["mon-old"]["protocol_version"] == "3.1.1"
    assert get_json(broker, "/api/v1/clients/mon-watched")["client_id"] == "mon-watched"
    subs = get_json(broker, "/api/v1/subscriptions")["subscriptions"]
    assert {"client_id": "mon-watched", "filter": "a/b", "qos": 1, "online": True} in subs

    status, _, body = http(broker, "/api/v1/clients/mon-watched", method="DELETE")
    assert status == 200, body
    rc = watched.wait_disconnect()
    assert rc.value == ADMINISTRATIVE_ACTION, rc
    status, _, _ = http(broker, "/api/v1/clients/mon-watched")
    assert status == 404

    status, _, _ = http(broker, "/api/v1/clients/mon-old", method="DELETE")
    assert status == 200
    old.wait_disconnect()
    status, _, body = http(broker, "/api/v1/clients/mon-old", method="DELETE")
    assert status == 404 and "error" in json.loads(body)


def test_publish_through_the_api_reaches_subscribers(broker):
    sub = PahoClient(broker, "mon-sub")
    sub.subscribe("api/#", qos=1)
    status, _, body = http(broker, "/api/v1/publish", method="POST",
                           body={"topic": "api/x", "payload": "hello", "qos": 1, "retain": True})
    assert status == 200, body
    m = sub.wait_message()
    assert (m.topic, m.payload, m.qos) == ("api/x", b"hello", 1)
    retained = get_json(broker, "/api/v1/retained")["retained"]
    assert {"topic": "api/x", "payload_bytes": 5, "qos": 1, "payload": "hello"} in retained
    status, _, _ = http(broker, "/api/v1/publish", method="POST", body={"topic": "api/+"})
    assert status == 400
    sub.disconnect()


ENDPOINTS = [("GET", "/"), ("GET", "/ui/dashboard.js"), ("GET", "/api/openapi.json"), ("GET", "/metrics"),
             ("GET", "/api/v1/stats"), ("GET", "/api/v1/clients"), ("GET", "/api/v1/clients?client_id=a&limit=5"),
             ("GET", "/api/v1/clients/someone"), ("DELETE", "/api/v1/clients/someone"),
             ("GET", "/api/v1/sessions"), ("GET", "/api/v1/subscriptions"), ("GET", "/api/v1/subscriptions?topic=a"),
             ("GET", "/api/v1/retained"), ("GET", "/api/v1/retained?filter=%23"), ("DELETE", "/api/v1/retained/a"),
             ("POST", "/api/v1/publish")]


def test_every_endpoint_needs_credentials_when_they_are_configured(make_broker):
    b = make_broker(http={"username": "admin", "password": "pa:ss", "token": "tok-1"})
    good_basic = {"Authorization": "Basic " + base64.b64encode(b"admin:pa:ss").decode()}
    bad_basic = {"Authorization": "Basic " + base64.b64encode(b"admin:nope").decode()}
    for method, path in ENDPOINTS:
        body = {"topic": "t"} if method == "POST" else None
        for headers in ({}, bad_basic, {"Authorization": "Bearer tok-2"}):
            status, h, text = http(b, path, method=method, body=body, headers=headers)
            assert status == 401, (method, path, headers, status)
            assert "Basic" in h["WWW-Authenticate"] and "Bearer" in h["WWW-Authenticate"]
            assert "error" in json.loads(text)
    assert metrics(b, headers=good_basic)
    assert metrics(b, headers={"Authorization": "Bearer tok-1"})
    status, _, _ = http(b, "/api/v1/clients", headers=good_basic)
    assert status == 200


def test_wrong_method_is_405_and_unknown_path_is_404(broker):
    status, headers, body = http(broker, "/metrics", method="POST", body={})
    assert status == 405 and "GET" in headers["Allow"] and "error" in json.loads(body)
    status, headers, _ = http(broker, "/api/v1/publish")
    assert status == 405 and headers["Allow"] == "POST"
    status, _, _ = http(broker, "/api/v1/clients/x", method="PUT", body={})
    assert status == 405
    status, _, body = http(broker, "/api/v2/everything")
    assert status == 404 and "error" in json.loads(body)


def test_sys_interval_zero_publishes_no_sys_topics(make_broker):
    b = make_broker(sys_interval=0, http={"enabled": False})
    sub = PahoClient(b, "mon-sys")
    sub.subscribe("$SYS/#")
    pub = PahoClient(b, "mon-pub")
    sub.subscribe("mon/sentinel")
    assert barrier(pub, sub, "mon/sentinel") == []
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{b.http_port}/metrics", timeout=5)
    sub.disconnect()
    pub.disconnect()


def test_sys_topics_do_not_take_the_clients_retained_budget(make_broker):
    b = make_broker(sys_interval=1, limits={"max_retained_messages": 1})
    sys_sub = PahoClient(b, "mon-sys")
    sys_sub.subscribe("$SYS/broker/version")
    sys_sub.wait_message(timeout=10)
    pub = PahoClient(b, "mon-pub")
    pub.publish("r/1", b"kept", qos=1, retain=True)
    retained = {r["topic"] for r in get_json(b, "/api/v1/retained")["retained"]}
    assert "r/1" in retained and "$SYS/broker/version" in retained
    sys_sub.disconnect()
    pub.disconnect()


def test_a_busy_http_port_stops_start_up(make_broker):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(RuntimeError, match=r"cannot listen on 127\.0\.0\.1:\d+ \(HTTP\)"):
            make_broker(http={"port": busy.getsockname()[1]})


def test_process_loop_persistence_retained_and_auth_metrics_follow_what_happened(make_broker, tmp_path):
    passwords = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "alice", "wonderland"], check=True,
                   capture_output=True, timeout=30)
    b = make_broker(threads=2, auth={"password_file": str(passwords)})
    before = metrics(b)
    assert total(before, "pregon_process_cpu_seconds_total") > 0
    assert total(before, "pregon_process_resident_memory_bytes") > 1_000_000
    assert {dict(ls)["loop"] for (n, ls) in before if n == "pregon_event_loop_lag_seconds"} == {"0", "1"}

    refused = raw.RawClient.open(b)
    refused.send(raw.connect("wrong-password", username="alice", password=b"queen of hearts"))
    assert refused.expect(raw.CONNACK).return_code == 0x04

    # A persistent session's queue is written to the store; a retained message takes bytes.
    keeper = PahoClient(b, "mon-keeper", clean_session=False, username="alice", password="wonderland")
    keeper.subscribe("kept/#", qos=1)
    keeper.disconnect()
    pub = PahoClient(b, "mon-writer", username="alice", password="wonderland")
    pub.publish("kept/a", b"y" * 100, qos=1, retain=True)

    after = metrics(b)
    assert total(after, "pregon_auth_failures_total", reason="bad_credentials") - \
        total(before, "pregon_auth_failures_total", reason="bad_credentials") == 1
    assert total(after, "pregon_auth_failures_total", reason="anonymous") == 0
    assert total(after, "pregon_retained_bytes") >= 100
    assert total(after, "pregon_persistence_commits_total") > total(before, "pregon_persistence_commits_total")
    assert total(after, "pregon_persistence_fsyncs_total") > total(before, "pregon_persistence_fsyncs_total")
    assert total(after, "pregon_persistence_write_seconds_total") > 0
    assert total(after, "pregon_persistence_write_failures_total") == 0
    stats = get_json(b, "/api/v1/stats")
    assert len(stats["event_loop_lag_seconds_by_loop"]) == 2
    assert stats["auth_failures_by_reason"]["bad_credentials"] >= 1
    pub.disconnect()


def test_sys_load_averages_rise_with_traffic(make_broker):
    b = make_broker(sys_interval=1)
    watch = PahoClient(b, "mon-load")
    watch.subscribe("$SYS/broker/load/publish/received/1min")
    pub = PahoClient(b, "mon-load-pub")
    for i in range(50):
        pub.publish("load/t", b"z", qos=1)
    # The first update only records; a later one carries the rate of the 50 messages.
    while True:
        m = watch.wait_message(timeout=10)
        if float(m.payload) > 0:
            break
    pub.disconnect()
    watch.disconnect()

def session_expiry(seconds):
    p = Properties(PacketTypes.CONNECT)
    p.SessionExpiryInterval = seconds
    return p


def q(**params):
    return "?" + urllib.parse.urlencode(params)


def test_clients_page_in_client_id_order_and_filter_by_id_and_username(broker):
    clients = [PahoClient(broker, cid, username=user)
               for cid, user in (("page-b", "ann"), ("page-a", None), ("other", "ann"), ("page-c", "bob"))]
    first = get_json(broker, "/api/v1/clients" + q(client_id="page-", limit=2))
    assert [c["client_id"] for c in first["clients"]] == ["page-a", "page-b"]
    assert first["total"] == 3 and first["next_after"] == "page-b"
    second = get_json(broker, "/api/v1/clients" + q(client_id="page-", limit=2, after=first["next_after"]))
    assert [c["client_id"] for c in second["clients"]] == ["page-c"]
    assert "next_after" not in second
    by_user = get_json(broker, "/api/v1/clients" + q(username="ann"))
    assert [c["client_id"] for c in by_user["clients"]] == ["other", "page-b"]
    assert by_user["clients"][1]["username"] == "ann"
    status, _, _ = http(broker, "/api/v1/clients" + q(limit="many"))
    assert status == 400
    for c in clients:
        c.disconnect()


def test_sessions_include_offline_persistent_ones_with_expiry_and_queue(broker):
    keeper = PahoClient(broker, "sess-keeper", protocol=5, clean_session=True, properties=session_expiry(300))
    keeper.subscribe("sess/#", qos=1)
    keeper.disconnect()
    old = PahoClient(broker, "sess-311", clean_session=False)
    old.subscribe("sess/#", qos=1)
    old.disconnect()
    pub = PahoClient(broker, "sess-pub")
    pub.publish("sess/1", b"queued", qos=1)

    sessions = {s["client_id"]: s for s in get_json(broker, "/api/v1/sessions")["sessions"]}
    assert set(sessions) == {"sess-keeper", "sess-311", "sess-pub"}
    k = sessions["sess-keeper"]
    assert k["connected"] is False and k["session_expiry_interval"] == 300 and k["subscriptions"] == 1
    assert k["queued_messages"] + k["inflight_messages"] == 1
    assert k["expires_at_ms"] > 0
    assert sessions["sess-311"]["expires_at_ms"] is None  # 3.1.1: kept until it comes back
    assert sessions["sess-311"]["session_expiry_interval"] == 0xFFFFFFFF
    assert sessions["sess-pub"]["connected"] is True and sessions["sess-pub"]["expires_at_ms"] is None

    offline = get_json(broker, "/api/v1/sessions" + q(connected="false"))
    assert [s["client_id"] for s in offline["sessions"]] == ["sess-311", "sess-keeper"]
    assert offline["total"] == 2
    page = get_json(broker, "/api/v1/sessions" + q(limit=1, client_id="sess-"))
    assert [s["client_id"] for s in page["sessions"]] == ["sess-311"] and page["next_after"] == "sess-311"
    status, _, _ = http(broker, "/api/v1/sessions" + q(connected="maybe"))
    assert status == 400

    resumed = PahoClient(broker, "sess-keeper", protocol=5, clean_session=False, properties=session_expiry(300))
    assert resumed.wait_message().payload == b"queued"
    again = {s["client_id"]: s for s in get_json(broker, "/api/v1/sessions")["sessions"]}
    assert again["sess-keeper"]["connected"] is True
    resumed.disconnect()
    pub.disconnect()


def test_subscriptions_for_a_topic_name_the_clients_it_reaches(make_broker):
    b = make_broker(threads=2)  # shared groups and their members may live on different loops
    plus = PahoClient(b, "match-plus", protocol=5)
    plus.subscribe([("m/+/t", 1), ("elsewhere/#", 0)])
    hashes = PahoClient(b, "match-hash", protocol=5)
    hashes.subscribe("m/#", qos=2)
    members = [PahoClient(b, f"match-member-{i}", protocol=5) for i in range(3)]
    for m in members:
        m.subscribe("$share/workers/m/a/t", qos=0)
    PahoClient(b, "match-none", protocol=5).subscribe("m/b/t")

    body = get_json(b, "/api/v1/subscriptions" + q(topic="m/a/t"))
    assert body["topic"] == "m/a/t"
    got = [(s["client_id"], s["filter"], s["qos"], s["online"]) for s in body["subscriptions"]]
    assert got == [("match-hash", "m/#", 2, True),
                   ("match-member-0", "$share/workers/m/a/t", 0, True),
                   ("match-member-1", "$share/workers/m/a/t", 0, True),
                   ("match-member-2", "$share/workers/m/a/t", 0, True),
                   ("match-plus", "m/+/t", 1, True)]
    assert get_json(b, "/api/v1/subscriptions" + q(topic="nobody/listens"))["subscriptions"] == []
    # '$' topics are not reached by a leading wildcard [MQTT-4.7.2-1].
    assert get_json(b, "/api/v1/subscriptions" + q(topic="$SYS/x"))["subscriptions"] == []
    for bad in ("m/+", "m/#", ""):
        status, _, _ = http(b, "/api/v1/subscriptions" + q(topic=bad))
        assert status == 400, bad


def test_retained_listed_by_filter_and_deleted(broker):
    pub = PahoClient(broker, "ret-pub")
    for topic in ("ret/a/1", "ret/a/2", "ret/b/1"):
        pub.publish(topic, topic.encode(), qos=1, retain=True)

    listed = get_json(broker, "/api/v1/retained" + q(filter="ret/a/+"))["retained"]
    assert [(r["topic"], r["payload"]) for r in listed] == [("ret/a/1", "ret/a/1"), ("ret/a/2", "ret/a/2")]
    assert [r["topic"] for r in get_json(broker, "/api/v1/retained" + q(filter="ret/#"))["retained"]] == \
        ["ret/a/1", "ret/a/2", "ret/b/1"]
    assert all(not r["topic"].startswith("$") for r in get_json(broker, "/api/v1/retained" + q(filter="#"))["retained"])
    status, _, _ = http(broker, "/api/v1/retained" + q(filter="ret/#/x"))
    assert status == 400

    live = PahoClient(broker, "ret-live")
    live.subscribe("ret/#")
    barrier(pub, live, "ret/sentinel")
    status, _, body = http(broker, "/api/v1/retained/ret/a/1", method="DELETE")
    assert status == 200 and json.loads(body) == {"cleared": "ret/a/1"}
    status, _, _ = http(broker, "/api/v1/retained/ret/a/1", method="DELETE")
    assert status == 404
    status, _, _ = http(broker, "/api/v1/retained/$SYS/broker/version", method="DELETE")
    assert status == 400

    fresh = PahoClient(broker, "ret-fresh")
    fresh.subscribe("ret/#")
    got = barrier(pub, fresh, "ret/sentinel")
    assert sorted(m.topic for m in got) == ["ret/a/2", "ret/b/1"]
    # Cleared, not published: the live subscriber got nothing for it.
    assert [m.topic for m in barrier(pub, live, "ret/sentinel")] == []
    for c in (pub, live, fresh):
        c.disconnect()


def test_retained_pages_walk_every_topic_once_in_topic_order(broker):
    pub = PahoClient(broker, "page-pub")
    topics = [f"pages/{i:02d}" for i in range(23)] + ["pages", "pages/07/deeper"]
    for topic in topics:
        pub.publish(topic, b"x", qos=1, retain=True)
    seen, after = [], ""
    while True:
        body = get_json(broker, "/api/v1/retained" + q(filter="pages/#", limit=4, after=after))
        seen += [r["topic"] for r in body["retained"]]
        if "next_after" not in body:
            break
        after = body["next_after"]
    # Level by level: a topic, then the topics below it, then its next sibling.
    expected = ["pages"] + [t for i in range(23) for t in [f"pages/{i:02d}"] + (["pages/07/deeper"] if i == 7 else [])]
    assert seen == expected
    everything = get_json(broker, "/api/v1/retained" + q(limit=1000))["retained"]
    assert everything[0]["topic"].startswith("$SYS/"), "'$' topics sort first when no filter is given"
    pub.disconnect()


def test_a_deleted_retained_message_stays_deleted_after_a_restart(make_broker, tmp_path):
    settings = {"persistence": {"dir": str(tmp_path / "store")}}
    b = make_broker(**settings)
    pub = PahoClient(b, "ret-pub")
    pub.publish("keep/this", b"1", qos=1, retain=True)
    pub.publish("drop/this", b"2", qos=1, retain=True)
    pub.disconnect()
    status, _, _ = http(b, "/api/v1/retained/drop/this", method="DELETE")
    assert status == 200
    b.stop()
    b = make_broker(**settings)
    topics = [r["topic"] for r in get_json(b, "/api/v1/retained" + q(filter="+/this"))["retained"]]
    assert topics == ["keep/this"]


def test_openapi_describes_every_endpoint(broker):
    status, headers, body = http(broker, "/api/openapi.json")
    assert status == 200 and headers["Content-Type"] == "application/json"
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for method, path in ENDPOINTS:
        templated = path.split("?")[0]
        templated = {"/api/v1/clients/someone": "/api/v1/clients/{client_id}",
                     "/api/v1/retained/a": "/api/v1/retained/{topic}",
                     "/ui/dashboard.js": "/"}.get(templated, templated)
        assert method.lower() in paths[templated], (method, path)


def test_requests_from_pages_of_other_sites_are_refused(broker):
    sub = PahoClient(broker, "site-sub")
    sub.subscribe("site/#")
    # What a page elsewhere would make the browser send to the loopback address.
    status, _, body = http(broker, "/api/v1/publish", method="POST", body={"topic": "site/x"},
                           headers={"Origin": "http://evil.example", "Content-Type": "text/plain"})
    assert status == 403 and "error" in json.loads(body)
    status, _, _ = http(broker, "/api/v1/clients/site-sub", method="DELETE", headers={"Origin": "null"})
    assert status == 403
    # DNS rebinding: the right address, but the attacker's name.
    status, _, _ = http(broker, "/api/v1/clients", headers={"Host": f"evil.example:{broker.http_port}"})
    assert status == 403
    # The broker's own pages may.
    status, _, _ = http(broker, "/api/v1/publish", method="POST", body={"topic": "site/ok"},
                        headers={"Origin": f"http://127.0.0.1:{broker.http_port}"})
    assert status == 200
    assert [m.topic for m in barrier(PahoClient(broker, "site-pub"), sub, "site/sentinel")] == ["site/ok"]
    assert not sub.is_disconnected
