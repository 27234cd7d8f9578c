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
    out = project.renders / "st1" / "v001"  # the first version, named with it
    assert outputs == {"mov": str(out / "st1_v001.mov"), "mp4": str(out / "st1_v001.mp4"),
                       "frames": str(out / "frames")}
    assert progress[-1] == (2, 2)  # both movies from one FFmpeg run, then the frames
    for name, codec in (("st1_v001.mov", "prores"), ("st1_v001.mp4", "h264")):
        v = ffprobe_video(out / name)
        assert (v["codec_name"], v["width"], v["height"], v["frames"]) == (codec, 32, 24, 6)
    frames = sorted(p.name for p in (out / "frames").iterdir())
    assert frames == [f"st1_v001.{f}.png" for f in range(1001, 1007)]
    published = out / "frames" / "st1_v001.1003.png"
    assert np.array_equal(read_rgb(published), read_rgb(plan.paths.frame_file("final", 1003)))
    assert published.stat().st_ino != plan.paths.frame_file("final", 1003).stat().st_ino  # a copy
    data = read_manifest(plan.paths.stage_manifest("encode"))
    assert data["outputs"] == outputs and set(data["timings"]) == {"mov+mp4", "frames"}
    assert data["version"] == 1


def test_only_the_outputs_the_shot_asks_for(tiny_shot, run_stages, project):
    plan = tiny_shot(output={"mov": False, "frames": False})
    run_stages(plan, "final")
    assert list(run_stage(plan, "encode")) == ["mp4"]
    assert sorted(p.name for p in (project.renders / "st1").iterdir()) == ["v001"]
    assert sorted(p.name for p in (project.renders / "st1" / "v001").iterdir()) == [
        "st1_v001.mp4"]


def test_a_missing_final_frame_is_one_line(tiny_shot, run_stages):
    plan = tiny_shot(output={"mov": False, "mp4": False})
    run_stages(plan, "final")
    plan.paths.frame_file("final", 1004).unlink()
    with pytest.raises(MediaError, match=r"st1\.1004\.png: final frame missing$"):
        run_stage(plan, "encode")
    version = plan.paths.version(1)
    assert not version.frames_dir.exists()  # the sequence is swapped in whole, or not at all
    assert list(version.folder.iterdir()) == []  # unpublished: the next encode replaces it


def test_a_published_version_is_never_written_into_again(tiny_shot, run_stages, project):
    """An encode that runs while the version it would deliver into is published (its
    keys unchanged: a rerun, a deleted file) writes the next version; one that runs
    while the newest version is not published replaces that one."""
    plan = tiny_shot(output={"mov": False, "frames": False})
    run_stages(plan, "report")
    first = plan.paths.version(1)
    mp4 = first.movie_paths(plan.cfg.output)["mp4"]
    before = (mp4.read_bytes(), mp4.stat().st_mtime_ns)
    assert plan.versions.target() == 1 and plan.versions.is_published(1)

    assert run_stage(plan, "encode") == {"mp4": str(project.renders / "st1" / "v002" /
                                                    "st1_v002.mp4")}
    assert (mp4.read_bytes(), mp4.stat().st_mtime_ns) == before
    assert plan.versions.target() == 2  # unpublished: the report publishes it next
    (plan.paths.version(2).folder / "left by a stopped render").write_text("x")
    run_stage(plan, "encode")
    assert sorted(p.name for p in plan.paths.version(2).folder.iterdir()) == ["st1_v002.mp4"]
    assert not plan.paths.version(3).folder.exists()
