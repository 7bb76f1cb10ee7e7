"""MQTT 5.0 helpers for the conformance tests, on top of support.mqtt_raw.

Client5 is a RawClient that speaks 5.0 and keeps the raw fixed header of every packet it reads
(`p.wire_size`, `p.length_bytes`), so tests can check sizes and encodings the broker chose.

    c, ack = connect5(b, "cid", properties=[(SESSION_EXPIRY, 10)])
    c.sub([("a/#", opts(qos=1))])                    # returns the SUBACK reason codes
    c.pub("a/b", b"x", qos=1)                        # returns the PUBACK
    got = c.publishes_until(b"sentinel")             # PUBLISHes before the sentinel payload
    closing = assert_closed(c)                       # packets the broker sent before closing

Every DISCONNECT the broker sends passes check_server_disconnect(): a defined reason code
[MQTT-3.14.2-1] and no Session Expiry Interval [MQTT-3.14.2-2]. Not thread-safe.
"""
import uuid

from support import mqtt_raw as raw
from support.broker_check import assert_broker_alive
from support.mqtt_raw import (AUTH, CONNACK, DISCONNECT, PINGRESP, PUBACK, PUBCOMP, PUBLISH,  # noqa: F401
                              PUBREC, PUBREL, SUBACK, UNSUBACK, Closed, Packet, decode_varint)

# Property identifiers (5.0 section 2.2.2.2).
PAYLOAD_FORMAT = 0x01
MESSAGE_EXPIRY = 0x02
CONTENT_TYPE = 0x03
RESPONSE_TOPIC = 0x08
CORRELATION_DATA = 0x09
SUBSCRIPTION_ID = 0x0B
SESSION_EXPIRY = 0x11
ASSIGNED_CLIENT_ID = 0x12
SERVER_KEEP_ALIVE = 0x13
AUTH_METHOD = 0x15
AUTH_DATA = 0x16
REQUEST_PROBLEM_INFO = 0x17
WILL_DELAY = 0x18
REQUEST_RESPONSE_INFO = 0x19
RESPONSE_INFO = 0x1A
REASON_STRING = 0x1F
RECEIVE_MAXIMUM = 0x21
TOPIC_ALIAS_MAXIMUM = 0x22
TOPIC_ALIAS = 0x23
MAXIMUM_QOS = 0x24
RETAIN_AVAILABLE = 0x25
USER_PROPERTY = 0x26
MAXIMUM_PACKET_SIZE = 0x27
WILDCARD_SUB_AVAILABLE = 0x28
SUB_ID_AVAILABLE = 0x29
SHARED_SUB_AVAILABLE = 0x2A

# Reason codes each packet may carry (5.0 sections 3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1,
# 3.9.3, 3.11.3, 3.14.2.1).
CONNACK_CODES = {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90,
                 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F}
PUBACK_CODES = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99}
PUBREC_CODES = PUBACK_CODES
PUBREL_CODES = {0x00, 0x92}
PUBCOMP_CODES = PUBREL_CODES
SUBACK_CODES = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2}
UNSUBACK_CODES = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91}
DISCONNECT_CODES = {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90,
                    0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
                    0xA0, 0xA1, 0xA2}


def opts(qos=0, no_local=False, rap=False, rh=0):
    """SUBSCRIBE options byte (5.0 section 3.8.3.1)."""
    return qos | (0x04 if no_local else 0) | (0x08 if rap else 0) | (rh << 4)


