"""`pregon bench` against a running broker: short runs of every scenario at each QoS, checked
through the --json report (counts add up, nothing lost or repeated at QoS 1 and 2, sane latency)."""
import json
import subprocess

import pytest

from conftest import BIN, free_port
from support.mode import against_mosquitto

# mosquitto 2.0 keeps at most 20 QoS 1/2 messages in flight per client and, once publishing stops,
# leaves the ones it queued behind them undelivered until more traffic comes (a limit pregon reproduces
# with limits.max_inflight_messages = 20 without losing them). With a window above 20 the tail is lost.
MOSQUITTO_TAIL = "mosquitto strands queued QoS 1/2 messages beyond its 20 in flight"

TIMEOUT = 60


def bench(broker, *args):
    cmd = [BIN, "bench", *args, "-h", broker.host, "-p", str(broker.port), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}: {proc.stderr}"
    return json.loads(proc.stdout)


def check_latency(lat):
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"]
    assert lat["max"] < 60e6


@pytest.mark.parametrize("protocol", ["311", "5"])
@pytest.mark.parametrize("qos", [0, 1, 2])
@pytest.mark.parametrize("scenario,clients,fanout", [("pairs", 3, 1), ("fan-in", 4, 1), ("fan-out", 3, 3)])
def test_pubsub_scenarios(request, broker, scenario, clients, fanout, qos, protocol):
    if qos > 0 and against_mosquitto():
        request.applymarker(pytest.mark.xfail(reason=MOSQUITTO_TAIL, strict=False))
    r = bench(broker, scenario, "-n", str(clients), "-q", str(qos), "-V", protocol, "-d", "1", "--warmup", "0",
              "-s", "32")
    assert r["scenario"] == scenario
    assert r["qos"] == qos and r["size"] == 32 and r["clients"] == clients
    assert r["protocol"] == int(protocol)
    assert r["errors"] == 0
    assert r["sent"] > 0
    assert r["expected"] == r["sent"] * fanout
    assert r["throughput"] > 0 and r["publish_rate"] > 0
    check_latency(r["latency_us"])
    if qos > 0:
        assert r["loss"] == 0 and r["duplicates"] == 0
        assert r["received"] == r["expected"]
    else:
        assert r["received"] == r["expected"] - r["loss"] + r["duplicates"]


def test_fixed_rate_is_kept(broker):
    r = bench(broker, "pairs", "-n", "2", "-r", "2000", "-d", "1", "--warmup", "0", "-q", "1")
    assert 1500 <= r["publish_rate"] <= 2100
    assert r["loss"] == 0 and r["received"] == r["expected"]


def test_conn_scenario(broker):
    r = bench(broker, "conn", "-n", "50", "--connect-rate", "1000", "--hold", "0.2")
    assert r["scenario"] == "conn"
    assert r["connected"] == 50 and r["failed"] == 0 and r["errors"] == 0
    assert r["time_to_connect_s"] > 0 and r["connect_rate"] > 0
    check_latency(r["latency_us"])


@pytest.mark.mosquitto_xfail(MOSQUITTO_TAIL, strict=False)
def test_two_threads(broker):
    r = bench(broker, "fan-in", "-n", "4", "-t", "2", "-q", "1", "-d", "1", "--warmup", "0")
    assert r["loss"] == 0 and r["received"] == r["expected"] > 0


def test_text_report(broker):
    proc = subprocess.run([BIN, "bench", "pairs", "-n", "1", "-d", "0.5", "--warmup", "0", "-h", broker.host,
                           "-p", str(broker.port)], capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    for word in ("throughput", "latency", "loss"):
        assert word in proc.stdout


def test_bad_options_fail():
    for args in (["storm"], ["pairs", "-s", "8"], ["pairs", "-q", "3"], []):
        proc = subprocess.run([BIN, "bench", *args], capture_output=True, text=True, timeout=TIMEOUT)
        assert proc.returncode != 0, args


def test_unreachable_broker_fails():
    proc = subprocess.run([BIN, "bench", "pairs", "-n", "1", "-d", "0.5", "-p", str(free_port())],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode != 0
    assert "could not connect" in proc.stderr
