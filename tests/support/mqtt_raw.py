"""A minimal raw-socket MQTT client for tests that paho cannot express.

Builders return the bytes of one packet (they never validate, so tests can build malformed packets
on purpose); RawClient sends bytes and reads whole packets back with timeouts. Versions: 3 (3.1,
"MQIsdp"), 4 (3.1.1) and 5 (5.0, properties given as an already-encoded bytes block or a list of
(property id, value) pairs, see encode_properties()).

Typical use:
    c = RawClient.open(b)                       # b: a broker fixture (host, port)
    c.send(connect("cid"))
    ack = c.expect(CONNACK)                     # Packet; ack.body[1] is the return code
    c.send(subscribe(1, [("a/b", 1)]))
    c.expect(SUBACK)
    assert c.wait_closed()                      # True once the broker closes the socket

Not thread-safe: one RawClient per thread.
"""
import socket
import ssl
import struct
import time
from dataclasses import dataclass

# Control packet types [MQTT-2.2.1].
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15

TYPE_NAMES = {CONNECT: "CONNECT", CONNACK: "CONNACK", PUBLISH: "PUBLISH", PUBACK: "PUBACK",
              PUBREC: "PUBREC", PUBREL: "PUBREL", PUBCOMP: "PUBCOMP", SUBSCRIBE: "SUBSCRIBE",
              SUBACK: "SUBACK", UNSUBSCRIBE: "UNSUBSCRIBE", UNSUBACK: "UNSUBACK", PINGREQ: "PINGREQ",
              PINGRESP: "PINGRESP", DISCONNECT: "DISCONNECT", AUTH: "AUTH"}

# Fixed-header flags required by Table 2.2 for the packets that have fixed ones.
REQUIRED_FLAGS = {PUBREL: 0x2, SUBSCRIBE: 0x2, UNSUBSCRIBE: 0x2}

DEFAULT_TIMEOUT = 3.0

# ---------------------------------------------------------------------------------------------
# Primitive encoders


