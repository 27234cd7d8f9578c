"""Running ffmpeg/ffprobe through ffmpeg-python with one-line errors.

Commands are argument lists (ffmpeg-python never uses a shell). A failure is a
MediaError whose message is the most telling line of ffmpeg's stderr.
"""
from __future__ import annotations

import errno
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import ffmpeg
import numpy as np

from pipeline.errors import MediaError
from pipeline.media.atomic import TMP_MARK
from pipeline.errors import disk_full_error

GLOBAL_ARGS = ("-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y")


def require_binaries() -> None:
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise MediaError(f"'{tool}' not found on PATH: install FFmpeg "
                             f"(e.g. apt-get install ffmpeg, or run 'make demo')")


def last_error_line(stderr: bytes | str | None, default: str = "ffmpeg failed") -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else (stderr or "")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # The most telling line is usually the last one that names a problem.
    for ln in reversed(lines):
        if any(w in ln.lower() for w in ("error", "invalid", "no such", "not ", "unable",
                                          "failed", "cannot", "could not", "permission",
                                          "space", "unknown")):
            return ln
    return lines[-1] if lines else default


def probe(path: str, **kwargs: Any) -> dict:
    require_binaries()
    try:
        return ffmpeg.probe(path, **kwargs)
    except ffmpeg.Error as exc:
        line = last_error_line(exc.stderr)
        line = line[len(path) + 2:] if line.startswith(f"{path}: ") else line
        raise MediaError(f"{path}: ffprobe cannot read it: {line}") from None


def run(stream: Any, what: str, poll: Optional[Callable[[], None]] = None,
        poll_interval: float = 1.0) -> None:
    """Run an ffmpeg-python graph; call ``poll`` periodically while it runs."""
    require_binaries()
    cmd = stream.global_args(*GLOBAL_ARGS).compile()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        while True:
            try:
                _, stderr = proc.communicate(timeout=poll_interval)
                break
            except subprocess.TimeoutExpired:
                if poll:
                    poll()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0:
        full = [code for code, text in ((errno.ENOSPC, b"No space left on device"),
                                        (errno.EDQUOT, b"Disk quota exceeded"))
                if text in (stderr or b"")]
        if full:
            raise disk_full_error(OSError(full[0], "disk full"), _output_folder(stream))
        raise MediaError(f"{what}: {last_error_line(stderr)}")


def frames(stream: Any, shape: tuple[int, ...], dtype: Any, count: int,
           what: str) -> Iterator[np.ndarray]:
    """Run an ffmpeg-python graph whose output is raw video on stdout (``pipe:``)
    and yield its frames as arrays of ``shape``; exactly ``count`` of them, or a
    MediaError naming ``what``. Stopping early kills FFmpeg."""
    require_binaries()
    cmd = stream.global_args(*GLOBAL_ARGS).compile()
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=errors)
        done = 0
        try:
            while done < count:
                data = proc.stdout.read(size)
                if len(data) < size:
                    break
                yield np.frombuffer(data, dtype).reshape(shape)
                done += 1
        finally:
            proc.kill()
            proc.stdout.close()
            proc.wait()
        if done < count:
            errors.seek(0)
            detail = last_error_line(errors.read(), "the stream ended early")
            raise MediaError(f"{what}: decoded {done} of {count} frames ({detail})")


def _output_folder(stream: Any) -> Path:
    """The folder an ffmpeg-python output writes into (its temporaries skipped)."""
    node = stream.node
    while "filename" not in (node.kwargs or {}):  # ffmpeg.merge_outputs: its first output
        node = node.incoming_edges[0].upstream_node
    folder = Path(node.kwargs["filename"]).parent
    while TMP_MARK in folder.name:
        folder = folder.parent
    return folder
