"""pipeline.editorial.names: shot names from whatever the clips are called,
unique also where the file system ignores case (docs/BAD_INPUT.md, "Reading an
edit")."""
from __future__ import annotations

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
