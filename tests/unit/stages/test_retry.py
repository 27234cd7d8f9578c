"""Retry policy: transient I/O errors are retried in the stage's own process, a
full disk and user errors are not; wired through a real (in-process) Luigi run."""
from __future__ import annotations

import errno
import json
from pathlib import Path
from types import SimpleNamespace

import luigi
import pytest

from pipeline.config import PipelineConfig
from pipeline.errors import DiskFullError, MediaError
from pipeline.stages.retry import RetryPolicy, is_transient, retry_delay
from tasks.base import PipelineTask


@pytest.mark.parametrize("code", [errno.EIO, errno.ESTALE, errno.ETIMEDOUT, errno.EAGAIN])
def test_transient_errors_wait_longer_each_time_then_give_up(code):
    policy = RetryPolicy(retries=3, wait=5)
    exc = OSError(code, "flaky")
    assert [retry_delay(exc, policy, a) for a in range(4)] == [5, 10, 20, None]


@pytest.mark.parametrize("exc", [FileNotFoundError(errno.ENOENT, "gone"),
                                 PermissionError(errno.EACCES, "no"),
                                 MediaError("bad footage"), ValueError("bug")])
def test_errors_a_person_must_fix_are_not_retried(exc):
    assert not is_transient(exc)
    if isinstance(exc, OSError):
        assert retry_delay(exc, RetryPolicy(), 0) is None


def test_disk_full_becomes_one_clear_line():
    exc = OSError(errno.ENOSPC, "No space left on device", "/farm/work/s01/styled/x.png")
    with pytest.raises(DiskFullError) as err:
        retry_delay(exc, RetryPolicy(), 0)
    assert str(err.value) == ("disk full writing /farm/work/s01/styled/x.png: free space on "
                              "the volume of /farm/work/s01/styled and re-run; finished chunks "
                              "are kept")


class _Flaky(PipelineTask):
    """Raises ``errno`` on its first ``fail_times`` runs, then writes its output."""
    folder = luigi.Parameter()
    code = luigi.IntParameter()
    fail_times = luigi.IntParameter()
    stage_name = "flaky"

    @property
    def plan(self):
        folder = Path(self.folder)  # the roots too: checked (and made) before a run
        return SimpleNamespace(pipeline=PipelineConfig(
            retries=2, retry_wait=0.01, work_root=folder / "work",
            render_root=folder / "renders"), logs_dir=folder / "logs")

    @property
    def label(self) -> str:
        return "test"

    def output(self):
        return luigi.LocalTarget(str(Path(self.folder) / "out.txt"))

    def execute(self, plan):
        calls = Path(self.folder) / "calls"
        n = int(calls.read_text()) if calls.exists() else 0
        calls.write_text(str(n + 1))
        if n < self.fail_times:
            raise OSError(self.code, "injected", str(Path(self.folder) / "frame.png"))
        Path(self.output().path).write_text("ok")


class _Ready(luigi.ExternalTask):
    folder = luigi.Parameter()

    def output(self):
        return luigi.LocalTarget(str(Path(self.folder) / "ready.txt"))


class _FlakyDynamic(_Flaky):
    """Like _Flaky, but yields a dynamic dependency first (as EncodeClip does)."""

    def execute(self, plan):
        ready = yield _Ready(folder=self.folder)
        assert Path(ready.path).read_text() == "ready"
        super().execute(plan)


def _build(task) -> bool:
    return luigi.build([task], local_scheduler=True, detailed_summary=False, log_level="ERROR")


def test_stage_retries_transient_error_and_succeeds(tmp_path):
    assert _build(_Flaky(folder=str(tmp_path), code=errno.ESTALE, fail_times=2))
    assert (tmp_path / "out.txt").read_text() == "ok"
    assert (tmp_path / "calls").read_text() == "3"
    log = (tmp_path / "logs" / "flaky.log").read_text()
    assert "retry 1/2" in log and "retry 2/2" in log
    assert not (tmp_path / "logs" / "flaky.failed.json").exists()


def test_stage_gives_up_after_the_configured_retries(tmp_path):
    assert not _build(_Flaky(folder=str(tmp_path), code=errno.EIO, fail_times=5))
    assert (tmp_path / "calls").read_text() == "3"
    failure = json.loads((tmp_path / "logs" / "flaky.failed.json").read_text())
    assert failure["error"] == (f"PathError: {tmp_path / 'frame.png'}: injected (EIO): check "
                                f"the storage and re-run, or ask for help with the stage's log")


def test_disk_full_fails_at_once_with_a_failure_record(tmp_path):
    assert not _build(_Flaky(folder=str(tmp_path), code=errno.ENOSPC, fail_times=5))
    assert (tmp_path / "calls").read_text() == "1"
    failure = json.loads((tmp_path / "logs" / "flaky.failed.json").read_text())
    assert failure["error"].startswith("DiskFullError: disk full writing ")
    assert failure["log"] == str(tmp_path / "logs" / "flaky.log")


def test_stage_with_dynamic_dependencies_is_retried_whole(tmp_path):
    (tmp_path / "ready.txt").write_text("ready")
    assert _build(_FlakyDynamic(folder=str(tmp_path), code=errno.ETIMEDOUT, fail_times=1))
    assert (tmp_path / "out.txt").read_text() == "ok"
    assert (tmp_path / "calls").read_text() == "2"
    assert "retry 1/2" in (tmp_path / "logs" / "flaky.log").read_text()
