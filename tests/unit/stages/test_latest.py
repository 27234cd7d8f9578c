"""pipeline.stages.latest: renders/<shot>/'s names pointed at the newest version, on
render folders written by hand."""
from __future__ import annotations

import logging
import os

from pipeline.media import links
from pipeline.stages import latest
from pipeline.workarea.plan import ShotPlan


def _version(plan, number, kinds=("mov", "mp4", "frames", "publish")):
    """Version ``number`` of ``plan``'s shot with files of these ``kinds``."""
    version = plan.paths.version(number)
    files = version.files()
    for kind in kinds:
        if kind == "frames":
            files[kind].mkdir(parents=True)
            for f in (1001, 1002):
                (files[kind] / f"{version.stem}.{f}.png").write_text(f"{version.name} {f}")
        else:
            files[kind].parent.mkdir(parents=True, exist_ok=True)
            files[kind].write_text(f"{version.name} {kind}")
    return version


def _plan(project, tmp_path):
    project.add_shot("s1", tmp_path / "in.mov")
    return ShotPlan.load("s1")


def test_todays_names_link_to_the_newest_version(project, tmp_path):
    plan = _plan(project, tmp_path)
    out = plan.paths.render_dir
    latest.point_at(plan, _version(plan, 1))
    assert os.readlink(out / "s1_styled.mov") == "v001/s1_v001.mov"
    assert os.readlink(out / "publish.json") == "v001/publish.json"
    assert os.readlink(out / "frames") == ".latest/v001/frames"
    assert (out / "frames" / "s1.1002.png").read_text() == "v001 1002"  # today's frame names
    assert not (out / "exr").is_symlink() and not (out / "report.html").is_symlink()

    # v002 has no mp4: its name goes; v001's view of frames goes, v001 stays whole
    latest.point_at(plan, _version(plan, 2, kinds=("mov", "frames", "publish")))
    assert os.readlink(out / "s1_styled.mov") == "v002/s1_v002.mov"
    assert not (out / "s1_styled.mp4").exists() and not (out / "s1_styled.mp4").is_symlink()
    assert (out / "frames" / "s1.1001.png").read_text() == "v002 1001"
    assert sorted(p.name for p in (out / ".latest").iterdir()) == ["v002"]
    assert (out / "v001" / "s1_v001.mp4").read_text() == "v001 mp4"
    assert sorted(p.name for p in (out / "v001" / "frames").iterdir()) == [
        "s1_v001.1001.png", "s1_v001.1002.png"]


def test_what_the_folder_held_before_versions_is_moved_aside_not_lost(project, tmp_path):
    plan = _plan(project, tmp_path)
    out = plan.paths.render_dir
    (out / "frames").mkdir(parents=True)
    (out / "frames" / "s1.1001.png").write_text("old frame")
    (out / "s1_styled.mov").write_text("old movie")
    (out / "keyframes").mkdir()  # not a deliverable: stays
    held = open(out / "s1_styled.mov")  # a player holding it keeps reading it
    latest.point_at(plan, _version(plan, 1))
    aside = out / "v000_unversioned"
    assert sorted(p.name for p in aside.iterdir()) == ["frames", "s1_styled.mov"]
    assert (aside / "frames" / "s1.1001.png").read_text() == "old frame"
    assert held.read() == "old movie"
    held.close()
    assert (out / "s1_styled.mov").read_text() == "v001 mov" and (out / "keyframes").is_dir()

    # a flat file put back by hand is moved aside again, under a free name
    (out / "s1_styled.mov").unlink()
    (out / "s1_styled.mov").write_text("copied back")
    latest.point_at(plan, plan.paths.version(1))
    assert (aside / "s1_styled.mov.1").read_text() == "copied back"


def test_without_symbolic_links_the_names_are_left_and_one_line_says_so(project, tmp_path,
                                                                        monkeypatch, caplog):
    plan = _plan(project, tmp_path)
    version = _version(plan, 1)
    monkeypatch.setattr(links, "can_link", lambda folder: False)
    with caplog.at_level(logging.WARNING, logger="shotstyle"):
        latest.point_at(plan, version)
    [record] = caplog.records
    assert "takes no symbolic links" in record.getMessage()
    assert "\n" not in record.getMessage()
    assert sorted(p.name for p in plan.paths.render_dir.iterdir()) == ["v001"]
