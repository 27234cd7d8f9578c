"""pipeline.media.links: relative links renamed into place, folders of renamed links."""
from __future__ import annotations

import os

from pipeline.media import links
from pipeline.media.atomic import TMP_MARK


def test_point_makes_a_relative_link_and_replaces_a_link_or_file_in_one_rename(tmp_path):
    (tmp_path / "v001").mkdir()
    (tmp_path / "v002").mkdir()
    (tmp_path / "v001" / "a_v001.mov").write_text("one")
    (tmp_path / "v002" / "a_v002.mov").write_text("two")
    name = tmp_path / "a.mov"
    name.write_text("a file from before")
    links.point(name, tmp_path / "v001" / "a_v001.mov")
    assert os.readlink(name) == "v001/a_v001.mov" and name.read_text() == "one"
    links.point(name, tmp_path / "v002" / "a_v002.mov")
    assert os.readlink(name) == "v002/a_v002.mov" and name.read_text() == "two"
    links.point(tmp_path / "frames", tmp_path / "v002")  # a link to a folder, replaced as well
    links.point(tmp_path / "frames", tmp_path / "v001")
    assert os.readlink(tmp_path / "frames") == "v001"
    assert not [p for p in tmp_path.iterdir() if TMP_MARK in p.name]


def test_a_renamed_view_links_every_file_under_its_new_name(tmp_path):
    source = tmp_path / "v002" / "frames"
    source.mkdir(parents=True)
    for f in (1001, 1002):
        (source / f"s_v002.{f}.png").write_text(str(f))
    view = tmp_path / ".latest" / "v002" / "frames"
    links.renamed_view(source, view, lambda name: name.replace("s_v002.", "s."))
    assert sorted(p.name for p in view.iterdir()) == ["s.1001.png", "s.1002.png"]
    assert os.readlink(view / "s.1001.png") == "../../../v002/frames/s_v002.1001.png"
    assert (view / "s.1002.png").read_text() == "1002"
    links.renamed_view(source, view, lambda name: name)  # built again: swapped in whole
    assert sorted(p.name for p in view.iterdir()) == ["s_v002.1001.png", "s_v002.1002.png"]
    links.remove_links_folder(tmp_path / ".latest" / "v002")
    assert not (tmp_path / ".latest" / "v002").exists() and len(list(source.iterdir())) == 2


def test_remove_link_leaves_what_is_not_a_link(tmp_path):
    real = tmp_path / "a.mov"
    real.write_text("x")
    links.remove_link(real)
    links.remove_link(tmp_path / "none")
    assert real.exists()
    links.point(tmp_path / "b.mov", real)
    links.remove_link(tmp_path / "b.mov")
    assert not (tmp_path / "b.mov").is_symlink() and real.exists()


def test_can_link_says_whether_the_filesystem_takes_links_and_leaves_nothing(tmp_path,
                                                                            monkeypatch):
    assert links.can_link(tmp_path) and list(tmp_path.iterdir()) == []

    def refused(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(os, "symlink", refused)
    assert not links.can_link(tmp_path)
