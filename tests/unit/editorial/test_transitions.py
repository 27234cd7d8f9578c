"""pipeline.editorial.transitions: the frames a dissolve shows of a clip past
its cut are part of its shot, its handles lie beyond them (as far as the media
goes), and the dissolve's length is reported in a note and the shot's ``edit``
section; where the media lacks those frames, a warning (docs/BAD_INPUT.md,
"Reading an edit")."""
from __future__ import annotations

import opentimelineio as otio

from .cuts import TAKE_TC, clip, dissolve, edl, event, read_shot, run, take_ref, write_otio


def test_a_12_frame_dissolve_is_in_both_shots_and_8_handles_lie_beyond_it(
        edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "mix.otio", clip("a", ref, cut_in=10, length=8), dissolve(12),
                     clip("b", ref.clone(), cut_in=30, length=6))
    code, out, err = run(capsys, str(cut), "--handles", "8")
    shots = configs / "shots"
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"wrote {shots / 'a.yaml'}", f"wrote {shots / 'b.yaml'}",
        f"note: {cut}: clip 1 (a): a 12-frame dissolve at its cut out, 6 frame(s) of it after "
        f"the cut: the shot holds the frames past its cut, then 8 and 8 handle frames",
        f"note: {cut}: clip 2 (b): a 12-frame dissolve at its cut in, 6 frame(s) of it before "
        f"the cut: the shot holds the frames past its cut, then 8 and 8 handle frames"]
    a, b = read_shot(shots / "a.yaml"), read_shot(shots / "b.yaml")
    # a: 8 handles (take frames 2-9), its cut (10-17), the dissolve's 6 past it (18-23), 8 more
    assert a["source_range"] == {"start": 2, "duration": 8 + 8 + 6 + 8}
    assert a["edit"] == {"cut": "mix.otio", "clip": "a", "cut_in": 1009, "cut_out": 1016,
                         "handles": [8, 8], "transition_in": 0, "transition_out": 12}
    # b: 8 handles (16-23), the dissolve's 6 before its cut (24-29), its cut (30-35), 8 more
    assert b["source_range"] == {"start": 16, "duration": 8 + 6 + 6 + 8}
    assert b["edit"] == {"cut": "mix.otio", "clip": "b", "cut_in": 1015, "cut_out": 1020,
                         "handles": [8, 8], "transition_in": 12, "transition_out": 0}
    # each shot is what the dissolve shows of its clip (OTIO's visible_range), 8 frames more
    # each side: no handle frame stands in for a frame of the dissolve
    timeline = otio.adapters.read_from_file(str(cut))
    for item, shot in zip(timeline.find_clips(), (a, b)):
        shown = item.visible_range()
        first = round(shown.start_time.value) - TAKE_TC
        last = round(shown.end_time_exclusive().value) - TAKE_TC - 1
        start, duration = shot["source_range"]["start"], shot["source_range"]["duration"]
        assert (start, start + duration - 1) == (first - 8, last + 8), item.name


def test_an_edl_dissolve_s_frames_are_in_the_shot_or_warned(edit, configs, capsys):
    """A CMX dissolve (OTIO: all of it after the outgoing clip's cut): the
    outgoing shot holds its frames; the incoming one's are inside its cut."""
    cut = edl(edit / "mix.edl",
              event(1, "00:04", "00:14", "00:00", "00:10"),
              "002  AX       V     C        01:00:00:14 01:00:00:14 00:00:00:10 00:00:00:10\n"
              "002  AX       V     D    006 01:00:01:00 01:00:01:12 00:00:00:10 00:00:00:22\n"
              "* FROM CLIP NAME: take1.mov\n* TO CLIP NAME: take1.mov\n",
              event(3, "01:14", "02:00", "00:22", "01:08"),
              "004  AX       V     C        01:00:02:00 01:00:02:00 00:00:01:08 00:00:01:08\n"
              "004  AX       V     D    004 01:00:00:00 01:00:00:06 00:00:01:08 00:00:01:14\n"
              "* FROM CLIP NAME: take1.mov\n* TO CLIP NAME: take1.mov\n")
    code, out, err = run(capsys, str(cut), "--handles", "2")
    shots = configs / "shots"
    assert (code, out.splitlines()) == (1, [
        f"wrote {shots / 'take1.yaml'}", f"wrote {shots / 'take1_2.yaml'}",
        f"wrote {shots / 'take1_3.yaml'}", f"wrote {shots / 'take1_4.yaml'}",
        f"note: {cut}: clip 1 (take1.mov): a 6-frame dissolve at its cut out, 6 frame(s) of it "
        f"after the cut: the shot holds the frames past its cut, then 2 and 2 handle frames",
        f"note: {cut}: clip 2 (take1.mov): a 6-frame dissolve at its cut in, inside the cut: "
        f"the shot has 2 and 2 handle frames",
        f"note: {cut}: clip 4 (take1.mov): a 4-frame dissolve at its cut in, inside the cut: "
        f"the shot has 0 and 2 handle frames"])
    assert err == (f"shotstyle: warning: {cut}: clip 3 (take1.mov): a 4-frame dissolve at its "
                   f"cut out shows 4 frame(s) of it after its cut, but its media holds only 0: "
                   f"the shot has 0\n")
    # clip 1 (take frames 4-13): 2 handles, its cut, the dissolve's 6 frames, 2 handles
    first = read_shot(shots / "take1.yaml")
    assert first["source_range"] == {"start": 2, "duration": 2 + 10 + 6 + 2}
    assert (first["edit"]["cut_in"], first["edit"]["cut_out"]) == (1003, 1012)
    assert (first["edit"]["transition_in"], first["edit"]["transition_out"]) == (0, 6)
    # clip 2 (24-35): the dissolve inside its cut, 2 handles each side
    second = read_shot(shots / "take1_2.yaml")
    assert second["source_range"] == {"start": 22, "duration": 16}
    assert (second["edit"]["transition_in"], second["edit"]["handles"]) == (6, [2, 2])
    # clip 3 (38-47) ends with the take: no frame of its dissolve, no handle after it
    assert read_shot(shots / "take1_3.yaml")["edit"]["handles"] == [2, 0]
