"""tasks.openjd_progress: the lines the farm monitor reads while a task runs:
``openjd_progress: N`` when the percentage changes, ``openjd_status: ...`` at
the start, the end, a failure and at most every 2 s between; only under a job
that asks for them."""
from __future__ import annotations

import io

from pipeline.errors import MediaError
from pipeline.openjd.environment import PROGRESS_VARIABLE
from tasks.openjd_progress import STATUS_EVERY_S, OpenJDProgress, openjd_progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_percentages_once_each_and_statuses_at_most_every_two_seconds():
    out, clock = io.StringIO(), Clock()
    lines = OpenJDProgress("s01 styled 1001-1004", out, clock)
    lines.started()
    lines.progress(1, 8, "frames")  # too soon after the start for a status
    lines.progress(1, 8, "frames")  # the same percentage
    clock.now += STATUS_EVERY_S
    lines.progress(2, 8, "frames")
    lines.progress(8, 8, "frames")  # the last: its status whenever it comes
    lines.finished()
    assert out.getvalue().splitlines() == [
        "openjd_status: s01 styled 1001-1004: started",
        "openjd_progress: 12",
        "openjd_progress: 25",
        "openjd_status: s01 styled 1001-1004: frames 2/8",
        "openjd_progress: 100",
        "openjd_status: s01 styled 1001-1004: frames 8/8",
        "openjd_status: s01 styled 1001-1004: done"]


def test_a_failure_s_status_says_why_on_one_line():
    out = io.StringIO()
    lines = OpenJDProgress("s01 probe", out)
    lines.failed(MediaError("in.mov: source not found\nsecond line"))
    lines.failed(ZeroDivisionError("division by zero"))
    assert out.getvalue().splitlines() == [
        "openjd_status: s01 probe: failed: in.mov: source not found\\nsecond line",
        "openjd_status: s01 probe: failed: ZeroDivisionError: division by zero"]


def test_only_a_job_that_asks_gets_them(monkeypatch):
    monkeypatch.delenv(PROGRESS_VARIABLE, raising=False)
    assert openjd_progress("s01 probe") is None
    monkeypatch.setenv(PROGRESS_VARIABLE, "0")
    assert openjd_progress("s01 probe") is None
    monkeypatch.setenv(PROGRESS_VARIABLE, "1")
    assert openjd_progress("s01 probe").what == "s01 probe"


def test_a_closed_output_does_not_stop_the_work():
    out = io.StringIO()
    out.close()
    OpenJDProgress("s01 probe", out).started()  # no exception
