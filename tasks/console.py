"""What a render prints on the terminal: shotstyle's progress lines, and for an
error a user can cause (a ShotstyleError) exactly one line,
``shotstyle: error: …``, with no traceback. The traceback goes to the stage's
log (``work/<shot>/logs/<stage>.log``); an unexpected exception still shows
Luigi's ``ERROR: … failed …`` line and its traceback on the terminal."""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import sys

import luigi

from pipeline.errors import ShotstyleError

#: ``extra`` of a log record that the terminal leaves out (the failure line says it)
STAGE_LOG_ONLY = {"stage_log_only": True}


def _is_user_error(record: logging.LogRecord) -> bool:
    return bool(record.exc_info) and isinstance(record.exc_info[1], ShotstyleError)


class _HideUserErrorTracebacks(logging.Filter):
    """On Luigi's logger, for a ShotstyleError: drop the worker's ``… failed …``
    record and its traceback (the task's failure line says it); any other record
    (an error while scheduling) keeps its message and the error's line, without
    the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _is_user_error(record):
            return True
        if "failed" in str(record.msg):
            return False
        record.msg = f"{record.getMessage()}: shotstyle: error: {record.exc_info[1]}"
        record.args = None
        record.exc_info = record.exc_text = None
        return True


class _ConsoleFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "stage_log_only", False)


@luigi.Task.event_handler(luigi.Event.FAILURE)
def _print_failure_line(task: luigi.Task, exception: BaseException) -> None:
    """One line a person can act on, on stderr, for errors users can cause."""
    if isinstance(exception, ShotstyleError) and _first_time(exception.condition):
        # in one write: print() writes the text and its newline apart, and the task
        # processes ``--workers N`` forks share this stderr (another one's line could
        # land between them)
        sys.stderr.write(f"shotstyle: error: {exception}\n")
        sys.stderr.flush()


# Conditions already printed by this render: tasks failing alike (chunks of one
# full folder, every task refused by a shot's lock) say it once, also across the
# task processes that ``--workers N`` forks from this one (they share the table).
_PRINTED = multiprocessing.RawArray("Q", 256)
_PRINTED_LOCK = multiprocessing.Lock()


def _first_time(condition: str) -> bool:
    digest = hashlib.blake2b(condition.encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "little") | 1  # 0 marks a free slot
    if not _PRINTED_LOCK.acquire(timeout=1.0):
        return True  # a process killed while it held the lock: print rather than wait
    try:
        for i, seen in enumerate(_PRINTED):
            if seen == key:
                return False
            if seen == 0:
                _PRINTED[i] = key
                return True
    finally:
        _PRINTED_LOCK.release()
    return True  # the table is full: print


def ensure_shotstyle_logging(level: int = logging.INFO) -> None:
    """Progress and stage messages on stderr (Luigi only sets up its own logger),
    and Luigi's failure records of user errors left out."""
    logger = logging.getLogger("shotstyle")
    logger.setLevel(level)
    if not any(getattr(h, "_shotstyle_console", False) for h in logger.handlers):
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("shotstyle: %(levelname)s: %(message)s"))
        console.addFilter(_ConsoleFilter())
        console._shotstyle_console = True
        logger.addHandler(console)
        logger.propagate = False
    luigi_logger = logging.getLogger("luigi-interface")
    if not any(isinstance(f, _HideUserErrorTracebacks) for f in luigi_logger.filters):
        luigi_logger.addFilter(_HideUserErrorTracebacks())


ensure_shotstyle_logging()
