"""pipeline.editorial: shots from real cuts (OpenTimelineIO's own ``.otio``, its
CMX 3600 and FCP 7 XML adapters) over a real take with a start timecode:
source ranges in the media's frames, handles clipped at the media's ends,
unique names, missing media named; and every bad cut a TD can hand it
(docs/BAD_INPUT.md, "Reading an edit"), through ``python -m pipeline
shots-from-edit`` with its whole stdout and stderr."""
from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
import yaml

from helpers import make_clip
from pipeline.cli import main
from pipeline.editorial import EditShot, _frames, edit_shots, plan_edit, write_shot_configs
from pipeline.errors import ConfigError

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
TAKE_TC = 86400  # 01:00:00:00 at 24 frames/s
SHOT_KEYS = ["source", "style", "first_frame", "source_range"]

EDL = """TITLE: reel_a
FCM: NON-DROP FRAME

001  AX       V     C        01:00:00:10 01:00:00:20 00:00:00:00 00:00:00:10
* FROM CLIP NAME: take1.mov

002  AX       V     C        01:00:00:02 01:00:00:05 00:00:00:10 00:00:00:13
* FROM CLIP NAME: take1.mov

003  AX       V     C        01:00:00:00 01:00:00:04 00:00:00:13 00:00:00:17
* FROM CLIP NAME: gone.mov

004  AX       V     C        01:00:01:20 01:00:02:04 00:00:00:17 00:00:01:01
* FROM CLIP NAME: take1.mov
"""


@pytest.fixture(scope="module")
def take_file(tmp_path_factory):
    """take1.mov: 48 frames at 24 fps from 01:00:00:00, made once."""
    folder = tmp_path_factory.mktemp("take")
    return make_clip(folder / "take1.mov", 32, 24, frames=48, audio=False,
                     timecode="01:00:00:00")


@pytest.fixture
def edit(tmp_path, take_file):
    """The cut's folder, with a copy of the take in it."""
    folder = tmp_path / "edit"
    folder.mkdir()
    shutil.copy(take_file, folder / "take1.mov")
    return folder


@pytest.fixture
def cut(edit):
    (edit / "reel_a.edl").write_text(EDL)
    return edit / "reel_a.edl"


