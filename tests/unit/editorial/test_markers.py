"""pipeline.editorial.markers: a clip's marker names its shot: an OTIO marker
on the clip, or on the track or stack around it within its range there, an
EDL's ``* LOC:``; the first in time; its name, else its comment
(docs/RENDERING.md, "Shots from the edit")."""
from __future__ import annotations

import opentimelineio as otio

from pipeline.editorial import plan_edit

from .cuts import RT, TR, clip, edl, event, read_shot, run, take_ref, write_otio


def marker(name: str, at: int, comment: str = "") -> otio.schema.Marker:
    """A marker at frame ``at`` (of the time of what holds it)."""
    return otio.schema.Marker(name=name, marked_range=TR(RT(at, 24), RT(0, 24)),
                              comment=comment)


def marked(name: str, *markers: otio.schema.Marker, **kwargs) -> otio.schema.Clip:
    item = clip(name, **kwargs)
    item.markers.extend(markers)
    return item


def test_an_otio_clip_with_a_marker_sq010_sh020_is_the_shot_sq010_sh020(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "cut.otio", marked("city_s01.mov", marker("sq010_sh020", 0),
                                               ref=ref),
                     clip("city_s01.mov", ref.clone()))
    shots = configs / "shots"
    assert run(capsys, str(cut)) == (
        0, f"wrote {shots / 'sq010_sh020.yaml'}\nwrote {shots / 'city_s01.yaml'}\n", "")
    assert read_shot(shots / "sq010_sh020.yaml")["edit"]["clip"] == "city_s01.mov"


def test_markers_on_the_track_and_the_stack_name_the_clip_they_fall_in(edit, capsys):
    ref = take_ref(edit / "take1.mov")
    # three clips of 6 frames at 0, 6 and 12 on the track
    track = otio.schema.Track(name="V1", children=[
        clip("a", ref), clip("b", ref.clone()),
        marked("c", marker("own_late", 86400 + 15), marker("own_first", 86400 + 10),
               ref=ref.clone())])
    track.markers.extend([marker("at_the_cut", 6), marker("later_in_b", 9)])
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(track)
    timeline.tracks.markers.append(marker("on_the_stack", 2))
    cut = edit / "cut.otio"
    otio.adapters.write_to_file(timeline, str(cut))
    plan = plan_edit(cut)
    # a: the stack's marker at 2; b: the track's at its first frame (6), before the one at 9;
    # c: its own first in time (frame 10 of the take, its cut in), not the first in the list
    assert [s.name for s in plan.shots] == ["on_the_stack", "at_the_cut", "own_first"]
    assert plan.warnings == []


def test_an_edl_s_loc_lines_name_the_shots(edit, configs, capsys):
    cut = edl(edit / "loc.edl",
              event(1, "00:10", "00:14", "00:00", "00:04",
                    extra="* LOC: 01:00:00:02 RED     sq010_sh020\n"),
              event(2, "00:20", "01:00", "00:04", "00:08",
                    extra="* LOC: 01:00:00:05 YELLOW  sq010_sh030\n"
                          "* LOC: 01:00:00:06 GREEN   fix the sky\n"),
              event(3, "01:06", "01:10", "00:08", "00:12"))
    shots = configs / "shots"
    assert run(capsys, str(cut)) == (
        0, f"wrote {shots / 'sq010_sh020.yaml'}\nwrote {shots / 'sq010_sh030.yaml'}\n"
           f"wrote {shots / 'take1.yaml'}\n", "")


def test_a_marker_that_is_no_name_is_made_one_with_a_warning(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "cut.otio",
                     marked("a", marker("sq010 sh030 (fix)", 0), ref=ref),
                     marked("b", marker("", 0, comment="sq010_sh040"), ref=ref.clone()),
                     marked("c", marker("!!!", 0), ref=ref.clone()))
    shots = configs / "shots"
    assert run(capsys, str(cut)) == (
        1, f"wrote {shots / 'sq010_sh030_fix.yaml'}\nwrote {shots / 'sq010_sh040.yaml'}\n"
           f"wrote {shots / 'c.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 1 (a): its marker 'sq010 sh030 (fix)' is not a shot "
        f"name (letters, digits, '_', '-' and '.'): the shot is named 'sq010_sh030_fix'\n"
        f"shotstyle: warning: {cut}: clip 3 (c): its marker '!!!' makes no shot name: it is "
        f"named by --name instead\n")


def test_a_second_clip_of_one_marker_is_warned_and_suffixed(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "cut.otio",
                     clip("sq010_sh020.mov", ref),  # no marker: named after its media
                     marked("a", marker("sq010_sh020", 0), ref=ref.clone()),
                     marked("b", marker("SQ010_SH020", 0), ref=ref.clone()))
    shots = configs / "shots"
    # the marked clips keep the editor's name first; the media's name gives way, silently
    assert run(capsys, str(cut)) == (
        1, f"wrote {shots / 'sq010_sh020_3.yaml'}\nwrote {shots / 'sq010_sh020.yaml'}\n"
           f"wrote {shots / 'SQ010_SH020_2.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 3 (b): its marker 'SQ010_SH020' names clip 2's shot "
        f"too: this shot is named 'SQ010_SH020_2'\n")


def test_track_markers_opentimelineio_cannot_time_are_warned_and_left_out(edit, capsys):
    bare = otio.schema.Clip(name="bare", media_reference=take_ref(edit / "take1.mov",
                                                                  available=False))
    track = otio.schema.Track(name="V1", children=[clip("a", take_ref(edit / "take1.mov")),
                                                   bare])
    track.markers.append(marker("sq010_sh020", 0))
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(track)
    cut = edit / "cut.otio"
    otio.adapters.write_to_file(timeline, str(cut))
    plan = plan_edit(cut)
    assert [s.name for s in plan.shots] == ["a"]
    assert plan.warnings[0].startswith(
        f"{cut}: clip 1 (a): the markers of the Track 'V1' around it cannot be placed (Cannot "
        f"compute available range")
    assert plan.warnings[0].endswith("): its shot is named without them")
    assert plan.warnings[1].startswith(f"{cut}: clip 2 (bare): no source range")
