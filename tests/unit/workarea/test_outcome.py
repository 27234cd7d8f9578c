"""pipeline.workarea.outcome: where a shot stands when a batch ends: complete,
failed since the batch began, or not run (with who holds it)."""
from __future__ import annotations

import os
import time

import pytest

from pipeline.errors import MediaError, ShotstyleError
from pipeline.workarea import lock
from pipeline.workarea.failures import record_failure
from pipeline.workarea.outcome import COMPLETE, FAILED, NOT_RUN, ShotOutcome, shot_outcome
from pipeline.workarea.plan import ShotPlan


def test_a_shot_with_every_stage_done_is_complete(work):
    work.all_done()
    assert shot_outcome("w01", time.time()) == ShotOutcome("w01", COMPLETE)


def test_a_shot_nothing_ran_for_is_not_run(work):
    outcome = shot_outcome("w01", time.time())
    assert outcome == ShotOutcome("w01", NOT_RUN)
    assert str(outcome) == "w01 (not run)"


def test_a_failure_since_the_batch_began_fails_the_shot(work):
    began = time.time() - 5
    record_failure(work.plan.paths.logs_dir, "probe", MediaError("w01.mov: not a video"), "Probe")
    outcome = shot_outcome("w01", began)
    assert outcome == ShotOutcome("w01", FAILED, "probe: MediaError: w01.mov: not a video")
    assert str(outcome) == "w01 (failed: probe: MediaError: w01.mov: not a video)"


def test_a_failure_from_an_earlier_batch_is_not_this_batch_s(work):
    record_failure(work.plan.paths.logs_dir, "probe", MediaError("old news"), "Probe")
    assert shot_outcome("w01", time.time() + 60).state == NOT_RUN


def test_a_shot_whose_config_is_broken_fails_with_the_config_s_line(work):
    (work.project.configs / "shots" / "w01.yaml").write_text("source: [unclosed\n")
    with pytest.raises(ShotstyleError) as err:
        ShotPlan.load("w01")
    assert shot_outcome("w01", time.time()) == ShotOutcome("w01", FAILED, str(err.value))
    assert "\n" not in str(err.value)


def test_a_shot_another_render_holds_is_not_run_and_names_the_holder(work):
    root = work.plan.paths.root
    root.mkdir(parents=True, exist_ok=True)
    holder = lock.local_session("luigi --module tasks RenderShot --shot w01", os.getpid())
    lock.take(root, holder, "w01")
    outcome = shot_outcome("w01", time.time())
    assert outcome.state == NOT_RUN
    assert outcome.detail == f"another render holds it: {holder.describe()}"


def test_a_shared_session_s_lock_is_not_another_render(work):
    root = work.plan.paths.root
    root.mkdir(parents=True, exist_ok=True)
    lock.take(root, lock.shared_session("farm job 42", "openjd run"), "w01")
    assert shot_outcome("w01", time.time()) == ShotOutcome("w01", NOT_RUN)
