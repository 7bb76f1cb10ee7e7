"""Authentication with mosquitto-format password files, anonymous access, and ACL files (including
attempts to widen a pattern with wildcard characters in a username or client id)."""
import base64
import hashlib
import hmac
import json
import signal
import subprocess
import time

import pytest

from conftest import BIN
from support import mqtt_raw as raw

pytestmark = pytest.mark.pregon_only("uses pregon's [auth] settings")

# CONNACK codes: 3.1.1 return codes and 5.0 reason codes.
BAD_PASSWORD = {4: 0x04, 5: 0x86}
NOT_AUTHORIZED = {4: 0x05, 5: 0x87}


def connack(b, client_id, version=4, **kw):
    c = raw.RawClient.open(b, version=version)
    c.send(raw.connect(client_id, version=version, **kw))
    return c, c.expect(raw.CONNACK).return_code


def password_file(tmp_path, tool, users):
    path = tmp_path / f"passwd-{tool.split()[0]}"
    for user, password in users.items():
        if tool == "mosquitto_passwd":
            cmd = ["mosquitto_passwd", "-b", str(path), user, password]
            if not path.exists():
                cmd.insert(1, "-c")
        else:
            cmd = [BIN, "passwd", "-b", str(path), user, password]
            if not path.exists():
                cmd.insert(2, "-c")
        subprocess.run(cmd, check=True, capture_output=True, timeout=30)
    return path


@pytest.mark.parametrize("tool", ["mosquitto_passwd", "pregon passwd"])
@pytest.mark.parametrize("version", [4, 5])
def test_password_file_logins(make_broker, tmp_path, tool, version):
    path = password_file(tmp_path, tool, {"alice": "wonderland", "bob": "builder"})
    b = make_broker(listener={"allow_anonymous": False}, auth={"password_file": str(path)})
    c, rc = connack(b, "a1", version, username="alice", password="wonderland")
    assert rc == 0
    c.close()
    c, rc = connack(b, "a2", version, username="alice", password="builder")
    assert rc == BAD_PASSWORD[version], "[MQTT-3.1.4-?] a wrong password is refused"
    assert c.wait_closed()
    c, rc = connack(b, "a3", version, username="carol", password="x")
    assert rc == BAD_PASSWORD[version], "an unknown user is refused like a wrong password"
    c, rc = connack(b, "a4", version)
    assert rc == NOT_AUTHORIZED[version], "anonymous clients are refused when not allowed"
    c, rc = connack(b, "b1", version, username="bob", password="builder")
    assert rc == 0, "and the broker still serves those who log in"


def test_anonymous_allowed_alongside_a_password_file_when_configured(make_broker, tmp_path):
    path = password_file(tmp_path, "pregon passwd", {"alice": "wonderland"})
    b = make_broker(listener={"allow_anonymous": True}, auth={"password_file": str(path)})
    c, rc = connack(b, "anon")
    assert rc == 0
    c, rc = connack(b, "liar", username="alice", password="nope")
    assert rc == BAD_PASSWORD[4], "a username with a wrong password is refused even so"


def test_failed_logins_are_rate_limited_per_address(make_broker, tmp_path):
    path = password_file(tmp_path, "pregon passwd", {"alice": "wonderland"})
    b = make_broker(listener={"allow_anonymous": False}, auth={"password_file": str(path)})
    for i in range(10):
        _, rc = connack(b, "guess", 5, username="alice", password=f"guess-{i}")
        assert rc == 0x86
    # The 11th attempt within the window is refused without a password check, right or wrong.
    _, rc = connack(b, "guess", 5, username="alice", password="wonderland")
    assert rc == 0x87
    assert "too many failed logins from this address" in b.log_text()


ACL = """
# Everyone: their own subtree, and read access to the subtree of their client id.
pattern readwrite users/%u/#
pattern read clients/%c/#

user admin
topic readwrite #
"""


@pytest.fixture
def acl_broker(make_broker, tmp_path):
    acl = tmp_path / "acl"
    acl.write_text(ACL)
    # No password file: usernames are taken as given, which is what a bypass attempt needs.
    return make_broker(auth={"acl_file": str(acl)})


def suback_codes(c, packet_id, filters, version):
    c.send(raw.subscribe(packet_id, [(f, 1) for f in filters], version=version))
    return c.expect(raw.SUBACK).return_codes


