"""Shared by the benchmark scripts: the machine line, progress notes, frame decoding."""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import numpy as np


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


def note(msg: str) -> None:
    """Progress goes to stderr so a benchmark's stdout stays clean Markdown."""
    print(msg, file=sys.stderr, flush=True)


def video_size(video: Path) -> tuple[int, int]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                          "-show_entries", "stream=width,height", "-of", "csv=p=0", str(video)],
                         check=True, capture_output=True, text=True).stdout
    width, height = (int(v) for v in out.strip().split(",")[:2])
    return width, height


def decode_frames(video: Path, indices: Optional[list[int]] = None) -> dict[int, np.ndarray]:
    """0-based frame index -> HxWx3 uint8 RGB, decoded by ffmpeg (argument list, raw
    RGB on a pipe); ``indices`` None decodes every frame."""
    width, height = video_size(video)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video)]
    wanted = sorted(set(indices)) if indices is not None else None
    if wanted is not None:
        select = "+".join(f"eq(n\\,{i})" for i in wanted)
        cmd += ["-vf", f"select={select}", "-vsync", "0", "-frames:v", str(len(wanted))]
    raw = subprocess.run(cmd + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True,
                         capture_output=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)
    if wanted is not None and len(frames) != len(wanted):
        raise RuntimeError(f"{video}: expected {len(wanted)} frames, got {len(frames)}")
    keys = wanted if wanted is not None else range(len(frames))
    return {i: frames[k].copy() for k, i in enumerate(keys)}


def throwaway_project(root: Path, clip: Path, shot: str, style: str, style_yaml: str) -> dict:
    """A fresh shotstyle project at ``root``: the repo's configs/pipeline.yaml
    (work and render roots inside ``root``), style ``style`` from ``style_yaml``
    and shot ``shot`` on ``clip`` with default settings. Returns the environment
    to render it with (``luigi --module tasks ...`` from ``root``)."""
    repo = Path(__file__).resolve().parents[1]
    shutil.rmtree(root, ignore_errors=True)
    cfg = root / "configs"
    (cfg / "shots").mkdir(parents=True)
    (cfg / "styles").mkdir()
    shutil.copy(repo / "configs" / "pipeline.yaml", cfg / "pipeline.yaml")  # ../work, ../renders
    (cfg / "styles" / f"{style}.yaml").write_text(style_yaml)
    (cfg / "shots" / f"{shot}.yaml").write_text(
        f"source: {json.dumps(str(clip))}\nstyle: {style}\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("SHOTSTYLE_WORK_ROOT", "SHOTSTYLE_RENDER_ROOT")}
    env.update(SHOTSTYLE_CONFIG_DIR=str(cfg), LUIGI_CONFIG_PATH=str(repo / "luigi.cfg"))
    return env
