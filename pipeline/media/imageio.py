"""Reading and writing frames (RGB uint8 arrays) with OpenCV, atomically."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipeline.media.atomic import write_bytes
from pipeline.errors import MediaError


def read_rgb(path: Path) -> np.ndarray:
    """Read with Python's own I/O so that a failing read raises an OSError with
    its errno (EIO, ESTALE on NFS: retried by the stage), then decode."""
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise MediaError(f"{path}: cannot read image (missing)") from None
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise MediaError(f"{path}: cannot read image (corrupt or not an image)")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def write_rgb(path: Path, rgb: np.ndarray, png_compression: int = 1) -> None:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_PNG_COMPRESSION, int(png_compression)])
    if not ok:
        raise MediaError(f"{path}: PNG encoding failed")
    write_bytes(Path(path), buf.tobytes())
