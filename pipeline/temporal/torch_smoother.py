"""``FlowSmoother`` and ``FrameMetrics`` with their per-frame work in torch (issue #23).

``TorchFlowSmoother`` is a ``FlowSmoother`` (the same settings, checks, methods
and restart rules) whose warp, change weight and blend run on a torch device
(``pipeline.temporal.torch_ops``), keeping its history there; frames go in
and come out as numpy arrays, as with the OpenCV smoother. ``TorchFrameMetrics``
is a ``FrameMetrics`` whose luma SSIM, PSNR and E_warps are computed there
too, from the same uploads (``DeviceFrames``: each frame, flow and mask
crosses to the device once). Which of the two paths a render takes is
decided in one place, ``pipeline.temporal.torch_path``: on the generator's
device when it is CUDA; the OpenCV path everywhere else (what ships).

Tolerance against the OpenCV path (checked on the sample's frames and flows with
torch on the CPU by ``tests/unit/temporal/test_torch_smoother.py``; measured
over the whole sample by ``bench/bench_torch_smoothing.py``, bench/RESULTS.md
"Smoothing in torch"):

* one frame, from the same history: at most ``STEP_TOLERANCE`` (1) 8-bit
  level. The warps round an exact half the other way on about 0.01 %
  (bicubic) / 0.2 % (bilinear) of the values (OpenCV's float arithmetic puts
  it on either side); the blend and the change weight are OpenCV's formulas
  and kernels, so a carried level moves the blend by at most ``strength`` < 1.
* a shot: each path carries its own output forward, so such a level can stay
  in the history (a rounded recursion has many fixed points). Over the
  sample's 190 frames at 720x405 (``adaptive``, strength 0.9) the final
  frames stayed within 7 levels, 97 % of the values identical and 99.8 %
  within 1 level; ``SHOT_TOLERANCE`` (10) is the bound the tests hold.
* metrics: luma SSIM within ``SSIM_TOLERANCE`` (1e-4), E_warp within
  ``EWARP_TOLERANCE`` (1e-2) relative per frame pair (5e-4 measured at
  720x405; more on tiny frames, where one level weighs more), PSNR within 0.01 dB
  (the squared error itself is exact given the same frames).

The stage keys do not change with the path: the results differ by rounding only,
as with the batch size and the device of the generator.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from pipeline.temporal import torch_ops as ops
from pipeline.temporal.metrics import FrameMetrics, ssim_defined
from pipeline.temporal.smoother import FlowSmoother, Motion, check_frame

#: Largest difference, in 8-bit levels, of a final frame from the OpenCV path's
#: when both smooth it from the same history.
STEP_TOLERANCE = 1
#: ... and along a shot, each path from its own history (7 measured on the sample).
SHOT_TOLERANCE = 10
#: Largest relative difference of an E_warp from the OpenCV path's (one frame pair).
EWARP_TOLERANCE = 1e-2
#: Largest difference of a luma SSIM from the OpenCV path's.
SSIM_TOLERANCE = 1e-4
#: Largest difference of a PSNR (dB) from the OpenCV path's.
PSNR_TOLERANCE = 0.01


class TorchFlowSmoother(FlowSmoother):
    """``FlowSmoother`` on a torch device; call ``smooth`` once per frame, in order.

    ``frames``: the uploads shared with a ``TorchFrameMetrics`` (one is made
    when not given).
    """

    def __init__(self, *args, device: ops.Device = "cpu",
                 frames: Optional[ops.DeviceFrames] = None, **kwargs):
        """``FlowSmoother``'s arguments, and the torch device (or the uploads to share)."""
        self.frames = frames if frames is not None else ops.DeviceFrames(device)
        self.device = self.frames.device
        self._previous_t: Optional[torch.Tensor] = None
        super().__init__(*args, **kwargs)

    def reset(self, previous_output: Optional[np.ndarray] = None) -> None:
        super().reset(previous_output)
        self._previous_t = None if previous_output is None \
            else self.frames.tensor(previous_output)

    @torch.inference_mode()
    def smooth(self, styled: np.ndarray, motion: Optional[Motion]) -> np.ndarray:
        """``FlowSmoother.smooth``: the smoothed frame t (numpy, the frames' type)."""
        check_frame(styled, "styled frame")
        styled_t = self.frames.tensor(styled)
        if self._continues(styled, motion):
            peak = ops.full_scale(styled.dtype)
            interpolation = ops.BICUBIC if self._adaptive else ops.BILINEAR
            grid = self.frames.grid(motion.flow_cur_to_prev)
            carried = ops.round_to(ops.remap(self._previous_t, grid, interpolation), peak)
            weight = self._weight(carried, styled_t, self.frames.tensor(motion.reliable), peak)
            out_t = ops.blend(styled_t, carried, weight, peak)
            out = ops.to_frame(out_t, styled.dtype)
        else:
            out_t, out = styled_t, styled.copy()
        self._previous, self._previous_t = out, out_t
        handed = out.copy()
        self.frames.remember(handed, out_t)  # the metrics score it without another upload
        return handed

    def _weight(self, carried: torch.Tensor, styled: torch.Tensor, reliable: torch.Tensor,
                peak: float) -> torch.Tensor:
        """``FlowSmoother.history_weight`` on the device (1x1xHxW)."""
        if not self._adaptive:
            return self.strength * reliable
        weight = ops.soft_edged(reliable, self.edge_feather)
        weight = weight * ops.change_weight(carried, styled, peak, self.change_scale,
                                            self.change_blur)
        return self.strength * weight


@dataclass
class TorchFrameMetrics(FrameMetrics):
    """``FrameMetrics`` computed on a torch device, from the smoother's uploads."""

    frames: Optional[ops.DeviceFrames] = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.frames is None:
            self.frames = ops.DeviceFrames("cpu")

    @torch.inference_mode()
    def _mean(self, reliable: np.ndarray) -> float:
        return float(self.frames.tensor(reliable).mean(dtype=torch.float64))

    @torch.inference_mode()
    def _warp_errors(self, prev: dict[str, np.ndarray], cur: dict[str, np.ndarray],
                     flow_cur_to_prev: np.ndarray, reliable: np.ndarray) -> dict[str, float]:
        grid, mask = self.frames.grid(flow_cur_to_prev), self.frames.tensor(reliable)
        return {name: ops.warp_error(self.frames.tensor(prev[name]), self.frames.tensor(picture),
                                     grid, mask, ops.full_scale(picture.dtype))
                for name, picture in cur.items()}

    @torch.inference_mode()
    def _squared_error(self, final: np.ndarray, styled: np.ndarray) -> float:
        return ops.squared_error(self.frames.tensor(final), self.frames.tensor(styled),
                                 ops.full_scale(final.dtype))

    @torch.inference_mode()
    def _ssim_luma(self, final: np.ndarray, styled: np.ndarray) -> float:
        if not ssim_defined(final, styled):
            return math.nan
        return ops.ssim_luma(self.frames.tensor(final), self.frames.tensor(styled),
                             ops.full_scale(final.dtype))