@pytest.fixture
def configs(tmp_path, monkeypatch):
    """A config folder with one style, 'oil', that the CLI reads."""
    cfg = tmp_path / "configs"
    (cfg / "styles").mkdir(parents=True)
    (cfg / "styles" / "oil.pt").write_bytes(b"")
    (cfg / "styles" / "oil.yaml").write_text("checkpoint: oil.pt\n")
    monkeypatch.setenv("SHOTSTYLE_CONFIG_DIR", str(cfg))
    return cfg


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``python -m pipeline shots-from-edit ARGS --style oil``: exit code, stdout, stderr."""
    code = main(["shots-from-edit", *args, *([] if "--style" in args else ["--style", "oil"])])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def take_ref(path: Path, available: bool = True) -> otio.schema.ExternalReference:
    return otio.schema.ExternalReference(
        target_url=path.as_uri() if path.is_absolute() else str(path),
        available_range=TR(RT(TAKE_TC, 24), RT(48, 24)) if available else None)


def clip(name: str, ref=None, cut_in: int = 10, length: int = 6, effects=()) -> otio.schema.Clip:
    """A clip of ``length`` frames from ``cut_in`` frames into the take."""
    item = otio.schema.Clip(name=name, media_reference=ref or otio.schema.MissingReference(),
                            source_range=TR(RT(TAKE_TC + cut_in, 24), RT(length, 24)))
    item.effects.extend(effects)
    return item


def write_otio(path: Path, *items, kind: str = otio.schema.TrackKind.Video) -> Path:
    """A timeline of one track holding ``items``."""
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(otio.schema.Track(name="V1", kind=kind, children=list(items)))
    otio.adapters.write_to_file(timeline, str(path))
    return path


def edl(path: Path, *events: str) -> Path:
    path.write_text("TITLE: cut\nFCM: NON-DROP FRAME\n\n" + "\n".join(events) + "\n")
    return path


def event(number: int, src_in: str, src_out: str, rec_in: str, rec_out: str,
          name: str = "take1.mov", reel: str = "AX", extra: str = "") -> str:
    return (f"{number:03d}  {reel}       V     C        01:00:{src_in} 01:00:{src_out} "
            f"00:00:{rec_in} 00:00:{rec_out}\n{extra}* FROM CLIP NAME: {name}\n")


def read_shot(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


# --------------------------------------------------------------------------- #
# What a cut gives
# --------------------------------------------------------------------------- #
def test_shots_are_the_clips_in_media_frames_with_handles(cut):
    shots, missing = edit_shots(cut, handles=8)
    take = str(cut.parent / "take1.mov")
    assert shots == [
        EditShot("take1", take, start=2, duration=26, handles=(8, 8)),
        EditShot("take1_2", take, start=0, duration=13, handles=(2, 8)),  # 2 frames before
    ]
    assert len(missing) == 2
    assert missing[0] == (f"{cut}: clip 3 (gone.mov): media not found (looked in "
                          f"{cut.parent})")
    # 01:00:01:20-01:00:02:04 is frames 44-51 of a 48-frame take
    assert missing[1] == (f"{cut}: clip 4 (take1.mov): its source range (frames 44-51 of the "
                          f"media) is outside {take} (48 frames)")


def test_shot_configs_are_written_once_with_a_comment_on_the_cut(cut, configs):
    result = write_shot_configs(cut, "oil", handles=8, cfg_dir=configs)
    assert [p.name for p in result.written] == ["take1.yaml", "take1_2.yaml"]
    assert len(result.warnings) == 2 and result.kept == [] and result.notes == []
    text = (configs / "shots" / "take1_2.yaml").read_text()
    assert text.splitlines()[0] == ("# From reel_a.edl: frame 1001 is the first handle frame; "
                                    "the cut is 1003-1005 (2 and 8 handle frames)")
    assert yaml.safe_load(text) == {"source": str(cut.parent / "take1.mov"), "style": "oil",
                                    "first_frame": 1001,
                                    "source_range": {"start": 0, "duration": 13}}
    (configs / "shots" / "take1.yaml").write_text("# edited by hand\n")
    again = write_shot_configs(cut, "oil", cfg_dir=configs)
    assert [p.name for p in again.kept] == ["take1.yaml", "take1_2.yaml"]
    assert (configs / "shots" / "take1.yaml").read_text() == "# edited by hand\n"
    assert write_shot_configs(cut, "oil", overwrite=True, cfg_dir=configs).kept == []


def test_media_found_in_another_folder(cut, tmp_path):
    media = tmp_path / "media"
    (cut.parent / "take1.mov").rename(media.mkdir() or media / "take1.mov")
    shots, missing = edit_shots(cut, handles=0, media_dirs=[media])
    assert [(s.source, s.start, s.duration) for s in shots] == [
        (str(media / "take1.mov"), 10, 10), (str(media / "take1.mov"), 2, 3)]


def test_a_relative_media_folder_is_written_as_an_absolute_path(cut, tmp_path, monkeypatch):
    (cut.parent / "take1.mov").rename((tmp_path / "media").mkdir() or tmp_path / "media" /
                                      "take1.mov")
    monkeypatch.chdir(tmp_path)  # a relative source would be read from configs/shots/
    shots, _ = edit_shots(cut, media_dirs=[Path("media")])
    assert [s.source for s in shots] == [str(tmp_path / "media" / "take1.mov")] * 2


def test_edits_it_cannot_read_are_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"cut\.aaf: not an edit this reads \(known: \.edl, "
                                          r"\.otio, \.xml\)"):
        edit_shots(tmp_path / "cut.aaf")
    with pytest.raises(ConfigError, match=r"none\.edl: edit not found"):
        edit_shots(tmp_path / "none.edl")


def test_edit_time_counts_frames_as_timecode_does():
    # 23.976 and 24 both count 24 frames a timecode second: no drift over an hour
    hour_at_24 = otio.opentime.RationalTime(86400, 24)
    assert _frames(hour_at_24, Fraction(24000, 1001)) == 86400
    assert _frames(hour_at_24, Fraction(24)) == 86400
    assert _frames(otio.opentime.RationalTime(50, 25), Fraction(50)) == 100


# --------------------------------------------------------------------------- #
# 1. A file that holds no Timeline
# --------------------------------------------------------------------------- #
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


# --------------------------------------------------------------------------- #
# 2. A clip without a source range
# --------------------------------------------------------------------------- #
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


# --------------------------------------------------------------------------- #
# 3. Media only from the cut's folder and the --media folders
# --------------------------------------------------------------------------- #
def _outside(path: Path, folder: Path | None = None) -> str:
    return (f"its media {path} is outside the cut's folder and the --media folders; to use "
            f"it, add its folder with --media {folder or path.parent}")


def test_media_outside_the_cut_s_folder_is_refused_unless_media_allows_it(
        edit, tmp_path, configs, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(edit / "take1.mov", elsewhere / "x.mov")
    (edit / "linked.mov").symlink_to(elsewhere / "x.mov")
    cut = edl(edit / "cut.edl",
              event(1, "00:10", "00:12", "00:00", "00:02", name="../elsewhere/x.mov"),
              event(2, "00:10", "00:12", "00:02", "00:04", name=str(elsewhere / "x.mov")),
              event(3, "00:10", "00:12", "00:04", "00:06", name="linked.mov"),
              event(4, "00:10", "00:12", "00:06", "00:08", name="take1.mov",
                    extra=f"* FROM FILE: {elsewhere / 'x.mov'}\n"))
    refused = [_outside(elsewhere / "x.mov")] * 2 + [_outside(edit / "linked.mov", elsewhere)]
    assert run(capsys, str(cut)) == (1, "", "".join(
        f"shotstyle: warning: {cut}: clip {n} ({name}): {line}\n" for n, name, line in (
            (1, "../elsewhere/x.mov", refused[0]), (2, str(elsewhere / "x.mov"), refused[1]),
            (3, "linked.mov", refused[2]), (4, "take1.mov", refused[1]))))
    assert not (configs / "shots").exists()
    code, out, err = run(capsys, str(cut), "--media", str(elsewhere))
    assert (code, err) == (0, "") and len(read_shot(configs / "shots" / "x.yaml")) == 4
    assert out.count("wrote ") == 4


def test_an_absolute_file_url_inside_the_cut_s_folder_is_read_and_one_outside_refused(
        edit, tmp_path, configs, capsys):
    outside = tmp_path / "x.mov"
    shutil.copy(edit / "take1.mov", outside)
    cut = write_otio(edit / "cut.otio", clip("in", take_ref(edit / "take1.mov")),
                     clip("out", take_ref(outside)),
                     clip("climbs", take_ref(Path("sub/../../x.mov"))))
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'in.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 2 (out): {_outside(outside)}\n"
        f"shotstyle: warning: {cut}: clip 3 (climbs): {_outside(outside)}\n")
    assert read_shot(configs / "shots" / "in.yaml")["source"] == str(edit / "take1.mov")


# --------------------------------------------------------------------------- #
# 4. Control characters in names never reach a line or a shot file's keys
# --------------------------------------------------------------------------- #
def test_newlines_in_the_cut_s_and_clip_s_names_add_no_key_to_the_shot(edit, configs, capsys):
    cut = write_otio(edit / "cut.otio", clip("a\nfirst_frame: 1\rb", take_ref(edit / "take1.mov")),
                     clip("gone\nx: 1", take_ref(edit / "gone\n.mov")))
    cut = cut.rename(edit / "cut\nsource: evil.mov\u2028style: evil\x1b.otio")
    shown = str(cut).replace("\n", "\\n").replace("\u2028", "\\u2028").replace("\x1b", "\\x1b")
    code, out, err = run(capsys, str(cut))
    shot = configs / "shots" / "a_first_frame_1_b.yaml"
    assert (code, out) == (1, f"wrote {shot}\n")
    assert err == (f"shotstyle: warning: {shown}: clip 2 (gone\\nx: 1): media not found: "
                   f"{edit}/gone\\n.mov\n")
    text = shot.read_text()
    assert list(yaml.safe_load(text)) == SHOT_KEYS
    assert read_shot(shot)["first_frame"] == 1001 and read_shot(shot)["style"] == "oil"
    assert text.splitlines()[0] == (
        "# From cut\\nsource: evil.mov\\u2028style: evil\\x1b.otio: frame 1001 is the first "
        "handle frame; the cut is 1009-1014 (8 and 8 handle frames)")
    assert len(text.splitlines()) == 1 + len(yaml.safe_dump(read_shot(shot)).splitlines())


@pytest.mark.parametrize("names, shots", [
    (["!!!", "...", "x..y.mov", ".hidden.mov"], ["cut_001", "cut_002", "x.y", "hidden"]),
    (["Take.mov", "take.mov", "TAKE_2.mov"], ["Take", "take_2", "TAKE_2_2"]),
])
def test_shot_names_are_names_and_unique_whatever_the_clips_are_called(edit, names, shots):
    cut = write_otio(edit / "cut.otio", *(clip(n, take_ref(edit / "take1.mov")) for n in names))
    plan = plan_edit(cut)
    assert [s.name for s in plan.shots] == shots and plan.warnings == []


def test_300_clips_of_one_name_are_300_shots_probed_once(edit, configs, capsys):
    cut = write_otio(edit / "cut.otio", *(clip("take1.mov", take_ref(edit / "take1.mov"),
                                               cut_in=n % 40) for n in range(300)))
    code, out, err = run(capsys, str(cut))
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"wrote {configs / 'shots' / name}.yaml" for name in
                                ["take1"] + [f"take1_{n}" for n in range(2, 301)]]


# --------------------------------------------------------------------------- #
# 5. --style
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("style", ["../../x", "a/b", ".hidden", ""])
def test_a_style_that_is_not_a_style_name_is_refused_before_anything_is_read(
        tmp_path, configs, capsys, style):
    assert run(capsys, str(tmp_path / "none.edl"), "--style", style) == (
        2, "", f"shotstyle: error: --style {style!r}: expected a style name (letters, digits, "
               f"'_', '-' and '.'; no path separators or '..'): the name of a file "
               f"configs/styles/<name>.yaml\n")


def test_an_unknown_style_is_refused_naming_the_known_ones(cut, configs, capsys):
    assert run(capsys, str(cut), "--style", "watercolour") == (
        2, "", f"shotstyle: error: {configs / 'styles' / 'watercolour.yaml'}: unknown style "
               f"'watercolour' (known styles: oil)\n")
    assert not (configs / "shots").exists()


def test_a_style_to_be_trained_later_is_taken(cut, configs, capsys):
    (configs / "styles" / "k.png").write_bytes(b"")  # its painted keyframe; no checkpoint yet
    (configs / "styles" / "later.yaml").write_text(
        "checkpoint: later.pt\ntrain: {method: keyframes, shot: take1, "
        "keyframes: {1001: k.png}}\n")
    code, out, _ = run(capsys, str(cut), "--style", "later")
    assert code == 1 and read_shot(configs / "shots" / "take1.yaml")["style"] == "later"


# --------------------------------------------------------------------------- #
# 6. Speed effects, other effects, transitions
# --------------------------------------------------------------------------- #
SPEED = "speed changes are not rendered (a shot takes its source frames 1:1); make the " \
        "retimed media and cut that, or remove it"


def test_speed_effects_are_refused_and_other_effects_warned(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "cut.otio",
                     clip("fast", ref, effects=[otio.schema.LinearTimeWarp(time_scalar=2.0)]),
                     clip("held", ref.clone(), effects=[otio.schema.FreezeFrame()]),
                     clip("same", ref.clone(), effects=[otio.schema.LinearTimeWarp()]),
                     clip("blur", ref.clone(), effects=[otio.schema.Effect(effect_name="Blur")]))
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'same.yaml'}\nwrote {configs / 'shots' / 'blur.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 1 (fast): a LinearTimeWarp effect (speed 2x, 200%): "
        f"{SPEED}\n"
        f"shotstyle: warning: {cut}: clip 2 (held): a FreezeFrame effect (a held frame): "
        f"{SPEED}\n"
        f"shotstyle: warning: {cut}: clip 4 (blur): its effect 'Blur' is not applied: the shot "
        f"holds the source frames as they are\n")


def test_an_edl_m2_speed_change_is_refused(edit, configs, capsys):
    cut = edl(edit / "m2.edl",
              event(1, "00:00", "00:20", "00:00", "00:10",
                    extra="M2   AX       048.0                01:00:00:00\n"),
              event(2, "00:20", "01:06", "00:10", "00:20"))
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'take1.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 1 (take1.mov): a LinearTimeWarp effect (speed 2x, "
        f"200%): {SPEED}\n")


def test_an_fcp_xml_time_remap_is_refused(edit, configs, capsys):
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(otio.schema.Track(children=[clip("ramp", take_ref(edit /
                                                                             "take1.mov"))]))
    xml = otio.adapters.write_to_string(timeline, "fcp_xml")
    remap = ("<filter><effect><name>Time Remap</name><effectid>timeremap</effectid>"
             "<effecttype>motion</effecttype><mediatype>video</mediatype></effect></filter>")
    assert xml.count("</clipitem>") == 1
    cut = edit / "cut.xml"
    cut.write_text(xml.replace("</clipitem>", remap + "</clipitem>"))
    assert run(capsys, str(cut)) == (
        1, "", f"shotstyle: warning: {cut}: clip 1 (ramp): a 'Time Remap' effect (FCP's Time "
               f"Remap: a speed change): {SPEED}\n")


def test_a_dissolve_s_frames_are_kept_in_the_handles_or_warned(edit, configs, capsys):
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
    assert (code, out.splitlines(), err) == (1, [
        f"wrote {shots / 'take1.yaml'}", f"wrote {shots / 'take1_2.yaml'}",
        f"wrote {shots / 'take1_3.yaml'}", f"wrote {shots / 'take1_4.yaml'}",
        f"note: {cut}: clip 1 (take1.mov): a transition shows 0 frame(s) of it before its cut "
        f"and 6 after: the shot's handles hold them"],
        f"shotstyle: warning: {cut}: clip 3 (take1.mov): a transition shows 4 frame(s) of it "
        f"after its cut, but its media holds only 0: the shot has 0\n")
    # clip 1 (frames 4-13) keeps 6 frames after its cut for the dissolve, 2 before
    assert read_shot(shots / "take1.yaml")["source_range"] == {"start": 2, "duration": 18}


# --------------------------------------------------------------------------- #
# 7. --handles
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("handles", ["-5", "1001", "eight", "2.5"])
def test_handles_out_of_range_are_one_line(cut, configs, capsys, handles):
    shown = repr(int(handles)) if handles.lstrip("-").isdigit() else repr(handles)
    assert run(capsys, str(cut), "--handles", handles) == (
        2, "", f"shotstyle: error: --handles: expected a whole number of frames from 0 to 1000, "
               f"got {shown}\n")
    assert not (configs / "shots").exists()


# --------------------------------------------------------------------------- #
# 8. Nothing to make shots of
# --------------------------------------------------------------------------- #
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


def test_every_clip_refused_exits_1_writing_nothing(edit, configs, capsys):
    cut = edl(edit / "lost.edl", event(1, "00:00", "00:04", "00:00", "00:04", name="a.mov"),
              event(2, "00:00", "00:04", "00:04", "00:08", name="b.mov"))
    code, out, err = run(capsys, str(cut))
    assert (code, out, len(err.splitlines())) == (1, "", 2)
    assert not (configs / "shots").exists()


# --------------------------------------------------------------------------- #
# More inputs of the kind
# --------------------------------------------------------------------------- #
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


def test_a_drop_frame_edl_read_at_24_names_the_rate(edit, configs, capsys):
    cut = edit / "df.edl"
    cut.write_text("TITLE: df\nFCM: DROP FRAME\n\n001  AX       V     C        01:00:00;00 "
                   "01:00:00;04 00:00:00;00 00:00:00;04\n* FROM CLIP NAME: take1.mov\n")
    assert run(capsys, str(cut)) == (
        2, "", f"shotstyle: error: {cut}: cannot read the edit (as an EDL at 24 frames/s; --rate "
               f"sets it): Timecode '01:00:00;00' indicates drop frame rate due to the ';' frame "
               f"divider. Passed in rate 24 is not a valid drop frame rate.\n")


def test_other_urls_missing_media_folders_and_an_unwritable_shots_folder(
        edit, tmp_path, configs, capsys):
    cut = write_otio(edit / "web.otio", clip("web", otio.schema.ExternalReference(
        target_url="https://example.com/take1.mov")), clip("ok", take_ref(edit / "take1.mov")))
    assert run(capsys, str(cut), "--media", str(tmp_path / "nowhere")) == (
        2, "", f"shotstyle: error: --media {tmp_path / 'nowhere'}: no such folder\n")
    (configs / "shots").write_text("not a folder")
    code, out, err = run(capsys, str(cut))
    assert (code, out) == (2, "")
    assert err == (f"shotstyle: error: {configs / 'shots' / 'ok.yaml'}: cannot write the shot "
                   f"config: File exists\n")
    (configs / "shots").unlink()
    assert run(capsys, str(cut)) == (
        1, f"wrote {configs / 'shots' / 'ok.yaml'}\n",
        f"shotstyle: warning: {cut}: clip 1 (web): its media reference "
        f"https://example.com/take1.mov is a https URL; only files are read\n")


def test_a_media_path_that_is_not_utf_8_is_refused(tmp_path, take_file, configs, capsys):
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    shutil.copy(take_file, folder / "take1.mov")
    cut = edl(folder / "cut.edl", event(1, "00:10", "00:14", "00:00", "00:04"))
    shown = str(folder).replace("\udce9", "\\udce9")
    assert run(capsys, str(cut)) == (
        1, "", f"shotstyle: warning: {shown}/cut.edl: clip 1 (take1.mov): its media path "
               f"{shown}/take1.mov is not UTF-8 text (a shot file holds UTF-8); rename the "
               f"folder or file\n")
