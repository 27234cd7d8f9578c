"""pipeline.editorial.timing: edit time counted in the media's frames as
timecode counts, a clip without a source range taking its media's available
range, source ranges without time or frames refused, and an EDL read at
another rate than its media refused (docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

from helpers import make_clip
from pipeline.editorial.timing import timecode_frames

from .cuts import RT, TAKE_TC, TR, edl, event, read_shot, run, take_ref, write_otio


def test_edit_time_counts_frames_as_timecode_does():
    # 23.976 and 24 both count 24 frames a timecode second: no drift over an hour
    hour_at_24 = otio.opentime.RationalTime(86400, 24)
    assert timecode_frames(hour_at_24, Fraction(24000, 1001)) == 86400
    assert timecode_frames(hour_at_24, Fraction(24)) == 86400
    assert timecode_frames(otio.opentime.RationalTime(50, 25), Fraction(50)) == 100


def test_a_clip_without_a_source_range_is_its_media_s_available_range(edit, configs, capsys):
    whole = otio.schema.Clip(name="whole", media_reference=take_ref(edit / "take1.mov"))
    bare = otio.schema.Clip(name="bare", media_reference=take_ref(edit / "take1.mov",
                                                                  available=False))
    cut = write_otio(edit / "cut.otio", whole, bare)
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'whole.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 2 (bare): no source range, and its media reference "
        f"has no available range: give the clip a source range in the edit\n")
    assert read_shot(configs / "shots" / "whole.yaml")["source_range"] == {"start": 0,
                                                                            "duration": 48}


def test_a_source_range_without_time_or_frames_is_refused(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "cut.otio", *(otio.schema.Clip(
        name=name, media_reference=ref.clone(), source_range=TR(start, RT(length, start.rate)))
        for name, start, length in (("zero", RT(10, 0), 5), ("nan", RT(float("nan"), 24), 5),
                                    ("empty", RT(TAKE_TC, 24), 0))))
    assert run(capsys, str(cut)) == (1, "", "".join(
        f"shotstyle: warning: {cut}: clip {n} {line}\n" for n, line in (
            (1, "(zero): its source range has no usable time (10 at rate 0)"),
            (2, "(nan): its source range has no usable time (nan at rate 24)"),
            (3, "(empty): its source range is empty (0 frames)"))))


def test_an_edl_read_at_another_rate_than_its_media_is_refused(edit, configs, capsys):
    make_clip(edit / "pal.mov", 32, 24, frames=30, fps="25", audio=False,
              timecode="01:00:00:00")
    cut = edl(edit / "pal.edl", event(1, "00:10", "00:14", "00:00", "00:04", name="pal.mov"))
    assert run(capsys, str(cut)) == (
        1, "", f"shotstyle: warning: {cut}: clip 1 (pal.mov): the EDL is read at 24 frames/s "
               f"but {edit / 'pal.mov'} runs at 25: its source timecodes count 25 frames a "
               f"second there; read the EDL with --rate 25\n")
    code, out, err = run(capsys, str(cut), "--rate", "25", "--handles", "0")
    assert (code, err) == (0, "")
    assert read_shot(configs / "shots" / "pal.yaml")["source_range"] == {"start": 10,
                                                                          "duration": 4}
