"""Burn-ins on the review mp4 (``output.burn_in``), with FFmpeg's drawtext: the
shot and version top-left, the source timecode bottom-left and the frame number
bottom-right, white on a half-transparent black box, sized to the frame.

``drawtext_chain`` is pure: the drawtext filters, in order, each as its
options, from plain values. ffmpeg-python escapes every option value for
FFmpeg's option and filtergraph parsers (``\\`` ``'`` ``:`` ``=``, then ``,``
``;`` ``[`` ``]``); ``literal`` escapes what drawtext's own text expansion reads
(``\\`` and ``%``), so any shot name or version is shown as it is.

``font_option`` asks the FFmpeg on PATH, once, whether it has drawtext and how
drawtext finds a font: through fontconfig (Debian's and Ubuntu's ffmpeg: their
libfontconfig1 brings fonts-dejavu-core), else a font file.
"""
from __future__ import annotations

import functools
import re
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping, Optional

from pipeline.errors import MediaError
from pipeline.media.ffmpeg_run import require_binaries

#: The font drawtext asks fontconfig for (DejaVu Sans Mono on Debian/Ubuntu):
#: fixed-width digits keep the timecode and frame number still as they count.
FONTCONFIG_FONT = {"font": "monospace"}
#: Font files tried where FFmpeg has no fontconfig (Debian/Ubuntu, Fedora, macOS).
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
              "/usr/share/fonts/dejavu-sans-mono-fonts/DejaVuSansMono.ttf",
              "/System/Library/Fonts/Menlo.ttc")
#: Digits of the frame number: as the frames' file names (``sequence.frame_pattern``).
FRAME_DIGITS = 4
#: Text height in frame heights (36 px on 1080 lines), and the least, in pixels.
FONT_SCALE = Fraction(1, 30)
MIN_FONT_PX = 8
#: A monospace glyph's advance in font sizes (DejaVu Sans Mono, Menlo: 0.6).
ADVANCE = 0.6
_TIMECODE = re.compile(r"\d\d:\d\d:\d\d[:;]\d\d+")


def literal(text: str) -> str:
    """``text`` as drawtext's ``text`` option shows it: its expansion escapes
    (``\\`` and ``%``) escaped, control characters (a line break) shown as ``?``."""
    shown = "".join(c if c.isprintable() else "?" for c in text)
    return shown.replace("\\", "\\\\").replace("%", "\\%")


def font_size(height: int) -> int:
    return max(MIN_FONT_PX, round(height * FONT_SCALE))


def drawtext_timecode(timecode: Optional[str], fps: Fraction) -> Optional[str]:
    """The timecode drawtext counts from: the source's, or None (no timecode, or
    not ``HH:MM:SS:FF``). Drop-frame (``;``) stays where FFmpeg allows it (rates
    that round to a multiple of 30); elsewhere it is counted non-drop."""
    if timecode is None or not _TIMECODE.fullmatch(timecode):
        return None
    if ";" in timecode and int(fps + Fraction(1, 2)) % 30:
        return timecode.replace(";", ":")
    return timecode


def drawtext_chain(shot: str, version: Optional[str], first_frame: int,
                   timecode: Optional[str], fps: Fraction, size: tuple[int, int],
                   font: Mapping[str, str] = FONTCONFIG_FONT) -> list[dict[str, Any]]:
    """The drawtext filters of the burn-in, each as its options (ffmpeg-python's
    ``.filter("drawtext", **options)``): shot and version top-left, the frame
    number (``first_frame`` on the first frame) bottom-right, the timecode
    (``timecode`` on the first frame, none when None) bottom-left. ``size``:
    the picture's width and height."""
    px = font_size(size[1])
    margin, border = px // 2, max(1, px // 6)
    look = {**font, "fontsize": px, "fontcolor": "white", "box": 1,
            "boxcolor": "black@0.5", "boxborderw": border}
    label = shot if version is None else f"{shot} {version}"
    chain = [dict(look, text=literal(label), x=margin, y=margin)]
    tc = drawtext_timecode(timecode, fps)
    if tc is not None:
        chain.append(dict(look, timecode=tc, timecode_rate=f"{fps.numerator}/{fps.denominator}",
                          x=margin, y=f"h-th-{margin}"))
    digits = max(FRAME_DIGITS, len(str(first_frame)))
    # on a frame too narrow for both on the bottom line, the frame number sits above
    fits = 2 * margin + (digits + (len(tc) + 2 if tc else 0)) * ADVANCE * px <= size[0]
    raised = 0 if fits else px + 2 * border
    chain.append(dict(look, text=f"%{{eif:n+{first_frame}:d:{FRAME_DIGITS}}}",
                      x=f"w-tw-{margin}", y=f"h-th-{margin + raised}"))
    return chain


def _ffmpeg_says(*args: str) -> str:
    done = subprocess.run(["ffmpeg", "-hide_banner", *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    return done.stdout + done.stderr


@functools.lru_cache(maxsize=None)
def font_option() -> dict[str, str]:
    """How drawtext finds its font with the FFmpeg on PATH: ``FONTCONFIG_FONT``,
    or the first of ``FONT_FILES`` that exists. A MediaError (one line) when this
    FFmpeg has no drawtext, or needs a font file and none is there: the burn-in
    is refused, never left out."""
    require_binaries()
    if not re.search(r"^\s*\S+\s+drawtext\s", _ffmpeg_says("-filters"), re.M):
        raise MediaError("output.burn_in: this FFmpeg has no drawtext filter (built without "
                         "libfreetype): install one that has (Debian's or Ubuntu's ffmpeg "
                         "package) or set output.burn_in: false")
    if "--enable-libfontconfig" in _ffmpeg_says("-buildconf"):
        return dict(FONTCONFIG_FONT)
    found = next((f for f in FONT_FILES if Path(f).is_file()), None)
    if found is None:
        raise MediaError(f"output.burn_in: this FFmpeg's drawtext needs a font file (it has no "
                         f"fontconfig) and none is installed ({', '.join(FONT_FILES)}): install "
                         f"fonts-dejavu-core or set output.burn_in: false")
    return {"fontfile": found}
