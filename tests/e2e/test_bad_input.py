"""Every bad input of docs/BAD_INPUT.md, end to end through the real `luigi` CLI.

One show (project) under a path with spaces and non-ASCII characters holds a
shot that rendered fine. Each bad input is a shot of its own in that show; its
render must exit non-zero with exactly one ``shotstyle: error:`` line, leave the
good shot's files byte-for-byte and mtime-for-mtime alone, and keep whatever
stages of the bad shot had already finished.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from helpers import (LUIGI_SUMMARY, Project, add_torchscript_style, ffprobe_video, lines_to_read,
                     make_clip, set_rotation,
                     tiny_checkpoint, write_pngs, write_rgba_pngs, write_yaml)
from pipeline.temporal.flow import FlowPair

pytestmark = pytest.mark.slow

BATCH = str(Path(sys.executable).parent / "shotstyle-batch")
ROOT_NAME = "show dir ü"  # every path of the show has a space and a non-ASCII letter


@pytest.fixture(scope="module")
def show(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("bad input") / ROOT_NAME
    proj = Project(root / "proj", chunk_size=4)
    clip = make_clip(root / "Footage ü" / "good clip.mov", 48, 32, frames=6, fps="24")
    proj.add_shot("good", clip)
    proj.render("good")
    return proj


@pytest.fixture
def footage(show) -> Path:
    folder = show.root.parent / "Footage ü"
    folder.mkdir(exist_ok=True)
    return folder


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}


def _others(show: Project, bad: str) -> dict[str, tuple[int, int]]:
    """Every file of the show but the bad shot's own and the work root's shared
    caches (``_cache/``: the OpenVINO model cache, which any shot may add to)."""
    out = {}
    for root in (show.work, show.renders):
        for rel, stat in _files(root).items():
            if rel.split("/", 1)[0] not in (bad, "_cache"):
                out[f"{root.name}/{rel}"] = stat
    return out


def _error_lines(proc) -> list[str]:
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("shotstyle: error:")]


SUMMARY = LUIGI_SUMMARY


def _unaccounted_lines(proc) -> list[str]:
    """The whole of stdout and stderr but Luigi's INFO lines, its execution
    summary and shotstyle's INFO / WARNING lines: the lines a user must read."""
    assert proc.stdout == "", proc.stdout
    before, summary, after = proc.stderr.split(SUMMARY)
    assert after.strip() == "", after
    return lines_to_read(before)


def refused(show: Project, shot: str, needle: str, *args: str):
    """Render ``shot``: exit 30, one error line containing ``needle`` and no other
    line but Luigi's INFO lines, its summary naming the failed task and shotstyle's
    progress (no traceback, no Luigi ERROR line), the other shots untouched.
    Returns the finished process."""
    before = _others(show, shot)
    proc = show.render(shot, *args, check=False)
    assert proc.returncode == 30, proc.stderr[-3000:]  # luigi.cfg [retcode] task_failed
    lines = _unaccounted_lines(proc)
    assert len(lines) == 1 and lines[0].startswith("shotstyle: error: ") and needle in lines[0], (
        lines, proc.stderr[-3000:])
    assert " failed:\n" in proc.stderr.split(SUMMARY)[1], proc.stderr
    assert _others(show, shot) == before
    return proc


def rendered(show: Project, shot: str):
    """Render ``shot`` (an input that is handled, not refused): the other shots untouched."""
    before = _others(show, shot)
    proc = show.render(shot)
    assert _others(show, shot) == before
    return proc


def _done_manifests(show: Project, shot: str) -> set[str]:
    return {p.relative_to(show.work / shot).as_posix()
            for p in (show.work / shot).rglob("*.json") if "/logs/" not in p.as_posix()}


def _status(show: Project, shot: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", "status", shot], cwd=show.root,
                          env=show.env(), capture_output=True, text=True)


# --------------------------------------------------------------------------- #
# Footage
# --------------------------------------------------------------------------- #
def test_missing_source(show, footage):
    show.add_shot("missing", footage / "gone.mov")
    proc = refused(show, "missing", f"{footage / 'gone.mov'}: source not found")
    assert _error_lines(proc) == [f"shotstyle: error: {footage / 'gone.mov'}: source not found"]
    # the traceback is in the stage's log, after the line
    log = (show.work / "missing" / "logs" / "probe.log").read_text()
    assert "source not found\nTraceback (most recent call last):" in log, log
    assert _done_manifests(show, "missing") == set()


