"""pipeline.errors: a full disk (ENOSPC) or quota (EDQUOT) becomes one line that
names where to free space; other OS errors are not mistaken for it, and become
one line naming the path, the part of it at fault and what to do (os_error),
from refusals the real file system makes, also to root."""
from __future__ import annotations

import errno
import getpass
from pathlib import Path

import pytest

from pipeline.errors import (ConfigError, DiskFullError, MediaError, PathError, ShotstyleError,
                             disk_full_error, is_disk_full, os_error)


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


# ------------------------------------------------- os_error: every other OSError

def _raised(call, *args) -> OSError:
    """The OSError the real file system raises for ``call(*args)``."""
    with pytest.raises(OSError) as caught:
        call(*args)
    return caught.value


def test_a_path_through_a_file_names_the_file_in_the_way(tmp_path):
    (tmp_path / "afile").write_text("x")
    target = tmp_path / "afile" / "s01" / "plates"
    err = os_error(_raised(target.mkdir, 0o777, True))
    assert isinstance(err, PathError) and isinstance(err, ShotstyleError)
    assert str(err) == (f"{target}: {tmp_path / 'afile'} is a file, not a folder (ENOTDIR): "
                        f"move the file aside, or choose another folder")
    assert err.condition == f"{tmp_path / 'afile'} is a file, not a folder (ENOTDIR): " \
                            f"{tmp_path / 'afile'}"


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs")
def test_a_folder_that_refuses_this_user_says_whose_access_to_give():
    """Even root may not create a file in /sys/kernel (EACCES) or a folder in /sys (EPERM)."""
    user = getpass.getuser()
    err = os_error(_raised(open, "/sys/kernel/s01.1001.png", "wb"))
    assert str(err) == (f"/sys/kernel/s01.1001.png: /sys/kernel: permission denied for user "
                        f"{user} (EACCES): give that user write access to it, or choose "
                        f"another folder")
    err = os_error(_raised(Path("/sys/shotstyle/s01").mkdir, 0o777, True))
    assert str(err) == (f"/sys/shotstyle: /sys: operation not permitted (an immutable or system "
                        f"folder?) for user {user} (EPERM): give that user write access to it, "
                        f"or choose another folder")


def test_a_missing_folder_is_named_as_a_volume_perhaps_not_mounted(tmp_path):
    target = tmp_path / "mnt" / "show" / "s01.yaml"
    err = os_error(_raised(open, target, "w"))
    assert str(err) == (f"{target}: the folder {tmp_path / 'mnt'} does not exist (a volume not "
                        f"mounted?) (ENOENT): mount or create it, or choose another folder")


def test_a_folder_where_a_file_belongs_and_a_name_too_long(tmp_path):
    (tmp_path / "render.lock").mkdir()
    err = os_error(_raised(open, tmp_path / "render.lock", "w"))
    assert str(err) == (f"{tmp_path / 'render.lock'} is a folder where a file belongs (EISDIR): "
                        f"move the folder aside, or choose another file name")
    long = tmp_path / ("n" * 300) / "s01"
    err = os_error(_raised(long.mkdir, 0o777, True))
    assert str(err) == (f"{long}: the name 'nnnnnnnnnnnnnnnnnnnn…' is 300 "
                        f"bytes, over the file system's 255 (ENAMETOOLONG): shorten it, or "
                        f"choose a shorter folder or shot name")


def test_a_read_only_volume_and_an_io_error_are_one_line_too(tmp_path):
    """No read-only mount can be made here: the errors as the OS gives them."""
    target = tmp_path / "renders" / "s01.mov"
    err = os_error(OSError(errno.EROFS, "Read-only file system", str(target)))
    assert str(err) == (f"{target}: {tmp_path} is on a read-only file system (EROFS): mount it "
                        f"read-write, or choose another folder")
    err = os_error(OSError(errno.EIO, "Input/output error", str(target)))
    assert str(err) == (f"{target}: Input/output error (EIO): check the storage and re-run, or "
                        f"ask for help with the stage's log")
    err = os_error(OSError(errno.EIO, "Input/output error"), tmp_path / "plates")
    assert str(err).startswith(f"{tmp_path / 'plates'}: Input/output error (EIO): ")
    assert isinstance(os_error(OSError(errno.ENOSPC, "No space left on device")), DiskFullError)
