"""pipeline.media.burn_in: the drawtext chain of the review mp4's burn-ins, and what
the real FFmpeg draws from it: a shot name with drawtext's special characters shows
as it is, the frame number counts the shot's frames, the timecode the source's
(drop-frame included); without drawtext or a font the burn-in is refused."""
from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np
import pytest

from helpers import make_clip
from pipeline.config import OutputConfig
from pipeline.errors import MediaError
from pipeline.media import burn_in
from pipeline.media.burn_in import drawtext_chain, drawtext_timecode, font_option, literal
from pipeline.media.decode import decode_to_pngs
from pipeline.media.encode import EncodeJob, encode_h264
from pipeline.media.probe import probe_source
from pipeline.media.sequence import frame_pattern
from pipeline.media.timecode import timecode_after

FILM = Fraction(24000, 1001)
NTSC = Fraction(30000, 1001)
LOOK = {"font": "monospace", "fontcolor": "white", "box": 1, "boxcolor": "black@0.5"}


def test_a_1080p_shot_with_timecode_and_version():
    chain = drawtext_chain("s01", "v002", 1001, "01:00:00:00", FILM, (1920, 1080))
    look = {**LOOK, "fontsize": 36, "boxborderw": 6}
    assert chain == [
        {**look, "text": "s01 v002", "x": 18, "y": 18},
        {**look, "timecode": "01:00:00:00", "timecode_rate": "24000/1001", "x": 18,
         "y": "h-th-18"},
        {**look, "text": "%{eif:n+1001:d:4}", "x": "w-tw-18", "y": "h-th-18"},
    ]


def test_no_version_no_timecode_and_a_tiny_frame():
    chain = drawtext_chain("st1", None, 1, None, Fraction(25), (64, 36))
    assert [f.get("text") for f in chain] == ["st1", "%{eif:n+1:d:4}"]
    assert {f["fontsize"] for f in chain} == {8}  # never under 8 px
    assert chain[1]["y"] == "h-th-4"  # nothing beside it: bottom right


def test_the_frame_number_goes_above_the_timecode_where_both_do_not_fit():
    chain = drawtext_chain("st1", None, 1001, "00:59:59:00", FILM, (64, 36))
    assert chain[2]["y"] == "h-th-14" and chain[1]["y"] == "h-th-4"
    assert drawtext_chain("st1", None, 1001, "00:59:59:00", FILM, (160, 36))[2]["y"] == "h-th-4"


@pytest.mark.parametrize("timecode, fps, drawn", [
    ("01:00:00:00", FILM, "01:00:00:00"),
    ("00:59:59;28", NTSC, "00:59:59;28"),  # drop-frame where FFmpeg counts it
    ("00:59:59;28", Fraction(60000, 1001), "00:59:59;28"),
    ("01:00:00;00", FILM, "01:00:00:00"),  # FFmpeg refuses drop-frame at 24: non-drop
    (None, FILM, None),
    ("1:00:00", FILM, None),  # not HH:MM:SS:FF: none, the filter never breaks
])
def test_timecode(timecode, fps, drawn):
    assert drawtext_timecode(timecode, fps) == drawn
    chain = drawtext_chain("s", None, 1001, timecode, fps, (1920, 1080))
    assert [f.get("timecode") for f in chain if "timecode" in f] == ([drawn] if drawn else [])


def test_literal_escapes_drawtext_s_expansion_only():
    assert literal("a:b\\c'd%e,f;g") == "a:b\\\\c'd\\%e,f;g"
    assert literal("s01\nv2\t") == "s01?v2?"


# --------------------------------------------------------------------------- #
# what the real FFmpeg draws
# --------------------------------------------------------------------------- #
def _draw(filters: list[dict], w: int, h: int, frames: int = 1, fps: Fraction = FILM) -> np.ndarray:
    """``frames`` grey frames with ``filters`` drawn on them, as RGB."""
    v = ffmpeg.input(f"color=c=gray:s={w}x{h}:r={fps.numerator}/{fps.denominator}",
                     f="lavfi").video.filter("format", "rgb24")
    for options in filters:
        v = v.filter("drawtext", **options)
    out, _ = (v.output("pipe:", f="rawvideo", pix_fmt="rgb24", vframes=frames)
              .global_args("-v", "error").run(capture_stdout=True))
    return np.frombuffer(out, np.uint8).reshape(frames, h, w, 3)


def test_a_label_with_drawtext_s_special_characters_shows_as_it_is(tmp_path):
    label = "a:b\\c'd%e,f;[g]=%{n}"
    first = drawtext_chain(label, "v'1:%", 1001, None, FILM, (240, 36))[0]
    # the same text from a file, with drawtext's expansion off: the text itself
    (tmp_path / "label.txt").write_text(label + " v'1:%")
    raw = {k: v for k, v in first.items() if k != "text"}
    expected = _draw([{**raw, "textfile": str(tmp_path / "label.txt"), "expansion": "none"}],
                     240, 36)
    got = _draw([first], 240, 36)
    assert got.std() > 0 and np.array_equal(got, expected)


