"""Retained messages in bulk, for tests over hundreds of thousands of them: fill_retained() publishes
them pipelined over one raw connection; PublishReader reads PUBLISH packets back faster than
RawClient's packet-at-a-time reading can.
"""
import socket
import struct
import time

from . import mqtt_raw as raw


def fill_retained(b, count, qos=0, payload=b"p", topic=lambda i: f"r/{i}"):
    """Publishes `count` retained messages, pipelined in chunks; returns once the broker stored them."""
    pub, _ = raw.RawClient.connected(b, "filler", timeout=60)
    chunk = 10_000
    for start in range(0, count, chunk):
        ids = range(start, min(count, start + chunk))
        pub.send(b"".join(raw.publish(topic(i), payload, qos=qos, retain=True,
                                      packet_id=(i % 65535) + 1 if qos else None) for i in ids))
        if qos:
            for _ in ids:
                pub.expect(raw.PUBACK)
    pub.ping()  # packets are handled in order: everything before the PINGREQ is stored
    pub.disconnect()


class PublishReader:
    """Reads PUBLISH packets off a raw connection in bulk (the per-packet RawClient is too slow for
    hundreds of thousands), acknowledging QoS 1 ones with one write per read."""

    def __init__(self, client):
        self.sock = client.sock
        self.buf = client._buf  # shared, changed in place: what either reads past its packets stays
        self.topics = []
        self.not_retained = 0
        self.others = []

    def read(self, count, timeout=60, every_read=None):
        """Reads until `count` PUBLISH packets came in all; every_read() is called after each read."""
        deadline = time.monotonic() + timeout
        while len(self.topics) < count:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                raise AssertionError(f"{len(self.topics)} of {count} messages came in time") from None
            assert chunk, f"connection closed after {len(self.topics)} of {count} messages"
            self.buf += chunk
            self._parse()
            if every_read:
                every_read()

    def _parse(self):
        pos, acks, buf = 0, [], self.buf
        while len(buf) - pos >= 2:
            length, shift, at = 0, 0, pos + 1
            while at < len(buf) and buf[at] & 0x80:
                length |= (buf[at] & 0x7F) << shift
                shift, at = shift + 7, at + 1
            if at >= len(buf):
                break
            length |= (buf[at] & 0x7F) << shift
            body = at + 1
            if body + length > len(buf):
                break
            first = buf[pos]
            if first >> 4 == raw.PUBLISH:
                n = struct.unpack_from("!H", buf, body)[0]
                self.topics.append(bytes(buf[body + 2:body + 2 + n]).decode())
                self.not_retained += 0 if first & 0x01 else 1
                if (first >> 1) & 0x3 == 1:
                    acks.append(raw.puback(struct.unpack_from("!H", buf, body + 2 + n)[0]))
            else:
                self.others.append(first >> 4)
            pos = body + length
        del buf[:pos]
        if acks:
            self.sock.sendall(b"".join(acks))
