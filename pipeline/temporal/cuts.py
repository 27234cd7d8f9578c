"""Scene cuts: does frame t start a new shot? Scored from the plates and their flow.

Frames and flows follow ``pipeline.temporal.flow``'s conventions.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.media.imageio import full_scale, to_uint8
from pipeline.temporal.flow import warp


def hue_sat_hist(rgb: np.ndarray) -> np.ndarray:
    """A frame's hue-saturation histogram (16 x 8 bins, sums to 1), as
    ``histogram_distance`` compares them."""
    hsv = cv2.cvtColor(to_uint8(rgb), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    return cv2.normalize(hist, None, 1.0, 0.0, cv2.NORM_L1)


def _hist_distance(a_hist: np.ndarray, b_hist: np.ndarray) -> float:
    return float(cv2.compareHist(a_hist, b_hist, cv2.HISTCMP_BHATTACHARYYA))


def histogram_distance(a_rgb: np.ndarray, b_rgb: np.ndarray) -> float:
    """Bhattacharyya distance (0 = same, 1 = disjoint) of hue-saturation histograms."""
    return _hist_distance(hue_sat_hist(a_rgb), hue_sat_hist(b_rgb))


#: A pair is a hard cut when the flow explains at most half of frame t
#: (``unreliable`` ≥ 0.5) and the warped frame t-1 still leaves a large
#: residual, or the colours changed. Measured with the default flow: the
#: sample shot's cut (0-based frames 115 | 116) scores unreliable / residual /
#: histogram 0.965 / 0.168 / 0.574, its other pairs at most 0.429 / 0.024 /
#: 0.089 (each maximum over all pairs); Sintel 0016-0025 at most 0.104 / 0.013 / 0.023.
CUT_MIN_UNRELIABLE = 0.5
CUT_MIN_RESIDUAL = 0.06
CUT_MIN_HISTOGRAM = 0.3


@dataclass(frozen=True)
class CutScore:
    """How badly frame t-1 predicts frame t.

    unreliable: fraction of frame t the flow marks unreliable (0..1).
    residual: mean |cur - warp(prev, flow_cur_to_prev)| over all pixels, RGB in [0, 1].
    histogram: Bhattacharyya distance of the hue-saturation histograms (0..1).
    """

    unreliable: float
    residual: float
    histogram: float

    @property
    def is_cut(self) -> bool:
        return self.unreliable >= CUT_MIN_UNRELIABLE and (
            self.residual >= CUT_MIN_RESIDUAL or self.histogram >= CUT_MIN_HISTOGRAM)


def scene_cut_score(prev_rgb: np.ndarray, cur_rgb: np.ndarray, flow_cur_to_prev: np.ndarray,
                    mask: np.ndarray) -> CutScore:
    """Score the pair (t-1, t); ``mask`` is frame t's reliability (``reliable_mask``)."""
    return cut_score(warp(prev_rgb, flow_cur_to_prev), cur_rgb, mask,
                     hue_sat_hist(prev_rgb), hue_sat_hist(cur_rgb))


def cut_score(aligned_prev: np.ndarray, cur_rgb: np.ndarray, mask: np.ndarray,
              prev_hist: np.ndarray, cur_hist: np.ndarray) -> CutScore:
    """``scene_cut_score`` from its parts, for a caller that has them: frame t-1
    warped onto frame t by the flow (``warp``), frame t, the mask and both
    frames' ``hue_sat_hist`` (the flow stage warps each plate once for the cut
    and the plates' E_warp, and makes each plate's histogram once)."""
    residual = cv2.absdiff(aligned_prev, cur_rgb).mean() / full_scale(cur_rgb)
    unreliable = 1.0 - float(np.mean(np.asarray(mask, dtype=np.float32)))
    return CutScore(unreliable, float(residual), _hist_distance(prev_hist, cur_hist))


def is_scene_cut(prev_rgb: np.ndarray, cur_rgb: np.ndarray, flow_cur_to_prev: np.ndarray,
                 mask: np.ndarray) -> bool:
    """True when frame t (cur) starts a new shot: see ``CutScore.is_cut``."""
    return scene_cut_score(prev_rgb, cur_rgb, flow_cur_to_prev, mask).is_cut
