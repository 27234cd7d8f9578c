"""pipeline.editorial.frames: ``--first-frame N`` numbers the first handle
frame, or with ``--first-frame-at cut`` the cut in (the handles and a
dissolve's frames numbered down from it); below 0 is refused, before the cut is
read where the handles alone take it there, per clip where a dissolve does
(docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import pytest

from .cuts import clip, dissolve, read_shot, run, take_ref, write_otio


def test_first_frame_numbers_the_first_handle_frame_or_the_cut_in(cut, configs, capsys):
    shots = configs / "shots"
    assert run(capsys, str(cut), "--first-frame", "1")[0] == 1  # clips 3 and 4 are refused
    # take1: 8 handle frames each side of frames 10-19 of the take; take1_2 has 2 before it
    assert [read_shot(shots / f"{name}.yaml")["first_frame"] for name in ("take1", "take1_2")] \
        == [1, 1]
    assert read_shot(shots / "take1.yaml")["edit"]["cut_in"] == 9
    run(capsys, str(cut), "--first-frame-at", "cut", "--overwrite")
    take1, take1_2 = (read_shot(shots / f"{name}.yaml") for name in ("take1", "take1_2"))
    assert (take1["first_frame"], take1["edit"]["cut_in"], take1["edit"]["cut_out"]) == (
        993, 1001, 1010)
    assert (take1_2["first_frame"], take1_2["edit"]["cut_in"]) == (999, 1001)
    assert (shots / "take1_2.yaml").read_text().splitlines()[0] == (
        "# From reel_a.edl: frame 1001 is the cut in (--first-frame-at cut); the cut is "
        "1001-1003 (2 and 8 handle frames)")


def test_a_cut_in_numbered_so_a_shot_starts_below_0_is_refused(edit, tmp_path, configs, capsys):
    assert run(capsys, str(tmp_path / "none.edl"), "--first-frame", "4", "--first-frame-at",
               "cut") == (
        2, "", "shotstyle: error: --first-frame 4 --first-frame-at cut: with 8 handle frames "
               "the first frame would be -4, and frame numbers start at 0: give --first-frame "
               "8 or more, or fewer --handles\n")
    ref = take_ref(edit / "take1.mov")
    cut = write_otio(edit / "mix.otio", clip("a", ref, cut_in=10, length=8), dissolve(12),
                     clip("b", ref.clone(), cut_in=30, length=6))
    # b holds 6 frames of the dissolve before its cut, then its 8 handle frames
    code, out, err = run(capsys, str(cut), "--first-frame", "10", "--first-frame-at", "cut")
    assert (code, out.splitlines()[0]) == (1, f"wrote {configs / 'shots' / 'a.yaml'}")
    assert err == (f"shotstyle: warning: {cut}: clip 2 (b): with its cut in at frame 10 "
                   f"(--first-frame-at cut) its first frame would be -4, 14 frames before it (a "
                   f"transition's and the handles'), and frame numbers start at 0: give "
                   f"--first-frame 14 or more\n")
    assert read_shot(configs / "shots" / "a.yaml")["first_frame"] == 2
    assert run(capsys, str(cut), "--first-frame-at", "cut", "--overwrite")[0] == 0
    b = read_shot(configs / "shots" / "b.yaml")
    assert (b["first_frame"], b["edit"]["cut_in"]) == (1001 - 14, 1001)


@pytest.mark.parametrize("value", ["-1", "10000000", "ten", "1001.5"])
def test_a_first_frame_that_is_not_a_frame_number_is_one_line(tmp_path, configs, capsys,
                                                               value):
    shown = repr(int(value)) if value.lstrip("-").isdigit() else repr(value)
    assert run(capsys, str(tmp_path / "none.edl"), "--first-frame", value) == (
        2, "", f"shotstyle: error: --first-frame: expected a whole frame number from 0 to "
               f"9999999, got {shown}\n")


def test_first_frame_at_takes_handle_or_cut(tmp_path, configs, capsys):
    with pytest.raises(SystemExit) as stop:
        run(capsys, str(tmp_path / "none.edl"), "--first-frame-at", "middle")
    assert stop.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: argument --first-frame-at: invalid choice: 'middle' (choose from 'handle', "
        "'cut')")
