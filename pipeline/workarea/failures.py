"""Failure records: what a stage's last failed run said, for `python -m pipeline status`.

A failed stage (or chunk) leaves ``work/<shot>/logs/<name>.failed.json`` with
the error's first line, the log's path, the host and the time; a successful
run of it removes the record.
"""
from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Optional

from pipeline.media.atomic import write_json
from pipeline.workarea.manifest import read_manifest


def failure_path(logs_dir: Path, log_name: str) -> Path:
    return Path(logs_dir) / f"{log_name}.failed.json"


def record_failure(logs_dir: Path, log_name: str, error: BaseException, task_id: str) -> None:
    text = str(error).strip() or type(error).__name__
    first = text.splitlines()[0]
    if not first.startswith(type(error).__name__):
        first = f"{type(error).__name__}: {first}"
    try:
        Path(logs_dir).mkdir(parents=True, exist_ok=True)
        write_json(failure_path(logs_dir, log_name), {
            "error": first, "log": str(Path(logs_dir) / f"{log_name}.log"), "task": task_id,
            "host": socket.gethostname(), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    except OSError:
        pass  # a full disk must not hide the original error


def clear_failure(logs_dir: Path, log_name: str) -> None:
    try:
        failure_path(logs_dir, log_name).unlink()
    except FileNotFoundError:
        pass


def read_failure(logs_dir: Path, log_name: str) -> Optional[dict]:
    return read_manifest(failure_path(logs_dir, log_name))
