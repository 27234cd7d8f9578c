"""pipeline.stages.styled: the styled stage runs the style's generator over a
chunk's plates (batched, written behind) and records how."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.errors import MediaError
from pipeline.graph.chunks import Chunk
from pipeline.stages.registry import run_stage
from pipeline.media.imageio import read_rgb, write_rgb
from pipeline.stages import styled
from pipeline.workarea.manifest import read_manifest


def test_stylize_files_writes_every_frame_through_the_stylizer_in_batches(tmp_path):
    rng = np.random.RandomState(0)
    pairs = []
    for i in range(5):
        write_rgb(tmp_path / f"in.{i}.png", rng.randint(0, 255, (6, 8, 3)).astype(np.uint8))
        pairs.append((tmp_path / f"in.{i}.png", tmp_path / "out" / f"o.{i}.png"))
    (tmp_path / "out").mkdir()
    batches, reports = [], []

    def invert(frames: np.ndarray) -> np.ndarray:
        batches.append(len(frames))
        return 255 - frames

    assert styled.stylize_files(pairs, invert, 2, progress=lambda d, t: reports.append((d, t))) == 5
    assert batches == [2, 2, 1] and reports == [(2, 5), (4, 5), (5, 5)]
    for src, dst in pairs:
        assert np.array_equal(read_rgb(dst), 255 - read_rgb(src))


def test_a_chunk_is_stylised_with_the_style_s_generator(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "plates")
    stats = run_stage(plan, "styled", Chunk(1005, 1006))
    assert sorted(p.name for p in plan.paths.stage_dir("styled").glob("*.png")) == [
        "st1.1005.png", "st1.1006.png"]
    out = read_rgb(plan.paths.frame_file("styled", 1005))
    assert out.shape == (24, 32, 3) and out.dtype == np.uint8
    assert not np.array_equal(out, read_rgb(plan.paths.frame_file("plates", 1005)))
    assert (stats["device"], stats["backend"], stats["arch"]) == ("cpu", "torch", "fewshot_unet")
    data = read_manifest(plan.paths.chunk_manifest("styled", Chunk(1005, 1006)))
    assert data["frames"] == [1005, 1006] and data["key"] == plan.keys.chunk_key("styled", Chunk(1005, 1006))
    assert data["batch_size"] == 2


def test_a_chunk_outside_the_shot_is_refused(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "plates")
    with pytest.raises(MediaError, match="outside the shot"):
        run_stage(plan, "styled", Chunk(1005, 1008))


def test_a_missing_plate_is_one_line(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "plates")
    plan.paths.frame_file("plates", 1006).unlink()
    with pytest.raises(MediaError, match=r"st1\.1006\.png: cannot read image \(missing\)"):
        run_stage(plan, "styled", Chunk(1005, 1006))
    assert cv2.imread(str(plan.paths.frame_file("styled", 1006))) is None
