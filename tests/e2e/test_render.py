"""End to end through the real `luigi` CLI, real ffmpeg and real (tiny) model code."""
import hashlib
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from helpers import (add_torchscript_style, ffprobe_video, make_clip, read_frames, write_pngs,
                     write_yaml)

pytestmark = pytest.mark.slow


def _audio_duration(path):
    import subprocess
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                          "stream=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout.strip()
    return float(out)


def test_render_shot_end_to_end_with_audio(project, tmp_path):
    clip = make_clip(tmp_path / "in.mov", 66, 37, frames=11, fps="24000/1001",
                     timecode="01:00:00:00", vcodec="libx264", pix_fmt="yuv444p")
    project.add_shot("t01", clip)
    proc = project.render("t01")
    assert "1 RenderShot(shot=t01)" in proc.stderr or "RenderShot" in proc.stderr

    out = project.renders / "t01"
    # the review mp4 is padded to an even size (4:2:0); the ProRes keeps 66x37
    for name, codec, height in (("t01_styled.mov", "prores", 37), ("t01_styled.mp4", "h264", 38)):
        v = ffprobe_video(out / name)
        assert v["codec_name"] == codec
        assert (v["width"], v["height"], v["frames"]) == (66, height, 11), name
        assert Fraction(v["r_frame_rate"]) == Fraction(24000, 1001), name
        assert v["has_audio"], f"{name} lost the audio"
        assert _audio_duration(out / name) == pytest.approx(_audio_duration(clip), abs=0.05)
    assert ffprobe_video(out / "t01_styled.mov")["tags"]["timecode"] == "01:00:00:00"
    frames = sorted(p.name for p in (out / "frames").iterdir())
    assert frames == [f"t01.{f}.png" for f in range(1001, 1012)]

    # Every stage left a manifest and a log; chunks of 4 -> 3 chunks.
    work = project.work / "t01"
    assert len(list((work / "styled" / "chunks").glob("*.json"))) == 3
    assert json.loads((work / "plates" / "manifest.json").read_text())["frames"] == [1001, 1011]
    assert (work / "logs" / "styled.1001-1004.log").is_file()

    # Final frames (smoothed, the default) differ from the plates.
    final = read_frames(work / "final")
    plates = read_frames(work / "plates")
    assert final.keys() == plates.keys()
    assert any(np.abs(final[k].astype(int) - plates[k].astype(int)).mean() > 5 for k in final)

    # The metrics stage wrote its JSON (all frames, 10 pairs) and printed a summary.
    metrics = json.loads((out / "metrics.json").read_text())
    assert [r["frame"] for r in metrics["per_frame"]] == list(range(1001, 1012))
    assert metrics["summary"]["pairs"] == 10 and metrics["smoothing"]["method"] == "adaptive"
    assert 0 < metrics["summary"]["ssim_final_vs_styled"] <= 1
    assert "t01: temporal metrics over 11 frames" in proc.stderr

    _check_publish_record(project, "t01")

    # A second run finds everything done and rewrites nothing.
    before = {p: p.stat().st_mtime_ns for p in work.rglob("*.json")}
    project.render("t01")
    assert before == {p: p.stat().st_mtime_ns for p in work.rglob("*.json")}

    # A deleted publish record makes the report stage redo (its manifest lists it) and
    # publish the version again.
    from pipeline.graph.table import REPORT
    from pipeline.workarea.done import stage_done
    from pipeline.workarea.plan import ShotPlan
    (out / "v001" / "publish.json").unlink()  # the version is no longer published
    assert "publish.json" in stage_done(ShotPlan.load("t01"), REPORT).why_not_current()


