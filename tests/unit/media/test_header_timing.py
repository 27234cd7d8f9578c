"""An image sequence's timecode and frame rate come from its first frame's header
(real EXR and DPX files written by OpenImageIO): the probe gives them to the
movies and publish.json; the shot's ``fps`` wins over the header's."""
from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import numpy as np
import OpenImageIO as oiio
import pytest

from helpers import write_exr_sequence, write_pngs
from pipeline.errors import MediaError
from pipeline.media.exr import frame_rate_attribute, header_timing, timecode_attribute
from pipeline.media.probe import probe_source

RATE_25 = ("FramesPerSecond", (oiio.TypeRational, (25, 1)))


def _timecode(text: str, fps: Fraction) -> tuple:
    return timecode_attribute(text, fps, 0)["smpte:TimeCode"]


def _exr(folder: Path, n: int = 2, **attributes) -> str:
    frames = [np.full((4, 6, 3), 0.18, np.float32) for _ in range(n)]
    return write_exr_sequence(folder, frames, attributes=attributes)


def _dpx(path: Path, **attributes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = oiio.ImageSpec(6, 4, 3, oiio.UINT16)
    for name, value in attributes.items():
        spec.attribute(name.replace("_", ":"), *value) if isinstance(value, tuple) \
            else spec.attribute(name.replace("_", ":"), value)
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), spec), oiio.geterror()
    assert out.write_image(np.zeros((4, 6, 3), np.float32)) and out.close()
    return path


@pytest.mark.parametrize("text, fps", [("01:02:03:04", Fraction(25)),
                                       ("10:00:00:23", Fraction(24000, 1001)),
                                       ("01:02:03;04", Fraction(30000, 1001))])
def test_exr_header_timecode_and_rate_read_back_as_written(tmp_path, text, fps):
    pattern = _exr(tmp_path, 1, **{"smpte:TimeCode": _timecode(text, fps),
                                   "FramesPerSecond": frame_rate_attribute(fps)[
                                       "FramesPerSecond"]})
    assert header_timing(Path(pattern.replace("####", "1001"))) == (text, fps)


def test_dpx_header_timecode_and_rate(tmp_path):
    # DPX keeps the SMPTE word (drop-frame flag included) and a float frame rate
    # (OpenImageIO's DPX writer has no FramesPerSecond: dpx:FrameRate it is)
    ntsc = _dpx(tmp_path / "ntsc.dpx", dpx_FrameRate=29.97,
                smpte_TimeCode=_timecode("01:00:00;02", Fraction(30000, 1001)))
    assert header_timing(ntsc) == ("01:00:00;02", Fraction(30000, 1001))
    pal = _dpx(tmp_path / "pal.dpx", dpx_TimeCode="10:00:00:12", dpx_FrameRate=25.0)
    assert header_timing(pal) == ("10:00:00:12", Fraction(25))
    bare = _dpx(tmp_path / "bare.dpx")
    assert header_timing(bare) == (None, None)


def test_no_header_timing_in_other_files(tmp_path):
    pattern = write_pngs(tmp_path, 8, 8, 1, start=1001)
    assert header_timing(Path(pattern % 1001)) == (None, None)
    (tmp_path / "junk.exr").write_bytes(b"not an image")
    assert header_timing(tmp_path / "junk.exr") == (None, None)


def test_a_sequence_without_fps_plays_at_its_header_rate_from_its_timecode(tmp_path):
    pattern = _exr(tmp_path / "p", **{"smpte:TimeCode": _timecode("01:02:03:04", Fraction(25)),
                                      "FramesPerSecond": RATE_25[1]})
    info = probe_source(pattern)
    assert (info.fps, info.timecode, info.frame_count, info.seq_first) == (
        "25", "01:02:03:04", 2, 1001)


def test_the_shot_fps_wins_over_the_header_with_a_warning(tmp_path, caplog):
    pattern = _exr(tmp_path / "p", **{"FramesPerSecond": RATE_25[1]})
    with caplog.at_level(logging.INFO, logger="shotstyle"):
        info = probe_source(pattern, Fraction(24))
    assert info.fps == "24" and info.timecode is None
    first = str(tmp_path / "p" / "plate.1001.exr")
    assert caplog.messages == [f"{first}: the header says 25 frames/s; the shot's 'fps' (24) wins"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="shotstyle"):
        assert probe_source(pattern, Fraction(25)).fps == "25"
    assert caplog.messages == []  # the same rate: nothing to say


def test_neither_shot_fps_nor_header_rate_is_one_line(tmp_path):
    pattern = _exr(tmp_path / "p")
    with pytest.raises(MediaError) as err:
        probe_source(pattern)
    assert str(err.value) == (f"{pattern}: image sequences need 'fps' in the shot config "
                              f"(the first frame's header gives no frame rate)")


def test_a_header_timecode_the_rate_cannot_count_is_dropped_with_a_warning(tmp_path, caplog):
    # a drop-frame timecode on a 25 frames/s sequence
    pattern = _exr(tmp_path / "p", **{
        "smpte:TimeCode": _timecode("01:00:00;02", Fraction(30000, 1001)),
        "FramesPerSecond": RATE_25[1]})
    with caplog.at_level(logging.INFO, logger="shotstyle"):
        info = probe_source(pattern)
    assert info.timecode is None
    assert caplog.messages == [f"{tmp_path / 'p' / 'plate.1001.exr'}: header timecode "
                               f"01:00:00;02 cannot be counted at 25 frames/s; the movies get "
                               f"no timecode"]
