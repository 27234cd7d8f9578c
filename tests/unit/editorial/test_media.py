"""pipeline.editorial.media: a clip's media found in the cut's folder and the
``--media`` folders (written as absolute paths), and refused outside them
(symlinks and ``..`` resolved), as a URL other than a file's, or as a path that
is not UTF-8 (docs/BAD_INPUT.md, "Reading an edit")."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import opentimelineio as otio

from pipeline.editorial import edit_shots

from .cuts import clip, edl, event, read_shot, run, take_ref, write_otio


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
    assert (code, err) == (0, "") and len(read_shot(configs / "shots" / "x.yaml")) == 5
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
