"""pipeline.stages.common: what every stage function shares: progress reports, the
probed source (from the probe stage's manifest), a chunk's folder."""
from __future__ import annotations

import os
import time

import pytest

from helpers import make_clip
from pipeline.errors import MediaError, NotReadyError
from pipeline.stages.registry import run_stage
from pipeline.stages import probe as probe_stage
from pipeline.graph.chunks import Chunk
from pipeline.stages.common import StageRun, chunk_folder, notify, source_info
from pipeline.workarea.manifest import write_manifest
from pipeline.workarea.plan import ShotPlan


@pytest.fixture
def plan(project, tmp_path) -> ShotPlan:
    project.add_shot("c01", make_clip(tmp_path / "c01.mov", 32, 24, frames=5, audio=False))
    return ShotPlan.load("c01")


def decoded(plan: ShotPlan, first: int, last: int) -> None:
    """The plates stage's manifest, as a run writes it: the shot's frame range."""
    write_manifest(plan.paths.stage_manifest("plates"), stage="plates", shot=plan.shot,
                   key=plan.keys.key("plates"), frames=(first, last))


def test_notify_reports_to_a_progress_callback_if_there_is_one():
    seen = []
    notify(lambda done, total, msg: seen.append((done, total, msg)), 2, 8, "styled 1002")
    notify(None, 3, 8, "nobody listens")
    assert seen == [(2, 8, "styled 1002")]


def test_the_source_is_read_from_the_probe_stage_s_manifest(plan):
    with pytest.raises(NotReadyError, match="^c01: source not probed yet$"):
        source_info(plan)
    probed = run_stage(plan, "probe")
    info = source_info(plan)
    assert info == probed
    assert (info.width, info.height, info.frame_count) == (32, 24, 5)


def test_a_chunk_outside_the_shot_is_refused(plan):
    decoded(plan, 1001, 1005)
    for first, last in ((1000, 1003), (1004, 1006), (1004, 1003)):
        with pytest.raises(MediaError) as err:
            chunk_folder(StageRun(plan, "styled", Chunk(first, last)))
        assert str(err.value) == (f"c01: frames {first}-{last} are outside the shot "
                                  f"(1001-1005)")
    assert not plan.paths.stage_dir("styled").exists()


def test_a_chunk_s_folder_is_made_and_a_killed_run_s_temporaries_go(plan):
    decoded(plan, 1001, 1005)
    folder = plan.paths.stage_dir("styled")
    folder.mkdir(parents=True)
    old = folder / ".c01.1001.png.tmp-123-abcd"
    fresh = folder / ".c01.1002.png.tmp-456-ef01"  # another worker writing right now
    frame = folder / "c01.1001.png"
    for path in (old, fresh, frame):
        path.write_bytes(b"x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(frame, (an_hour_ago, an_hour_ago))
    assert chunk_folder(StageRun(plan, "styled", Chunk(1001, 1004))) == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted([fresh.name, frame.name])
    assert chunk_folder(StageRun(plan, "flow", Chunk(1005, 1005))).is_dir()
