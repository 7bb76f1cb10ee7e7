"""The dashboard at / in headless Chromium (README "Monitoring"), driven by tests/js/dashboard_check.mjs.

The script and the test take turns over the script's stdin and stdout (see the script's header):
the test publishes when the page is live, and checks from the MQTT side that the dashboard's
Disconnect button really disconnected the client. The screenshot goes to tests/output/dashboard.png.
"""
import json
import queue
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.paho_client import PahoClient

pytestmark = [
    pytest.mark.pregon_only("pregon's dashboard"),
    pytest.mark.skipif(shutil.which("node") is None or not Path("/usr/bin/chromium").exists(),
                       reason="needs node and /usr/bin/chromium (scripts/install-deps.sh)"),
]

JS = Path(__file__).resolve().parents[1] / "js"
OUTPUT = Path(__file__).resolve().parents[1] / "output"
ADMINISTRATIVE_ACTION = 0x98
STEP_TIMEOUT = 60  # seconds for one step of the script, Chromium's start included


class Script:
    """dashboard_check.mjs as a child process; its stdout lines are read on a thread into a queue."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(["node", str(JS / "dashboard_check.mjs"), *args], cwd=JS, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def expect(self, step):
        try:
            line = self.lines.get(timeout=STEP_TIMEOUT)
        except queue.Empty:
            line = None
        if line is None:
            self.proc.kill()
            raise AssertionError(f"no '{step}' from the script: {self.proc.stderr.read()}")
        got = json.loads(line)
        assert got["step"] == step, (got, step)
        return got

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self):
        self.proc.stdin.close()
        assert self.proc.wait(timeout=STEP_TIMEOUT) == 0, self.proc.stderr.read()


def test_dashboard_lists_the_client_charts_traffic_and_disconnects_it(make_broker):
    b = make_broker()
    watched = PahoClient(b, "dash-watched", protocol=5)
    watched.subscribe("dash/#", qos=1)
    pub = PahoClient(b, "dash-publisher")
    pub.publish("dash/retained/kitchen", b"21.5", qos=1, retain=True)
    watched.wait_message()
    OUTPUT.mkdir(exist_ok=True)
    script = Script("--url", f"http://127.0.0.1:{b.http_port}/", "--client-id", "dash-watched",
                    "--topic", "dash/x", "--retained", "dash/retained/kitchen",
                    "--screenshot", str(OUTPUT / "dashboard.png"))

    script.expect("ready")
    for i in range(50):
        pub.publish(f"dash/{i}", b"x" * 16, qos=1)
    watched.wait_messages(50)
    script.send("published 50")
    script.expect("charts")
    script.expect("views")
    script.expect("clicked")
    rc = watched.wait_disconnect()
    assert rc.value == ADMINISTRATIVE_ACTION, rc
    script.finish()
    assert (OUTPUT / "dashboard.png").stat().st_size > 0
    assert not pub.is_disconnected
    pub.disconnect()


def test_dashboard_loads_with_basic_credentials(make_broker):
    b = make_broker(http={"username": "admin", "password": "s3cret"})
    c = PahoClient(b, "dash-basic")
    script = Script("--url", f"http://127.0.0.1:{b.http_port}/", "--client-id", "dash-basic",
                    "--user", "admin", "--password", "s3cret", "--load-only")
    script.expect("ready")
    script.finish()
    c.disconnect()


def test_dashboard_without_credentials_makes_the_browser_ask_for_them(make_broker):
    b = make_broker(http={"username": "admin", "password": "s3cret"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{b.http_port}/", timeout=10)
    assert refused.value.code == 401
    assert refused.value.headers["WWW-Authenticate"] == 'Basic realm="pregon"'  # the browser's prompt
    # Headless, nobody answers the prompt: Chromium gives up on the page.
    script = Script("--url", f"http://127.0.0.1:{b.http_port}/", "--client-id", "nobody", "--load-only")
    script.proc.stdin.close()
    assert script.proc.wait(timeout=STEP_TIMEOUT) == 1
    assert "ERR_INVALID_AUTH_CREDENTIALS" in script.proc.stderr.read()
