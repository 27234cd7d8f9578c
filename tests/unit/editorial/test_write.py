"""pipeline.editorial.write: shot files written once with a comment on the
cut, kept unless overwritten, and ``--style`` checked before anything is read
(docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import pytest
import yaml

from pipeline.editorial import write_shot_configs

from .cuts import read_shot, run

#: take1_2's edit section: clip 2 of reel_a.edl, frames 2-4 of the take, 2 frames after
#: its first
EDIT = {"cut": "reel_a.edl", "clip": "take1.mov", "cut_in": 1003, "cut_out": 1005,
        "handles": [2, 8], "transition_in": 0, "transition_out": 0}


def test_shot_configs_are_written_once_with_a_comment_on_the_cut(cut, configs):
    result = write_shot_configs(cut, "oil", handles=8, cfg_dir=configs)
    assert [p.name for p in result.written] == ["take1.yaml", "take1_2.yaml"]
    assert len(result.warnings) == 2 and result.kept == [] and result.notes == []
    text = (configs / "shots" / "take1_2.yaml").read_text()
    assert text.splitlines()[0] == ("# From reel_a.edl: frame 1001 is the first handle frame; "
                                    "the cut is 1003-1005 (2 and 8 handle frames)")
    assert yaml.safe_load(text) == {"source": str(cut.parent / "take1.mov"), "style": "oil",
                                    "first_frame": 1001,
                                    "source_range": {"start": 0, "duration": 13},
                                    "edit": EDIT}
    assert text.endswith("\n  handles: [2, 8]\n  transition_in: 0\n  transition_out: 0\n")
    (configs / "shots" / "take1.yaml").write_text("# edited by hand\n")
    again = write_shot_configs(cut, "oil", cfg_dir=configs)
    assert [p.name for p in again.kept] == ["take1.yaml", "take1_2.yaml"]
    assert (configs / "shots" / "take1.yaml").read_text() == "# edited by hand\n"
    assert write_shot_configs(cut, "oil", overwrite=True, cfg_dir=configs).kept == []


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


def test_a_style_to_be_trained_from_a_shot_neither_configured_nor_in_the_cut_is_refused(
        cut, configs, capsys):
    (configs / "styles" / "k.png").write_bytes(b"")
    style = configs / "styles" / "later.yaml"
    style.write_text("checkpoint: later.pt\ntrain: {method: keyframes, shot: elsewhere, "
                     "keyframes: {1001: k.png}}\n")
    assert run(capsys, str(cut), "--style", "later") == (
        2, "", f"shotstyle: error: {style}: key 'train.shot': no shot 'elsewhere' to train "
               f"from (expected one of: none)\n")
    assert not (configs / "shots").exists()
