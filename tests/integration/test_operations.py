"""Operations: structured logs (JSON lines with the client's id and address), SIGHUP reloading the
configuration file and saying what changed, a broken file on reload changing nothing, and
`pregon check-config`."""
import copy
import json
import signal
import socket
import subprocess
import time

import pytest

from conftest import BIN, render_toml
from support import mqtt_raw as raw
from support.paho_client import PahoClient

pytestmark = pytest.mark.pregon_only("pregon's logs, reload and check-config")

MAXIMUM_PACKET_SIZE = 0x27
RECEIVE_MAXIMUM = 0x21
PACKET_TOO_LARGE = 0x95


def json_lines(b):
    """Every line of the broker's log, parsed: each one must be a JSON object."""
    return [json.loads(line) for line in b.log_text().splitlines() if line]


def rewrite_config(b, **changes):
    """Writes the broker's configuration file again with `changes` merged into its settings."""
    settings = copy.deepcopy(b.settings)
    for k, v in changes.items():
        if isinstance(v, dict):
            settings.setdefault(k, {}).update(v)
        else:
            settings[k] = v
    b.config.write_text(render_toml(settings))
    b.settings = settings


def publish_v5(c, packet_id, size):
    c.send(raw.publish("ops/big", b"x" * size, qos=1, packet_id=packet_id, version=5))


def test_json_log_lines_parse_and_carry_the_client_id_and_peer(make_broker):
    b = make_broker(log_format="json")
    c = PahoClient(b, "json-client")
    b.wait_for_log('"client_id":"json-client"')
    c.disconnect()
    b.wait_for_log("client disconnected")
    lines = json_lines(b)
    assert all({"time", "level", "message"} <= line.keys() for line in lines)
    assert any(line["message"].startswith("listening on") and "client_id" not in line for line in lines)
    connected = [line for line in lines if line["message"].startswith("client connected")]
    assert len(connected) == 1
    assert connected[0]["client_id"] == "json-client"
    assert connected[0]["peer"].startswith("127.0.0.1:")
    assert connected[0]["level"] == "info"
    assert "json-client" not in connected[0]["message"], "the id is a field, not part of the text"
    gone = [line for line in lines if line["message"].startswith("client disconnected")]
    assert [g["client_id"] for g in gone] == ["json-client"]


def test_text_log_lines_carry_client_and_peer_as_a_prefix(make_broker):
    b = make_broker()
    c = PahoClient(b, "text-client")
    b.wait_for_log("client=text-client peer=127.0.0.1:")
    c.disconnect()
    line = next(l for l in b.log_text().splitlines() if "client=text-client" in l)
    assert " info  client=text-client peer=127.0.0.1:" in line and "client connected: protocol=3.1.1" in line


def test_sighup_applies_a_new_log_level_and_packet_limit(make_broker):
    b = make_broker(log_level="info", log_format="json", limits={"max_packet_size": 100000})
    before, ack = raw.RawClient.connected(b, "before-reload", version=5)
    assert ack.prop(MAXIMUM_PACKET_SIZE) == 100000
    publish_v5(before, 1, 4000)
    assert before.expect(raw.PUBACK).return_code == 0
    assert not [line for line in json_lines(b) if line["level"] == "debug"]

    rewrite_config(b, log_level="debug", limits={"max_packet_size": 2048})
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reloaded: limits.max_packet_size 100000 -> 2048")
    messages = [line["message"] for line in json_lines(b)]
    assert 'reloaded: log_level "info" -> "debug"' in messages
    assert not [m for m in messages if "needs a restart" in m]

    # A new client is told the new limit, and a packet over it is refused.
    after, ack = raw.RawClient.connected(b, "after-reload", version=5)
    assert ack.prop(MAXIMUM_PACKET_SIZE) == 2048
    publish_v5(after, 1, 1000)
    assert after.expect(raw.PUBACK).return_code == 0
    publish_v5(after, 2, 4000)
    assert after.expect(raw.DISCONNECT).return_code == PACKET_TOO_LARGE
    assert after.wait_closed()
    # The client connected before the reload is held to it as well.
    publish_v5(before, 2, 4000)
    assert before.expect(raw.DISCONNECT).return_code == PACKET_TOO_LARGE

    # Debug lines now appear: a connection that closes without CONNECT is logged at debug.
    socket.create_connection((b.host, b.port)).close()
    b.wait_for_log('"level":"debug"')


