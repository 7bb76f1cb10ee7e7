"""The system's mosquitto_pub / mosquitto_sub (an independent client implementation) against the
broker, in 3.1.1 and 5.0: publish/subscribe round trip at QoS 0, 1 and 2, and retained messages."""
import shutil
import subprocess

import pytest

from support.paho_client import PahoClient

PUB = shutil.which("mosquitto_pub") or "/usr/bin/mosquitto_pub"
SUB = shutil.which("mosquitto_sub") or "/usr/bin/mosquitto_sub"
# mosquitto_sub block-buffers stdout into a pipe; line buffering lets us see its SUBACK as it comes.
STDBUF = [shutil.which("stdbuf"), "-oL"] if shutil.which("stdbuf") else []
VERSIONS = pytest.mark.parametrize("version", ["mqttv311", "mqttv5"])
FORMAT = "MSG %t %q %r %p"

pytestmark = pytest.mark.skipif(not shutil.which("mosquitto_pub"), reason="mosquitto-clients missing")


def run_pub(b, version, topic, message, qos=0, retain=False, null=False):
    args = [PUB, "-h", b.host, "-p", str(b.port), "-V", version, "-t", topic, "-q", str(qos)]
    args += ["-n"] if null else ["-m", message]
    if retain:
        args.append("-r")
    done = subprocess.run(args, capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr


class Sub:
    """A mosquitto_sub process; with wait_subscribed() the test waits for its SUBACK (the -d debug
    output) instead of sleeping."""

    def __init__(self, b, version, topic, qos=0, count=1):
        self.proc = subprocess.Popen(
            STDBUF + [SUB, "-h", b.host, "-p", str(b.port), "-V", version, "-t", topic, "-q", str(qos),
             "-C", str(count), "-W", "5", "-d", "-F", FORMAT],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.early = []

    def wait_subscribed(self):
        for line in self.proc.stdout:  # ends at EOF if the client gives up (-W)
            self.early.append(line)
            if "received SUBACK" in line:
                return
        raise AssertionError("mosquitto_sub never got a SUBACK:\n" + "".join(self.early))

    def messages(self):
        """Waits for the process to end (after -C messages) and returns the MSG lines, split."""
        out, _ = self.proc.communicate(timeout=10)
        text = "".join(self.early) + out
        assert self.proc.returncode == 0, text
        return [line.split(" ", 4)[1:] for line in text.splitlines() if line.startswith("MSG ")]


@VERSIONS
@pytest.mark.parametrize("qos", [0, 1, 2])
def test_pub_sub_round_trip(broker, version, qos):
    """mosquitto_pub -> broker -> mosquitto_sub, at each QoS."""
    sub = Sub(broker, version, "tools/rt", qos)
    sub.wait_subscribed()
    run_pub(broker, version, "tools/rt", f"hello-{qos}", qos=qos)
    assert sub.messages() == [["tools/rt", str(qos), "0", f"hello-{qos}"]]


@VERSIONS
def test_delivered_qos_is_minimum(broker, version):
    """A QoS 2 publish reaches a QoS 1 subscriber at QoS 1."""
    sub = Sub(broker, version, "tools/min", 1)
    sub.wait_subscribed()
    run_pub(broker, version, "tools/min", "m", qos=2)
    assert sub.messages() == [["tools/min", "1", "0", "m"]]


@VERSIONS
@pytest.mark.parametrize("qos", [1, 2])
def test_retained_reaches_later_subscriber(broker, version, qos):
    """A retained message is given to a later subscriber with the retain flag; an empty retained
    publish clears it."""
    run_pub(broker, version, "tools/ret", "kept", qos=qos, retain=True)
    sub = Sub(broker, version, "tools/#", 2)
    assert sub.messages() == [["tools/ret", str(qos), "1", "kept"]]
    run_pub(broker, version, "tools/ret", "", qos=qos, retain=True, null=True)
    checker = PahoClient(broker, "tools-checker")
    checker.subscribe([("tools/#", 1), ("zz/sentinel", 0)])
    checker.publish("zz/sentinel", b"s")
    _, before = checker.wait_for_topic("zz/sentinel")
    assert before == []
    checker.disconnect()


def test_v311_publisher_to_v5_subscriber(broker):
    """Protocol versions interoperate through the broker: 3.1.1 in, 5.0 out and back."""
    sub = Sub(broker, "mqttv5", "tools/mix", 1)
    sub.wait_subscribed()
    run_pub(broker, "mqttv311", "tools/mix", "from311", qos=1)
    assert sub.messages() == [["tools/mix", "1", "0", "from311"]]
    sub = Sub(broker, "mqttv311", "tools/mix", 1)
    sub.wait_subscribed()
    run_pub(broker, "mqttv5", "tools/mix", "from5", qos=1)
    assert sub.messages() == [["tools/mix", "1", "0", "from5"]]
