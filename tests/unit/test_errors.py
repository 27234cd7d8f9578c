"""pipeline.errors: a full disk (ENOSPC) or quota (EDQUOT) becomes one line that
names where to free space; other OS errors are not mistaken for it."""
from __future__ import annotations

import errno
from pathlib import Path

import pytest

from pipeline.errors import (ConfigError, DiskFullError, MediaError, ShotstyleError,
                             disk_full_error, is_disk_full)


def test_the_pipeline_s_errors_are_user_errors_whose_str_is_the_message():
    for kind in (ConfigError, MediaError):
        err = kind("shots/s01.yaml: 'fps' must be a number")
        assert isinstance(err, ShotstyleError)
        assert str(err) == "shots/s01.yaml: 'fps' must be a number"


def test_only_a_full_disk_or_quota_is_disk_full():
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(FileNotFoundError(errno.ENOENT, "gone"))
    assert not is_disk_full(ValueError("no errno"))


def test_a_full_disk_names_the_file_s_folder(tmp_path):
    target = tmp_path / "work" / "s01" / "styled" / "s01.1001.png"
    err = disk_full_error(OSError(errno.ENOSPC, "No space left on device", str(target)))
    assert isinstance(err, DiskFullError) and isinstance(err, ShotstyleError)
    assert str(err) == (f"disk full writing {target}: free space on the volume of "
                        f"{target.parent} and re-run; finished chunks are kept")
    assert err.folder == str(target.parent)
    assert err.condition == f"disk full: {target.parent}"


def test_a_quota_without_a_file_names_the_stage_s_folder(tmp_path):
    err = disk_full_error(OSError(errno.EDQUOT, "Disk quota exceeded"), tmp_path / "plates")
    assert str(err) == (f"quota exceeded writing under {tmp_path / 'plates'}: free space on "
                        f"that volume and re-run; finished chunks are kept")
    assert err.condition == f"disk full: {tmp_path / 'plates'}"


def test_a_full_disk_with_nothing_to_name_is_still_one_line():
    err = disk_full_error(OSError(errno.ENOSPC, "No space left on device"))
    assert str(err) == "disk full: free space and re-run; finished chunks are kept"
    assert err.folder == "" and err.condition == str(err)
    assert "\n" not in str(err)


def test_a_real_write_past_a_full_device_is_recognised():
    """/dev/full: every write fails with ENOSPC, as a full volume does."""
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full on this system")
    with pytest.raises(OSError) as caught:
        with open(full, "wb") as f:
            f.write(b"x" * 4096)
            f.flush()
    assert is_disk_full(caught.value)
    assert str(disk_full_error(caught.value, Path("/dev"))).startswith("disk full writing")
