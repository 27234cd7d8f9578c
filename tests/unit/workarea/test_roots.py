"""pipeline.workarea.roots: which setting names each root, and the preflight
that makes a missing root and writes (then removes) a file in it: a root that
is a file, refused to this user (even to root: /sys, an immutable folder), a
missing folder, a name too long, each one line naming the root and what set it;
a shot's work area or render folder that is a file."""
from __future__ import annotations

import getpass
import os
import subprocess
from pathlib import Path

import pytest

from pipeline.config import load_pipeline_config
from pipeline.errors import PathError, ShotstyleError
from pipeline.workarea.paths import ShotPaths
from pipeline.workarea.roots import (RENDER_ROOT, WORK_ROOT, check_roots, check_shot_folders,
                                     root_of, shot_folder_problem)


def _refusal(**env: str) -> str:
    """The preflight's line for the project's configs with ``env`` set."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        with pytest.raises(ShotstyleError) as err:
            check_roots(load_pipeline_config())
    return str(err.value)


def test_each_root_says_which_setting_set_it(project, monkeypatch, tmp_path):
    pipeline = load_pipeline_config()
    yaml_file = project.configs / "pipeline.yaml"
    work = root_of(WORK_ROOT, pipeline)
    assert (work.path, work.origin) == (project.work, f"work_root in {yaml_file}")
    monkeypatch.setenv("SHOTSTYLE_RENDER_ROOT", str(tmp_path / "farm"))
    render = root_of(RENDER_ROOT, load_pipeline_config())
    assert (render.path, render.origin) == (tmp_path / "farm", "$SHOTSTYLE_RENDER_ROOT")
    yaml_file.unlink()
    default = root_of(WORK_ROOT, load_pipeline_config())
    assert (default.path, default.origin) == (
        project.configs / "work", f"the default: there is no {yaml_file}")


def test_an_empty_variable_is_unset_and_a_relative_one_is_from_the_current_folder(
        project, monkeypatch, tmp_path):
    monkeypatch.setenv("SHOTSTYLE_RENDER_ROOT", "")
    render = root_of(RENDER_ROOT, load_pipeline_config())
    assert render.path == project.renders and render.origin.startswith("render_root in ")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOTSTYLE_WORK_ROOT", "rel/work")
    pipeline = load_pipeline_config()
    monkeypatch.chdir(project.root)  # resolved once, when the configs were loaded
    assert root_of(WORK_ROOT, pipeline).path == tmp_path / "rel" / "work"
    check_roots(pipeline)
    assert (tmp_path / "rel" / "work").is_dir()


def test_missing_roots_are_made_and_the_check_leaves_nothing_behind(project):
    check_roots(load_pipeline_config())
    assert sorted(p.name for p in project.root.iterdir()) == [
        "configs", "renders", "styles", "work"]
    assert list(project.work.iterdir()) == [] and list(project.renders.iterdir()) == []


def test_a_root_that_is_a_file_is_one_line(project, tmp_path):
    (tmp_path / "afile").write_text("x")
    assert _refusal(SHOTSTYLE_WORK_ROOT=str(tmp_path / "afile")) == (
        f"work root {tmp_path / 'afile'} (set by $SHOTSTYLE_WORK_ROOT) is a file, not a "
        f"folder: move it aside, or set $SHOTSTYLE_WORK_ROOT to a folder")
    assert _refusal(SHOTSTYLE_WORK_ROOT=str(tmp_path / "afile" / "work")) == (
        f"work root {tmp_path / 'afile' / 'work'} (set by $SHOTSTYLE_WORK_ROOT) cannot be "
        f"written: {tmp_path / 'afile'} is a file, not a folder (ENOTDIR): move the file "
        f"aside, or set $SHOTSTYLE_WORK_ROOT to another folder")


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs")
def test_a_root_this_user_may_not_write_is_one_line_naming_pipeline_yaml(project):
    """/sys/kernel refuses a new file even to root (EACCES); /sys a new folder (EPERM)."""
    yaml_file = project.configs / "pipeline.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("../renders", "/sys/kernel"))
    user = getpass.getuser()
    assert _refusal() == (
        f"render root /sys/kernel (set by render_root in {yaml_file}) cannot be written: "
        f"/sys/kernel: permission denied for user {user} (EACCES): give that user write "
        f"access to it, or set render_root in {yaml_file} (or $SHOTSTYLE_RENDER_ROOT) to "
        f"another folder")
    assert _refusal(SHOTSTYLE_RENDER_ROOT="/sys/shotstyle/renders") == (
        f"render root /sys/shotstyle/renders (set by $SHOTSTYLE_RENDER_ROOT) cannot be "
        f"written: /sys: operation not permitted (an immutable or system folder?) for user "
        f"{user} (EPERM): give that user write access to it, or set $SHOTSTYLE_RENDER_ROOT "
        f"to another folder")


def test_an_immutable_root_is_refused_even_to_root(project, tmp_path):
    """``chattr +i``: no new file in the folder, whoever asks (where the file system
    and the capabilities allow setting it)."""
    frozen = tmp_path / "frozen"
    frozen.mkdir()
    if subprocess.run(["chattr", "+i", str(frozen)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not possible here")
    try:
        line = _refusal(SHOTSTYLE_RENDER_ROOT=str(frozen))
    finally:
        subprocess.run(["chattr", "-i", str(frozen)], check=True)
    assert line.startswith(f"render root {frozen} (set by $SHOTSTYLE_RENDER_ROOT) cannot be "
                           f"written: {frozen}: operation not permitted (an immutable or "
                           f"system folder?) for user ")
    assert list(frozen.iterdir()) == []


def test_a_missing_folder_and_a_name_too_long_are_one_line(project, tmp_path):
    long = tmp_path / ("w" * 300)
    assert _refusal(SHOTSTYLE_WORK_ROOT=str(long)) == (
        f"work root {long} (set by $SHOTSTYLE_WORK_ROOT) cannot be written: the name "
        f"'wwwwwwwwwwwwwwwwwwww…' is 300 bytes, over the file system's 255 (ENAMETOOLONG): "
        f"shorten it, or set $SHOTSTYLE_WORK_ROOT to another folder")
    if Path("/proc/self").is_dir():  # procfs makes no folder: as a volume not mounted
        line = _refusal(SHOTSTYLE_WORK_ROOT="/proc/shotstyle/work")
        assert line.startswith("work root /proc/shotstyle/work (set by $SHOTSTYLE_WORK_ROOT) "
                               "cannot be written: /proc/shotstyle: No such file or directory "
                               "(ENOENT): ")
    assert not os.path.lexists(long)


def test_a_shot_folder_that_is_a_file_is_named_before_any_stage(project, tmp_path):
    pipeline = load_pipeline_config()
    paths = ShotPaths("s01", pipeline)
    check_shot_folders(paths)  # neither exists yet: both can be made
    paths.render_dir.parent.mkdir(parents=True)
    paths.render_dir.write_text("an ffmpeg -y that missed")
    with pytest.raises(PathError) as err:
        check_shot_folders(paths)
    assert str(err.value) == (f"s01: render folder: {paths.render_dir} is a file, not a folder: "
                              f"move it aside; no stage of this shot can run until then")
    project.work.write_text("x")
    assert shot_folder_problem(paths) == (
        f"work area: {paths.root}: {project.work} is a file, not a folder: move it aside; no "
        f"stage of this shot can run until then")


def test_a_full_root_is_the_disk_full_line(project, tmp_path):
    """A real 16 KiB tmpfs filled up (mounting needs root: skipped where it cannot)."""
    volume = tmp_path / "full"
    volume.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k,nr_inodes=4", "tmpfs",
                       str(volume)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        for i in range(8):  # use up its inodes (and blocks)
            try:
                (volume / f"filler{i}").write_bytes(b"\0" * 4096)
            except OSError:
                break
        line = _refusal(SHOTSTYLE_RENDER_ROOT=str(volume))
    finally:
        subprocess.run(["umount", str(volume)], check=True)
    assert line == (f"disk full writing under {volume}: free space on that volume and re-run; "
                    f"finished chunks are kept")
