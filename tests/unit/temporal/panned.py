"""Synthetic clips with known motion for the temporal tests (shared by test_flow,
test_cuts, test_smoother, test_metrics): a smooth random texture panned by whole
pixels per frame, "stylised" by adding per-frame noise and a per-frame colour
shift (flicker)."""
from __future__ import annotations

import cv2
import numpy as np

from pipeline.temporal.metrics import warp_error

H, W = 96, 128
PAN = 2  # px per frame; frame t shows world columns [t*PAN, t*PAN + W)


def world(width: int, seed: int, tint=(1.0, 1.0, 1.0)) -> np.ndarray:
    """A smooth random RGB texture, H x width."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (H // 6 + 2, width // 6 + 2, 3)).astype(np.uint8)
    tex = cv2.resize(coarse, (width, H), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    return np.clip(tex * np.array(tint, np.float32), 0, 255).astype(np.uint8)


def panned_clip(n: int, seed: int = 0, tint=(1.0, 1.0, 1.0)) -> list[np.ndarray]:
    """frame_t(x) = world(x + t*PAN): frame t-1 shows frame t's pixel x at x + PAN."""
    tex = world(W + PAN * n, seed, tint)
    return [tex[:, t * PAN:t * PAN + W].copy() for t in range(n)]


def flicker(plates: list[np.ndarray], seed: int = 1) -> list[np.ndarray]:
    """Per-frame 'stylisation': the plate plus per-frame noise and colour shift."""
    rng = np.random.default_rng(seed)
    out = []
    for plate in plates:
        shift = rng.uniform(-12, 12, 3)
        noise = rng.normal(0, 6, plate.shape)
        out.append(np.clip(plate + shift + noise, 0, 255).round().astype(np.uint8))
    return out


def exact_pan_flow() -> np.ndarray:
    """flow_cur_to_prev of ``panned_clip``: (+PAN, 0) everywhere."""
    flow = np.zeros((H, W, 2), np.float32)
    flow[..., 0] = PAN
    return flow


def exact_pan_mask() -> np.ndarray:
    mask = np.ones((H, W), np.float32)
    mask[:, W - PAN:] = 0  # these pixels of frame t are outside frame t-1
    return mask


def mean_e_warp(frames: list[np.ndarray]) -> float:
    flow, mask = exact_pan_flow(), exact_pan_mask()
    return float(np.mean([warp_error(frames[t - 1], frames[t], flow, mask)
                          for t in range(1, len(frames))]))


def interior(img: np.ndarray, margin: int = 8) -> np.ndarray:
    return img[margin:-margin, margin:-margin]


def panned_crops(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """A w x h window of ``panned_clip``'s two frames: b(x) = a(x + PAN)."""
    a, b = panned_clip(2)
    return a[24:24 + h, 20:20 + w].copy(), b[24:24 + h, 20:20 + w].copy()


def two_scene_clip(n: int = 12, cut: int = 6) -> list[np.ndarray]:
    first = panned_clip(cut, seed=10)
    second = panned_clip(n - cut, seed=20, tint=(0.5, 1.0, 1.6))
    return first + second
