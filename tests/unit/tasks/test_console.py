"""What the terminal shows for a failed task (tasks/console.py): a user error's
traceback is left out of Luigi's output, an unexpected exception keeps it."""
from __future__ import annotations

import io
import logging
import sys
import uuid

import pytest

import tasks.console  # noqa: F401 - installs the filters
from pipeline.errors import MediaError


@pytest.fixture
def luigi_output():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("luigi-interface")
    # other tests run Luigi in this process, which sets its logger's level
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.INFO)
    logger.disabled = False
    logger.addHandler(handler)
    yield logger, stream
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.disabled = disabled


def _fail(logger, exc: Exception, msg: str = "[pid %s] Worker %s failed    %s") -> None:
    try:
        raise exc
    except Exception:
        logger.exception(msg, 1, "W", "ProbeSource(shot=s)")


def test_a_user_error_s_failure_record_is_left_out(luigi_output):
    logger, stream = luigi_output
    _fail(logger, MediaError("/x/gone.mov: source not found"))
    assert stream.getvalue() == ""


def test_an_unexpected_exception_keeps_its_traceback(luigi_output):
    logger, stream = luigi_output
    _fail(logger, ValueError("boom"))
    text = stream.getvalue()
    assert text.startswith("ERROR: [pid 1] Worker W failed    ProbeSource(shot=s)\n"
                           "Traceback (most recent call last):\n"), text
    assert text.rstrip().endswith("ValueError: boom"), text


def test_a_user_error_elsewhere_keeps_its_line_without_the_traceback(luigi_output):
    logger, stream = luigi_output
    _fail(logger, MediaError("/x/gone.mov: source not found"),
          "Luigi unexpected framework error while scheduling %s%s%s")
    assert stream.getvalue() == ("ERROR: Luigi unexpected framework error while scheduling "
                                 "1WProbeSource(shot=s): shotstyle: error: /x/gone.mov: source "
                                 "not found\n")


class _Writes(io.StringIO):
    """A stderr that keeps each write apart."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_a_user_error_s_line_is_written_whole_in_one_write(monkeypatch):
    """The task processes that --workers N forks share stderr and log there: a line
    written in two pieces (print(): the text, then its newline) can have another
    process's line land between them (seen: two stages refused by a shot's lock)."""
    stderr = _Writes()
    monkeypatch.setattr(sys, "stderr", stderr)
    gone = f"/x/{uuid.uuid4().hex}.mov"  # a condition not printed before in this process
    tasks.console._print_failure_line(None, MediaError(f"{gone}: source not found"))
    assert stderr.writes == [f"shotstyle: error: {gone}: source not found\n"]
