"""pipeline.editorial.lines: control characters and line separators in the
cut's and the clips' names are escaped in every line and in a shot file's
comment, so they add no key to the shot (docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import yaml

from .cuts import clip, read_shot, run, take_ref, write_otio


SHOT_KEYS = ["source", "style", "first_frame", "source_range", "edit"]


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
    edit = read_shot(shot)["edit"]
    assert (edit["cut"], edit["clip"]) == ("cut\\nsource: evil.mov\\u2028style: evil\\x1b.otio",
                                           "a\\nfirst_frame: 1\\rb")
    # a line per key: the comment, 4 keys, source_range's 2, edit's 7
    assert len(text.splitlines()) == 1 + 4 + 2 + 1 + 7
