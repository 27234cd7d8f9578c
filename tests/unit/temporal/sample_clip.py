"""Real sample frames for the torch path's tests (test_torch_ops, test_torch_smoother):
frames of samples/city_s01.mpg through its hard cut, shrunk to a tiny size,
stylised by the shipped style, and their flows as the flow cache stores them."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from helpers import REPO
from pipeline.temporal.cuts import scene_cut_score
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.smoother import Motion

SAMPLE = REPO / "samples" / "city_s01.mpg"
STYLE = REPO / "samples" / "styles" / "city_paint.pt"
#: 0-based frames 110..119 of the sample: the hard cut is between 115 and 116.
FIRST, COUNT, CUT_AT = 110, 10, 6
SIZE = (96, 54)  # w, h


@dataclass(frozen=True)
class Clip:
    plates: list
    styled: list
    motions: list  # None for the first frame; Motion (cut at index CUT_AT) after


def decode(first: int, count: int, size: tuple[int, int]) -> list[np.ndarray]:
    w, h = size
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(SAMPLE),
           "-vf", f"select=between(n\\,{first}\\,{first + count - 1}),scale={w}:{h}:flags=area",
           "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return [f.copy() for f in np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)]


def stylise(plates: list[np.ndarray]) -> list[np.ndarray]:
    import torch

    from models.checkpoint import load_generator
    from models.inference import Stylizer
    loaded = load_generator(STYLE)
    return list(Stylizer(loaded.model, torch.device("cpu"), loaded.input_range)(np.stack(plates)))


def motions(plates: list[np.ndarray]) -> list:
    """As the flow stage stores them and the smoothing stage reads them back."""
    out = [None]
    for prev, cur in zip(plates, plates[1:]):
        stored = FlowPair.compute(prev, cur).for_storage()
        cut = scene_cut_score(prev, cur, stored.cur_to_prev, stored.reliable()).is_cut
        out.append(Motion(stored.cur_to_prev, stored.reliable(), cut))
    return out


@lru_cache(maxsize=None)
def sample_clip() -> Clip:
    plates = decode(FIRST, COUNT, SIZE)
    return Clip(plates, stylise(plates), motions(plates))
