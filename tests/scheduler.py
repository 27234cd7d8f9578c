"""A real `luigid` on 127.0.0.1 for the batch tests, and workers that talk to it."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from helpers import REPO

LUIGID = str(Path(sys.executable).parent / "luigid")
LUIGI = str(Path(sys.executable).parent / "luigi")
BATCH = str(Path(sys.executable).parent / "shotstyle-batch")


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out on its own (to bind(0) and to the
    outgoing side of a connection)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 49152  # not Linux: the IANA range, macOS's


def free_port() -> int:
    """A port of 127.0.0.1 free now, below the kernel's ephemeral range where it
    can be had: while a test's luigid is down (killed, restarted on its port),
    no connection of another test running at the same time (another pytest-xdist
    worker) and no other luigid started with bind(0) can take its port."""
    ports = range(20000, min(_ephemeral_low(), 32768))
    for port in random.sample(ports, min(len(ports), 50)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:  # in use
                continue
            return port
    with socket.socket() as s:  # no such ports here: one the kernel picks
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scheduler_config(path: Path, disconnect_s: float = 2.0) -> Path:
    """The repo's luigi.cfg plus test-sized scheduler timings."""
    text = (REPO / "luigi.cfg").read_text()
    text = text.replace("[scheduler]\n", "[scheduler]\n"
                        f"worker_disconnect_delay = {disconnect_s}\n"
                        "prune_on_get_work = true\n"
                        # a task DONE less than this ago stays DONE even when a worker
                        # finds it incomplete (default 10 s); the rerun test re-renders
                        # right after the batch
                        "stable_done_cooldown_secs = 0\n"
                        "record_task_history = false\n", 1)
    text = text.replace("retry_delay = 30", "retry_delay = 1")
    # a kept-alive worker with nothing to run asks again after wait_interval plus
    # up to wait_jitter seconds (1 + up to 5 by default)
    text = text.replace("[worker]\n", "[worker]\nwait_interval = 0.2\nwait_jitter = 0.3\n", 1)
    text = text.replace("[core]\n", "[core]\nrpc_retry_wait = 1\nrpc_retry_attempts = 20\n", 1)
    path.write_text(text)
    return path


class Luigid:
    """luigid on a free port of 127.0.0.1; ``restart`` keeps its state file."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = scheduler_config(self.root / "luigi.cfg")
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Luigid":
        env = dict(os.environ, LUIGI_CONFIG_PATH=str(self.config))
        log = open(self.root / "luigid.log", "ab")
        self.proc = subprocess.Popen(
            [LUIGID, "--address", "127.0.0.1", "--port", str(self.port),
             "--state-path", str(self.root / "state.pickle"), "--logdir", str(self.root)],
            cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/task_list?data=%7B%7D",
                                       timeout=1).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"luigid exited: {(self.root / 'luigid.log').read_text()}")
                time.sleep(0.2)
        raise RuntimeError("luigid did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # luigid saves its state on SIGTERM
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL: luigid loses every task it knew (no state is saved)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def tasks(self, status: str) -> dict:
        """The scheduler's tasks in ``status`` (what the web UI shows), by task id."""
        query = urllib.parse.quote(json.dumps({"status": status}))
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/task_list?data={query}",
                                    timeout=10) as resp:
            return json.loads(resp.read())["response"]

    def worker_cmd(self, task: str, *args: str, workers: int = 1,
                   keep_alive: bool = False) -> list[str]:
        return [LUIGI, "--module", "tasks", task, *args, "--scheduler-host", "127.0.0.1",
                "--scheduler-port", str(self.port), "--workers", str(workers)] + (
                    ["--worker-keep-alive"] if keep_alive else [])

    def batch_cmd(self, *args: str, workers: int = 1, keep_alive: bool = False,
                  round_wait: float = 1) -> list[str]:
        """``shotstyle-batch`` against this scheduler."""
        return [BATCH, "--round-wait", str(round_wait), *args, "--scheduler-host", "127.0.0.1",
                "--scheduler-port", str(self.port), "--workers", str(workers)] + (
                    ["--worker-keep-alive"] if keep_alive else [])
