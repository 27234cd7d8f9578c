"""pipeline.temporal.cuts: scene cuts found on a synthetic cut, the sample shot's hard
cut and (when present) consecutive Sintel frames."""
from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest

from helpers import REPO
from .panned import two_scene_clip
from pipeline.temporal.cuts import is_scene_cut, scene_cut_score
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.smoother import Motion

SAMPLE = REPO / "samples" / "city_s01.mpg"
SINTEL_DIR = REPO.parent / "shared" / "footage" / "sintel"


def test_scene_cut_detected_on_a_synthetic_cut_only():
    plates = two_scene_clip()
    cuts = []
    for t in range(1, len(plates)):
        pair = FlowPair.compute(plates[t - 1], plates[t])
        if is_scene_cut(plates[t - 1], plates[t], pair.cur_to_prev, pair.reliable()):
            cuts.append(t)
    assert cuts == [6]


def decode_sample(first: int, last: int) -> list[np.ndarray]:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(SAMPLE),
           "-vf", f"select=between(n\\,{first}\\,{last})", "-fps_mode", "passthrough",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return list(np.frombuffer(raw, np.uint8).reshape(-1, 405, 720, 3))


def test_scene_cut_on_the_sample_shot():
    # the hard cut of samples/city_s01.mpg is between 0-based frames 115 and 116
    frames = decode_sample(113, 118)
    assert len(frames) == 6
    found = []
    for k in range(1, len(frames)):
        motion = Motion.from_plates(frames[k - 1], frames[k])
        if motion.scene_cut:
            found.append(113 + k)
    assert found == [116]


@pytest.mark.skipif(not SINTEL_DIR.is_dir(), reason="Sintel frames not available")
def test_no_scene_cut_on_consecutive_sintel_frames():
    paths = sorted(SINTEL_DIR.glob("frame_*.png"))[:4]
    frames = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in paths]
    for prev, cur in zip(frames, frames[1:]):
        pair = FlowPair.compute(prev, cur)
        assert not scene_cut_score(prev, cur, pair.cur_to_prev, pair.reliable()).is_cut
