"""A raw WebSocket (RFC 6455) MQTT client for tests: the opening handshake and frames by hand, so
tests can send what a library would not (text frames, unmasked frames, packets split across
frames or several in one).

    c = WsRawClient(b.host, ws_port)              # handshake to /mqtt offering "mqtt"; asserts 101
    c.send(raw.connect("cid"))                    # one masked binary frame
    c.send_frame(OP_BINARY, part, fin=False)      # or frame by frame
    c.expect(raw.CONNACK)                         # MQTT packets read out of the server's frames
    c.controls                                    # control frames received: [(opcode, payload)]

request_upgrade() sends a handshake and returns the server's status code and headers without
asserting anything, for refused handshakes. Not thread-safe.
"""
import base64
import hashlib
import os
import socket
import struct
import time

from support import mqtt_raw as raw

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload, fin=True, masked=True, mask=None):
    """One client frame (masked unless masked=False)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head += bytes([bit | n])
    elif n <= 0xFFFF:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    mask = mask or os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def request(host, port, path="/mqtt", protocols=("mqtt",), version="13", key=None, extra=""):
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", f"Sec-WebSocket-Version: {version}"]
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode(), key


def accept_key(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


class WsRawClient(raw.RawClient):
    """A RawClient whose MQTT bytes travel in WebSocket frames."""

    def __init__(self, host, port, path="/mqtt", protocols=("mqtt",), version=4, timeout=raw.DEFAULT_TIMEOUT,
                 tls=None, upgrade=True):
        super().__init__(host, port, version=version, timeout=timeout, tls=tls)
        self.host, self.port = host, port
        self._wire = bytearray()  # bytes read from the socket, not yet cut into frames
        self.controls = []
        self.status = None
        self.headers = {}
        if upgrade:
            status, headers = self.request_upgrade(path, protocols)
            assert status == 101, f"handshake refused: {status} {headers}"

    def request_upgrade(self, path="/mqtt", protocols=("mqtt",), version="13"):
        """Sends the opening handshake; returns (status code, {lower-case header: value})."""
        data, key = request(self.host, self.port, path, protocols, version)
        self.sock.sendall(data)
        deadline = time.monotonic() + self.timeout
        while b"\r\n\r\n" not in self._wire:
            chunk = self._read(deadline)
            if not chunk:
                break
            self._wire += chunk
        head, _, rest = bytes(self._wire).partition(b"\r\n\r\n")
        self._wire = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1]) if lines[0] else None
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status == 101:
            assert headers.get("sec-websocket-accept") == accept_key(key)
        self.status, self.headers = status, headers
        return status, headers

    def send(self, data):
        self.send_frame(OP_BINARY, data)

    def send_frame(self, opcode, payload, fin=True, masked=True):
        self.sock.sendall(frame(opcode, payload, fin, masked))

    def _read(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the broker in time")
        self.sock.settimeout(remaining)
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no data from the broker in time") from None
        except (ConnectionResetError, BrokenPipeError):
            return b""

    def _fill(self, deadline):
        """Reads more, cuts whole frames: data goes to the MQTT buffer, control frames to .controls.
        False at EOF or once the server's close frame came."""
        if self._eof:
            return False
        chunk = self._read(deadline)
        if not chunk:
            self._eof = True
            return False
        self._wire += chunk
        while True:
            f = self._cut_frame()
            if f is None:
                return True
            fin, opcode, payload = f
            assert opcode in (OP_BINARY, OP_CONTINUATION, OP_CLOSE, OP_PING, OP_PONG), f"server sent opcode {opcode}"
            if opcode in (OP_BINARY, OP_CONTINUATION):
                self._buf += payload
            else:
                self.controls.append((opcode, payload))
                if opcode == OP_CLOSE:
                    self._eof = True
                    return False

    def _cut_frame(self):
        w = self._wire
        if len(w) < 2:
            return None
        assert w[1] & 0x80 == 0, "a server frame must not be masked"
        n, pos = w[1] & 0x7F, 2
        if n == 126:
            if len(w) < 4:
                return None
            n, pos = struct.unpack_from("!H", w, 2)[0], 4
        elif n == 127:
            if len(w) < 10:
                return None
            n, pos = struct.unpack_from("!Q", w, 2)[0], 10
        if len(w) < pos + n:
            return None
        fin, opcode, payload = bool(w[0] & 0x80), w[0] & 0x0F, bytes(w[pos:pos + n])
        del w[:pos + n]
        return fin, opcode, payload

    def close_code(self):
        """The status code of the server's close frame, or None if it sent none."""
        for opcode, payload in self.controls:
            if opcode == OP_CLOSE:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        return None
