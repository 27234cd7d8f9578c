"""pipeline.editorial.read: a cut into its one Timeline by the adapter
OpenTimelineIO chooses (EDL text UTF-8 or Latin-1, FCP XML, ``.otio``,
``.otioz``, an ``.otiod`` folder; a collection of one Timeline), one line for
any other file, and its video clips: nests walked, audio left out, none to make
shots of refused (docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import zipfile

import opentimelineio as otio
import pytest

from pipeline.editorial import edit_shots
from pipeline.errors import ConfigError

from .cuts import RT, TR, clip, edl, event, read_shot, run, take_ref, write_otio


def test_an_extension_no_installed_adapter_reads_is_one_line_naming_those_it_reads(
        tmp_path, configs, capsys):
    suffixes = otio.adapters.suffixes_with_defined_adapters(read=True)
    known = ", ".join(f".{suffix}" for suffix in sorted(suffixes))
    assert {"edl", "otio", "otioz", "otiod", "xml"} <= suffixes
    aaf = "; AAF needs the otio-aaf-adapter plugin (pip install otio-aaf-adapter)"
    for name, what, hint in (("cut.aaf", ".aaf files", aaf), ("cut.mov", ".mov files", ""),
                             ("cut", "a file without an extension", "")):
        if name.endswith(".aaf") and "aaf" in suffixes:
            continue  # the plugin is installed: OpenTimelineIO reads it
        assert run(capsys, str(tmp_path / name)) == (
            2, "", f"shotstyle: error: {tmp_path / name}: no OpenTimelineIO adapter installed "
                   f"here reads {what} (they read {known}){hint}\n")
    with pytest.raises(ConfigError, match=r"none\.edl: edit not found"):
        edit_shots(tmp_path / "none.edl")
    assert not (configs / "shots").exists()


def test_an_otioz_and_an_otiod_are_read_by_the_adapter_opentimelineio_chooses(
        edit, tmp_path, configs, capsys):
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(otio.schema.Track(children=[clip("a", take_ref(edit / "take1.mov"))]))
    bundle = edit / "cut.otioz"
    otio.adapters.write_to_file(timeline, str(bundle))  # the take copied into it
    shot = configs / "shots" / "a.yaml"
    # its media, inside the bundle: the take of that name in the cut's folder
    assert run(capsys, str(bundle)) == (0, f"wrote {shot}\n", "")
    assert read_shot(shot)["source"] == str(edit / "take1.mov")
    assert read_shot(shot)["edit"]["cut"] == "cut.otioz"
    # the bundle unzipped in the cut's folder: its own copy
    with zipfile.ZipFile(bundle) as unzip:
        unzip.extractall(edit)
    assert run(capsys, str(bundle), "--overwrite")[0] == 0
    assert read_shot(shot)["source"] == str(edit / "media" / "take1.mov")
    # elsewhere, with no take of its name: one line saying where it looked
    handoff = tmp_path / "handoff"
    handoff.mkdir()
    moved = bundle.rename(handoff / "cut.otioz")
    assert run(capsys, str(moved)) == (
        1, "", f"shotstyle: warning: {moved}: clip 1 (a): media not found: media/take1.mov is "
               f"inside the .otioz bundle; neither {handoff / 'media' / 'take1.mov'} (the bundle "
               f"unzipped in the cut's folder) nor a file take1.mov in {handoff} is there: "
               f"unzip the bundle there, or give --media the takes' folder\n")
    assert run(capsys, str(moved), "--media", str(edit), "--overwrite")[0] == 0
    # an .otiod folder: its media inside it
    folder = edit / "cut.otiod"
    otio.adapters.write_to_file(timeline, str(folder))
    assert run(capsys, str(folder), "--overwrite")[0] == 0
    assert read_shot(shot)["source"] == str(folder / "media" / "take1.mov")


def _two_timelines() -> otio.schema.SerializableCollection:
    return otio.schema.SerializableCollection(children=[otio.schema.Timeline(name="a"),
                                                        otio.schema.Timeline(name="b")])


@pytest.mark.parametrize("held, holds", [
    (otio.schema.Clip(name="c1"), "a Clip named 'c1'"),
    (otio.schema.Track(name="V1"), "a Track named 'V1'"),
    (otio.schema.Stack(name="tracks"), "a Stack named 'tracks'"),
    ("{}", "an empty JSON object"),
    ("[]", "a JSON list"),
    ('{"OTIO_SCHEMA": "Bin.1"}', "a Bin.1 (a schema this OpenTimelineIO does not "
                                      "know)"),
    (_two_timelines(), "a SerializableCollection of 2 timelines ('a', 'b')"),
])
def test_an_otio_file_without_one_timeline_is_one_line(edit, configs, capsys, held, holds):
    cut = edit / "cut.otio"
    if isinstance(held, str):
        cut.write_text(held)
    else:
        otio.adapters.write_to_file(held, str(cut))
    end = ": export the one to make shots of" if "timelines" in holds else ", not a Timeline"
    holds = holds + (", not one Timeline" if "timelines" in holds else "")
    assert run(capsys, str(cut)) == (2, "", f"shotstyle: error: {cut}: holds {holds}{end}\n")
    assert not (configs / "shots").exists()


def test_a_collection_of_one_timeline_is_its_timeline(edit, configs, capsys):
    timeline = otio.schema.Timeline(name="only")
    timeline.tracks.append(otio.schema.Track(children=[clip("a", take_ref(edit / "take1.mov"))]))
    cut = edit / "bin.otio"
    otio.adapters.write_to_file(otio.schema.SerializableCollection(children=[timeline]), str(cut))
    assert run(capsys, str(cut)) == (0, f"wrote {configs / 'shots' / 'a.yaml'}\n", "")


def test_a_cut_without_video_clips_is_one_line(edit, configs, capsys):
    empty = edit / "empty.otio"
    otio.adapters.write_to_file(otio.schema.Timeline(), str(empty))
    gaps = write_otio(edit / "gaps.otio", otio.schema.Gap(duration=RT(24, 24)))
    sound = edl(edit / "sound.edl", "001  AX       A     C        01:00:00:00 01:00:00:04 "
                                    "00:00:00:00 00:00:00:04\n* FROM CLIP NAME: take1.mov\n")
    off = write_otio(edit / "off.otio", clip("a", take_ref(edit / "take1.mov")))
    timeline = otio.adapters.read_from_file(str(off))
    timeline.tracks[0].enabled = False
    otio.adapters.write_to_file(timeline, str(off))
    for cut, why in ((empty, "(it holds 0 video and 0 audio track(s); gaps and transitions "
                             "are not clips)"),
                     (gaps, "(it holds 1 video and 0 audio track(s); gaps and transitions are "
                            "not clips)"),
                     (sound, "(it holds 0 video and 1 audio track(s); gaps and transitions are "
                             "not clips)"),
                     (off, "to make shots of: its 1 video clip(s) are disabled "
                           "(enabled: false)")):
        assert run(capsys, str(cut)) == (2, "", f"shotstyle: error: {cut}: no video clips {why}\n")
    assert not (configs / "shots").exists()


def test_a_nested_stack_s_audio_is_no_shot_and_its_trim_is_warned(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    nest = otio.schema.Stack(name="nest", children=[
        otio.schema.Track(children=[clip("inner", ref)]),
        otio.schema.Track(kind=otio.schema.TrackKind.Audio, children=[clip("sound", ref.clone())])])
    trimmed = nest.clone()
    trimmed.name = "short"
    trimmed.source_range = TR(RT(0, 24), RT(3, 24))
    trimmed[0][0].name = "cut_short"
    cut = write_otio(edit / "nest.otio", nest, trimmed)
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'inner.yaml'}\nwrote {configs / 'shots' / 'cut_short.yaml'}"
           f"\n",
        f"shotstyle: warning: {cut}: clip 2 (cut_short): it is inside a nested Stack 'short', "
        f"which shows only part of what it holds: the shot is the clip's whole source range\n")


@pytest.mark.parametrize("content, line", [
    (None, "a folder, not an edit file"),
    (b"\x00\x01\x02TITLE", "not a text file (it holds NUL bytes); an EDL is text"),
])
def test_a_cut_that_is_a_folder_or_binary_is_one_line(edit, configs, capsys, content, line):
    cut = edit / "cut.edl"
    cut.mkdir() if content is None else cut.write_bytes(content)
    assert run(capsys, str(cut)) == (2, "", f"shotstyle: error: {cut}: {line}\n")


def test_a_latin_1_edl_is_read_with_a_note(edit, configs, capsys):
    (edit / "take1.mov").rename(edit / "café.mov")
    cut = edit / "latin.edl"
    cut.write_bytes(edl(edit / "x.edl", event(1, "00:10", "00:14", "00:00", "00:04",
                                              name="café.mov")).read_text().encode("latin-1"))
    assert run(capsys, str(cut)) == (
        0, f"wrote {configs / 'shots' / 'caf.yaml'}\n"
           f"note: {cut}: not UTF-8: read as Latin-1 (ISO 8859-1)\n", "")
    assert read_shot(configs / "shots" / "caf.yaml")["source"] == str(edit / "café.mov")


def test_a_drop_frame_edl_read_at_24_names_the_rate(edit, configs, capsys):
    cut = edit / "df.edl"
    cut.write_text("TITLE: df\nFCM: DROP FRAME\n\n001  AX       V     C        01:00:00;00 "
                   "01:00:00;04 00:00:00;00 00:00:00;04\n* FROM CLIP NAME: take1.mov\n")
    assert run(capsys, str(cut)) == (
        2, "", f"shotstyle: error: {cut}: cannot read the edit (as an EDL at 24 frames/s; --rate "
               f"sets it): Timecode '01:00:00;00' indicates drop frame rate due to the ';' frame "
               f"divider. Passed in rate 24 is not a valid drop frame rate.\n")