def test_truncated_movie_keeps_the_shot_s_earlier_render(show, footage):
    clip = make_clip(footage / "cut short.mp4", 48, 32, frames=24, audio=False,
                     extra=("-movflags", "+faststart"))
    show.add_shot("trunc", clip)
    show.render("trunc")
    rendered = _files(show.renders / "trunc")
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])  # the file on disk got cut short
    refused(show, "trunc", "(truncated or corrupt file)")
    assert _files(show.renders / "trunc") == rendered, "the earlier render must stay"
    assert len(list((show.work / "trunc" / "plates").glob("*.png"))) == 24


def test_corrupt_movie(show, footage):
    clip = make_clip(footage / "corrupt.mov", 48, 32, frames=8, audio=False)
    data = bytearray(clip.read_bytes())
    data[: len(data) // 2] = np.random.RandomState(0).bytes(len(data) // 2)  # header overwritten
    clip.write_bytes(bytes(data))
    show.add_shot("corrupt", clip)
    refused(show, "corrupt", f"{clip}: ffprobe cannot read it:")


def test_file_that_is_not_video(show, footage):
    notes = footage / "notes.mov"
    notes.write_text("not a movie\n" * 100)
    show.add_shot("notvideo", notes)
    refused(show, "notvideo", f"{notes}: ffprobe cannot read it:")


def test_zero_frames(show, footage):
    # a Matroska file whose video stream holds no frames (the audio is there)
    empty = footage / "empty.mkv"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=d=1",
                    "-f", "lavfi", "-i", "color=s=48x32:r=24:d=1", "-map", "1:v", "-map", "0:a",
                    "-vf", "trim=start=10", "-c:v", "mpeg4", "-c:a", "aac", str(empty)],
                   check=True)
    show.add_shot("zero", empty)
    refused(show, "zero", f"{empty}: the video stream has no frames")
    # an image-sequence pattern that matches no file
    (footage / "no plates").mkdir(exist_ok=True)
    show.add_shot("zeroseq", footage / "no plates" / "p.####.exr", fps="24")
    refused(show, "zeroseq", "no frames found matching the pattern")


def test_audio_only(show, footage):
    wav = footage / "dialogue.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=d=0.5",
                    str(wav)], check=True)
    show.add_shot("audio", wav)
    refused(show, "audio", f"{wav}: not a video (audio only)")


def test_variable_frame_rate(show, footage):
    vfr = footage / "phone clip.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=s=48x32:r=25:d=1", "-vf", "setpts='if(lt(N,12),N,N*3)/25/TB'",
                    "-fps_mode", "vfr", "-c:v", "libx264", str(vfr)], check=True)
    show.add_shot("vfr", vfr)
    refused(show, "vfr", "variable frame rate")
    show.add_shot("vfr", vfr, fps="25")  # conformed: renders every frame at 25 fps
    show.render("vfr")
    v = ffprobe_video(show.renders / "vfr" / "vfr_styled.mov")
    assert (v["frames"], v["r_frame_rate"]) == (25, "25/1")


def test_odd_width_and_height_render_at_their_exact_size(show, footage):
    clip = make_clip(footage / "odd.mov", 45, 31, frames=5, audio=False, pix_fmt="yuv444p")
    show.add_shot("odd", clip)
    proc = rendered(show, "odd")
    assert lines_to_read(proc.stderr.split(SUMMARY)[0]) == []
    v = ffprobe_video(show.renders / "odd" / "odd_styled.mov")
    assert (v["width"], v["height"], v["frames"]) == (45, 31, 5)
    # the review copy: padded by one black column and row to 4:2:0, which browsers play
    v = ffprobe_video(show.renders / "odd" / "odd_styled.mp4")
    assert (v["width"], v["height"], v["frames"], v["pix_fmt"]) == (46, 32, 5, "yuv420p")
    assert {cv2.imread(str(p)).shape for p in (show.renders / "odd" / "frames").glob("*.png")} \
        == {(31, 45, 3)}


