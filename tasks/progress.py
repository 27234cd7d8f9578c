"""What the ``shotstyle`` command shows while Luigi runs the stages: a progress
line per running stage on a terminal, plain start / finish lines elsewhere.

The hook. A stage reports progress through ``notify`` -> its task's
``progress()`` callback (``tasks/base.py``), which triggers Luigi's
``Event.PROGRESS`` on the task (``task, done, total, message``); Luigi itself
triggers ``START``, ``SUCCESS`` and ``FAILURE``, and ``tasks/base.py``
``WAITING`` when a task's run() is set aside for the dynamic dependencies it
yielded. While ``listening()``, handlers of those events turn each into one
short JSON line written to a pipe. With ``--workers N`` Luigi runs each task
in a process forked from the command's, where the events fire: the forked
process inherits the pipe, and a write of under ``PIPE_BUF`` bytes is atomic,
so the lines of several stages never mix. One thread of the command's own
process reads the pipe and is the only one that draws (``TtyDisplay``) or
prints (``PlainDisplay``), whatever the number of workers. Without
``listening()`` (``luigi --module tasks ...``) the handlers do nothing.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import threading
import time
from typing import Optional

import luigi

from pipeline.errors import ShotstyleError
from pipeline.graph.table import STAGES
from tasks.base import WAITING

#: a write to a pipe of at most this many bytes is not split (POSIX: at least 512)
_ATOMIC = getattr(select, "PIPE_BUF", 512)

_write_fd: Optional[int] = None

#: stages whose progress counts frames, those with per-frame files (the others
#: count steps: files, chunks, ...)
FRAME_STAGES = frozenset(s.name for s in STAGES if s.frame_ext)


def _write(msg: dict) -> None:
    data = (json.dumps(msg) + "\n").encode("utf-8")
    if len(data) > _ATOMIC:
        for key in ("error", "line"):
            if key in msg:
                msg[key] = msg[key][:200] + " …"
        data = (json.dumps(msg) + "\n").encode("utf-8")
    if _write_fd is not None and len(data) <= _ATOMIC:
        with contextlib.suppress(OSError):
            os.write(_write_fd, data)


class ScreenLogHandler(logging.Handler):
    """shotstyle's WARNING and ERROR records for the screen, through the pipe
    (a failure's record with its traceback is left to the failure line)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        if _write_fd is None or record.exc_info or getattr(record, "stage_log_only", False):
            return
        with contextlib.suppress(Exception):
            _write({"event": "say", "line": f"shotstyle: {record.levelname}: "
                                            f"{record.getMessage().splitlines()[0]}"})


def _send(event: str, task: luigi.Task, **fields) -> None:
    if _write_fd is None or not hasattr(task, "stage_name"):
        return  # not listening, or a wrapper task (RenderShot, NightlyBatch)
    msg = {"event": event, "id": task.task_id, "shot": getattr(task, "shot", None),
           "style": getattr(task, "style", None), "stage": task.stage_name,
           "first": getattr(task, "first", None), "last": getattr(task, "last", None),
           "t": time.time(), **fields}
    _write(msg)


@luigi.Task.event_handler(luigi.Event.START)
def _on_start(task: luigi.Task) -> None:
    _send("start", task)


@luigi.Task.event_handler(luigi.Event.PROGRESS)
def _on_progress(task: luigi.Task, done: int, total: int, message: str) -> None:
    _send("progress", task, done=done, total=total, message=message)


@luigi.Task.event_handler(WAITING)
def _on_waiting(task: luigi.Task) -> None:
    _send("waiting", task)


@luigi.Task.event_handler(luigi.Event.SUCCESS)
def _on_success(task: luigi.Task) -> None:
    _send("done", task)


@luigi.Task.event_handler(luigi.Event.FAILURE)
def _on_failure(task: luigi.Task, exception: BaseException) -> None:
    user = isinstance(exception, ShotstyleError)
    error = str(exception) if user else f"{type(exception).__name__}: {exception}"
    condition = exception.condition if user else error
    log = None
    with contextlib.suppress(Exception):
        log = str(task.plan.logs_dir / f"{task.log_name()}.log")
    _send("failed", task, error=error, user_error=user, condition=condition, log=log)


@luigi.Task.event_handler(luigi.Event.PROCESS_FAILURE)
def _on_process_failure(task: luigi.Task, message: str) -> None:
    _send("failed", task, error=message, user_error=False, condition=message, log=None)


@luigi.Task.event_handler(luigi.Event.TIMEOUT)
def _on_timeout(task: luigi.Task, message: str) -> None:
    _send("failed", task, error=message, user_error=False, condition=message, log=None)


def stage_label(msg: dict) -> str:
    """``s01  styled 1001-1004``, ``style ink  train``."""
    who = msg.get("shot") or (f"style {msg['style']}" if msg.get("style") else "?")
    what = msg.get("stage") or "?"
    if msg.get("first") is not None:
        what += f" {msg['first']}-{msg['last']}"
    return f"{who}  {what}"


def took(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``1:05``."""
    if seconds < 10:
        return f"{max(0.0, seconds):.1f} s"
    return f"{seconds:.0f} s" if seconds < 60 else clock(seconds)


def clock(seconds: float) -> str:
    seconds = int(max(0.0, seconds) + 0.5)
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:" if hours else "") + (f"{rest // 60:02d}:{rest % 60:02d}" if hours
                                            else f"{rest // 60}:{rest % 60:02d}")


class _Stage:
    def __init__(self, msg: dict, now: float):
        self.msg, self.started, self.done, self.total = msg, now, 0, 0
        self.first_progress: Optional[tuple[float, int]] = None

    def progress(self, done: int, total: int, now: float) -> None:
        if self.first_progress is None:
            self.first_progress = (now, done)  # time to a first frame (model load) is not rate
        self.done, self.total = done, total

    def rate(self, now: float) -> Optional[float]:
        if self.first_progress is None:
            return None
        t0, d0 = self.first_progress
        if now - t0 < 0.2 or self.done <= d0:
            return None
        return (self.done - d0) / (now - t0)

    def line(self, now: float, width: int) -> str:
        label = stage_label(self.msg)
        if not self.total:
            return f"{label}  starting  {clock(now - self.started)}"
        slots = 12
        filled = min(slots, int(slots * self.done / self.total))
        parts = [label, f"[{'#' * filled}{'.' * (slots - filled)}]", f"{self.done}/{self.total}"]
        rate = self.rate(now)
        if rate:
            unit = "frames/s" if self.msg.get("stage") in FRAME_STAGES else "/s"
            parts.append(f"{rate:.1f} {unit}".replace(" /s", "/s"))
            parts.append(f"{clock((self.total - self.done) / rate)} left")
        return "  ".join(parts)[:max(20, width - 1)]


class Display:
    """Receives the stage events (in the command's own process) and says them."""

    def __init__(self, fd: int = 2):
        self.fd = fd
        self.running: dict[str, _Stage] = {}
        self.errors: dict[str, dict] = {}  # task id -> its failure
        self._said: set[str] = set()

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        while data:
            try:
                data = data[os.write(self.fd, data):]
            except InterruptedError:
                continue
            except OSError:
                return  # the terminal went away: the work goes on

    def event(self, msg: dict, now: float) -> None:
        kind = msg["event"]
        if kind == "say":
            self.say(msg["line"])
        elif kind == "start":
            self.running[msg["id"]] = _Stage(msg, now)
        elif kind == "progress":
            stage = self.running.get(msg["id"])
            if stage is None:
                stage = self.running[msg["id"]] = _Stage(msg, now)
            stage.progress(int(msg["done"]), int(msg["total"]), now)
        else:
            stage = self.running.pop(msg["id"], None)
            if kind == "failed":
                self.errors[msg["id"]] = msg
                self.say_failure(msg)
            self.finished(msg, stage, now)

    def say_failure(self, msg: dict) -> None:
        """``shotstyle: error: …``, once per condition (chunks of one full folder)."""
        if msg["condition"] in self._said:
            return
        self._said.add(msg["condition"])
        line = f"shotstyle: error: {msg['error']}"
        if not msg.get("user_error"):
            line = f"shotstyle: error: {stage_label(msg).replace('  ', ' ')} failed: {msg['error']}"
            if msg.get("log"):
                line += f" (traceback in {msg['log']})"
        self.say(line)

    def say(self, line: str) -> None:
        self.write(line + "\n")

    def finished(self, msg: dict, stage: Optional[_Stage], now: float) -> None:
        pass

    def tick(self, now: float) -> None:
        pass

    def close(self) -> None:
        pass


class PlainDisplay(Display):
    """A line per stage start and finish, time-stamped, no redraws: for logs,
    pipes and farm jobs."""

    def event(self, msg: dict, now: float) -> None:
        if msg["event"] == "start":
            self.say(f"{time.strftime('%H:%M:%S')}  {stage_label(msg)}  started")
        super().event(msg, now)

    def finished(self, msg: dict, stage: Optional[_Stage], now: float) -> None:
        spent = f" in {took(now - stage.started)}" if stage is not None else ""
        what = {"done": f"done{spent}", "failed": f"FAILED{spent}",
                "waiting": "waits for its chunks"}[msg["event"]]
        if msg["event"] == "done" and stage is not None and stage.total:
            what += f" ({stage.total} {'frames' if msg.get('stage') in FRAME_STAGES else 'steps'})"
        self.say(f"{time.strftime('%H:%M:%S')}  {stage_label(msg)}  {what}")


class TtyDisplay(Display):
    """One line per running stage, redrawn in place; nothing left behind when a
    stage ends but its error, if it failed."""

    def __init__(self, fd: int = 2):
        super().__init__(fd)
        self._drawn = 0
        self._shown: list[str] = []

    def _clear(self) -> str:
        if not self._drawn:
            return ""
        text = "\r" + "\x1b[1A" * (self._drawn - 1) + "\x1b[J"
        self._drawn = 0
        return text

    def draw(self, now: float) -> None:
        width = shutil.get_terminal_size((100, 24)).columns
        lines = [s.line(now, width) for s in list(self.running.values())[:20]]
        if lines == self._shown and self._drawn == len(lines):
            return
        self.write(self._clear() + "\n".join(lines))
        self._drawn, self._shown = len(lines), lines

    def say(self, line: str) -> None:
        lines, self._drawn = self._drawn, 0
        self.write(("\r" + "\x1b[1A" * (lines - 1) + "\x1b[J" if lines else "") + line + "\n")
        self.draw(time.time())

    def tick(self, now: float) -> None:
        self.draw(now)

    def close(self) -> None:
        self.write(self._clear())


@contextlib.contextmanager
def listening(display: Display):
    """Stage events go to ``display`` (drawn by a thread of this process) while
    the body runs, from this process and from the ones it forks."""
    global _write_fd
    read_fd, write_fd = os.pipe()
    stop = threading.Event()

    def pump() -> None:
        buffer = b""
        last_draw = 0.0
        while True:
            ready, _, _ = select.select([read_fd], [], [], 0.25)
            now = time.time()
            if ready:
                chunk = os.read(read_fd, 65536)
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    with contextlib.suppress(ValueError, KeyError):
                        display.event(json.loads(line), now)
            if now - last_draw >= 0.1:
                display.tick(now)
                last_draw = now
            if stop.is_set() and not ready:
                return

    reader = threading.Thread(target=pump, name="shotstyle progress", daemon=True)
    screen = ScreenLogHandler()
    logging.getLogger("shotstyle").addHandler(screen)
    _write_fd = write_fd
    reader.start()
    try:
        yield display
    finally:
        _write_fd = None
        logging.getLogger("shotstyle").removeHandler(screen)
        stop.set()
        reader.join(timeout=5)
        display.close()
        os.close(write_fd)  # forked task processes have ended: they held copies
        os.close(read_fd)