def varint(n):
    """Variable Byte Integer (Remaining Length)."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def u16(n):
    return struct.pack("!H", n)


def u32(n):
    return struct.pack("!I", n)


def mqtt_str(s):
    """UTF-8 string with a two-byte length prefix; bytes are taken as they are (for bad UTF-8)."""
    raw = s if isinstance(s, (bytes, bytearray)) else s.encode("utf-8")
    return u16(len(raw)) + bytes(raw)


def packet(ptype, flags, body=b""):
    """Fixed header (type, flags, remaining length) + body."""
    return bytes([(ptype << 4) | (flags & 0x0F)]) + varint(len(body)) + bytes(body)


# ---------------------------------------------------------------------------------------------
# 5.0 properties: (id, wire type). Enough for tests to build any property block.

PROPERTY_TYPES = {
    0x01: "byte", 0x02: "u32", 0x03: "str", 0x08: "str", 0x09: "bin", 0x0B: "varint", 0x11: "u32",
    0x12: "str", 0x13: "u16", 0x15: "str", 0x16: "bin", 0x17: "byte", 0x18: "u32", 0x19: "byte",
    0x1A: "str", 0x1C: "str", 0x1F: "str", 0x21: "u16", 0x22: "u16", 0x23: "u16", 0x24: "byte",
    0x25: "byte", 0x26: "pair", 0x27: "u32", 0x28: "byte", 0x29: "byte", 0x2A: "byte",
}


def encode_property(pid, value):
    kind = PROPERTY_TYPES[pid]
    if kind == "byte":
        data = bytes([value])
    elif kind == "u16":
        data = u16(value)
    elif kind == "u32":
        data = u32(value)
    elif kind == "varint":
        data = varint(value)
    elif kind in ("str", "bin"):
        data = mqtt_str(value)
    else:  # "pair": user property (name, value)
        data = mqtt_str(value[0]) + mqtt_str(value[1])
    return varint(pid) + data


def encode_properties(props):
    """`props`: None, bytes (already encoded, without the length), or [(id, value), ...].
    Returns the length-prefixed property block."""
    if props is None:
        props = b""
    if not isinstance(props, (bytes, bytearray)):
        props = b"".join(encode_property(pid, v) for pid, v in props)
    return varint(len(props)) + bytes(props)


def decode_varint(buf, pos=0):
    """Returns (value, next position); raises ValueError on a truncated or over-long integer."""
    mult, value = 1, 0
    for i in range(4):
        if pos + i >= len(buf):
            raise ValueError("truncated variable byte integer")
        b = buf[pos + i]
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return value, pos + i + 1
        mult *= 128
    raise ValueError("variable byte integer longer than 4 bytes")


def decode_properties(buf, pos=0):
    """Decodes a length-prefixed property block. Returns ([(id, value), ...], next position)."""
    length, pos = decode_varint(buf, pos)
    end = pos + length
    out = []
    while pos < end:
        pid, pos = decode_varint(buf, pos)
        kind = PROPERTY_TYPES.get(pid)
        if kind == "byte":
            v, pos = buf[pos], pos + 1
        elif kind == "u16":
            v, pos = struct.unpack_from("!H", buf, pos)[0], pos + 2
        elif kind == "u32":
            v, pos = struct.unpack_from("!I", buf, pos)[0], pos + 4
        elif kind == "varint":
            v, pos = decode_varint(buf, pos)
        elif kind in ("str", "bin", "pair"):
            n = struct.unpack_from("!H", buf, pos)[0]
            v, pos = bytes(buf[pos + 2:pos + 2 + n]), pos + 2 + n
            if kind == "str":
                v = v.decode("utf-8", errors="replace")
            elif kind == "pair":
                m = struct.unpack_from("!H", buf, pos)[0]
                v = (v.decode("utf-8", errors="replace"),
                     bytes(buf[pos + 2:pos + 2 + m]).decode("utf-8", errors="replace"))
                pos += 2 + m
        else:
            raise ValueError(f"unknown property id 0x{pid:02x}")
        out.append((pid, v))
    return out, end


# ---------------------------------------------------------------------------------------------
# Packet builders. `version` is the protocol level: 3 (3.1), 4 (3.1.1) or 5.


def connect(client_id, clean=True, keepalive=60, version=4, will=None, username=None, password=None,
            properties=None, reserved=False, protocol_name=None, flags=None):
    """CONNECT. will: None or dict(topic=..., payload=b"", qos=0, retain=False, properties=None).
    reserved=True sets the reserved flag bit [MQTT-3.1.2-3]; flags= overrides the whole byte."""
    if protocol_name is None:
        protocol_name = "MQIsdp" if version == 3 else "MQTT"
    f = 0x02 if clean else 0
    if will is not None:
        f |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
    if password is not None:
        f |= 0x40
    if username is not None:
        f |= 0x80
    if reserved:
        f |= 0x01
    if flags is not None:
        f = flags
    body = mqtt_str(protocol_name) + bytes([version, f]) + u16(keepalive)
    if version == 5:
        body += encode_properties(properties)
    body += mqtt_str(client_id)
    if will is not None:
        if version == 5:
            body += encode_properties(will.get("properties"))
        body += mqtt_str(will["topic"]) + mqtt_str(will.get("payload", b""))
    if username is not None:
        body += mqtt_str(username)
    if password is not None:
        body += mqtt_str(password)
    return packet(CONNECT, 0, body)


def publish(topic, payload=b"", qos=0, retain=False, dup=False, packet_id=None, version=4,
            properties=None):
    """PUBLISH. packet_id is written for qos > 0 (default 1) or whenever given explicitly."""
    if isinstance(payload, str):
        payload = payload.encode()
    flags = (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = mqtt_str(topic)
    if qos > 0 or packet_id is not None:
        body += u16(packet_id if packet_id is not None else 1)
    if version == 5:
        body += encode_properties(properties)
    return packet(PUBLISH, flags, body + payload)


def _ack(ptype, packet_id, version, reason, properties, flags):
    body = u16(packet_id)
    if version == 5 and (reason is not None or properties is not None):
        body += bytes([reason or 0])
        if properties is not None:
            body += encode_properties(properties)
    return packet(ptype, flags, body)


def puback(packet_id, version=4, reason=None, properties=None):
    return _ack(PUBACK, packet_id, version, reason, properties, 0)


def pubrec(packet_id, version=4, reason=None, properties=None):
    return _ack(PUBREC, packet_id, version, reason, properties, 0)


def pubrel(packet_id, version=4, reason=None, properties=None, flags=0x2):
    return _ack(PUBREL, packet_id, version, reason, properties, flags)


def pubcomp(packet_id, version=4, reason=None, properties=None):
    return _ack(PUBCOMP, packet_id, version, reason, properties, 0)


def subscribe(packet_id, filters, version=4, properties=None, flags=0x2):
    """filters: [(filter, options byte)] — for 3.x the byte is the requested QoS; for 5.0 it is
    the subscription options byte (QoS | NL<<2 | RAP<<3 | RH<<4)."""
    body = u16(packet_id)
    if version == 5:
        body += encode_properties(properties)
    for f, opts in filters:
        body += mqtt_str(f) + bytes([opts])
    return packet(SUBSCRIBE, flags, body)


def unsubscribe(packet_id, filters, version=4, properties=None, flags=0x2):
    body = u16(packet_id)
    if version == 5:
        body += encode_properties(properties)
    for f in filters:
        body += mqtt_str(f)
    return packet(UNSUBSCRIBE, flags, body)


def pingreq():
    return packet(PINGREQ, 0)


def disconnect(version=4, reason=None, properties=None, flags=0):
    body = b""
    if version == 5 and (reason is not None or properties is not None):
        body = bytes([reason or 0])
        if properties is not None:
            body += encode_properties(properties)
    return packet(DISCONNECT, flags, body)


# ---------------------------------------------------------------------------------------------
# Received packets


@dataclass
class Packet:
    """One received packet: fixed-header type and flags, and the body after the remaining length."""
    type: int
    flags: int
    body: bytes
    version: int = 4

    @property
    def name(self):
        return TYPE_NAMES.get(self.type, f"type{self.type}")

    # CONNACK
    @property
    def session_present(self):
        return bool(self.body[0] & 0x01)

    @property
    def return_code(self):
        """CONNACK return/reason code, or the reason code of a 5.0 ack or DISCONNECT (0 if absent)."""
        if self.type == CONNACK:
            return self.body[1]
        if self.type in (PUBACK, PUBREC, PUBREL, PUBCOMP):
            return self.body[2] if len(self.body) > 2 else 0
        if self.type in (DISCONNECT, AUTH):
            return self.body[0] if self.body else 0
        raise AttributeError(f"{self.name} has no single return code")

    @property
    def properties(self):
        """5.0 properties as [(id, value)] for CONNACK, PUBLISH, acks, SUBACK, UNSUBACK, DISCONNECT."""
        if self.version != 5:
            return []
        if self.type == CONNACK:
            return decode_properties(self.body, 2)[0]
        if self.type == PUBLISH:
            return decode_properties(self.body, self._publish_props_pos())[0]
        if self.type in (PUBACK, PUBREC, PUBREL, PUBCOMP):
            return decode_properties(self.body, 3)[0] if len(self.body) > 3 else []
        if self.type in (SUBACK, UNSUBACK):
            return decode_properties(self.body, 2)[0]
        if self.type in (DISCONNECT, AUTH):
            return decode_properties(self.body, 1)[0] if len(self.body) > 1 else []
        return []

    def prop(self, pid, default=None):
        """The value of 5.0 property `pid` (the first if repeated), or `default`."""
        for k, v in self.properties:
            if k == pid:
                return v
        return default

    # PUBLISH and everything with a packet identifier
    @property
    def qos(self):
        return (self.flags >> 1) & 0x3

    @property
    def dup(self):
        return bool(self.flags & 0x08)

    @property
    def retain(self):
        return bool(self.flags & 0x01)

    @property
    def topic(self):
        n = struct.unpack_from("!H", self.body, 0)[0]
        return self.body[2:2 + n].decode("utf-8")

    @property
    def packet_id(self):
        if self.type == PUBLISH:
            if self.qos == 0:
                return None
            n = struct.unpack_from("!H", self.body, 0)[0]
            return struct.unpack_from("!H", self.body, 2 + n)[0]
        return struct.unpack_from("!H", self.body, 0)[0]

    def _publish_props_pos(self):
        n = struct.unpack_from("!H", self.body, 0)[0]
        return 2 + n + (2 if self.qos else 0)

    @property
    def payload(self):
        pos = self._publish_props_pos()
        if self.version == 5:
            _, pos = decode_properties(self.body, pos)
        return bytes(self.body[pos:])

    # SUBACK / UNSUBACK (5.0)
    @property
    def return_codes(self):
        """SUBACK return codes (3.x) or SUBACK/UNSUBACK reason codes (5.0), one per filter."""
        pos = 2
        if self.version == 5:
            _, pos = decode_properties(self.body, pos)
        return list(self.body[pos:])

    def __repr__(self):
        if self.type == PUBLISH:
            return (f"PUBLISH(topic={self.topic!r}, qos={self.qos}, dup={self.dup}, retain={self.retain}, "
                    f"id={self.packet_id}, payload={self.payload!r})")
        return f"{self.name}(flags=0x{self.flags:x}, body={self.body.hex()})"


class Closed(Exception):
    """The peer closed the connection while a packet was awaited."""


class RawClient:
    """A TCP connection that sends raw bytes and reads whole MQTT packets."""

    packet_class = Packet  # subclasses may parse into a richer type

    def __init__(self, host, port, version=4, timeout=DEFAULT_TIMEOUT, tls=None, sock=None, before=b""):
        """tls: an ssl.SSLContext to speak TLS with (the handshake happens here). sock: a socket
        already connected (a Unix socket, say) instead of host and port. before: bytes sent before
        TLS starts (a PROXY protocol header)."""
        self.version = version
        self.timeout = timeout
        if sock is None:
            sock = socket.create_connection((host, port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        if before:
            self.sock.sendall(before)
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        self.tls_error = None  # the TLS alert or failure that ended the connection, if one did
        self._buf = bytearray()
        self._eof = False

    @classmethod
    def open(cls, b, version=4, timeout=DEFAULT_TIMEOUT, tls=None):
        """Opens a connection to broker fixture `b` (anything with .host and .port)."""
        return cls(b.host, b.port, version=version, timeout=timeout, tls=tls)

    @classmethod
    def connected(cls, b, client_id, version=4, timeout=DEFAULT_TIMEOUT, **connect_args):
        """Opens, sends CONNECT and asserts a successful CONNACK; returns (client, connack)."""
        c = cls.open(b, version=version, timeout=timeout)
        c.send(connect(client_id, version=version, **connect_args))
        ack = c.expect(CONNACK)
        assert ack.return_code == 0, f"CONNACK refused: {ack!r}"
        return c, ack

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- reading

    def _fill(self, deadline):
        """Reads more bytes; False at EOF (or reset), raises TimeoutError past the deadline."""
        if self._eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the broker in time")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no data from the broker in time") from None
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        except ssl.SSLError as e:
            self.tls_error = e
            chunk = b""
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _try_parse(self):
        if len(self._buf) < 2:
            return None
        try:
            length, pos = decode_varint(self._buf, 1)
        except ValueError:
            if len(self._buf) >= 5:
                raise
            return None
        if len(self._buf) < pos + length:
            return None
        first = self._buf[0]
        p = self.packet_class(first >> 4, first & 0x0F, bytes(self._buf[pos:pos + length]), self.version)
        p.length_bytes = bytes(self._buf[1:pos])
        p.wire_size = pos + length
        del self._buf[:pos + length]
        return self.received(p)

    def received(self, p):
        """Hook for subclasses: sees every packet as it is parsed; returns it."""
        return p

    def recv(self, timeout=None):
        """Next packet. Raises Closed if the broker closed the connection, TimeoutError if none came."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            p = self._try_parse()
            if p is not None:
                return p
            if not self._fill(deadline):
                raise Closed(f"connection closed ({len(self._buf)} unparsed bytes)")

    def expect(self, ptype, timeout=None):
        """Next packet, asserted to be of type `ptype`."""
        p = self.recv(timeout)
        assert p.type == ptype, f"expected {TYPE_NAMES.get(ptype)}, got {p!r}"
        return p

    def recv_until(self, pred, timeout=None):
        """Reads packets until pred(packet) is true; returns (that packet, the packets before it)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        before = []
        while True:
            p = self.recv(max(0.0, deadline - time.monotonic()))
            if pred(p):
                return p, before
            before.append(p)

    def wait_closed(self, timeout=None):
        """True once the broker closes the connection (packets received meanwhile are discarded);
        False if it is still open after the timeout."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        try:
            while True:
                self._buf.clear()
                if not self._fill(deadline):
                    return True
        except TimeoutError:
            return False

    def packets_then_close(self, timeout=None):
        """Collects packets until the broker closes; returns them. Raises TimeoutError if no close."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        out = []
        while True:
            try:
                out.append(self.recv(max(0.0, deadline - time.monotonic())))
            except Closed:
                return out

    # -- conveniences that assert the expected answer

    def subscribe(self, packet_id, filters, **kw):
        """SUBSCRIBE [(filter, qos/options)], returns the SUBACK's return codes (asserting its id)."""
        self.send(subscribe(packet_id, filters, version=self.version, **kw))
        ack = self.expect(SUBACK)
        assert ack.packet_id == packet_id, f"SUBACK id {ack.packet_id} != {packet_id}"
        return ack.return_codes

    def publish_qos0(self, topic, payload=b"", retain=False):
        self.send(publish(topic, payload, 0, retain, version=self.version))

    def publish_qos1(self, topic, payload=b"", packet_id=1, retain=False):
        """Publishes at QoS 1 and awaits the matching PUBACK."""
        self.send(publish(topic, payload, 1, retain, packet_id=packet_id, version=self.version))
        ack = self.expect(PUBACK)
        assert ack.packet_id == packet_id
        return ack

    def publish_qos2(self, topic, payload=b"", packet_id=1, retain=False):
        """Publishes at QoS 2 and runs PUBREC / PUBREL / PUBCOMP to the end."""
        self.send(publish(topic, payload, 2, retain, packet_id=packet_id, version=self.version))
        rec = self.expect(PUBREC)
        assert rec.packet_id == packet_id
        self.send(pubrel(packet_id, version=self.version))
        comp = self.expect(PUBCOMP)
        assert comp.packet_id == packet_id
        return comp

    def ack(self, p):
        """Acknowledges a received PUBLISH as its QoS requires (QoS 2: PUBREC, awaits PUBREL, PUBCOMP)."""
        if p.qos == 1:
            self.send(puback(p.packet_id, version=self.version))
        elif p.qos == 2:
            self.send(pubrec(p.packet_id, version=self.version))
            rel = self.expect(PUBREL)
            assert rel.packet_id == p.packet_id and rel.flags == 0x2
            self.send(pubcomp(p.packet_id, version=self.version))

    def ping(self):
        self.send(pingreq())
        return self.expect(PINGRESP)

    def disconnect(self):
        """Sends DISCONNECT, waits for the broker to close the connection (so that it has finished
        with this connection before the caller goes on: no race with a reconnect), closes the socket."""
        try:
            self.send(disconnect(version=self.version))
            self.wait_closed()
        except OSError:
            pass
        self.close()