def test_tiny_7x5_frames_render_every_deliverable_at_their_size(show, footage):
    # under the 16 px DIS needs for its flow: padded for the flow, cropped back
    clip = make_clip(footage / "tiny.mov", 7, 5, frames=5, audio=False, pix_fmt="yuv444p")
    show.add_shot("tiny", clip)
    proc = rendered(show, "tiny")
    assert "final vs stylised: SSIM n/a" in proc.stderr  # the 11x11 SSIM window does not fit
    out = show.renders / "tiny"
    for name, size in (("tiny_styled.mov", (7, 5)), ("tiny_styled.mp4", (8, 6))):  # mp4: 4:2:0
        v = ffprobe_video(out / name)
        assert (v["width"], v["height"], v["frames"]) == (*size, 5), name
    frames = sorted((out / "frames").glob("*.png"))
    assert [p.name for p in frames] == [f"tiny.{f}.png" for f in range(1001, 1006)]
    assert {cv2.imread(str(p)).shape for p in frames} == {(5, 7, 3)}
    for f in range(1002, 1006):  # smoothing had its flow, at the frames' size
        pair = FlowPair.load(show.work / "tiny" / "flow" / f"tiny.{f}.npz")
        assert pair.cur_to_prev.shape == (5, 7, 2), f
    metrics = json.loads((out / "metrics.json").read_text())["summary"]
    assert metrics["frames"] == 5 and metrics["ssim_final_vs_styled"] is None
    report = json.loads((out / "report.json").read_text())
    assert (out / "report.html").is_file() and report["contact_sheet"]
    for row in report["contact_sheet"]:
        for image in row["images"].values():
            assert cv2.imread(str(out / image)).shape == (5, 7, 3), image


def test_sequence_with_a_frame_of_another_size(show, footage):
    folder = footage / "mixed plates"
    write_pngs(folder, 40, 30, 5, name="mx")
    cv2.imwrite(str(folder / "mx.0004.png"), np.zeros((20, 24, 3), np.uint8))
    show.add_shot("mixed", folder / "mx.####.png", fps="24")
    refused(show, "mixed", f"{folder / 'mx.0004.png'}: frame 4 is 24x20 but the sequence is "
                           f"40x30 (frame 1)")


def test_16_bit_sequence_renders_at_16_bits(show, footage):
    folder = footage / "deep plates"
    folder.mkdir(exist_ok=True)
    for i in range(5):
        rgb16 = np.random.RandomState(i).randint(0, 65535, (32, 48, 3)).astype(np.uint16)
        cv2.imwrite(str(folder / f"deep.{1001 + i}.png"), rgb16)
    show.add_shot("deep16", folder / "deep.####.png", fps="24")
    proc = rendered(show, "deep16")
    assert "deep16: 16-bit source (rgb48be): plates and intermediates are 16-bit" in proc.stderr
    assert ffprobe_video(show.renders / "deep16" / "deep16_styled.mov")["frames"] == 5
    for folder in (show.work / "deep16" / "plates", show.renders / "deep16" / "frames"):
        frame = cv2.imread(str(folder / "deep16.1001.png"), cv2.IMREAD_UNCHANGED)
        assert frame.dtype == np.uint16 and len(np.unique(frame)) > 256  # no 8-bit step


def test_10_bit_movie_renders_at_16_bits(show, footage):
    clip = make_clip(footage / "deep 10.mov", 48, 32, frames=5, audio=False,
                     vcodec="prores_ks", pix_fmt="yuv422p10le")
    show.add_shot("deep10", clip)
    proc = rendered(show, "deep10")
    assert "deep10: 10-bit source (yuv422p10le): plates and intermediates are 16-bit" \
        in proc.stderr
    plate = cv2.imread(str(show.work / "deep10" / "plates" / "deep10.1001.png"),
                       cv2.IMREAD_UNCHANGED)
    assert plate.dtype == np.uint16
    assert ffprobe_video(show.renders / "deep10" / "deep10_styled.mov")["frames"] == 5


# --------------------------------------------------------------------------- #
# Geometry as players show it
# --------------------------------------------------------------------------- #
class _Same(torch.nn.Module):
    def forward(self, x):
        return x


@pytest.fixture(scope="module")
def same(show) -> str:
    """A style that changes nothing: the outputs can be compared with the source."""
    add_torchscript_style(show, "same", _Same(), size_multiple=4)
    return "same"


