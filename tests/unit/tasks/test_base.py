"""tasks.base: a checkpointed stage as a Luigi task, built in-process by a real
Luigi local scheduler: its log file, its failure record (written on failure,
cleared on success), one-line failures (also of an OSError), the roots checked
before the stage runs (also through the real `luigi` command), transient-error
retries, a scheduler that stops answering, a Ctrl-C Luigi swallowed, the farm
monitor's progress lines."""
from __future__ import annotations

import errno
import getpass
import logging
import subprocess
from pathlib import Path

import luigi
import pytest
import yaml
from luigi.rpc import RPCError

from helpers import LUIGI_SUMMARY, lines_to_read
from pipeline.errors import MediaError
from pipeline.openjd.environment import PROGRESS_VARIABLE
from pipeline.workarea.failures import read_failure, record_failure
from pipeline.workarea.plan import ShotPlan
from tasks.base import INTERRUPTED, PipelineTask, _StageLogHandler


class _BaseTestStage(PipelineTask):
    """A stage of shot ``shot`` that writes ``done.txt`` (or fails as told)."""
    shot = luigi.Parameter()
    # "" | "user" | "bug" | "transient-once" | "os" | "ctrl-c" (stopped by a Ctrl-C's FFmpeg)
    fail = luigi.Parameter(default="")
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
        if self.fail == "ctrl-c":  # the handler noted it; FFmpeg, stopped too, fails
            INTERRUPTED.set()
            raise MediaError(f"{plan.cfg.source}: ffprobe failed (exit 255)")
        if self.fail == "bug":
            raise ZeroDivisionError("division by zero")
        if self.fail == "transient-once" and len(type(self).attempts) == 1:
            raise OSError(errno.EIO, "Input/output error", str(plan.paths.root / "x"))
        plan.paths.root.mkdir(parents=True, exist_ok=True)
        if self.fail == "os":  # a real refusal: a frame written under a file
            (plan.paths.root / "plates").write_text("not a folder")
            (plan.paths.root / "plates" / "b01.1001.png").write_bytes(b"")
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


def test_under_a_farm_job_the_stage_s_progress_goes_to_the_monitor_too(shot, capsys,
                                                                       monkeypatch):
    build(_BaseTestStage(shot=shot, fail="transient-once"))
    assert "openjd_" not in capsys.readouterr().out  # a workstation's render: none
    monkeypatch.setenv(PROGRESS_VARIABLE, "1")
    (ShotPlan.load(shot).paths.root / "done.txt").unlink()
    assert build(_BaseTestStage(shot=shot)).status == \
        luigi.execution_summary.LuigiStatusCode.SUCCESS
    assert [line for line in capsys.readouterr().out.splitlines() if "openjd_" in line] == [
        "openjd_status: b01 probe: started", "openjd_progress: 50",
        "openjd_progress: 100", "openjd_status: b01 probe: all 2/2",
        "openjd_status: b01 probe: done"]
    (ShotPlan.load(shot).paths.root / "done.txt").unlink()
    build(_BaseTestStage(shot=shot, fail="user"))
    assert f"openjd_status: b01 probe: failed: {ShotPlan.load(shot).cfg.source}: source not " \
           f"found" in capsys.readouterr().out.splitlines()


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


def test_an_os_error_of_a_stage_is_one_line_and_its_log_keeps_the_traceback(shot):
    plan = ShotPlan.load(shot)
    task = _BaseTestStage(shot=shot, fail="os")
    assert build(task).status == luigi.execution_summary.LuigiStatusCode.FAILED
    plates = plan.paths.root / "plates"
    line = (f"{plates / 'b01.1001.png'}: {plates} is a file, not a folder (ENOTDIR): move "
            f"the file aside, or choose another folder")
    assert read_failure(plan.paths.logs_dir, "probe")["error"] == f"PathError: {line}"
    log = (plan.paths.logs_dir / "probe.log").read_text()
    assert f"{line}\nTraceback (most recent call last):" in log
    assert "NotADirectoryError: [Errno 20] Not a directory" in log
    assert _BaseTestStage.attempts == ["os"]  # not retried


def test_a_render_root_that_cannot_be_written_fails_before_the_stage_runs(shot, project):
    pipeline_yaml = project.configs / "pipeline.yaml"
    cfg = yaml.safe_load(pipeline_yaml.read_text())
    pipeline_yaml.write_text(yaml.safe_dump({**cfg, "render_root": "/sys/kernel"}))
    assert build(_BaseTestStage(shot=shot)).status == \
        luigi.execution_summary.LuigiStatusCode.FAILED
    assert _BaseTestStage.attempts == []  # nothing ran: no stage log, no record
    assert not (project.work / shot / "logs").exists()


def test_the_luigi_command_says_a_root_cannot_be_written_in_one_line(project):
    """Through the real ``luigi`` command: exit 30 (task_failed), one line naming the
    root, the variable that set it and the OS's reason, before any stage runs."""
    project.add_shot("r01", project.root / "r01.mov")
    proc = subprocess.run(project.luigi_cmd("RenderShot", "--shot", "r01"), cwd=project.root,
                          env=project.env(SHOTSTYLE_RENDER_ROOT="/sys/kernel"),
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout) == (30, "")
    before, summary, after = proc.stderr.split(LUIGI_SUMMARY)
    assert lines_to_read(before) == [
        "shotstyle: error: render root /sys/kernel (set by $SHOTSTYLE_RENDER_ROOT) cannot be "
        f"written: /sys/kernel: permission denied for user {getpass.getuser()} (EACCES): give "
        "that user write access to it, or set $SHOTSTYLE_RENDER_ROOT to another folder"]
    assert "- 1 ProbeSource(shot=r01)" in summary and after.strip() == ""
    assert not (project.work / "r01").exists()  # the probe did not run


@pytest.fixture
def interrupted():
    yield INTERRUPTED
    INTERRUPTED.clear()


def test_a_ctrl_c_luigi_swallowed_stops_the_next_task_before_it_runs(shot, interrupted):
    """Luigi swallows a KeyboardInterrupt raised in an event callback (the progress
    lines' START handler, say): the ``shotstyle`` command's handler has noted it,
    and the task stops before its stage runs."""
    interrupted.set()
    with pytest.raises(KeyboardInterrupt):
        build(_BaseTestStage(shot=shot))
    assert _BaseTestStage.attempts == []


def test_a_stage_failing_because_of_a_ctrl_c_is_an_interrupt_not_a_failure(shot, interrupted,
                                                                         capsys):
    plan = ShotPlan.load(shot)
    with pytest.raises(KeyboardInterrupt):
        build(_BaseTestStage(shot=shot, fail="ctrl-c"))
    assert _BaseTestStage.attempts == ["ctrl-c"]
    assert read_failure(plan.paths.logs_dir, "probe") is None
    assert "shotstyle: error" not in capsys.readouterr().err


def test_a_stage_of_a_shot_whose_render_folder_is_a_file_fails_before_it_runs(project):
    """The probe, not the encode after the whole render, says the render folder is a file."""
    from tasks.shot import ProbeSource
    project.add_shot("r02", project.root / "r02.mov")
    project.renders.mkdir()
    (project.renders / "r02").write_text("not a folder")
    assert build(ProbeSource(shot="r02")).status == luigi.execution_summary.LuigiStatusCode.FAILED
    assert not (project.work / "r02").exists()  # no lock, no log, no manifest
