"""Shared by the benchmark scripts: a one-line description of the machine."""
from __future__ import annotations

import os
import platform


def machine() -> str:
    import cv2
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{cpu}, {os.cpu_count()} cores, {gpu}; torch {torch.__version__}, "
            f"OpenCV {cv2.__version__}, Python {platform.python_version()}")
