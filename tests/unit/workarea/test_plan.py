"""pipeline.workarea.plan: a shot's plan is composed of its parts, each built from
the same configs; the colour policy's choice is the plan's ``colour``."""
from __future__ import annotations

from pipeline.workarea.paths import ShotPaths


def test_the_plan_is_composed_of_its_parts(work):
    plan = work.plan
    assert plan.paths == ShotPaths("w01", plan.pipeline)
    assert plan.paths.root == work.project.work / "w01"
    assert plan.settings.chunk_size == 4  # the test project's pipeline config
    assert plan.keys.plan is plan
    assert plan.frames.paths == plan.paths
    assert plan.frames.chunk_size == plan.settings.chunk_size


def test_the_colour_policy_decides_the_exr_default(work):
    assert work.plan.colour is None and not work.plan.settings.writes_exr
    assert work.configure(output={"exr": False}, colorspace="ACEScg").settings.writes_exr is False


def test_forwarding_is_to_the_parts(work):
    plan = work.plan
    assert plan.logs_dir == plan.paths.logs_dir
    assert plan.key("probe") == plan.keys.key("probe")