def _video_stream(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                          "-show_streams", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["streams"][0]


def _first_frame(movie: Path, png: Path) -> np.ndarray:
    """Frame 1 as the ffmpeg CLI shows it (autorotation on)."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(movie), "-frames:v", "1",
                    "-pix_fmt", "rgb24", str(png)], check=True)
    return cv2.imread(str(png)).astype(int)


@pytest.mark.parametrize("tag", [90, 180])
def test_rotated_phone_clip_renders_upright(show, footage, same, tag):
    coded = make_clip(footage / f"coded {tag}.mp4", 64, 36, frames=5, pix_fmt="yuv444p",
                      extra=("-qp", "0"))
    clip = set_rotation(coded, footage / f"phone {tag}.mp4", tag)
    shot = f"rot{tag}"
    show.add_shot(shot, clip, style=same, smoothing={"method": "none"})
    proc = rendered(show, shot)
    size = (36, 64) if tag == 90 else (64, 36)  # FFmpeg 5.1 writes rotate=90 as 90 ccw
    assert (f"shotstyle: INFO: {shot}: the source is rotated {tag} degrees counter-clockwise "
            f"by its metadata: decoded upright at {size[0]}x{size[1]}") in proc.stderr.splitlines()
    out = show.renders / shot
    upright = np.rot90(cv2.imread(str(footage / f".coded {tag}_src" / "src.0001.png")),
                       tag // 90).astype(int)
    for name in (f"{shot}_styled.mov", f"{shot}_styled.mp4"):
        v = _video_stream(out / name)
        assert (v["width"], v["height"], int(v["nb_read_packets"])) == (*size, 5), name
        assert not v.get("side_data_list") and "rotate" not in v.get("tags", {}), name
        shown = _first_frame(out / name, out.parent / "f.png")
        # the codecs' chroma subsampling costs ~10 levels on this noisy texture; the
        # picture turned the other way is ~70 away
        wrong = np.rot90(upright, 2)
        assert np.abs(shown - upright).mean() < min(20, np.abs(shown - wrong).mean() / 4), name
    frame = cv2.imread(str(out / "frames" / f"{shot}.1001.png")).astype(int)
    assert frame.shape == (size[1], size[0], 3)
    assert np.abs(frame - upright).mean() < 1.5


def test_anamorphic_clip_keeps_its_sample_aspect_ratio(show, footage):
    clip = make_clip(footage / "anamorphic.mov", 64, 36, frames=5, audio=False,
                     extra=("-vf", "setsar=2"))
    show.add_shot("ana", clip)
    proc = rendered(show, "ana")
    assert ("shotstyle: INFO: ana: non-square pixels (SAR 2:1): styled on the stored 64x36 "
            "pixels; every output carries SAR 2:1") in proc.stderr.splitlines()
    for name in ("ana_styled.mov", "ana_styled.mp4"):
        v = _video_stream(show.renders / "ana" / name)
        assert (v["width"], v["height"], v["sample_aspect_ratio"]) == (64, 36, "2:1"), name
    assert cv2.imread(str(show.renders / "ana" / "frames" / "ana.1001.png")).shape == (36, 64, 3)


def test_anamorphic_png_frames_carry_the_pixel_aspect(show, footage):
    import OpenImageIO as oiio
    clip = make_clip(footage / "anamorphic frames.mov", 64, 36, frames=3, audio=False,
                     extra=("-vf", "setsar=2"))
    show.add_shot("anapng", clip, output={"mov": False, "mp4": False})
    rendered(show, "anapng")
    inp = oiio.ImageInput.open(str(show.renders / "anapng" / "frames" / "anapng.1001.png"))
    assert inp.spec().get_float_attribute("PixelAspectRatio", 1.0) == 2.0
    inp.close()


def test_interlaced_clip_warns_at_probe_and_deinterlace_keeps_the_frame_count(show, footage):
    clip = make_clip(footage / "interlaced.mp4", 64, 36, frames=6, audio=False,
                     extra=("-flags", "+ilme+ildct", "-top", "1"))
    show.add_shot("inter", clip)
    proc = rendered(show, "inter")
    line = ("shotstyle: WARNING: inter: interlaced source (field order tt: top field first): "
            "each frame holds two fields and moving edges comb; to deinterlace, set "
            "deinterlace: true in the shot config")
    assert proc.stderr.splitlines().count(line) == 1
    plates = show.work / "inter" / "plates" / "manifest.json"
    before = plates.stat().st_mtime_ns

    show.add_shot("inter", clip, deinterlace=True)  # the plates' key changes: decoded again
    proc = rendered(show, "inter")
    assert plates.stat().st_mtime_ns != before
    assert "WARNING" not in proc.stderr  # says what it does instead (the stage log has it)
    for name in ("inter_styled.mov", "inter_styled.mp4"):
        v = _video_stream(show.renders / "inter" / name)
        assert (int(v["nb_read_packets"]), v["r_frame_rate"], v["field_order"]) == (
            6, "24/1", "progressive"), name
    assert len(list((show.renders / "inter" / "frames").glob("*.png"))) == 6


def test_deinterlace_true_decodes_with_bwdif(show, footage, tmp_path):
    from pipeline.media.decode import decode_to_pngs
    from pipeline.media.probe import probe_source
    clip = make_clip(footage / "interlaced 2.mp4", 64, 36, frames=4, audio=False,
                     extra=("-flags", "+ilme+ildct", "-top", "1"))
    show.add_shot("deint", clip, deinterlace=True)
    rendered(show, "deint")
    decode_to_pngs(probe_source(str(clip)), tmp_path / "bwdif", "deint", 1001, deinterlace=True)
    for f in range(1001, 1005):
        name = f"deint.{f}.png"
        assert np.array_equal(cv2.imread(str(show.work / "deint" / "plates" / name)),
                              cv2.imread(str(tmp_path / "bwdif" / name))), name


def test_rgba_sequence_keeps_its_alpha_where_the_format_holds_it(show, footage):
    pattern = write_rgba_pngs(footage / "alpha plates", 40, 30, 4)
    show.add_shot("alpha", pattern, fps="24")
    proc = rendered(show, "alpha")
    assert ("shotstyle: WARNING: alpha: the source has an alpha channel (rgba): kept in the PNG "
            "frames, the .mov (ProRes 4444); the .mp4 (H.264) drops it") in proc.stderr.splitlines()
    source_alpha = cv2.imread(pattern.replace("####", "0001"), cv2.IMREAD_UNCHANGED)[..., 3]
    frame = cv2.imread(str(show.renders / "alpha" / "frames" / "alpha.1001.png"),
                       cv2.IMREAD_UNCHANGED)
    assert frame.shape == (30, 40, 4) and np.array_equal(frame[..., 3], source_alpha)
    mov = show.renders / "alpha" / "alpha_styled.mov"
    assert ffprobe_video(mov)["frames"] == 4
    assert _video_stream(mov)["pix_fmt"].startswith("yuva444p")
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(mov), "-frames:v", "1", "-f",
                          "rawvideo", "-pix_fmt", "rgba", "-"], capture_output=True, check=True)
    alpha = np.frombuffer(out.stdout, np.uint8).reshape(30, 40, 4)[..., 3]
    assert np.abs(alpha.astype(int) - source_alpha).max() <= 1  # ProRes 4444 alpha is lossless


def test_paths_with_spaces_and_non_ascii(show):
    # the show's root, the footage and the renders all live under "show dir ü"
    assert ROOT_NAME in str(show.root) and " " in str(show.renders)
    out = show.renders / "good"
    assert ffprobe_video(out / "good_styled.mov")["frames"] == 6
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "good clip.mov" in report


# --------------------------------------------------------------------------- #
# Configs and names
# --------------------------------------------------------------------------- #
def test_unknown_style(show, footage):
    show.add_shot("nostyle", footage / "good clip.mov")
    write_yaml(show.configs / "shots" / "nostyle.yaml",
               {"source": str(footage / "good clip.mov"), "style": "watercolour"})
    refused(show, "nostyle", "unknown style 'watercolour'")


@pytest.mark.parametrize("data, needle", [
    ({"first_frame": "soon"}, "key 'first_frame': expected an integer, got 'soon'"),
    ({"smoothing": {"strength": "high"}}, "key 'smoothing.strength': expected a number"),
    ({"colour": "warm"}, "key 'colour': unknown key (expected one of: source, style,"),
])
def test_yaml_with_wrong_types_or_unknown_keys(show, footage, data, needle):
    path = write_yaml(show.configs / "shots" / "badyaml.yaml",
                      {"source": str(footage / "good clip.mov"), "style": "tiny", **data})
    proc = refused(show, "badyaml", needle)
    assert str(path) in _error_lines(proc)[0]


def test_shot_name_that_escapes_the_work_root(show):
    refused(show, "../x", "shot name '../x'")
    assert not (show.work.parent / "x").exists()


def test_shot_name_longer_than_128_characters(show):
    name = "n" * 200
    refused(show, name, f"shot name '{name}': too long (200 characters; the limit is 128 "
                        f"characters)")


@pytest.mark.parametrize("fps", [0, -24])
def test_fps_of_0_or_less(show, footage, fps):
    path = show.add_shot("fps", footage / "good clip.mov", fps=fps)
    refused(show, "fps", f"{path}: key 'fps': expected a frame rate greater than 0 and at most "
                         f"1000, got {fps}")


def test_checkpoint_for_another_architecture(show, footage):
    good = tiny_checkpoint(show.root / "styles" / "deeper.pt")
    data = torch.load(good, weights_only=True)
    data["kwargs"] = {"base_channels": 4, "levels": 3}  # claims a deeper net than it holds
    torch.save(data, good)
    write_yaml(show.configs / "styles" / "deeper.yaml", {"checkpoint": str(good)})
    show.add_shot("wrongarch", footage / "good clip.mov")
    write_yaml(show.configs / "shots" / "wrongarch.yaml",
               {"source": str(footage / "good clip.mov"), "style": "deeper"})
    refused(show, "wrongarch", "does not match architecture 'fewshot_unet'")
    # the plates and flow finished before the model was needed: kept, not redone
    assert {"probe/manifest.json", "plates/manifest.json"} <= _done_manifests(show, "wrongarch")


def test_fast_neural_style_checkpoint_of_width_16_in_the_old_format_renders(show, footage):
    """A fork's TransformerNet(num_channels=16), saved by an old torch (no zip)."""
    from models.public_archs import FastNeuralStyleNet
    torch.manual_seed(0)
    net = FastNeuralStyleNet(num_channels=16)
    path = show.root / "styles" / "narrow.model"
    torch.save(net.state_dict(), path, _use_new_zipfile_serialization=False)
    assert path.read_bytes()[:1] == b"\x80"  # a plain pickle stream, not a zip archive
    write_yaml(show.configs / "styles" / "narrow.yaml",
               {"checkpoint": str(path), "format": "fast_neural_style"})
    show.add_shot("narrow", footage / "good clip.mov")
    write_yaml(show.configs / "shots" / "narrow.yaml",
               {"source": str(footage / "good clip.mov"), "style": "narrow"})
    proc = rendered(show, "narrow")
    assert lines_to_read(proc.stderr.split(SUMMARY)[0]) == []
    assert ffprobe_video(show.renders / "narrow" / "narrow_styled.mov")["frames"] == 6
    assert len(list((show.renders / "narrow" / "frames").glob("*.png"))) == 6


class _Evil:
    """Unpickling this would create a file: the pipeline must never do it."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_malicious_pickle_checkpoint_is_refused_never_executed(show, footage):
    marker = show.root / "pwned"
    evil = show.root / "styles" / "evil.pt"
    torch.save({"format": "shotstyle.generator/1", "payload": _Evil(str(marker))}, evil)
    write_yaml(show.configs / "styles" / "evil.yaml", {"checkpoint": str(evil)})
    write_yaml(show.configs / "shots" / "evil.yaml",
               {"source": str(footage / "good clip.mov"), "style": "evil"})
    refused(show, "evil", "refused: not a plain weights file")
    assert not marker.exists()


# --------------------------------------------------------------------------- #
# Machine
# --------------------------------------------------------------------------- #
def test_cuda_requested_but_absent(show, footage):
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    cfg = show.configs / "pipeline.yaml"
    saved = cfg.read_text()
    cfg.write_text(saved.replace("device: cpu", "device: cuda"))
    try:
        write_yaml(show.configs / "shots" / "nogpu.yaml",
                   {"source": str(footage / "good clip.mov"), "style": "tiny"})
        refused(show, "nogpu", "device 'cuda' requested but no CUDA GPU")
    finally:
        cfg.write_text(saved)
    # status: the decode is done and kept, the stylise chunks failed, with their
    # first line and log path; the exit code says something failed.
    status = _status(show, "nogpu")
    assert status.returncode == 1, status.stdout
    assert "  plates   done" in status.stdout and "  flow     done" in status.stdout
    assert "  styled   failed" in status.stdout
    assert "device 'cuda' requested but no CUDA GPU" in status.stdout
    assert f"log: {show.work / 'nogpu' / 'logs' / 'styled.1001-1004.log'}" in status.stdout
    # on a machine with the GPU (here: back on the CPU) the same command finishes
    show.render("nogpu")
    assert _status(show, "nogpu").returncode == 0


def _mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                       check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {exc}")


def test_disk_full_while_writing_frames(show, footage):
    """The shot's work volume fills up: first while ffmpeg decodes plates, then
    while the stylised frames are written. Nothing finished is lost, nothing
    half-written counts as done, and the re-run after freeing space finishes."""
    write_yaml(show.configs / "shots" / "full.yaml",
               {"source": str(footage / "good clip.mov"), "style": "tiny"})
    volume = show.work / "full"
    _mount_tmpfs(volume, "24k")
    try:
        refused(show, "full", f"disk full writing under {volume}: free space on that volume")
        assert _done_manifests(show, "full") <= {"probe/manifest.json"}
        subprocess.run(["umount", str(volume)], check=True)
        shutil.rmtree(volume)
        _mount_tmpfs(volume, "2m")
        show.render("full")  # every stage done once
        # now fill the volume, redo the stylise stage: its writes hit ENOSPC
        subprocess.run([sys.executable, "-m", "pipeline", "rerun", "full", "--stage", "stylize"],
                       cwd=show.root, env=show.env(), check=True, capture_output=True)
        plates = _files(volume / "plates")
        filler = volume / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:  # ENOSPC: the volume is full
            pass
        finally:
            os.close(fd)
        # but for one page, where the render's lock file (its first write) fits
        os.truncate(filler, filler.stat().st_size - 4096)
        proc = refused(show, "full", f"disk full writing {volume / 'styled'}/full.")
        assert "Logging error" not in proc.stderr, proc.stderr[-3000:]
        assert _files(volume / "plates") == plates, "finished plates must stay"
        assert not list((volume / "styled").rglob("*.json")), "no chunk may count as done"
        assert not [p for p in volume.rglob(".*") if ".tmp-" in p.name], "temporaries left"
        # (no failure record: it would go to the full volume too; stderr has the line)
        status = _status(show, "full")
        assert "  plates   done" in status.stdout and "  styled   missing" in status.stdout
        filler.unlink()
        show.render("full")
        assert _files(volume / "plates") == plates, "the re-run must not redo the plates"
        assert ffprobe_video(show.renders / "full" / "full_styled.mov")["frames"] == 6
    finally:
        subprocess.run(["umount", str(volume)], capture_output=True)


# --------------------------------------------------------------------------- #
# A batch: one bad shot does not stop the others
# --------------------------------------------------------------------------- #
def test_batch_goes_on_past_a_bad_shot_and_exits_non_zero(show, footage):
    write_pngs(footage / "batch plates", 40, 30, 5, name="bp")
    show.add_shot("batchok", footage / "batch plates" / "bp.####.png", fps="24")
    show.add_shot("batchbad", footage / "nowhere.mov")
    before = _others(show, "batchok")
    proc = subprocess.run([BATCH, "--shots", "batchbad,batchok", "--workers", "2",
                           "--local-scheduler", "--no-lock"],
                          cwd=show.root, env=show.env(), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 30, proc.stderr[-3000:]  # luigi.cfg [retcode] task_failed
    # the whole output: Luigi's run with the shot's line, then the batch's line
    assert proc.stdout == ""
    before_summary, _, after = proc.stderr.split(SUMMARY)
    assert lines_to_read(before_summary) == [
        f"shotstyle: error: {footage / 'nowhere.mov'}: source not found"]
    assert after.strip().splitlines() == [
        f"shotstyle: error: batch incomplete: 1 of 2 shots not complete: batchbad (failed: "
        f"probe: MediaError: {footage / 'nowhere.mov'}: source not found)"]
    assert ffprobe_video(show.renders / "batchok" / "batchok_styled.mov")["frames"] == 5
    after = _others(show, "batchok")
    assert {k: v for k, v in after.items() if not k.split("/")[1] == "batchbad"} == \
        {k: v for k, v in before.items() if not k.split("/")[1] == "batchbad"}
    metrics = json.loads((show.renders / "batchok" / "metrics.json").read_text())
    assert metrics["summary"]["frames"] == 5
