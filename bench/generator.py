"""The load generator, `pregon bench`, as the comparison drives it.

Command line (one run, one JSON object on stdout with --json):
  pregon bench <conn|pairs|fan-in|fan-out> -h HOST -p PORT -V 311|5 -q 0|1|2 -s SIZE -n CLIENTS
               -d SECONDS --warmup SECONDS [-r RATE] [-w WINDOW] [--connect-rate N] [--hold S]
               [-t THREADS] [--persistent] --json
Any program with that interface can stand in for it (`compare.py --generator CMD`), e.g. the stub
bench/stub_generator.py used to test this harness.
"""

import json
import shlex
import subprocess
import time

from brokers import LOOPBACK, raise_nofile, taskset_prefix

SCENARIOS = ("conn", "pairs", "fan-in", "fan-out")


class GeneratorError(RuntimeError):
    pass


def parse_result(stdout):
    """The JSON object the generator printed: the whole output, or else its last JSON line."""
    text = stdout.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    raise GeneratorError("no JSON object in the generator's output")


class Generator:
    def __init__(self, command):
        self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        self._help = None
        self._running = set()  # runs started and not yet finished, for kill_all()

    def describe(self):
        return shlex.join(self.argv)

    def help_text(self):
        if self._help is None:
            try:
                done = subprocess.run(self.argv + ["--help"], capture_output=True, text=True, timeout=20)
                self._help = done.stdout + done.stderr
            except (OSError, subprocess.TimeoutExpired) as e:
                self._help = f"error: {e}"
        return self._help

    def available(self):
        """True when the command is the load generator (its help names the scenarios), not e.g. a
        pregon built before the bench subcommand existed, which prints the broker's help."""
        text = self.help_text()
        return all(s in text for s in ("fan-in", "fan-out", "--json"))

    def supports(self, flag):
        return flag in self.help_text()

    def command(self, scenario, port, *, version="311", qos=0, size=64, clients=1, duration=5.0,
                warmup=1.0, rate=None, window=None, connect_rate=None, hold=None, threads=1,
                persistent=False, extra=()):
        assert scenario in SCENARIOS
        argv = self.argv + [scenario, "-h", LOOPBACK, "-p", str(port), "-V", str(version),
                            "-q", str(qos), "-s", str(size), "-n", str(clients),
                            "-d", f"{duration:g}", "--warmup", f"{warmup:g}"]
        if rate is not None:
            argv += ["-r", str(rate)]
        if window is not None:
            argv += ["-w", str(window)]
        if connect_rate is not None:
            argv += ["--connect-rate", str(connect_rate)]
        if hold is not None:
            argv += ["--hold", f"{hold:g}"]
        if persistent:
            argv += ["--persistent"]
        argv += ["-t", str(threads)] + list(extra) + ["--json"]
        return argv

    def start(self, argv, cpus=(), nofile=4096):
        """Starts one run in the background; finish() collects it."""
        proc = subprocess.Popen(taskset_prefix(cpus) + argv, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                preexec_fn=raise_nofile(nofile))
        self._running.add(proc)
        return proc

    def finish(self, proc, timeout):
        """The run's JSON result; kills the run and raises GeneratorError on timeout or failure."""
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise GeneratorError(f"generator still running after {timeout:.0f} s; killed")
        finally:
            self._running.discard(proc)
        try:
            return parse_result(out)
        except GeneratorError:
            tail = "\n".join(err.strip().splitlines()[-5:])
            raise GeneratorError(f"generator exited with {proc.returncode}: {tail}") from None

    def kill_all(self):
        """Ends the runs still going (on Ctrl-C or SIGTERM of the comparison)."""
        for proc in list(self._running):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self._running.clear()

    def run(self, argv, cpus=(), nofile=4096, timeout=120.0):
        """Runs to completion: (result, wall seconds)."""
        started = time.monotonic()
        result = self.finish(self.start(argv, cpus, nofile), timeout)
        return result, time.monotonic() - started
