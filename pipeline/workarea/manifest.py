"""Stage manifests: the 'done' marker of every checkpointed stage.

A manifest is JSON written atomically *after* all of a stage's outputs. A stage
(or chunk) is complete when its manifest exists and its ``key`` equals the key
computed now from the config and the inputs; a half-written stage has no
manifest, and a stage whose inputs or settings changed has a stale key.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Optional

from pipeline import __version__
from pipeline.media.atomic import write_json


def stable_hash(*parts: Any) -> str:
    """Hash of JSON-serialisable parts (paths and other objects via str)."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def file_fingerprint(path: Path) -> list:
    """Cheap identity of a file: size and mtime (ns)."""
    st = os.stat(path)
    return [str(path), st.st_size, st.st_mtime_ns]


def file_digest(path: Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file's bytes (hex), read in blocks: a checkpoint's identity."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_manifest(path: Path) -> Optional[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def manifest_matches(path: Path, key: str) -> bool:
    data = read_manifest(path)
    return bool(data) and data.get("key") == key


def write_manifest(path: Path, *, stage: str, shot: str, key: str,
                   frames: Optional[tuple[int, int]] = None, **fields: Any) -> dict:
    data = {
        "stage": stage,
        "shot": shot,
        "key": key,
        "frames": list(frames) if frames else None,
        "code_version": __version__,
        "host": socket.gethostname(),
        "user": current_user(),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **fields,
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_json(path, data)
    return data


def current_user() -> str:
    """The login name (getpass), or the user id where there is none."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
