"""Geometry as players show it: rotation, sample aspect ratio, interlacing, alpha.

Real clips made with the real ffmpeg; the pictures players show are what the
ffmpeg CLI shows with its default autorotation (our decode turns it off and
rotates itself).
"""
import json
import logging
import struct
import subprocess
from fractions import Fraction

import cv2
import numpy as np
import pytest

from helpers import make_clip, set_rotation, write_pngs, write_rgba_pngs
from pipeline.config import OutputConfig
from pipeline.errors import MediaError
from pipeline.graph.table import PROBE
from pipeline.media import geometry
from pipeline.media.decode import decode_to_pngs
from pipeline.media.encode import EncodeJob, check_movie, encode_h264, encode_prores
from pipeline.media.probe import SourceInfo, probe_source
from pipeline.media.sequence import frame_pattern
from pipeline.stages import probe as probe_stage
from pipeline.stages.registry import run_stage
from pipeline.workarea.plan import ShotPlan


def _stream(path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams",
                          "-of", "json", str(path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["streams"][0]


def _as_players_show_it(clip, png):
    """Frame 1 as the ffmpeg CLI shows it (autorotation on, its default)."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip), "-frames:v", "1",
                    "-pix_fmt", "rgb24", str(png)], check=True)
    return cv2.imread(str(png)).astype(int)


def _png_chunks(path) -> list[str]:
    data, i, names = path.read_bytes(), 8, []
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        names.append(kind.decode())
        i += 12 + length
    return names


# --------------------------------------------------------------------------- #
# Rotation
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("tag", [90, 180, 270])
def test_rotated_clip_probes_upright_and_decodes_upright(tmp_path, tag):
    coded = make_clip(tmp_path / "coded.mp4", 64, 36, frames=4, audio=False, pix_fmt="yuv444p",
                      extra=("-qp", "0"))
    clip = set_rotation(coded, tmp_path / "phone.mp4", tag)
    matrix = _stream(clip)["side_data_list"][0]["rotation"]  # counter-clockwise
    info = probe_source(str(clip))
    assert info.rotation == matrix % 360 and info.rotation in (90, 180, 270)
    assert (info.width, info.height) == ((64, 36) if info.rotation == 180 else (36, 64))

    assert decode_to_pngs(info, tmp_path / "plates", "r", 1) == 4
    plate = cv2.imread(str(tmp_path / "plates" / "r.0001.png")).astype(int)
    assert plate.shape == (info.height, info.width, 3)
    # as players show it, and as the source frame turned counter-clockwise
    assert np.abs(plate - _as_players_show_it(clip, tmp_path / "shown.png")).mean() < 1.0
    src = cv2.imread(str(tmp_path / ".coded_src" / "src.0001.png")).astype(int)
    assert np.abs(plate - np.rot90(src, info.rotation // 90)).mean() < 1.5


def test_rotation_from_display_matrix_or_legacy_tag():
    assert geometry.rotation_of({}) == 0
    assert geometry.rotation_of({"side_data_list": [{"rotation": -90}]}) == 270
    assert geometry.rotation_of({"side_data_list": [{"rotation": 180.0}]}) == 180
    assert geometry.rotation_of({"side_data_list": [{"rotation": 89.6}]}) == 90
    # the legacy tag is clockwise (older ffprobe: rotate=90 beside rotation=-90)
    assert geometry.rotation_of({"tags": {"rotate": "90"}}) == 270
    assert geometry.rotation_of({"tags": {"rotate": "270"}}) == 90
    assert geometry.rotation_of({"tags": {"rotate": "90"},
                                 "side_data_list": [{"rotation": -90}]}) == 270
    assert geometry.rotation_of({"tags": {"rotate": "sideways"}}) == 0
    assert geometry.upright_size(64, 36, 90) == (36, 64)
    assert geometry.upright_size(64, 36, 180) == (64, 36)


def test_movies_are_upright_with_no_rotation_flag(tmp_path):
    clip = set_rotation(make_clip(tmp_path / "c.mp4", 64, 36, frames=5, audio=False),
                        tmp_path / "phone.mp4", 90)
    info = probe_source(str(clip))
    decode_to_pngs(info, tmp_path / "f", "sh", 1001)
    job = EncodeJob(frame_pattern(tmp_path / "f", "sh"), 1001, 5, info)
    encode_prores(job, tmp_path / "out.mov")
    encode_h264(job, tmp_path / "out.mp4", OutputConfig())
    plate = cv2.imread(str(tmp_path / "f" / "sh.1001.png")).astype(int)
    for name in ("out.mov", "out.mp4"):
        v = _stream(tmp_path / name)
        assert (v["width"], v["height"]) == (36, 64), name
        assert not v.get("side_data_list") and "rotate" not in v.get("tags", {}), name
        assert np.abs(_as_players_show_it(tmp_path / name, tmp_path / "s.png") - plate).mean() < 4


def test_check_movie_refuses_a_rotation_flag(tmp_path):
    clip = set_rotation(make_clip(tmp_path / "c.mp4", 64, 36, frames=3, audio=False),
                        tmp_path / "phone.mp4", 90)
    info = SourceInfo(str(clip), "movie", 64, 36, "24", 3, "h264", "yuv420p")
    job = EncodeJob("unused.%04d.png", 1, 3, info)
    with pytest.raises(MediaError) as err:
        check_movie(clip, job, (64, 36), what="phone.mp4")
    assert str(err.value) == "phone.mp4: encoded with a rotation of 90 degrees, expected none"


# --------------------------------------------------------------------------- #
# Sample aspect ratio
# --------------------------------------------------------------------------- #
def test_anamorphic_clip_keeps_its_pixel_grid_and_sar(tmp_path):
    clip = make_clip(tmp_path / "ana.mov", 64, 36, frames=5, audio=False,
                     extra=("-vf", "setsar=2"))
    info = probe_source(str(clip))
    assert (info.width, info.height, info.sar, info.sar_fraction) == (64, 36, "2", 2)
    decode_to_pngs(info, tmp_path / "f", "sh", 1001)
    plate = tmp_path / "f" / "sh.1001.png"
    assert cv2.imread(str(plate)).shape == (36, 64, 3)  # no resampling
    # tagged square like every plate (FFmpeg writes pHYs inverted: 2:1 would read as 1:2)
    assert _stream(plate)["sample_aspect_ratio"] == "1:1"
    job = EncodeJob(frame_pattern(tmp_path / "f", "sh"), 1001, 5, info)
    encode_prores(job, tmp_path / "out.mov")
    encode_h264(job, tmp_path / "out.mp4", OutputConfig(mp4_odd_size="pad"))
    for name in ("out.mov", "out.mp4"):
        v = _stream(tmp_path / name)
        assert (v["width"], v["height"], v["sample_aspect_ratio"]) == (64, 36, "2:1"), name
        assert v["display_aspect_ratio"] == "32:9"

    with pytest.raises(MediaError) as err:
        check_movie(tmp_path / "out.mov", EncodeJob(job.frames_pattern, 1001, 5,
                                                    SourceInfo(**{**info.to_dict(), "sar": "1"})),
                    (64, 36), what="out.mov")
    assert str(err.value) == "out.mov: encoded sample aspect ratio 2:1, expected 1:1"


def test_square_clip_movies_are_tagged_square(tmp_path):
    clip = make_clip(tmp_path / "sq.mov", 64, 36, frames=3, audio=False)
    info = probe_source(str(clip))
    assert info.sar == "1"
    decode_to_pngs(info, tmp_path / "f", "sh", 1)
    encode_prores(EncodeJob(frame_pattern(tmp_path / "f", "sh"), 1, 3, info), tmp_path / "o.mov")
    assert _stream(tmp_path / "o.mov")["sample_aspect_ratio"] == "1:1"


def test_a_sar_with_large_terms_is_encoded_exactly(tmp_path):
    """404:405 (a 720x405 clip scaled to 360x202): setsar would make it 1:1."""
    clip = make_clip(tmp_path / "n.mp4", 64, 36, frames=3, audio=False,
                     extra=("-vf", "setsar=sar=404/405:max=405"))
    info = probe_source(str(clip))
    assert info.sar_fraction == Fraction(404, 405)
    decode_to_pngs(info, tmp_path / "f", "sh", 1)
    encode_prores(EncodeJob(frame_pattern(tmp_path / "f", "sh"), 1, 3, info), tmp_path / "o.mov")
    assert _stream(tmp_path / "o.mov")["sample_aspect_ratio"] == "404:405"


def test_rotated_anamorphic_clip_has_the_inverse_sar_upright(tmp_path):
    clip = make_clip(tmp_path / "a.mp4", 64, 36, frames=3, audio=False, extra=("-vf", "setsar=2"))
    info = probe_source(str(set_rotation(clip, tmp_path / "r.mp4", 90)))
    assert (info.width, info.height, info.sar) == (36, 64, "1/2")


@pytest.mark.parametrize("text, sar", [("2:1", 2), ("4:3", Fraction(4, 3)), ("1:1", 1),
                                       ("0:1", 1), ("N/A", 1), (None, 1), ("0:0", 1)])
def test_parse_sar(text, sar):
    assert geometry.parse_sar(text) == sar


def test_sequence_sar_from_the_header_as_libpng_reads_it(tmp_path):
    """A PNG sequence whose pHYs says 2:1 (y/x, the PNG specification's way) has SAR 2."""
    pattern = write_pngs(tmp_path / "p", 40, 30, 3, name="a")
    for n in (1, 2, 3):
        f = tmp_path / "p" / f"a.{n:04d}.png"
        geometry.copy_frame(f, f.with_name(f"b.{n:04d}.png"), Fraction(2))
    assert probe_source(str(tmp_path / "p" / "b.####.png"), Fraction(24)).sar == "2"
    assert probe_source(pattern.replace("%04d", "####"), Fraction(24)).sar == "1"
    # FFmpeg reads pHYs as x/y: the inverse
    assert _stream(tmp_path / "p" / "b.0001.png")["sample_aspect_ratio"] == "1:2"


@pytest.mark.parametrize("depth", [np.uint8, np.uint16])
def test_copy_frame_writes_the_pixel_aspect_and_keeps_the_pixels(tmp_path, depth):
    import OpenImageIO as oiio
    rgb = np.random.RandomState(0).randint(0, np.iinfo(depth).max, (30, 40, 3)).astype(depth)
    src = tmp_path / "src.png"
    cv2.imwrite(str(src), rgb)
    geometry.copy_frame(src, tmp_path / "square.png", Fraction(1))
    assert (tmp_path / "square.png").read_bytes() == src.read_bytes()
    geometry.copy_frame(src, tmp_path / "wide.png", Fraction(4, 3))
    out = tmp_path / "wide.png"
    assert np.array_equal(cv2.imread(str(out), cv2.IMREAD_UNCHANGED), rgb)
    inp = oiio.ImageInput.open(str(out))
    assert inp.spec().get_float_attribute("PixelAspectRatio") == pytest.approx(4 / 3, rel=1e-3)
    inp.close()
    chunks = _png_chunks(out)
    assert "pHYs" in chunks and not {"sRGB", "gAMA", "cHRM", "iCCP"} & set(chunks)


def test_copy_frame_errors(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(MediaError) as err:
        geometry.copy_frame(bad, tmp_path / "x.png", Fraction(2))
    assert str(err.value) == f"{bad}: cannot read image (corrupt or not an image)"
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), np.zeros((4, 4, 3), np.uint8))
    dst = tmp_path / "missing folder" / "x.png"
    with pytest.raises(MediaError) as err:
        geometry.copy_frame(good, dst, Fraction(2))
    assert str(err.value).startswith(f"{dst}: cannot write image (")


# --------------------------------------------------------------------------- #
# Interlacing
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("flags, order", [(("-top", "1"), "tt"),
                                          (("-x264-params", "bff=1"), "bb")])
def test_interlaced_clip_field_order_and_deinterlace_keeps_the_count(tmp_path, flags, order):
    clip = make_clip(tmp_path / "i.mp4", 64, 36, frames=8, audio=False,
                     extra=("-flags", "+ilme+ildct", *flags))
    info = probe_source(str(clip))
    assert (info.field_order, info.interlaced) == (order, True)
    assert decode_to_pngs(info, tmp_path / "as is", "i", 1) == 8
    assert decode_to_pngs(info, tmp_path / "deint", "i", 1, deinterlace=True) == 8
    a = cv2.imread(str(tmp_path / "as is" / "i.0004.png")).astype(int)
    b = cv2.imread(str(tmp_path / "deint" / "i.0004.png")).astype(int)
    assert a.shape == b.shape and np.abs(a - b).mean() > 0.5  # the fields were interpolated


def test_progressive_clip_is_not_interlaced(tmp_path):
    info = probe_source(str(make_clip(tmp_path / "p.mp4", 64, 36, frames=3, audio=False)))
    assert (info.field_order, info.interlaced) == ("progressive", False)
    assert not geometry.is_interlaced("unknown")


# --------------------------------------------------------------------------- #
# Alpha
# --------------------------------------------------------------------------- #
def test_rgba_sequence_has_alpha(tmp_path):
    pattern = write_rgba_pngs(tmp_path / "a", 40, 30, 3)
    info = probe_source(pattern, Fraction(24))
    assert (info.pix_fmt, info.has_alpha) == ("rgba", True)
    rgb = write_pngs(tmp_path / "b", 40, 30, 2).replace("%04d", "####")
    assert probe_source(rgb, Fraction(24)).has_alpha is False


@pytest.mark.parametrize("fmt, alpha", [
    ("rgba", True), ("bgra", True), ("argb", True), ("abgr", True), ("rgba64le", True),
    ("yuva420p", True), ("yuva444p12le", True), ("gbrap", True), ("gbrap16le", True),
    ("ya8", True), ("ya16be", True), ("rgb24", False), ("yuv420p", False), ("gbrp10le", False),
    ("gray", False), ("pal8", False), ("?", False), ("", False)])
def test_has_alpha_from_pixel_format(fmt, alpha):
    assert geometry.has_alpha(fmt) is alpha


# --------------------------------------------------------------------------- #
# Manifests and lines
# --------------------------------------------------------------------------- #
def test_old_probe_manifest_gets_the_defaults():
    old = {"source": "a.mov", "kind": "movie", "width": 64, "height": 36, "fps": "24",
           "frame_count": 3, "codec": "h264", "pix_fmt": "yuv420p", "has_audio": False}
    info = SourceInfo.from_dict(old)
    assert (info.rotation, info.sar, info.field_order, info.has_alpha) == (0, "1", "unknown",
                                                                          False)
    assert not info.interlaced and info.sar_fraction == 1
    assert SourceInfo.from_dict(info.to_dict()) == info


def test_geometry_lines_name_the_shot(project, tmp_path):
    base = dict(source="/f/clip.mov", kind="movie", width=36, height=64, fps="24",
                frame_count=3, codec="h264", pix_fmt="yuv420p")
    project.add_shot("ph", tmp_path / "clip.mov")
    plan = ShotPlan.load("ph")
    assert probe_stage.source_notes(plan, SourceInfo(**base)) == []
    odd = SourceInfo(**{**base, "rotation": 90, "sar": "4/3", "field_order": "bt",
                        "pix_fmt": "yuva420p", "has_alpha": True})
    assert probe_stage.source_notes(plan, odd) == [
        (logging.INFO, "ph: the source is rotated 90 degrees counter-clockwise by its "
                       "metadata: decoded upright at 36x64"),
        (logging.INFO, "ph: non-square pixels (SAR 4:3): styled on the stored 36x64 pixels; "
                       "every output carries SAR 4:3"),
        (logging.WARNING, "ph: interlaced source (field order bt: bottom field coded first, "
                          "top field shown first): each frame holds two fields and moving "
                          "edges comb; to deinterlace, set deinterlace: true in the shot config"),
        (logging.WARNING, "ph: the source has an alpha channel (yuva420p): kept in the PNG "
                          "frames, the .mov (ProRes 4444); the .mp4 (H.264) drops it"),
    ]
    # deinterlace: true says what it does instead of warning; no mp4: nothing dropped
    project.add_shot("ph", tmp_path / "clip.mov", deinterlace=True, output={"mp4": False})
    plan = ShotPlan.load("ph")
    assert probe_stage.source_notes(plan, odd)[2:] == [
        (logging.INFO, "ph: interlaced source (field order bt: bottom field coded first, top "
                       "field shown first): deinterlaced with bwdif, one frame per frame"),
        (logging.INFO, "ph: the source has an alpha channel (yuva420p): kept in the PNG "
                       "frames, the .mov (ProRes 4444)"),
    ]
    assert probe_stage.source_notes(plan, SourceInfo(**{**base, "field_order": "progressive"})) \
        == [(logging.INFO, "ph: deinterlace: true, but the source says it is progressive: "
                           "deinterlacing with bwdif anyway")]


def test_probe_stage_logs_the_lines(project, tmp_path, caplog):
    clip = make_clip(tmp_path / "i.mp4", 64, 36, frames=3, audio=False,
                     extra=("-flags", "+ilme+ildct", "-top", "1"))
    project.add_shot("il", clip)
    with caplog.at_level(logging.INFO, logger="shotstyle"):
        run_stage(ShotPlan.load("il"), PROBE)
    assert [(r.levelno, r.getMessage()) for r in caplog.records][1:] == [
        (logging.WARNING, "il: interlaced source (field order tt: top field first): each frame "
                          "holds two fields and moving edges comb; to deinterlace, set "
                          "deinterlace: true in the shot config")]
