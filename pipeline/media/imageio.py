"""Reading and writing work-area frames with OpenCV, atomically.

Frames are HxWx3 RGB arrays: uint8 for 8-bit sources, uint16 (16-bit PNG) for
deeper ones (10/12/16-bit and float sources), so no 8-bit step comes between a
deep source and a deep output. The plates of a source with alpha are RGBA
files: ``read_rgb`` gives their RGB, ``read_alpha`` their alpha.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from pipeline.media.atomic import write_bytes
from pipeline.errors import MediaError


def _read_file(path: Path) -> np.ndarray:
    """The bytes of ``path`` in a NumPy buffer (Python's I/O: errors keep their
    errno). Not a bytes object: a 4K 16-bit frame's 53 MB would be faulted in
    4 KiB pages and copied again by ``np.frombuffer``'s users; a large NumPy
    buffer gets transparent huge pages."""
    with open(path, "rb", buffering=0) as fh:
        data = np.empty(os.fstat(fh.fileno()).st_size, np.uint8)
        view, done = memoryview(data), 0
        while done < data.size:
            n = fh.readinto(view[done:])
            if not n:
                return data[:done]  # the file shrank meanwhile: what there was
            done += n
    return data


def _decode_file(path: Path, flags: int) -> np.ndarray:
    """Read with Python's own I/O so that a failing read raises an OSError with
    its errno (EIO, ESTALE on NFS: retried by the stage), then decode."""
    try:
        data = _read_file(Path(path))
    except (FileNotFoundError, IsADirectoryError):
        raise MediaError(f"{path}: cannot read image (missing)") from None
    img = cv2.imdecode(data, flags) if data.size else None  # empty: not an image
    if img is None:
        raise MediaError(f"{path}: cannot read image (corrupt or not an image)")
    return img


def read_rgb(path: Path) -> np.ndarray:
    """A frame file's RGB (an RGBA file's alpha is left out), 8 or 16 bits."""
    img = _decode_file(path, cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def full_scale(frame: np.ndarray) -> float:
    """The code value of full white of a uint8 or uint16 frame (255 or 65535)."""
    return float(np.iinfo(frame.dtype).max)


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """An 8-bit copy of a frame for what needs 8 bits (optical flow, thumbnails)."""
    if frame.dtype == np.uint8:
        return frame
    return cv2.convertScaleAbs(frame, alpha=255.0 / full_scale(frame))


def read_alpha(path: Path) -> np.ndarray | None:
    """The alpha channel of a frame file (HxW, its own depth), or None without one."""
    img = _decode_file(path, cv2.IMREAD_UNCHANGED)
    return img[..., 3] if img.ndim == 3 and img.shape[2] == 4 else None


def png_params(png_compression: int) -> list[int]:
    """OpenCV's PNG options for zlib level ``png_compression``. At level 0 (stored,
    the pipeline's default for work-area frames) the rows are not filtered:
    libpng's adaptive filters only help zlib, and choosing them costs the writer
    and undoing them the reader (a 4096x2160 16-bit frame: 0.47 -> 0.15 core-s to
    write, 0.35 -> 0.09 to read; the same pixels, the same file size)."""
    params = [cv2.IMWRITE_PNG_COMPRESSION, int(png_compression)]
    if int(png_compression) == 0:
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE]
    return params


def write_frame(path: Path, frame: np.ndarray, png_compression: int = 1) -> None:
    """Write an RGB or RGBA frame (uint8 or uint16) as PNG, atomically."""
    code = cv2.COLOR_RGBA2BGRA if frame.shape[-1] == 4 else cv2.COLOR_RGB2BGR
    ok, buf = cv2.imencode(".png", cv2.cvtColor(frame, code), png_params(png_compression))
    if not ok:
        raise MediaError(f"{path}: PNG encoding failed")
    write_bytes(Path(path), buf)  # the encoded array itself: no bytes copy


def write_rgb(path: Path, rgb: np.ndarray, png_compression: int = 1) -> None:
    write_frame(path, rgb, png_compression)


#: the formats a picture for a person (a keyframe plate to paint over) is written
#: in: lossless, at the frame's 8 or 16 bits, and read back by ``read_rgb``
LOSSLESS_SUFFIXES = (".png", ".tif", ".tiff")


def write_lossless(path: Path, rgb: np.ndarray) -> None:
    """Write an RGB frame (uint8 or uint16) atomically as the lossless format its
    extension names (``LOSSLESS_SUFFIXES``; MediaError for any other)."""
    suffix = Path(path).suffix.lower()
    if suffix not in LOSSLESS_SUFFIXES:
        raise MediaError(f"{path}: cannot write {suffix or 'a file without an extension'}; "
                         f"expected {', '.join(LOSSLESS_SUFFIXES)}")
    ok, buf = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise MediaError(f"{path}: {suffix} encoding failed")
    write_bytes(Path(path), buf.tobytes())