def _check_publish_record(project, shot):
    """renders/<shot>/v001/publish.json of a 66x37 clip (renders/<shot>/publish.json
    links to it): written last, and every deliverable as the files hold it."""
    out = project.renders / shot / "v001"
    record = json.loads((out / "publish.json").read_text())
    assert record == json.loads((project.renders / shot / "publish.json").read_text())
    manifest = json.loads((project.work / shot / "report" / "manifest.json").read_text())
    assert manifest["outputs"]["publish"] == str(out / "publish.json")
    assert (out / "publish.json").stat().st_mtime_ns >= (out / "report.html").stat().st_mtime_ns
    assert (record["schema"], record["frame_range"], record["fps"]) == \
        ("shotstyle-publish-1", [1001, 1011], "24000/1001")
    style = project.root / "styles" / "tiny.pt"
    assert record["style"]["checkpoint_sha256"] == hashlib.sha256(style.read_bytes()).hexdigest()
    by_kind = {d["kind"]: d for d in record["deliverables"]}
    assert set(by_kind) == {"mov", "mp4", "frames", "report"}
    for kind in ("mov", "mp4"):
        d, v = by_kind[kind], ffprobe_video(by_kind[kind]["path"])
        assert (d["width"], d["height"], d["codec"]) == (v["width"], v["height"], v["codec_name"])
    assert (by_kind["mov"]["height"], by_kind["mp4"]["height"]) == (37, 38)  # mp4 padded
    frames = by_kind["frames"]
    assert frames["path"] == str(out / "frames" / f"{shot}_v001.%04d.png")
    on_disk = sorted(int(p.name.split(".")[1]) for p in (out / "frames").iterdir())
    assert frames["frame_range"] == [on_disk[0], on_disk[-1]] and len(on_disk) == 11
    assert (frames["width"], frames["height"]) == (66, 37)
    for d in record["deliverables"]:  # a sequence: its first frame
        path = d["path"] % d["frame_range"][0] if d["kind"] == "frames" else d["path"]
        assert Path(path).is_file(), d


def test_changed_output_settings_reencode_only(project, tmp_path):
    clip = make_clip(tmp_path / "in.mp4", 64, 36, frames=6, audio=False)
    project.add_shot("t02", clip)
    project.render("t02")
    work = project.work / "t02"
    styled = {p: p.stat().st_mtime_ns for p in (work / "styled").rglob("*")}
    project.add_shot("t02", clip, output={"mp4": False})
    project.render("t02")
    assert styled == {p: p.stat().st_mtime_ns for p in (work / "styled").rglob("*")}
    manifest = json.loads((work / "encode" / "manifest.json").read_text())
    assert set(manifest["outputs"]) == {"mov", "frames"}


def test_image_sequence_shot(project, tmp_path):
    write_pngs(tmp_path / "plates", 40, 30, 5, name="sq", start=1)
    project.add_shot("t03", tmp_path / "plates" / "sq.####.png", fps="25", first_frame=1)
    project.render("t03")
    v = ffprobe_video(project.renders / "t03" / "t03_styled.mov")
    assert (v["frames"], v["r_frame_rate"], v["has_audio"]) == (5, "25/1", False)
    assert (project.renders / "t03" / "frames" / "t03.0001.png").is_file()


def test_failure_exits_non_zero_with_one_clear_line(project, tmp_path):
    project.add_shot("t04", tmp_path / "missing.mov")
    proc = project.render("t04", check=False)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("shotstyle: error:")]
    assert lines and lines[0] == f"shotstyle: error: {tmp_path / 'missing.mov'}: source not found"


def test_bad_config_exits_non_zero(project, tmp_path):
    write_yaml(project.configs / "shots" / "t05.yaml", {"source": "x.mov", "style": "tiny",
                                                         "first_frame": "soon"})
    proc = project.render("t05", check=False)
    assert proc.returncode != 0
    assert "key 'first_frame': expected an integer, got 'soon'" in proc.stderr


def test_public_format_style_renders(project, tmp_path):
    """A TorchScript style through the whole pipeline: negation in [-1, 1] inverts colours."""
    from torch import nn

    class Negate(nn.Module):
        def forward(self, x):
            return -x

    add_torchscript_style(project, "invert", Negate(), size_multiple=4)
    clip = make_clip(tmp_path / "in.mov", 50, 30, frames=3, audio=False)
    project.add_shot("t06", clip, style="invert", smoothing={"method": "none"})
    project.render("t06")
    plates = read_frames(project.work / "t06" / "plates")
    final = read_frames(project.renders / "t06" / "frames")
    assert final.keys() == plates.keys() and len(final) == 3
    for name in plates:
        assert np.abs(final[name].astype(int) - (255 - plates[name].astype(int))).max() <= 1
