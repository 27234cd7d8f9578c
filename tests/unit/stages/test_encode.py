"""pipeline.stages.encode: the deliverables the shot's output config asks for,
made from the final frames (real ffmpeg), and the frames copied, not linked."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import ffprobe_video
from pipeline.errors import MediaError
from pipeline.stages.registry import run_stage
from pipeline.media.imageio import read_rgb
from pipeline.stages import encode
from pipeline.workarea.manifest import read_manifest


def test_the_movies_and_frames_of_the_final_frames(tiny_shot, run_stages, project):
    plan = tiny_shot()
    run_stages(plan, "final")
    progress = []
    outputs = run_stage(plan, "encode", progress=lambda done, total, msg: progress.append((done, total)))
    out = project.renders / "st1"
    assert outputs == {"mov": str(out / "st1_styled.mov"), "mp4": str(out / "st1_styled.mp4"),
                       "frames": str(out / "frames")}
    assert progress[-1] == (3, 3)
    for name, codec in (("st1_styled.mov", "prores"), ("st1_styled.mp4", "h264")):
        v = ffprobe_video(out / name)
        assert (v["codec_name"], v["width"], v["height"], v["frames"]) == (codec, 32, 24, 6)
    frames = sorted(p.name for p in (out / "frames").iterdir())
    assert frames == [f"st1.{f}.png" for f in range(1001, 1007)]
    published = out / "frames" / "st1.1003.png"
    assert np.array_equal(read_rgb(published), read_rgb(plan.paths.frame_file("final", 1003)))
    assert published.stat().st_ino != plan.paths.frame_file("final", 1003).stat().st_ino  # a copy
    data = read_manifest(plan.paths.stage_manifest("encode"))
    assert data["outputs"] == outputs and set(data["timings"]) == {"mov", "mp4", "frames"}


def test_only_the_outputs_the_shot_asks_for(tiny_shot, run_stages, project):
    plan = tiny_shot(output={"mov": False, "frames": False})
    run_stages(plan, "final")
    assert list(run_stage(plan, "encode")) == ["mp4"]
    assert sorted(p.name for p in (project.renders / "st1").iterdir()) == ["st1_styled.mp4"]


def test_a_missing_final_frame_is_one_line(tiny_shot, run_stages):
    plan = tiny_shot(output={"mov": False, "mp4": False})
    run_stages(plan, "final")
    plan.paths.frame_file("final", 1004).unlink()
    with pytest.raises(MediaError, match=r"st1\.1004\.png: final frame missing$"):
        run_stage(plan, "encode")
    assert not plan.paths.frames_out_dir.exists()  # the sequence is swapped in whole, or not at all