@pytest.mark.parametrize("version", [4, 5])
def test_acl_patterns_grant_only_the_own_subtree(acl_broker, version):
    refused = 0x80 if version == 4 else 0x87
    alice, _ = raw.RawClient.connected(acl_broker, "alice-dev", version=version, username="alice")
    assert suback_codes(alice, 1, ["users/alice/#", "users/bob/#", "users/+/x", "#"], version) == \
        [1, refused, refused, refused]
    assert suback_codes(alice, 2, ["clients/alice-dev/cmd"], version) == [1]
    bob, _ = raw.RawClient.connected(acl_broker, "bob-dev", version=version, username="bob")
    assert suback_codes(bob, 1, ["users/bob/#"], version) == [1]
    # alice may publish into her subtree only; 5.0 is told 0x87, 3.1.1 is acknowledged and dropped.
    alice.send(raw.publish("users/bob/inbox", b"spoof", qos=1, packet_id=5, version=version))
    ack = alice.expect(raw.PUBACK)
    assert ack.return_code == (0 if version == 4 else 0x87)
    alice.send(raw.publish("users/bob/inbox", b"", qos=0, version=version))
    admin, _ = raw.RawClient.connected(acl_broker, "admin-dev", version=version, username="admin")
    admin.send(raw.publish("users/bob/inbox", b"real", qos=1, packet_id=1, version=version))
    admin.expect(raw.PUBACK)
    got = bob.expect(raw.PUBLISH)
    assert got.payload == b"real", "bob got nothing alice was not allowed to publish"


@pytest.mark.parametrize("name", ["+", "#", "+/+", "alice/../bob"])
def test_wildcards_in_a_username_never_widen_a_pattern(acl_broker, name):
    bob, _ = raw.RawClient.connected(acl_broker, "bob-target", version=5, username="bob")
    assert suback_codes(bob, 1, ["users/bob/#"], 5) == [1]
    mallory, _ = raw.RawClient.connected(acl_broker, "mallory", version=5, username=name)
    assert suback_codes(mallory, 1, ["users/bob/#", "users/+/#", "users/#"], 5) == [0x87, 0x87, 0x87]
    mallory.send(raw.publish("users/bob/inbox", b"spoof", qos=1, packet_id=2, version=5))
    assert mallory.expect(raw.PUBACK).return_code == 0x87
    mallory.close()
    admin, _ = raw.RawClient.connected(acl_broker, "admin-2", version=5, username="admin")
    admin.send(raw.publish("users/bob/inbox", b"only-this", qos=1, packet_id=1, version=5))
    admin.expect(raw.PUBACK)
    assert bob.expect(raw.PUBLISH).payload == b"only-this"


@pytest.mark.parametrize("client_id", ["+", "#"])
def test_wildcards_in_a_client_id_never_widen_a_pattern(acl_broker, client_id):
    c, _ = raw.RawClient.connected(acl_broker, client_id, version=5, username="eve")
    assert suback_codes(c, 1, ["clients/victim/#", "clients/+/cmd", "clients/#"], 5) == [0x87, 0x87, 0x87]


def test_a_will_the_acl_does_not_allow_is_refused_at_connect(acl_broker):
    c = raw.RawClient.open(acl_broker, version=5)
    c.send(raw.connect("willful", version=5, username="alice",
                       will=dict(topic="users/bob/status", payload=b"gone")))
    assert c.expect(raw.CONNACK).return_code == 0x87
    ok, _ = raw.RawClient.connected(acl_broker, "willful-2", version=5, username="alice",
                                    will=dict(topic="users/alice/status", payload=b"gone"))
    ok.close()


def test_acl_reloads_on_sighup_and_a_broken_file_keeps_the_old_rules(make_broker, tmp_path):
    acl = tmp_path / "acl"
    acl.write_text("pattern readwrite users/%u/#\n")
    b = make_broker(auth={"acl_file": str(acl)})
    c, _ = raw.RawClient.connected(b, "reloader", version=5, username="alice")
    assert suback_codes(c, 1, ["shared/news"], 5) == [0x87]
    acl.write_text("pattern readwrite users/%u/#\npattern read shared/#\n")
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reloaded on SIGHUP")
    assert suback_codes(c, 2, ["shared/news"], 5) == [1], "the new rules apply to the connected client"
    acl.write_text("frobnicate shared/#\n")
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reload on SIGHUP failed")
    assert suback_codes(c, 3, ["shared/more"], 5) == [1], "a broken file leaves the previous rules"
    assert b.proc.poll() is None


