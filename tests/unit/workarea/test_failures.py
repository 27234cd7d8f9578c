"""pipeline.workarea.failures: a failed stage's record (its error's first line, the
log, the task, host and time), read back, cleared by a successful run."""
from __future__ import annotations

import json
import socket
import time

from pipeline.errors import MediaError
from pipeline.workarea.failures import clear_failure, failure_path, read_failure, record_failure


def test_a_failure_is_recorded_with_its_first_line_and_read_back(tmp_path):
    logs = tmp_path / "work" / "s01" / "logs"  # made by the record
    error = OSError("s01.mov: decode failed: decoded 3 of 5 frames\nmore detail below")
    before = time.time()
    record_failure(logs, "plates", error, "Plates(shot=s01)")
    assert failure_path(logs, "plates") == logs / "plates.failed.json"
    record = read_failure(logs, "plates")
    assert record["error"] == "OSError: s01.mov: decode failed: decoded 3 of 5 frames"
    assert record["log"] == str(logs / "plates.log")
    assert record["task"] == "Plates(shot=s01)" and record["host"] == socket.gethostname()
    recorded = time.mktime(time.strptime(record["time"][:19], "%Y-%m-%dT%H:%M:%S"))
    assert before - 1 <= recorded <= time.time() + 1
    assert [p.name for p in logs.iterdir()] == ["plates.failed.json"]  # no temporary left


def test_a_user_error_is_recorded_whole_its_names_escaped(tmp_path):
    record_failure(tmp_path, "plates", MediaError("new\nline.mov: source not found"), "t")
    assert read_failure(tmp_path, "plates")["error"] == (
        "MediaError: new\\nline.mov: source not found")


def test_an_error_whose_text_names_its_kind_is_not_prefixed_twice(tmp_path):
    record_failure(tmp_path, "stylise.1001-1004", RuntimeError("RuntimeError: CUDA error"), "t")
    assert read_failure(tmp_path, "stylise.1001-1004")["error"] == "RuntimeError: CUDA error"


def test_an_error_without_text_is_recorded_by_its_kind(tmp_path):
    record_failure(tmp_path, "flow", KeyboardInterrupt(), "t")
    assert read_failure(tmp_path, "flow")["error"] == "KeyboardInterrupt"


def test_a_later_failure_replaces_the_earlier_one_and_clear_removes_it(tmp_path):
    record_failure(tmp_path, "encode", MediaError("first"), "t")
    record_failure(tmp_path, "encode", MediaError("second"), "t")
    assert json.loads(failure_path(tmp_path, "encode").read_text())["error"] == \
        "MediaError: second"
    clear_failure(tmp_path, "encode")
    assert read_failure(tmp_path, "encode") is None
    clear_failure(tmp_path, "encode")  # nothing to clear: no error
    assert read_failure(tmp_path, "never-failed") is None


def test_a_record_that_cannot_be_written_does_not_hide_the_error(tmp_path):
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the logs folder should be")
    record_failure(blocker, "plates", MediaError("the real error"), "t")  # no exception
    assert read_failure(blocker, "plates") is None
