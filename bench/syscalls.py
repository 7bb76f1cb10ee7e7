"""Counting the system calls a running broker makes, with the cheapest tool that works here.

perf stat on the raw_syscalls:sys_enter tracepoint costs the broker almost nothing and is used
when the kernel lets us open it; otherwise strace -c -f, which stops the broker on every call and
so also changes how much work each wake-up batches (its figures are an upper bound).
"""

import os
import re
import shutil
import signal
import subprocess
import time


def perf_works():
    if shutil.which("perf") is None:
        return False
    try:
        done = subprocess.run(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "--", "true"],
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and _perf_count(done.stderr) is not None


def _perf_count(text):
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) >= 3 and fields[2].startswith("raw_syscalls:sys_enter"):
            return int(fields[0]) if fields[0].isdigit() else None
    return None


def _strace_count(text):
    # The summary's last line: "100.00  0.123456  1  123456  789 total" (errors column optional).
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[-1] == "total" and len(fields) >= 5:
            return int(fields[3])
    return None


class SyscallCounter:
    """Counts the system calls of process `pid` (all its threads) between start() and stop()."""

    def __init__(self, pid, workdir, method=None):
        self.pid = pid
        self.method = method or ("perf" if perf_works() else "strace" if shutil.which("strace") else None)
        self.output = os.path.join(workdir, f"syscalls-{pid}.txt")
        self.proc = None

    def start(self):
        if self.method == "perf":
            argv = ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", self.output,
                    "-p", str(self.pid)]
        elif self.method == "strace":
            argv = ["strace", "-c", "-f", "-o", self.output, "-p", str(self.pid)]
        else:
            raise RuntimeError("neither perf nor strace can count system calls here")
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        time.sleep(1.0)  # let it attach before traffic starts
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.method} failed to attach: {self.proc.stderr.read().strip()}")
        return self

    def stop(self):
        """Detaches and returns the number of system calls counted."""
        if self.proc is None:
            raise RuntimeError("not started")
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with open(self.output, encoding="utf-8", errors="replace") as f:
            text = f.read()
        count = _perf_count(text) if self.method == "perf" else _strace_count(text)
        if count is None:
            flat = re.sub(r"\s+", " ", text)[:300]
            raise RuntimeError(f"no count in the {self.method} output: {flat}")
        return count

    def abandon(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
