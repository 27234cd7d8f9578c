"""pipeline.settings: which of the shot's and the pipeline's values wins (the shot's
when it sets one), and the colour policy's EXR default where the shot says nothing."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from pipeline.config import OutputConfig, PipelineConfig, ShotConfig, SmoothingConfig
from pipeline.settings import ShotSettings

PIPELINE = PipelineConfig(work_root=Path("work"), render_root=Path("renders"),
                          chunk_size=48, batch_size=4)


def _settings(exr_by_default: bool = False, **shot) -> ShotSettings:
    cfg = ShotConfig(source="s01.mov", style="tiny", **shot)
    return ShotSettings.of(cfg, PIPELINE, Path("configs/shots/s01.yaml"), exr_by_default)


def test_the_pipeline_decides_where_the_shot_says_nothing():
    s = _settings()
    assert (s.chunk_size, s.batch_size, s.fps_override) == (48, 4, None)
    assert not s.writes_exr and s.smoothing_uses_flow


def test_the_shot_wins_over_the_pipeline():
    s = _settings(chunk_size=12, batch_size=1, fps="24000/1001")
    assert (s.chunk_size, s.batch_size) == (12, 1)
    assert s.fps_override == Fraction(24000, 1001)


@pytest.mark.parametrize("exr,default,writes", [
    (None, False, False), (None, True, True),  # the colour policy's default
    (True, False, True), (False, True, False),  # the shot's output.exr wins
])
def test_exr_output_is_the_shots_else_the_colour_policys(exr, default, writes):
    assert _settings(default, output=OutputConfig(exr=exr)).writes_exr is writes


def test_smoothing_without_flow():
    assert not _settings(smoothing=SmoothingConfig(method="none")).smoothing_uses_flow
