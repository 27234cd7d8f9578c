"""pipeline.stages.common.StageRun: the one stage protocol. ``commit`` writes the
stage's (or chunk's) manifest with its key, and the done-check then holds."""
from __future__ import annotations

import json

import pytest

from helpers import make_clip
from pipeline.errors import NotReadyError, ShotstyleError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import PLATES, PROBE, STYLED
from pipeline.stages.common import StageRun, source_info
from pipeline.workarea.done import stage_done
from pipeline.workarea.plan import ShotPlan


def test_commit_writes_the_manifest_with_the_key(project, tmp_path):
    project.add_shot("r01", make_clip(tmp_path / "a.mov", 32, 24, frames=3, audio=False))
    plan = ShotPlan.load("r01")
    with pytest.raises(NotReadyError, match="source not probed yet") as err:
        source_info(plan)
    assert isinstance(err.value, ShotstyleError)  # one line for the user, no traceback

    StageRun(plan, PROBE).commit(source={"x": 1}, seconds=0.5)
    data = json.loads(plan.paths.stage_manifest(PROBE).read_text())
    assert (data["stage"], data["shot"], data["key"], data["frames"]) == (
        PROBE, "r01", plan.keys.key(PROBE), None)
    assert (data["source"], data["seconds"]) == ({"x": 1}, 0.5)
    assert stage_done(plan, PROBE).is_current()

    StageRun(plan, PLATES).commit(frames=(1001, 1010), count=10)
    chunk = Chunk(1005, 1008)
    ctx = StageRun(plan, STYLED, chunk, progress=None)
    assert ctx.manifest == plan.paths.stage_dir(STYLED) / "chunks" / "1005-1008.json"
    ctx.commit(device="cpu")
    data = json.loads(ctx.manifest.read_text())
    assert (data["key"], data["frames"], data["device"]) == (
        plan.keys.chunk_key(STYLED, chunk), [1005, 1008], "cpu")
    assert stage_done(plan, STYLED, chunk).is_current()


def test_progress_goes_where_the_run_says():
    seen = []
    StageRun(None, PROBE, progress=lambda *a: seen.append(a)).notify(1, 2, "x")
    StageRun(None, PROBE).notify(1, 2, "nobody listens")
    assert seen == [(1, 2, "x")]
