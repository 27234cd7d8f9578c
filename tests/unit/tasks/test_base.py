"""tasks.base: a checkpointed stage as a Luigi task, built in-process by a real
Luigi local scheduler: its log file, its failure record (written on failure,
cleared on success), one-line failures, transient-error retries, a scheduler
that stops answering."""
from __future__ import annotations

import errno
import logging
from pathlib import Path

import luigi
import pytest
import yaml
from luigi.rpc import RPCError

from pipeline.errors import MediaError
from pipeline.workarea.failures import read_failure, record_failure
from pipeline.workarea.plan import ShotPlan
from tasks.base import PipelineTask, _StageLogHandler


class _BaseTestStage(PipelineTask):
    """A stage of shot ``shot`` that writes ``done.txt`` (or fails as told)."""
    shot = luigi.Parameter()
    fail = luigi.Parameter(default="")  # "" | "user" | "bug" | "transient-once"
    stage_name = "probe"
    attempts: list = []

    @property
    def plan(self) -> ShotPlan:
        return ShotPlan.load(self.shot)

    @property
    def label(self) -> str:
        return self.shot

    def output(self):
        return luigi.LocalTarget(str(self.plan.paths.root / "done.txt"))

    def execute(self, plan):
        type(self).attempts.append(self.fail)
        if self.fail == "user":
            raise MediaError(f"{plan.cfg.source}: source not found")
        if self.fail == "bug":
            raise ZeroDivisionError("division by zero")
        if self.fail == "transient-once" and len(type(self).attempts) == 1:
            raise OSError(errno.EIO, "Input/output error", str(plan.paths.root / "x"))
        plan.paths.root.mkdir(parents=True, exist_ok=True)
        progress = self.progress()
        progress(1, 2, "half")
        progress(2, 2, "all")
        (plan.paths.root / "done.txt").write_text("ok")


@pytest.fixture
def shot(project):
    project.add_shot("b01", project.root / "b01.mov")
    pipeline_yaml = project.configs / "pipeline.yaml"
    cfg = yaml.safe_load(pipeline_yaml.read_text())
    pipeline_yaml.write_text(yaml.safe_dump({**cfg, "retries": 1, "retry_wait": 0}))
    _BaseTestStage.attempts = []
    return "b01"


def build(task: luigi.Task) -> luigi.execution_summary.LuigiRunResult:
    return luigi.build([task], local_scheduler=True, detailed_summary=True, workers=1,
                       log_level="CRITICAL")


def test_a_stage_runs_logs_to_its_file_and_clears_an_old_failure(shot):
    plan = ShotPlan.load(shot)
    record_failure(plan.paths.logs_dir, "probe", MediaError("yesterday's failure"), "old")
    task = _BaseTestStage(shot=shot)
    assert not task.complete()
    result = build(task)
    assert result.status == luigi.execution_summary.LuigiStatusCode.SUCCESS
    assert task.complete() and (plan.paths.root / "done.txt").read_text() == "ok"
    assert read_failure(plan.paths.logs_dir, "probe") is None
    log = (plan.paths.logs_dir / "probe.log").read_text()
    assert f"b01: start {task.task_id}" in log and f"b01: done {task.task_id}" in log
    assert "b01 probe: all 2/2 (100%)" in log


def test_a_user_error_fails_in_one_line_and_leaves_a_failure_record(shot):
    plan = ShotPlan.load(shot)
    task = _BaseTestStage(shot=shot, fail="user")
    result = build(task)
    assert result.status == luigi.execution_summary.LuigiStatusCode.FAILED
    record = read_failure(plan.paths.logs_dir, "probe")
    assert record["error"] == f"MediaError: {plan.cfg.source}: source not found"
    assert record["task"] == task.task_id
    assert task.on_failure(MediaError("x.mov: source not found")) == \
        "MediaError: x.mov: source not found"
    assert "Traceback" in (plan.paths.logs_dir / "probe.log").read_text()  # the log keeps it


def test_an_unexpected_exception_keeps_luigi_s_traceback_and_is_recorded(shot):
    plan = ShotPlan.load(shot)
    task = _BaseTestStage(shot=shot, fail="bug")
    assert build(task).status == luigi.execution_summary.LuigiStatusCode.FAILED
    assert read_failure(plan.paths.logs_dir, "probe")["error"] == "ZeroDivisionError: division by zero"
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        assert "Traceback" in task.on_failure(exc)


def test_a_transient_error_is_retried_and_the_stage_completes(shot):
    task = _BaseTestStage(shot=shot, fail="transient-once")
    assert build(task).status == luigi.execution_summary.LuigiStatusCode.SUCCESS
    assert _BaseTestStage.attempts == ["transient-once", "transient-once"]
    assert "retry 1/1" in (ShotPlan.load(shot).paths.logs_dir / "probe.log").read_text()


def test_a_broken_config_is_not_complete_instead_of_raising(project):
    (project.configs / "shots" / "bad.yaml").write_text("source: [unclosed\n")
    assert _BaseTestStage(shot="bad").complete() is False


def test_a_scheduler_that_stops_answering_is_asked_once_then_left_alone(shot, caplog):
    task = _BaseTestStage(shot=shot)
    calls = []

    def unreachable(*args):
        calls.append(args)
        raise RPCError("Errors (3 attempts) when connecting to remote scheduler")

    with caplog.at_level(logging.WARNING, logger="shotstyle"):
        task._tell_scheduler(unreachable, 10)
        task._tell_scheduler(unreachable, 20)
    assert calls == [(10,)]
    assert "the scheduler does not answer" in caplog.text


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_the_stage_log_drops_a_record_it_cannot_write(tmp_path, capsys):
    """/dev/full fails every write with ENOSPC, as a full volume does."""
    handler = _StageLogHandler(tmp_path / "s.log", encoding="utf-8")
    handler.stream.close()
    handler.stream = open("/dev/full", "w", encoding="utf-8")
    logger = logging.getLogger("shotstyle.test_base")
    logger.addHandler(handler)
    try:
        logger.error("a line the full volume does not take")  # no exception
    finally:
        logger.removeHandler(handler)
        handler.close()  # nor here
    assert capsys.readouterr().err == ""  # not logging's "--- Logging error ---" report