def test_read_access_is_checked_again_at_delivery_for_live_messages_and_wills(make_broker, tmp_path):
    """A subscription admitted under old rules gets nothing the current rules do not let it read:
    the check is made per receiver when a message (a live one, a will) is delivered."""
    acl = tmp_path / "acl"
    rules = "user siren\ntopic readwrite alerts/#\nuser admin\ntopic read #\nuser watcher\ntopic read alerts/{}#\n"
    acl.write_text(rules.format(""))
    b = make_broker(threads=1, auth={"acl_file": str(acl)})
    watcher, _ = raw.RawClient.connected(b, "watcher", version=5, username="watcher")
    assert suback_codes(watcher, 1, ["alerts/#"], 5) == [1]
    admin, _ = raw.RawClient.connected(b, "admin", version=5, username="admin")
    assert suback_codes(admin, 1, ["alerts/#"], 5) == [1]
    acl.write_text(rules.format("public/"))
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("reloaded on SIGHUP")

    siren, _ = raw.RawClient.connected(b, "siren", version=5, username="siren")
    siren.send(raw.publish("alerts/fire", b"live", qos=1, packet_id=1, version=5))
    assert siren.expect(raw.PUBACK).return_code == 0
    doomed, _ = raw.RawClient.connected(b, "doomed", version=5, username="siren",
                                        will=dict(topic="alerts/gone", payload=b"will"))
    doomed.close()  # no DISCONNECT: the will is published
    got, before = admin.recv_until(lambda p: p.type == raw.PUBLISH and p.topic == "alerts/gone")
    assert [p.topic for p in before if p.type == raw.PUBLISH] == ["alerts/fire"], "admin reads everything"
    siren.send(raw.publish("alerts/public/ok", b"allowed", qos=1, packet_id=2, version=5))
    siren.expect(raw.PUBACK)
    first = watcher.expect(raw.PUBLISH)
    assert (first.topic, first.payload) == ("alerts/public/ok", b"allowed"), \
        "neither the live message nor the will under alerts/ reached the watcher after the reload"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_token(claims, sign, alg):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{body}".encode()
    return f"{header}.{body}.{b64url(sign(signing_input))}"


SECRET = "a-shared-secret-that-is-long-enough-for-hs256"


def hs256(secret):
    return lambda data: hmac.new(secret.encode(), data, hashlib.sha256).digest()


def rs256_key(tmp_path):
    key = tmp_path / "jwt-key.pem"
    public = tmp_path / "jwt-public.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(key)],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(public)],
                   check=True, capture_output=True, timeout=60)

    def sign(data):
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key)], input=data,
                              check=True, capture_output=True, timeout=60).stdout
    return public, sign


@pytest.mark.parametrize("alg", ["HS256", "RS256"])
def test_jwt_logins_valid_expired_and_wrong_key(make_broker, tmp_path, alg):
    if alg == "HS256":
        auth = {"jwt_algorithm": "HS256", "jwt_secret": SECRET}
        sign, wrong = hs256(SECRET), hs256(SECRET + "-not")
    else:
        public, sign = rs256_key(tmp_path)
        other = tmp_path / "other"
        other.mkdir()
        _, wrong = rs256_key(other)
        auth = {"jwt_algorithm": "RS256", "jwt_key_file": str(public)}
    acl = tmp_path / "acl"
    acl.write_text("pattern readwrite users/%u/#\n")
    b = make_broker(listener={"allow_anonymous": False}, auth={**auth, "acl_file": str(acl)})
    now = int(time.time())
    good = jwt_token({"sub": "dana", "exp": now + 600}, sign, alg)
    c, rc = connack(b, "jwt-ok", 5, username="ignored", password=good)
    assert rc == 0
    # The token's subject is the username the ACL sees.
    assert suback_codes(c, 1, ["users/dana/#", "users/ignored/#"], 5) == [1, 0x87]
    expired = jwt_token({"sub": "dana", "exp": now - 600}, sign, alg)
    _, rc = connack(b, "jwt-old", 5, password=expired)
    assert rc == 0x86
    forged = jwt_token({"sub": "dana", "exp": now + 600}, wrong, alg)
    _, rc = connack(b, "jwt-forged", 4, username="dana", password=forged)
    assert rc == 0x04
    assert "token refused" in b.log_text()
