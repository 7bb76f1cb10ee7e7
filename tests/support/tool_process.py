"""A running `pregon sub` (or a compatible tool) whose stderr is collected line by line, so that a
test can wait for a line (its SUBACK with -d) instead of sleeping; shared by the client tool tests."""
import queue
import subprocess
import threading
import time

from conftest import BIN

TIMEOUT = 10


class Sub:
    """A running `pregon sub -d ...` whose stderr is collected line by line."""

    def __init__(self, broker, *args, binary=(BIN, "sub")):
        cmd = [*binary, "-h", broker.host, "-p", str(broker.port), *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.stderr = []
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

    def _collect(self):
        for line in self.proc.stderr:
            text = line.decode(errors="replace")
            self.stderr.append(text)
            self.lines.put(text)

    def wait_for(self, fragment):
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {fragment!r} on stderr: {''.join(self.stderr)}")
            if fragment in line:
                return line

    def wait_subscribed(self):
        self.wait_for("received SUBACK")
        return self

    def finish(self):
        # Not communicate(): it would read stderr too, racing the reader thread for its last lines.
        # The outputs here are small, so waiting before reading stdout cannot block on a full pipe.
        self.proc.wait(timeout=TIMEOUT)
        out = self.proc.stdout.read()
        self._reader.join(timeout=TIMEOUT)
        return self.proc.returncode, out
