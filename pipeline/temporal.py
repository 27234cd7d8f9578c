"""Flow-guided temporal smoothing of stylised frames (removes frame-to-frame flicker).

A generator applied frame by frame flickers: the same surface is painted a
little differently in each frame. ``FlowSmoother`` processes a shot's frames in
order and keeps its previous OUTPUT frame. For frame t it carries that frame
along the plates' flow (``warp(prev_out, flow_cur_to_prev)``, so it lines up
with frame t) and blends it into the stylised frame t where the flow is
reliable; occluded / disoccluded pixels keep the stylised frame, and a scene cut
resets the history. The recursion is an exponential filter along motion
trajectories: ``strength`` is the weight of the history (0 = off).

Methods (``FlowSmoother.METHODS``):

* ``"flow"``: out = styled + strength * mask * (carried - styled).
* ``"adaptive"``: as "flow", with the weight lowered per pixel where the
  plates themselves disagree after warping (``Motion.plate_residual``): there
  the flow is wrong or the picture really changed (lights, reflections, motion
  blur), and blending would leave a trail. The weight is
  strength * mask * exp(-(residual / residual_scale)^2). This is the default.

Everything is deterministic and the only state is the previous output frame
(uint8, exactly what was written), so a shot smoothed in chunks, each started
with ``reset(previous_output=<last output of the chunk before>)``, gives the
same frames as the shot smoothed in one go.

Frames are RGB uint8 HxWx3; flows follow ``pipeline.flow``'s convention.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from pipeline.flow import FlowPair, scene_cut_score, warp

DEFAULT_METHOD = "adaptive"
DEFAULT_STRENGTH = 0.8
#: Plate residual (RGB mean abs difference in [0, 1], blurred) at which the
#: "adaptive" weight has fallen to 1/e of ``strength``.
DEFAULT_RESIDUAL_SCALE = 0.08
#: Gaussian sigma (px) applied to the plate residual before use (noise, edges).
RESIDUAL_BLUR_SIGMA = 1.5


@dataclass(frozen=True)
class Motion:
    """What the plates say about frame t relative to frame t-1.

    flow_cur_to_prev: HxWx2 float32; frame t-1 shows pixel x of frame t at
        x + flow(x) (so ``warp(prev, flow_cur_to_prev)`` lines up with frame t).
    reliable: HxW float32 in [0, 1] on frame t's grid (``FlowPair.reliable``).
    scene_cut: frame t starts a new shot (history must not be used).
    plate_residual: optional HxW float32, per-pixel mean |plate_t -
        warp(plate_t-1)| over RGB in [0, 1] (needed by method "adaptive").
    """

    flow_cur_to_prev: np.ndarray
    reliable: np.ndarray
    scene_cut: bool = False
    plate_residual: Optional[np.ndarray] = None

    @classmethod
    def from_plates(cls, prev_plate: np.ndarray, cur_plate: np.ndarray,
                    flows: Optional[FlowPair] = None) -> "Motion":
        """Analyse two consecutive plates (flows computed unless given)."""
        flows = flows or FlowPair.compute(prev_plate, cur_plate)
        reliable = flows.reliable()
        cut = scene_cut_score(prev_plate, cur_plate, flows.cur_to_prev, reliable).is_cut
        return cls(flows.cur_to_prev, reliable, cut,
                   plate_residual(prev_plate, cur_plate, flows.cur_to_prev))


def plate_residual(prev_plate: np.ndarray, cur_plate: np.ndarray,
                   flow_cur_to_prev: np.ndarray) -> np.ndarray:
    """HxW float32: mean |cur - warp(prev)| over RGB in [0, 1], Gaussian-blurred."""
    aligned = warp(prev_plate, flow_cur_to_prev)
    diff = cv2.absdiff(aligned, cur_plate).astype(np.float32).mean(axis=2) / 255.0
    return cv2.GaussianBlur(diff, (0, 0), RESIDUAL_BLUR_SIGMA)


class FlowSmoother:
    """Causal flow-guided smoothing; call ``smooth`` once per frame, in order."""

    METHODS = ("flow", "adaptive")

    def __init__(self, strength: float = DEFAULT_STRENGTH, method: str = DEFAULT_METHOD,
                 residual_scale: float = DEFAULT_RESIDUAL_SCALE,
                 previous_output: Optional[np.ndarray] = None):
        if method not in self.METHODS:
            raise ValueError(f"smoothing method {method!r}: expected one of {self.METHODS}")
        if not 0.0 <= strength < 1.0:
            raise ValueError(f"smoothing strength {strength}: expected 0 <= strength < 1")
        if residual_scale <= 0.0:
            raise ValueError(f"residual_scale {residual_scale}: expected > 0")
        self.strength = float(strength)
        self.method = method
        self.residual_scale = float(residual_scale)
        self._previous: Optional[np.ndarray] = None
        self.reset(previous_output)

    @property
    def previous_output(self) -> Optional[np.ndarray]:
        """The last output frame (the history), or None at the start of a scene."""
        return self._previous

    def reset(self, previous_output: Optional[np.ndarray] = None) -> None:
        """Forget the history, or continue from ``previous_output`` (frame t-1's output).

        A chunk that starts at frame t > first frame of the shot passes the
        smoothed frame t-1 written by the chunk before it.
        """
        self._previous = None if previous_output is None else np.array(previous_output,
                                                                         dtype=np.uint8)

    def history_weight(self, motion: Motion) -> np.ndarray:
        """HxW float32 in [0, strength]: weight of the carried history per pixel."""
        weight = self.strength * np.asarray(motion.reliable, dtype=np.float32)
        if self.method == "adaptive":
            if motion.plate_residual is None:
                raise ValueError("method 'adaptive' needs Motion.plate_residual")
            weight = weight * np.exp(-np.square(motion.plate_residual / self.residual_scale))
        return weight

    def smooth(self, styled: np.ndarray, motion: Optional[Motion]) -> np.ndarray:
        """Smoothed frame t from stylised frame t and the motion from t to t-1.

        ``motion`` None (first frame of a shot) or with ``scene_cut`` set: the
        output is the stylised frame itself and the history restarts there.
        """
        if styled.dtype != np.uint8 or styled.ndim != 3:
            raise ValueError(f"smooth: expected an HxWx3 uint8 frame, got {styled.dtype} "
                             f"{styled.shape}")
        if motion is None or motion.scene_cut or self._previous is None or self.strength == 0.0:
            out = styled.copy()
        else:
            if self._previous.shape != styled.shape:
                raise ValueError(f"smooth: history {self._previous.shape} and frame "
                                 f"{styled.shape} differ in size")
            carried = warp(self._previous, motion.flow_cur_to_prev).astype(np.float32)
            weight = self.history_weight(motion)[..., None]
            cur = styled.astype(np.float32)
            out = np.clip(np.rint(cur + weight * (carried - cur)), 0, 255).astype(np.uint8)
        self._previous = out
        return out.copy()


def smooth_sequence(styled_frames, motions, smoother: FlowSmoother) -> list[np.ndarray]:
    """Smooth frames in order; ``motions[i]`` relates frame i to frame i-1 (None: no history)."""
    return [smoother.smooth(frame, motion) for frame, motion in zip(styled_frames, motions)]
