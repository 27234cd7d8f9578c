"""pipeline.editorial.names: shot names from whatever the clips are called,
or from a ``--name`` pattern checked before anything is read, unique also where
the file system ignores case (docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import opentimelineio as otio
import pytest

from pipeline.editorial import plan_edit

from .cuts import clip, run, take_ref, write_otio


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


def test_name_patterns_name_the_clips_without_a_marker(edit, configs, capsys):
    ref = take_ref(edit / "take1.mov")
    hero = clip("hero.mov", ref.clone())
    hero.markers.append(otio.schema.Marker(name="sq010_hero"))
    cut = write_otio(edit / "reel_a.otio", clip("city_s01.mov", ref), hero,
                     clip("city_s01.mov", ref.clone()))
    shots = configs / "shots"
    assert run(capsys, str(cut), "--name", "sq010_sh{index:03d}0") == (
        0, f"wrote {shots / 'sq010_sh0010.yaml'}\nwrote {shots / 'sq010_hero.yaml'}\n"
           f"wrote {shots / 'sq010_sh0030.yaml'}\n", "")
    assert [s.name for s in plan_edit(cut, name="{cut}-{clip}").shots] == [
        "reel_a-city_s01", "sq010_hero", "reel_a-city_s01_2"]
    assert [s.name for s in plan_edit(cut).shots] == ["city_s01", "sq010_hero", "city_s01_2"]


FIELDS = ("the fields are {clip} (the clip's name, made a shot name), {index} (the clip's "
          "number in the cut, from 1), {cut} (the cut's file name without its extension), "
          "e.g. sq010_sh{index:03d}0")


@pytest.mark.parametrize("pattern, why", [
    ("sq010_sh{idx:03d}0", "unknown field {idx}"),
    ("{}", "unknown field {}"),
    ("{clip:03d}", "Unknown format code 'd' for object of type 'str' ({clip} and {cut} are "
                   "text, {index} a number)"),
    ("shots/{clip}", "'/' cannot be in a shot name (letters, digits, '_', '-' and '.')"),
    ("{clip!r}", "field {clip} takes a format spec only (such as {index:03d}), no conversion "
                 "(!r) or nested field"),
    ("{index:0999999999d}", "{index:0999999999d} is wider than a shot name (128 characters "
                            "at most)"),
    ("sh{index", "not a format pattern (expected '}' before end of string)"),
    ("", "empty"),
])
def test_a_name_pattern_is_checked_before_anything_is_read(tmp_path, configs, capsys,
                                                           pattern, why):
    assert run(capsys, str(tmp_path / "none.edl"), "--name", pattern) == (
        2, "", f"shotstyle: error: --name {pattern!r}: {why}; {FIELDS}\n")
    assert not (configs / "shots").exists()
