#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_decoder: one valid packet of each type for each protocol version,
plus edge cases. Run from anywhere; files go to fuzz/decoder/corpus/ next to this script."""
import pathlib


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def u16(n):
    return n.to_bytes(2, "big")


def u32(n):
    return n.to_bytes(4, "big")


def s(text):
    data = text.encode() if isinstance(text, str) else text
    return u16(len(data)) + data


def pkt(first, body):
    return bytes([first]) + varint(len(body)) + body


def props(*items):
    body = b"".join(items)
    return varint(len(body)) + body


def connect(name, level, flags, keep_alive, *payload, properties=None):
    body = s(name) + bytes([level, flags]) + u16(keep_alive)
    if properties is not None:
        body += properties
    return pkt(0x10, body + b"".join(payload))


P = {  # property encodings used below
    "payload_format": b"\x01\x01",
    "expiry": b"\x02" + u32(60),
    "content_type": b"\x03" + s("text/plain"),
    "response_topic": b"\x08" + s("reply/to"),
    "correlation": b"\x09" + s(b"\x00\x01"),
    "subid": b"\x0b" + varint(300),
    "session_expiry": b"\x11" + u32(3600),
    "assigned_id": b"\x12" + s("auto-7"),
    "server_keep_alive": b"\x13" + u16(30),
    "auth_method": b"\x15" + s("SCRAM-SHA-256"),
    "auth_data": b"\x16" + s(b"nonce"),
    "request_problem": b"\x17\x01",
    "will_delay": b"\x18" + u32(10),
    "request_response": b"\x19\x01",
    "response_info": b"\x1a" + s("resp/"),
    "server_reference": b"\x1c" + s("other:1883"),
    "reason_string": b"\x1f" + s("why"),
    "receive_max": b"\x21" + u16(20),
    "alias_max": b"\x22" + u16(10),
    "alias": b"\x23" + u16(1),
    "max_qos": b"\x24\x01",
    "retain_available": b"\x25\x01",
    "user": b"\x26" + s("k") + s("v"),
    "max_packet": b"\x27" + u32(65536),
    "wildcard": b"\x28\x01",
    "subid_available": b"\x29\x01",
    "shared": b"\x2a\x01",
}

C = {}
for v, name, level in (("v31", "MQIsdp", 3), ("v311", "MQTT", 4)):
    C[f"{v}-connect"] = connect(name, level, 0x02, 60, s("client"))
    C[f"{v}-connect-full"] = connect(name, level, 0xEC, 30, s("c1"), s("will/t"), s("bye"), s("user"), s(b"pw"))
    C[f"{v}-connack"] = pkt(0x20, b"\x00\x00")
    C[f"{v}-connack-refused"] = pkt(0x20, b"\x00\x05")
    C[f"{v}-publish-qos0"] = pkt(0x30, s("a/b") + b"hello")
    C[f"{v}-publish-qos1"] = pkt(0x32, s("a/b") + u16(1) + b"hello")
    C[f"{v}-publish-qos2-dup-retain"] = pkt(0x3D, s("a/b") + u16(2) + b"")
    C[f"{v}-puback"] = pkt(0x40, u16(1))
    C[f"{v}-pubrec"] = pkt(0x50, u16(2))
    C[f"{v}-pubrel"] = pkt(0x62, u16(2))
    C[f"{v}-pubcomp"] = pkt(0x70, u16(2))
    C[f"{v}-subscribe"] = pkt(0x82, u16(3) + s("a/+") + b"\x01" + s("#") + b"\x02")
    C[f"{v}-suback"] = pkt(0x90, u16(3) + b"\x01\x02\x80")
    C[f"{v}-unsubscribe"] = pkt(0xA2, u16(4) + s("a/+") + s("#"))
    C[f"{v}-unsuback"] = pkt(0xB0, u16(4))
    C[f"{v}-pingreq"] = pkt(0xC0, b"")
    C[f"{v}-pingresp"] = pkt(0xD0, b"")
    C[f"{v}-disconnect"] = pkt(0xE0, b"")

C["v5-connect"] = connect("MQTT", 5, 0x02, 60, s("client"), properties=props())
C["v5-connect-full"] = connect(
    "MQTT", 5, 0xEE, 30, s("c1"),
    props(P["will_delay"], P["payload_format"], P["expiry"], P["content_type"], P["response_topic"],
          P["correlation"], P["user"]),
    s("will/t"), s("bye"), s("user"), s(b"pw"),
    properties=props(P["session_expiry"], P["receive_max"], P["max_packet"], P["alias_max"],
                     P["request_response"], P["request_problem"], P["user"], P["auth_method"],
                     P["auth_data"]))
C["v5-connect-password-only"] = connect("MQTT", 5, 0x42, 0, s(""), s(b"pw"), properties=props())
C["v5-connack"] = pkt(0x20, b"\x01\x00" + props())
C["v5-connack-full"] = pkt(0x20, b"\x00\x00" + props(
    P["session_expiry"], P["receive_max"], P["max_qos"], P["retain_available"], P["max_packet"],
    P["assigned_id"], P["alias_max"], P["reason_string"], P["user"], P["wildcard"],
    P["subid_available"], P["shared"], P["server_keep_alive"], P["response_info"],
    P["server_reference"], P["auth_method"], P["auth_data"]))
C["v5-connack-refused"] = pkt(0x20, b"\x00\x87" + props(P["reason_string"]))
C["v5-publish-qos0"] = pkt(0x30, s("a/b") + props() + b"hello")
C["v5-publish-full"] = pkt(0x34, s("a/b") + u16(9) + props(
    P["payload_format"], P["expiry"], P["content_type"], P["response_topic"], P["correlation"],
    P["subid"], b"\x0b\x01", P["alias"], P["user"], P["user"]) + b"{}")
C["v5-publish-alias-only"] = pkt(0x32, s("") + u16(10) + props(P["alias"]) + b"x")
C["v5-puback-short"] = pkt(0x40, u16(1))
C["v5-puback-reason"] = pkt(0x40, u16(1) + b"\x10")
C["v5-puback-full"] = pkt(0x40, u16(1) + b"\x97" + props(P["reason_string"], P["user"]))
C["v5-pubrec"] = pkt(0x50, u16(2) + b"\x00" + props())
C["v5-pubrel"] = pkt(0x62, u16(2) + b"\x92")
C["v5-pubcomp"] = pkt(0x70, u16(2) + b"\x00" + props(P["reason_string"]))
C["v5-subscribe"] = pkt(0x82, u16(3) + props(P["subid"], P["user"]) + s("a/+") + b"\x2d" + s("$share/g/#") + b"\x10")
C["v5-suback"] = pkt(0x90, u16(3) + props(P["reason_string"]) + b"\x01\x9e\xa2")
C["v5-unsubscribe"] = pkt(0xA2, u16(4) + props(P["user"]) + s("a/+"))
C["v5-unsuback"] = pkt(0xB0, u16(4) + props() + b"\x00\x11")
C["v5-pingreq"] = pkt(0xC0, b"")
C["v5-pingresp"] = pkt(0xD0, b"")
C["v5-disconnect-short"] = pkt(0xE0, b"")
C["v5-disconnect-reason"] = pkt(0xE0, b"\x04")
C["v5-disconnect-full"] = pkt(0xE0, b"\x9c" + props(P["server_reference"], P["reason_string"], P["session_expiry"]))
C["v5-auth-short"] = pkt(0xF0, b"")
C["v5-auth-full"] = pkt(0xF0, b"\x18" + props(P["auth_method"], P["auth_data"], P["reason_string"]))

# Edge cases: each is rejected somewhere in framing or decoding.
C["edge-stream-of-packets"] = C["v311-connect"] + C["v311-publish-qos1"] + C["v311-pingreq"] + C["v311-disconnect"]
C["edge-remaining-length-not-minimal"] = b"\xc0\x80\x00"
C["edge-remaining-length-five-bytes"] = b"\x30\xff\xff\xff\xff\x01"
C["edge-remaining-length-max"] = b"\x30\xff\xff\xff\x7f"
C["edge-publish-qos3"] = pkt(0x36, s("t") + u16(1))
C["edge-publish-dup-qos0"] = pkt(0x38, s("t"))
C["edge-publish-wildcard-topic"] = pkt(0x30, s("a/#"))
C["edge-utf8-surrogate"] = pkt(0x30, s(b"\xed\xa0\x80"))
C["edge-utf8-overlong-null"] = pkt(0x30, s(b"a\xc0\x80"))
C["edge-utf8-bom-topic"] = pkt(0x30, s(b"\xef\xbb\xbfa"))
C["edge-property-duplicate"] = pkt(0x40, u16(1) + b"\x00" + props(P["reason_string"], P["reason_string"]))
C["edge-property-wrong-packet"] = pkt(0x40, u16(1) + b"\x00" + props(P["alias"]))
C["edge-property-length-overrun"] = pkt(0x40, u16(1) + b"\x00\x20" + P["reason_string"])
C["edge-subscribe-empty"] = pkt(0x82, u16(1))
C["edge-subscribe-retain-handling-3"] = pkt(0x82, u16(1) + props() + s("a") + b"\x30")
C["edge-connect-reserved-flag"] = connect("MQTT", 4, 0x03, 0, s("c"))
C["edge-connect-unknown-level"] = connect("MQTT", 9, 0x02, 0, s("c"))
C["edge-connect-password-no-user-v311"] = connect("MQTT", 4, 0x42, 0, s("c"), s(b"p"))
C["edge-pubrel-bad-flags"] = pkt(0x60, u16(1))
C["edge-truncated-publish"] = pkt(0x32, s("a/b"))[:-1]

out = pathlib.Path(__file__).resolve().parent / "corpus"
out.mkdir(exist_ok=True)
for name, data in C.items():
    (out / name).write_bytes(data)
print(f"wrote {len(C)} files to {out}")