def wait_for_count(b, text, count, timeout=30):
    """Waits until `text` appears `count` times in the log (a line each reload writes again)."""
    deadline = time.monotonic() + timeout
    while b.log_text().count(text) < count:
        assert time.monotonic() < deadline, f"{text!r} not {count} times in the log"
        time.sleep(0.05)  # polling the log file, as wait_for_log does


def test_sighup_names_settings_that_need_a_restart_and_keeps_them(make_broker):
    b = make_broker(limits={"receive_maximum": 100})
    rewrite_config(b, threads=3, limits={"receive_maximum": 10, "max_topic_levels": 5})
    b.proc.send_signal(signal.SIGHUP)
    restart_line = "reload: limits.receive_maximum changed in the file (100 -> 10) but needs a restart; it stays 100"
    b.wait_for_log(restart_line)  # the last line of the reload
    log = b.log_text()
    assert "reloaded: limits.max_topic_levels 64 -> 5" in log
    assert "reload: threads changed in the file (2 -> 3) but needs a restart; it stays 2" in log
    _, ack = raw.RawClient.connected(b, "still-100", version=5)
    assert ack.prop(RECEIVE_MAXIMUM) == 100, "Receive Maximum stays as running"

    # The same file again: the restart warnings again, and nothing else changed.
    b.proc.send_signal(signal.SIGHUP)
    wait_for_count(b, restart_line, 2)
    assert b.log_text().count("reloaded: limits.max_topic_levels") == 1


def test_sighup_with_an_unchanged_file_says_so(make_broker):
    b = make_broker()
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reloaded: no setting changed")


def test_a_broken_file_on_reload_changes_nothing_and_the_broker_serves_on(make_broker):
    b = make_broker(limits={"max_packet_size": 100000})
    c, _ = raw.RawClient.connected(b, "steady", version=5)
    good = b.config.read_text()
    b.config.write_text(good.replace("max_packet_size = 100000", "max_packet_size = 1"))
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reload on SIGHUP failed, the previous configuration stays")
    assert f"{b.config}:" in b.log_text() and "limits.max_packet_size: 1 is out of range" in b.log_text()
    publish_v5(c, 1, 4000)
    assert c.expect(raw.PUBACK).return_code == 0, "the previous limit stays"
    other = PahoClient(b, "new-after-broken-reload")
    other.disconnect()

    b.config.write_text("this is = = not toml\n")
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("syntax error")
    assert b.proc.poll() is None

    # Fixed again: the next SIGHUP applies it.
    b.config.write_text(good.replace("max_packet_size = 100000", "max_packet_size = 3000"))
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reloaded: limits.max_packet_size 100000 -> 3000")
    publish_v5(c, 2, 4000)
    assert c.expect(raw.DISCONNECT).return_code == PACKET_TOO_LARGE


def check_config(path):
    return subprocess.run([BIN, "check-config", str(path)], capture_output=True, text=True, timeout=10)


def test_check_config_accepts_a_good_file_without_starting_anything(broker):
    # The running broker's own file: its port is taken, and check-config does not mind.
    r = check_config(broker.config)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"{broker.config}: ok\n", "")


def test_check_config_reports_the_line_and_key_of_each_mistake(tmp_path):
    conf = tmp_path / "bad.toml"
    conf.write_text('log_format = "xml"\n\n[limits]\nmax_packet_size = 1\n')
    r = check_config(conf)
    assert r.returncode == 1 and r.stdout == ""
    assert f'{conf}:1:14: log_format: "xml" is not a log format' in r.stderr
    assert f"{conf}:4:19: limits.max_packet_size: 1 is out of range" in r.stderr


def test_check_config_reports_files_it_names_that_do_not_load(tmp_path):
    acl = tmp_path / "acl"
    acl.write_text("frobnicate shared/#\n")
    conf = tmp_path / "acl.toml"
    conf.write_text(f'[auth]\nacl_file = "{acl}"\n')
    r = check_config(conf)
    assert r.returncode == 1 and str(acl) in r.stderr
    missing = check_config(tmp_path / "missing.toml")
    assert missing.returncode == 1 and "cannot open" in missing.stderr
    no_file = subprocess.run([BIN, "check-config"], capture_output=True, text=True, timeout=10)
    assert no_file.returncode == 1 and "file is required" in no_file.stderr
