"""Atomic file writes: write to a temporary name beside the target, then rename.

A reader (or a re-run after a kill) sees either the old file, the whole new
file, or nothing: never a half-written one. Temporary names start with '.' and
contain '.tmp-', so globs for frames never pick them up and a clean-up can find
them.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

TMP_MARK = ".tmp-"


def tmp_name(target: Path) -> Path:
    target = Path(target)
    return target.with_name(f".{target.name}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(target: Path, data: bytes, durable: bool = False) -> None:
    """Write ``data`` (any bytes-like object, a NumPy buffer too) to ``target``
    atomically (fsync'd when ``durable``)."""
    target = Path(target)
    tmp = tmp_name(target)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.errno is not None and \
                exc.filename in (None, str(tmp), tmp):
            # a failed write() names no file, a failed open() the temporary: name the target
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        raise
    if durable:
        _fsync_dir(target.parent)


def write_json(target: Path, obj: Any) -> None:
    """Atomic, durable JSON write (used for manifests: the 'done' marker)."""
    write_bytes(target, (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode(), durable=True)


@contextlib.contextmanager
def temporary_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success rename it onto ``target``.

    Works for files and folders. The temporary name keeps no extension of the
    target, so tools that guess formats from names (ffmpeg) need an explicit
    format.
    """
    target = Path(target)
    tmp = tmp_name(target)
    try:
        yield tmp
        if tmp.is_dir() and target.is_dir():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


@contextlib.contextmanager
def staged(folder: Path, targets: dict[str, Path]) -> Iterator[dict[str, Path]]:
    """Yield, for each of ``targets`` (files or folders in ``folder``), a path of
    the same name in a temporary folder beside them; when the block succeeds,
    move every one onto its target. A set made atomic as far as a filesystem
    allows: nothing is replaced until everything is written (a failed block
    leaves the old set whole), then one rename each (a folder replaces its old
    self by removing it first: the moment between is not atomic).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stage_dir = tmp_name(folder / "staged")
    try:
        stage_dir.mkdir()
    except OSError as exc:  # name the folder the user knows, not the temporary
        raise OSError(exc.errno, exc.strerror, str(folder)) from exc
    try:
        yield {kind: stage_dir / Path(target).name for kind, target in targets.items()}
        for kind, target in targets.items():
            target = Path(target)
            src = stage_dir / target.name
            if src.is_dir() and target.is_dir():
                shutil.rmtree(target)
            os.replace(src, target)
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)


def remove_stale_temporaries(folder: Path, min_age_s: float = 600.0) -> int:
    """Delete temporaries older than ``min_age_s`` (left by killed processes).

    The age limit keeps this safe while other workers write into the same
    folder: a live writer's temporary exists for a moment only.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    count = 0
    cutoff = time.time() - min_age_s
    for p in folder.iterdir():
        if not (p.name.startswith(".") and TMP_MARK in p.name):
            continue
        try:
            if p.lstat().st_mtime > cutoff:
                continue
        except OSError:
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()
        count += 1
    return count


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst`` (atomically replacing it), copying across filesystems."""
    tmp = tmp_name(Path(dst))
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
