"""pipeline.editorial.shots: a cut's shots in the media's frames with their
handles clipped at the media's ends, missing media named, ``--handles``
checked, disabled and generated clips noted, every clip refused writing
nothing (docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import pytest

from pipeline.editorial import EditShot, edit_shots

from .cuts import clip, edl, event, run, take_ref, write_otio


def test_shots_are_the_clips_in_media_frames_with_handles(cut):
    shots, missing = edit_shots(cut, handles=8)
    take = str(cut.parent / "take1.mov")
    assert shots == [
        EditShot("take1", take, start=2, duration=26, handles=(8, 8), clip="take1.mov"),
        # 2 frames before it in the take
        EditShot("take1_2", take, start=0, duration=13, handles=(2, 8), clip="take1.mov"),
    ]
    assert [(s.first_frame, s.cut_in, s.cut_out) for s in shots] == [(1001, 1009, 1018),
                                                                     (1001, 1003, 1005)]
    assert len(missing) == 2
    assert missing[0] == (f"{cut}: clip 3 (gone.mov): media not found (looked in "
                          f"{cut.parent})")
    # 01:00:01:20-01:00:02:04 is frames 44-51 of a 48-frame take
    assert missing[1] == (f"{cut}: clip 4 (take1.mov): its source range (frames 44-51 of the "
                          f"media) is outside {take} (48 frames)")


@pytest.mark.parametrize("handles", ["-5", "1001", "eight", "2.5"])
def test_handles_out_of_range_are_one_line(cut, configs, capsys, handles):
    shown = repr(int(handles)) if handles.lstrip("-").isdigit() else repr(handles)
    assert run(capsys, str(cut), "--handles", handles) == (
        2, "", f"shotstyle: error: --handles: expected a whole number of frames from 0 to 1000, "
               f"got {shown}\n")
    assert not (configs / "shots").exists()


def test_every_clip_refused_exits_1_writing_nothing(edit, configs, capsys):
    cut = edl(edit / "lost.edl", event(1, "00:00", "00:04", "00:00", "00:04", name="a.mov"),
              event(2, "00:00", "00:04", "00:04", "00:08", name="b.mov"))
    code, out, err = run(capsys, str(cut))
    assert (code, out, len(err.splitlines())) == (1, "", 2)
    assert not (configs / "shots").exists()


def test_disabled_and_generated_clips_are_noted_not_shots(edit, configs, capsys):
    cut = edl(edit / "lead.edl",
              "001  BL       V     C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n",
              event(2, "00:10", "00:14", "01:00", "01:04"))
    assert run(capsys, str(cut)) == (
        0, f"wrote {configs / 'shots' / 'take1.yaml'}\n"
           f"note: {cut}: clip 1 (001): made by the editing system (a 'black' generator), not "
           f"media: no shot\n", "")
    off = clip("off", take_ref(edit / "take1.mov"))
    off.enabled = False
    cut = write_otio(edit / "cut.otio", off, clip("on", take_ref(edit / "take1.mov")))
    assert run(capsys, str(cut)) == (
        0, f"wrote {configs / 'shots' / 'on.yaml'}\n"
           f"note: {cut}: clip 1 (off): disabled in the edit (enabled: false): no shot\n", "")