def uid(prefix="c"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def check_server_disconnect(p):
    """A DISCONNECT from the broker: defined reason code, no Session Expiry Interval."""
    assert p.type == DISCONNECT
    assert p.return_code in DISCONNECT_CODES, f"undefined DISCONNECT reason 0x{p.return_code:02x}"  # [MQTT-3.14.2-1]
    assert p.property(SESSION_EXPIRY) is None, "server DISCONNECT carries Session Expiry"  # [MQTT-3.14.2-2]
    return p


class Packet5(Packet):
    """A received packet with 5.0 property look-ups."""

    def property(self, pid, default=None):
        for k, v in self.properties:
            if k == pid:
                return v
        return default

    def all(self, pid):
        """Every value of a property that may repeat (User Property, Subscription Identifier)."""
        return [v for k, v in self.properties if k == pid]


class Client5(raw.RawClient):
    """A 5.0 raw client; packets it reads carry wire_size and length_bytes (the raw Remaining
    Length encoding)."""

    def __init__(self, host, port, version=5, timeout=raw.DEFAULT_TIMEOUT):
        super().__init__(host, port, version=version, timeout=timeout)
        self._next_id = 0
        self._pending = []  # packets read while awaiting an ack, returned by recv() first

    @classmethod
    def open(cls, b, version=5, timeout=raw.DEFAULT_TIMEOUT):
        return cls(b.host, b.port, version=version, timeout=timeout)

    packet_class = Packet5

    def received(self, p):
        if p.type == DISCONNECT:
            check_server_disconnect(p)
        return p

    def recv(self, timeout=None):
        if self._pending:
            return self._pending.pop(0)
        return super().recv(timeout)

    def await_ack(self, ptype, packet_id, timeout=None):
        """Reads until the ack of type `ptype` for `packet_id`; other packets are kept for recv()."""
        held = []
        try:
            while True:
                p = super().recv(timeout) if not self._pending else self._pending.pop(0)
                if p.type == ptype and p.packet_id == packet_id:
                    return p
                held.append(p)
        finally:
            self._pending = held + self._pending

    def new_id(self):
        self._next_id = self._next_id % 65535 + 1
        return self._next_id

    # -- client operations that await their acknowledgement

    def sub(self, filters, properties=None, packet_id=None):
        """SUBSCRIBE [(filter, options byte)]; returns the SUBACK reason codes."""
        pid = packet_id or self.new_id()
        self.send(raw.subscribe(pid, filters, version=5, properties=properties))
        return self.await_ack(SUBACK, pid).return_codes  # same Packet Identifier [MQTT-3.8.4-2]

    def unsub(self, filters, packet_id=None):
        """UNSUBSCRIBE [filter]; returns the UNSUBACK reason codes."""
        pid = packet_id or self.new_id()
        self.send(raw.unsubscribe(pid, filters, version=5))
        return self.await_ack(UNSUBACK, pid).return_codes  # same Packet Identifier [MQTT-3.10.4-4]

    def pub(self, topic, payload=b"", qos=0, retain=False, properties=None, packet_id=None, dup=False):
        """PUBLISH; QoS 1 returns the PUBACK, QoS 2 returns the PUBREC after completing the flow
        with PUBREL/PUBCOMP (unless the PUBREC reports an error). PUBLISHes that arrive meanwhile
        are kept for recv()."""
        pid = (packet_id or self.new_id()) if qos else None
        self.send(raw.publish(topic, payload, qos, retain, dup=dup, packet_id=pid, version=5,
                              properties=properties))
        if qos == 1:
            return self.await_ack(PUBACK, pid)
        if qos == 2:
            rec = self.await_ack(PUBREC, pid)
            if rec.return_code < 0x80:
                self.send(raw.pubrel(pid, version=5))
                self.await_ack(PUBCOMP, pid)
            return rec
        return None

    def next_publish(self, timeout=None):
        return self.expect(PUBLISH, timeout)

    def publishes_until(self, sentinel, ack=True, timeout=None):
        """Reads PUBLISHes until one whose payload is `sentinel`; returns those before it.
        Each PUBLISH (the sentinel too) is acknowledged when ack is true."""
        out = []
        while True:
            p = self.next_publish(timeout)
            if ack:
                self.ack(p)
            if p.payload == sentinel:
                return out
            out.append(p)

    def ack(self, p, reason=None):
        if p.qos == 1:
            self.send(raw.puback(p.packet_id, version=5, reason=reason))
        elif p.qos == 2:
            self.send(raw.pubrec(p.packet_id, version=5, reason=reason))
            if reason is None or reason < 0x80:
                rel = self.await_ack(PUBREL, p.packet_id)
                assert rel.flags == 0x2
                self.send(raw.pubcomp(p.packet_id, version=5))

    def disconnect(self, reason=None, properties=None):
        """Sends DISCONNECT and waits for the broker's close (see RawClient.disconnect)."""
        try:
            self.send(raw.disconnect(version=5, reason=reason, properties=properties))
            self.wait_closed()
        except OSError:
            pass
        self.close()


def connect_packet(cid, **kw):
    return raw.connect(cid, version=5, **kw)


def connect5(b, cid=None, timeout=raw.DEFAULT_TIMEOUT, **connect_args):
    """Opens, sends a 5.0 CONNECT and asserts CONNACK 0x00; returns (client, connack)."""
    c = Client5.open(b, timeout=timeout)
    c.send(connect_packet(uid() if cid is None else cid, **connect_args))
    ack = c.expect(CONNACK)
    assert ack.return_code == 0, f"CONNACK refused: {ack!r}"
    return c, ack


def refused(b, data, timeout=raw.DEFAULT_TIMEOUT, v311_connack=False):
    """Sends raw bytes on a new connection; returns the packets the broker sent before closing
    (asserting that it closes). A CONNACK among them must be an error with Session Present 0;
    v311_connack also allows a 3.1.1 CONNACK 0x01 (for a Protocol Version the broker cannot know)."""
    c = Client5.open(b, timeout=timeout)
    c.send(data)
    got = assert_closed(c)
    for p in got:
        if p.type == CONNACK and v311_connack and p.body == b"\x00\x01":
            continue
        if p.type == CONNACK:
            assert p.return_code >= 0x80 and p.return_code in CONNACK_CODES, p  # [MQTT-3.2.2-8]
            assert not p.session_present  # [MQTT-3.2.2-6]
        else:
            # No DISCONNECT before a successful CONNACK [MQTT-3.14.0-1]; nothing else either.
            raise AssertionError(f"unexpected {p!r} on a refused connection")
    return got


def assert_closed(c, reasons=None, timeout=None):
    """Asserts the broker closes `c`; returns the packets it sent first. When `reasons` is given
    and the broker sent a DISCONNECT, its reason code must be one of them; DISCONNECT must be the
    last packet [MQTT-3.14.4-1]."""
    got = c.packets_then_close(timeout)
    c.close()
    for i, p in enumerate(got):
        if p.type == DISCONNECT:
            assert i == len(got) - 1, f"packets after DISCONNECT: {got[i + 1:]}"
            if reasons is not None:
                assert p.return_code in reasons, f"DISCONNECT 0x{p.return_code:02x}, want one of {reasons}"
    return got


def disconnect_reason(got):
    """Reason code of the DISCONNECT among `got`, or None when the broker just closed."""
    for p in got:
        if p.type == DISCONNECT:
            return p.return_code
    return None


def assert_served(b):
    """A fresh 5.0 client is still served (after a test that provoked a close)."""
    assert_broker_alive(b, version=5)
