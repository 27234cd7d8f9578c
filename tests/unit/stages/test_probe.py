"""pipeline.stages.probe: the probe stage's manifest describes the source (or the
shot's source range of it); notes on rotated and alpha sources."""
from __future__ import annotations

import logging
from fractions import Fraction

import pytest

from helpers import make_clip, set_rotation, write_rgba_pngs
from pipeline.errors import ConfigError
from pipeline.media.probe import SourceInfo
from pipeline.stages.registry import run_stage
from pipeline.stages import probe
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


def test_the_manifest_holds_what_the_source_is(tiny_shot):
    plan = tiny_shot()
    info = run_stage(plan, "probe")
    data = read_manifest(plan.paths.stage_manifest("probe"))
    assert data["key"] == plan.keys.key("probe") and data["frames"] is None
    assert SourceInfo.from_dict(data["source"]) == info
    assert (info.kind, info.width, info.height, info.frame_count, info.fps_fraction) == (
        "movie", 32, 24, 6, Fraction(24))
    assert probe.source_notes(plan, info) == []  # nothing to say about a plain movie


def test_a_source_range_is_the_shot_s_frames(tiny_shot, caplog):
    plan = tiny_shot(source_range={"start": 2, "duration": 3})
    with caplog.at_level(logging.INFO, logger="shotstyle"):
        info = run_stage(plan, "probe")
    assert (info.frame_count, info.range_start, info.ranged) == (3, 2, True)
    assert "st1: source frames 2-4 of 6 (source_range)" in caplog.text


def test_a_rotated_source_is_noted(project, tmp_path):
    clip = set_rotation(make_clip(tmp_path / "r.mov", 32, 24, frames=2, audio=False),
                        tmp_path / "rot.mov", 90)
    project.add_shot("r1", clip)
    plan = ShotPlan.load("r1")
    info = run_stage(plan, "probe")
    assert probe.source_notes(plan, info) == [(logging.INFO, (
        "r1: the source is rotated 90 degrees counter-clockwise by its metadata: decoded "
        "upright at 24x32"))]


def test_an_alpha_source_says_where_its_alpha_is_kept(project, tmp_path):
    pattern = write_rgba_pngs(tmp_path / "rgba", 16, 12, 2)
    project.add_shot("a1", pattern, fps=24)
    plan = ShotPlan.load("a1")
    info = run_stage(plan, "probe")
    [(level, line)] = probe.source_notes(plan, info)
    assert level == logging.WARNING
    assert line == (f"a1: the source has an alpha channel ({info.pix_fmt}): kept in the PNG "
                    f"frames, the .mov (ProRes 4444); the .mp4 (H.264) drops it")
    project.add_shot("a1", pattern, fps=24, output={"mp4": False, "mov": False})
    plan = ShotPlan.load("a1")
    assert probe.source_notes(plan, info) == [
        (logging.INFO, f"a1: the source has an alpha channel ({info.pix_fmt}): kept in the "
                       f"PNG frames")]


def test_sequence_true_with_one_frame_probes_the_whole_sequence(project, tmp_path):
    """``sequence: true`` and the path of one frame, as a file browser copies it: the
    sequence on disk that holds it is the source, with the keys the pattern has (#21)."""
    pattern = write_rgba_pngs(tmp_path / "plates", 16, 12, 3)  # rgba.0001-0003.png
    project.add_shot("one", tmp_path / "plates" / "rgba.0002.png", sequence=True, fps=24)
    project.add_shot("pat", pattern, fps=24)
    plan = ShotPlan.load("one")
    assert plan.cfg.source == pattern
    info = run_stage(plan, "probe")
    assert (info.kind, info.seq_first, info.frame_count) == ("sequence", 1, 3)
    assert plan.keys.key("plates") == ShotPlan.load("pat").keys.key("plates")


def test_sequence_true_or_false_against_the_source_is_one_line_at_load(project, tmp_path):
    clip = make_clip(tmp_path / "clip.mov", 16, 12, frames=1, audio=False)
    project.add_shot("mov", clip, sequence=True)
    shots = project.configs / "shots"
    with pytest.raises(ConfigError) as err:
        ShotPlan.load("mov")
    assert str(err.value) == (
        f"{shots / 'mov.yaml'}: key 'sequence': true, but the source {clip} is not a frame of "
        f"an image sequence on disk (a file such as name.1001.exr) nor a pattern "
        f"(name.####.exr)")
    project.add_shot("pat", tmp_path / "p.####.exr", sequence=False)
    with pytest.raises(ConfigError) as err:
        ShotPlan.load("pat")
    assert str(err.value) == (
        f"{shots / 'pat.yaml'}: key 'sequence': false, but the source {tmp_path / 'p.####.exr'} "
        f"is an image-sequence pattern; give a movie file, or leave 'sequence' out")
    project.add_shot("mov", clip, sequence=False)  # as named: a movie
    assert ShotPlan.load("mov").cfg.source == str(clip)


def test_frames_numbered_below_0_are_refused_where_ffmpeg_decodes_them(project, tmp_path):
    """A PNG sequence -1..1 (FFmpeg decodes it and stops short) is refused at probe; an
    EXR one (OpenImageIO reads it, colour-managed) makes its plates (#21)."""
    from helpers import scene_linear_frames, write_exr_sequence, write_pngs
    from pipeline.errors import MediaError
    write_pngs(tmp_path / "png", 16, 12, 3, name="n", start=-1)
    project.add_shot("neg", tmp_path / "png" / "n.####.png", fps=24)
    with pytest.raises(MediaError) as err:
        run_stage(ShotPlan.load("neg"), "probe")
    assert str(err.value) == (
        f"{tmp_path / 'png' / 'n.####.png'}: frames numbered from -1: FFmpeg, which decodes "
        f"this sequence (it is not colour-managed), reads no frame number below 0; renumber "
        f"the frames from 0 up, or set 'source_range' to skip the frames below 0")
    project.add_shot("neg", tmp_path / "png" / "n.####.png", fps=24,
                     source_range={"start": 1, "duration": 2})
    plan = ShotPlan.load("neg")  # frames 0 and 1: FFmpeg reads them
    assert run_stage(plan, "probe").seq_first == 0
    assert run_stage(plan, "plates") == 2
    exr = write_exr_sequence(tmp_path / "exr", scene_linear_frames(16, 12, 3), start=-1)
    project.add_shot("negx", exr, fps=24)
    plan = ShotPlan.load("negx")
    assert run_stage(plan, "probe").seq_first == -1
    assert run_stage(plan, "plates") == 3
