"""Atomic writes: a reader or a re-run after a kill never sees a half-written file."""
from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from pipeline.media.atomic import (TMP_MARK, link_or_copy, remove_stale_temporaries, staged,
                                   tmp_name, temporary_path, write_bytes, write_json)


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if TMP_MARK in p.name]


def test_write_bytes_replaces_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.png"
    write_bytes(target, b"old")
    write_bytes(target, b"new", durable=True)
    assert target.read_bytes() == b"new" and not _leftovers(tmp_path)
    write_json(tmp_path / "m.json", {"b": 1, "a": [1]})
    assert (tmp_path / "m.json").read_text() == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


def test_a_failed_write_keeps_the_old_file_and_names_the_target(tmp_path, monkeypatch):
    target = tmp_path / "a.png"
    write_bytes(target, b"old")
    real_open = open

    class FullDisk:
        """A file whose write fails as on a full disk: the error names no file."""

        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, _data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("builtins.open", lambda path, mode="r", *a, **kw: FullDisk(
        real_open(path, mode, *a, **kw)) if "w" in mode else real_open(path, mode, *a, **kw))
    with pytest.raises(OSError) as err:
        write_bytes(target, b"new")
    monkeypatch.undo()
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(target)
    assert target.read_bytes() == b"old" and not _leftovers(tmp_path)


def test_temporary_path_swaps_a_folder_in_whole_or_not_at_all(tmp_path):
    target = tmp_path / "frames"
    with temporary_path(target) as tmp:
        tmp.mkdir()
        (tmp / "f.1001.png").write_bytes(b"1")
        assert not target.exists()
    assert [p.name for p in target.iterdir()] == ["f.1001.png"]
    with pytest.raises(RuntimeError):
        with temporary_path(target) as tmp:
            tmp.mkdir()
            (tmp / "f.1002.png").write_bytes(b"2")
            raise RuntimeError("killed half way")
    assert [p.name for p in target.iterdir()] == ["f.1001.png"] and not _leftovers(tmp_path)
    with temporary_path(target) as tmp:  # a complete new folder replaces the old one
        tmp.mkdir()
        (tmp / "f.2001.png").write_bytes(b"3")
    assert [p.name for p in target.iterdir()] == ["f.2001.png"]


def test_stale_temporaries_are_removed_by_age_only(tmp_path):
    old = tmp_name(tmp_path / "a.png")
    old.write_bytes(b"x")
    past = time.time() - 3600
    os.utime(old, (past, past))
    fresh = tmp_name(tmp_path / "b.png")
    fresh.write_bytes(b"x")
    write_bytes(tmp_path / "c.png", b"done")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not old.exists() and fresh.exists() and (tmp_path / "c.png").read_bytes() == b"done"


def test_link_or_copy_replaces_the_target(tmp_path):
    src, dst = tmp_path / "s.png", tmp_path / "d.png"
    src.write_bytes(b"styled")
    dst.write_bytes(b"stale")
    link_or_copy(src, dst)
    assert dst.read_bytes() == b"styled" and not _leftovers(tmp_path)


def test_staged_replaces_the_whole_set_or_nothing(tmp_path):
    targets = {"mov": tmp_path / "s_styled.mov", "mp4": tmp_path / "s_styled.mp4",
               "frames": tmp_path / "frames"}
    targets["mov"].write_text("old mov")
    targets["mp4"].write_text("old mp4")
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "old.png").write_text("old")
    # the mp4 fails after the mov is written: the old set stays whole
    with pytest.raises(RuntimeError):
        with staged(tmp_path, targets) as tmp:
            assert tmp["mov"].name == "s_styled.mov" and tmp["mov"].parent != tmp_path
            tmp["mov"].write_text("new mov")
            raise RuntimeError("x264 failed")
    assert targets["mov"].read_text() == "old mov" and targets["mp4"].read_text() == "old mp4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "s_styled.mov", "s_styled.mp4"]
    with staged(tmp_path, targets) as tmp:
        tmp["mov"].write_text("new mov")
        tmp["mp4"].write_text("new mp4")
        tmp["frames"].mkdir()
        (tmp["frames"] / "new.png").write_text("new")
    assert targets["mov"].read_text() == "new mov" and targets["mp4"].read_text() == "new mp4"
    assert [p.name for p in (tmp_path / "frames").iterdir()] == ["new.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "s_styled.mov", "s_styled.mp4"]


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs")
def test_a_refused_write_names_the_target_not_the_temporary():
    """/sys/kernel refuses new files even to root: the error names what the user
    asked for, which os_error turns into its one line."""
    with pytest.raises(PermissionError) as err:
        write_bytes(Path("/sys/kernel/s01.1001.png"), b"x")
    assert err.value.filename == "/sys/kernel/s01.1001.png"
    with pytest.raises(PermissionError) as err:
        with staged(Path("/sys/kernel"), {"mov": Path("/sys/kernel/s01.mov")}):
            pass
    assert err.value.filename == "/sys/kernel"
