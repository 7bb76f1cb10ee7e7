#!/usr/bin/python3
"""A stand-in for `pregon bench`, to test the comparison harness without the real generator:
  bench/compare.py --quick --generator "bench/stub_generator.py"

It accepts the generator's command line. `conn` really opens the connections (MQTT 3.1.1 CONNECT,
waits for CONNACK) and holds them, so the RSS measurement is real; the message scenarios only
sleep for the duration and print plausible, made-up figures.
"""

import argparse
import json
import random
import socket
import sys
import time

USAGE_SCENARIOS = "conn|pairs|fan-in|fan-out"


def parse(argv):
    p = argparse.ArgumentParser(prog="stub_generator", add_help=False,
                                description=f"scenarios: {USAGE_SCENARIOS}; options include --json")
    p.add_argument("scenario", choices=USAGE_SCENARIOS.split("|"))
    p.add_argument("-h", dest="host", default="127.0.0.1")
    p.add_argument("-p", dest="port", type=int, default=1883)
    p.add_argument("-V", dest="version", default="311")
    p.add_argument("-q", dest="qos", type=int, default=0)
    p.add_argument("-s", dest="size", type=int, default=64)
    p.add_argument("-n", dest="clients", type=int, default=1)
    p.add_argument("-d", dest="duration", type=float, default=5)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("-r", dest="rate", type=float)
    p.add_argument("-w", dest="window", type=int)
    p.add_argument("--connect-rate", type=float, default=1000)
    p.add_argument("--hold", type=float, default=0)
    p.add_argument("--sources", type=int, default=1)
    p.add_argument("-t", dest="threads", type=int, default=1)
    p.add_argument("--persistent", action="store_true")
    p.add_argument("--json", action="store_true")
    return p.parse_args(argv)


def connect_packet(client_id):
    cid = client_id.encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(cid).to_bytes(2, "big") + cid
    return bytes([0x10, len(body)]) + body


def conn(args):
    sockets, failed = [], 0
    started = time.monotonic()
    for i in range(args.clients):
        due = started + i / args.connect_rate
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        try:
            s = socket.create_connection((args.host, args.port), timeout=10)
            s.sendall(connect_packet(f"stub-{i}"))
            if s.recv(4)[:1] != b"\x20":
                raise OSError("no CONNACK")
            sockets.append(s)
        except OSError:
            failed += 1
    time.sleep(args.hold)
    for s in sockets:
        s.close()
    return {"connected": len(sockets), "failed": failed}


def main(argv):
    if "--help" in argv:
        print(f"stub_generator {USAGE_SCENARIOS} -h HOST -p PORT ... fan-in fan-out --persistent --json")
        return 0
    args = parse(argv)
    result = {"scenario": args.scenario, "qos": args.qos, "size": args.size, "clients": args.clients,
              "duration_s": args.duration}
    if args.scenario == "conn":
        result.update(conn(args))
        result.update(sent=0, received=0, expected=0, throughput=0)
    else:
        time.sleep(min(args.duration + args.warmup, 0.3))
        rate = args.rate or random.uniform(80_000, 120_000)
        fan = args.clients if args.scenario == "fan-out" else 1
        sent = int(rate * args.duration)
        received = sent * fan
        result.update(sent=sent, received=received, expected=received, throughput=received / args.duration)
    base = random.uniform(80, 120)
    result.update(latency_us={"p50": round(base), "p90": round(base * 2), "p99": round(base * 5),
                              "p999": round(base * 12), "max": round(base * 40)},
                  loss=0, duplicates=0, reordered=0, errors=0)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