def test_the_frame_number_counts_the_shot_s_frames():
    filt = drawtext_chain("s", None, 1001, None, FILM, (64, 36))[-1]
    got = _draw([filt], 64, 36, frames=3)[2]
    assert np.array_equal(got, _draw([{**filt, "text": "1003"}], 64, 36)[0])


@pytest.mark.parametrize("start, fps, shown", [
    ("00:59:59:22", FILM, "01:00:00:01"),
    ("00:00:59;28", NTSC, "00:01:00;03"),  # drop-frame: ;00 and ;01 of minute 1 skipped
])
def test_the_timecode_counts_from_the_source_s(start, fps, shown):
    filt = next(f for f in drawtext_chain("s", None, 1001, start, fps, (160, 36))
                if "timecode" in f)
    assert timecode_after(start, fps, 3) == shown  # as the movies' timecode counts
    text = {k: v for k, v in filt.items() if not k.startswith("timecode")}
    got = _draw([filt], 160, 36, frames=4, fps=fps)[3]
    assert np.array_equal(got, _draw([{**text, "text": shown}], 160, 36, fps=fps)[0])


# --------------------------------------------------------------------------- #
# the review mp4
# --------------------------------------------------------------------------- #
def _frames(movie: Path, w: int, h: int) -> np.ndarray:
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(movie), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, h, w, 3).astype(int)


def test_the_mp4_gets_the_burn_in_where_it_is_drawn_and_nothing_else(tmp_path):
    clip = make_clip(tmp_path / "src.mov", 160, 90, frames=4, fps="24000/1001",
                     timecode="00:59:59:00", vcodec="libx264", pix_fmt="yuv444p",
                     audio=False)
    info = probe_source(str(clip))
    decode_to_pngs(info, tmp_path / "f", "sh", 1001)
    job = EncodeJob(frame_pattern(tmp_path / "f", "sh"), 1001, 4, info)
    lossless = OutputConfig(mp4_crf=0)  # what is not drawn on stays exactly as it was
    chain = drawtext_chain("sh", "v003", 1001, info.timecode, info.fps_fraction, (160, 90))
    encode_h264(job, tmp_path / "plain.mp4", lossless)
    encode_h264(job, tmp_path / "burnt.mp4", lossless, chain)
    plain, burnt = (_frames(tmp_path / name, 160, 90) for name in ("plain.mp4", "burnt.mp4"))
    diff = np.abs(burnt - plain).max(axis=(0, 3))  # per pixel, over the frames
    # font 8 px (90 / 30 = 3), margin 4: shot and version top-left, timecode
    # bottom-left, frame number bottom-right; the middle band and the top right untouched
    for rows, cols in (((4, 11), (4, 40)), ((79, 86), (4, 50)), ((79, 86), (136, 155))):
        assert diff[slice(*rows), slice(*cols)].mean() > 40, (rows, cols)
    assert not diff[16:74].any() and not diff[:14, 80:].any()


# --------------------------------------------------------------------------- #
# FFmpeg without drawtext or a font
# --------------------------------------------------------------------------- #
@pytest.fixture
def ffmpeg_says(monkeypatch):
    """Make ``font_option`` read these answers from ``ffmpeg -filters`` / ``-buildconf``."""
    answers = {}
    monkeypatch.setattr(burn_in, "_ffmpeg_says", lambda arg: answers[arg])
    font_option.cache_clear()
    yield answers
    font_option.cache_clear()


DRAWTEXT = " T.C drawtext          V->V       Draw text on top of video frames.\n"


def test_fontconfig_finds_the_font_here():
    font_option.cache_clear()
    assert font_option() == {"font": "monospace"}  # Debian's ffmpeg: --enable-libfontconfig


def test_an_ffmpeg_without_drawtext_is_refused_in_one_line(ffmpeg_says):
    ffmpeg_says["-filters"] = " ... drawbox    V->V  Draw a colored box\n"
    with pytest.raises(MediaError, match=r"^output\.burn_in: this FFmpeg has no drawtext "
                                         r"filter .* or set output\.burn_in: false$"):
        font_option()


def test_without_fontconfig_a_font_file_or_a_refusal(ffmpeg_says, monkeypatch, tmp_path):
    ffmpeg_says.update({"-filters": DRAWTEXT, "-buildconf": "--enable-libfreetype\n"})
    font = tmp_path / "DejaVuSansMono.ttf"
    monkeypatch.setattr(burn_in, "FONT_FILES", (str(tmp_path / "gone.ttf"), str(font)))
    with pytest.raises(MediaError, match=r"^output\.burn_in: .* needs a font file .* install "
                                         r"fonts-dejavu-core or set output\.burn_in: false$"):
        font_option()
    font.write_bytes(b"font")
    font_option.cache_clear()
    assert font_option() == {"fontfile": str(font)}
