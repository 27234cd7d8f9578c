"""The smoothing stage's per-frame operations in torch, for a GPU host (issue #23).

Each function here mirrors an OpenCV/numpy one of ``pipeline.temporal``
(named in its docstring) on torch tensors, so the smoothing and its metrics
can run on the generator's CUDA device (``pipeline.temporal.torch_path``).
The OpenCV/numpy functions stay what the CPU runs and what ships; these are
measured against them, on the CPU with the same torch code
(``tests/unit/temporal/test_torch_ops.py``, ``bench/bench_torch_smoothing.py``).

Conventions: a frame is a 1x3xHxW float32 tensor of its code values (0..255,
or 0..65535 for uint16 frames), a mask or weight map 1x1xHxW float32; a flow
becomes a sampling grid (``sample_grid``) once and warps any picture
(``remap``). Pictures the OpenCV path holds as integers (a warped frame, the
blend) are rounded to integers here too (``round_to``), so what follows sees
the same values.

How close they are (8-bit frames; measured on the sample's frames and flows):

* ``remap``: ``torch.nn.functional.grid_sample`` with ``align_corners=True``
  (pixel centres at integer positions, as ``cv2.remap``'s maps) and
  ``padding_mode="border"`` (``cv2.BORDER_REPLICATE``: PyTorch clamps each
  tap of the bicubic kernel, as OpenCV does). PyTorch's bicubic is the same
  cubic convolution (A = -0.75) as ``cv2.INTER_CUBIC``. Rounded to 8 bits, at
  most 1 level off, on about 0.2 % (bilinear) / 0.01 % (bicubic) of the
  values: OpenCV's float arithmetic puts exact halves on either side.
* ``gaussian_blur`` / ``valid_gaussian_filter``: OpenCV's kernel
  (``cv2.getGaussianKernel``, its size rule for float pictures) and border
  (``BORDER_REFLECT_101``); within 1e-4 of ``cv2.GaussianBlur`` on the 8-bit scale.
* ``blend``: ``cv2.blendLinear``'s formula, (a w1 + b w2) / (w1 + w2 + 1e-5),
  rounded half to even: identical given identical inputs.
* ``squared_error``: exact (float64 sums of integers), as ``cv2.norm``.
* ``ssim_luma``: float32 sums in another order than OpenCV's; within 1e-5.
* ``warp_error``: the bilinear warp's rounding above; within 1e-4 relative at
  720x405, 1.3e-3 on 96x54 frames, where a level weighs more (the stated
  tolerances: ``pipeline.temporal.torch_smoother``).
"""
from __future__ import annotations

from collections import deque
from typing import Optional, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from pipeline.temporal.metrics import BT709_LUMA, SSIM_C1, SSIM_C2, SSIM_SIGMA, SSIM_WINDOW

Device = Union[str, torch.device]

#: ``cv2.blendLinear`` adds this to the weights' sum before dividing by it.
BLEND_EPS = 1e-5
#: ``grid_sample`` modes of the OpenCV interpolations the smoothing uses.
BILINEAR, BICUBIC = "bilinear", "bicubic"


# ---------------------------------------------------------------------------
# Frames in and out
# ---------------------------------------------------------------------------

def to_tensor(array: np.ndarray, device: Device) -> torch.Tensor:
    """An HxWx3 frame as a 1x3xHxW float32 tensor of its code values on ``device``,
    an HxW mask (bool or float) as 1x1xHxW float32. Integers travel as they are
    (a quarter of float32's bytes) and become float32 on the device."""
    a = np.asarray(array)
    if a.dtype == np.bool_:
        a = a.view(np.uint8)
    elif a.dtype == np.uint16:  # torch's uint16 has few operations
        a = a.astype(np.int32)
    if not a.flags.writeable or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a).copy()  # torch.from_numpy takes writable arrays only
    t = torch.from_numpy(a).to(device).float()
    if t.ndim == 3:
        return t.permute(2, 0, 1).unsqueeze(0).contiguous()
    if t.ndim == 2:
        return t[None, None]
    raise ValueError(f"to_tensor: expected an HxWx3 frame or an HxW mask, got shape {a.shape}")


def to_frame(t: torch.Tensor, dtype: np.dtype) -> np.ndarray:
    """A 1x3xHxW tensor of integer code values (``round_to``) as an HxWx3 ``dtype`` frame."""
    hwc = t[0].permute(1, 2, 0)  # laid out HxWx3 on the device: one plain copy to the host
    if np.dtype(dtype) == np.uint8:
        return hwc.to(torch.uint8).contiguous().cpu().numpy()
    return hwc.to(torch.int32).contiguous().cpu().numpy().astype(dtype)


def full_scale(dtype: np.dtype) -> float:
    """Full white of a frame type (``pipeline.media.imageio.full_scale`` of a frame)."""
    return float(np.iinfo(dtype).max)


def round_to(t: torch.Tensor, peak: float) -> torch.Tensor:
    """Rounded half to even and clamped to [0, peak]: OpenCV's ``saturate_cast`` to
    the frames' integer type (``cvRound``), kept as float32."""
    return torch.round(t).clamp_(0.0, peak)


# ---------------------------------------------------------------------------
# Warping
# ---------------------------------------------------------------------------

def sample_grid(flow: Union[np.ndarray, torch.Tensor], device: Device) -> torch.Tensor:
    """1xHxWx2 ``grid_sample`` grid of x + flow(x) (``pipeline.temporal.flow.sample_maps``),
    normalised for ``align_corners=True``: -1 and 1 are the centres of the first
    and last pixels, as ``cv2.remap``'s maps count them."""
    f = torch.as_tensor(np.ascontiguousarray(flow) if isinstance(flow, np.ndarray) else flow,
                        dtype=torch.float32, device=device)
    h, w = f.shape[:2]
    xs = torch.arange(w, dtype=torch.float32, device=device)[None, :]
    ys = torch.arange(h, dtype=torch.float32, device=device)[:, None]
    # A side of one pixel: every position lands on it (align_corners maps any value to 0).
    gx = (xs + f[..., 0]) * (2.0 / max(w - 1, 1)) - 1.0
    gy = (ys + f[..., 1]) * (2.0 / max(h - 1, 1)) - 1.0
    return torch.stack((gx, gy), dim=-1).unsqueeze(0)


def remap(picture: torch.Tensor, grid: torch.Tensor, mode: str = BILINEAR) -> torch.Tensor:
    """``pipeline.temporal.flow.remap`` (``cv2.remap``, ``BORDER_REPLICATE``) of a
    1xCxHxW picture, in float32 (not rounded: ``round_to``)."""
    return F.grid_sample(picture, grid, mode=mode, padding_mode="border", align_corners=True)


# ---------------------------------------------------------------------------
# Gaussian filters (OpenCV's kernels and border)
# ---------------------------------------------------------------------------

def blur_size(sigma: float) -> int:
    """The kernel size ``cv2.GaussianBlur`` picks for ``ksize=(0, 0)`` on a float
    picture: round(8 sigma + 1), made odd."""
    return int(np.rint(sigma * 4 * 2 + 1)) | 1


def _kernel(size: int, sigma: float, device: Device) -> torch.Tensor:
    return torch.from_numpy(cv2.getGaussianKernel(size, sigma).astype(np.float32).ravel()) \
        .to(device)


def _reflect_101(n: int, r: int, device: Device) -> torch.Tensor:
    """Indices of ``range(-r, n + r)`` folded into [0, n) the way ``cv2.BORDER_REFLECT_101``
    folds them (any ``r``, even wider than the picture; a side of 1 repeats its pixel)."""
    i = np.arange(-r, n + r)
    if n == 1:
        return torch.zeros(i.size, dtype=torch.long, device=device)
    period = 2 * (n - 1)
    i = np.abs(i) % period
    i = np.where(i >= n, period - i, i)
    return torch.from_numpy(i).to(device)


def _separable(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """NxCxHxW filtered by ``kernel`` along x then y, each channel alone, no padding.

    In full float32: cuDNN would otherwise run these convolutions in TF32 on
    Ampere and later GPUs (10 mantissa bits; its default), off by about 1e-3
    relative, more than the SSIM tolerance; the flag is set for these calls
    only (the generator keeps its own)."""
    n, c, h, w = x.shape
    k = kernel.numel()
    y = x.reshape(n * c, 1, h, w)
    with torch.backends.cudnn.flags(enabled=torch.backends.cudnn.enabled, allow_tf32=False):
        y = F.conv2d(y, kernel.view(1, 1, 1, k))
        y = F.conv2d(y, kernel.view(1, 1, k, 1))
    return y.reshape(n, c, y.shape[-2], y.shape[-1])


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """``cv2.GaussianBlur(x, (0, 0), sigma)`` of an NxCxHxW float32 picture (its
    default border, ``BORDER_REFLECT_101``)."""
    size = blur_size(sigma)
    r = size // 2
    h, w = x.shape[-2:]
    padded = x.index_select(2, _reflect_101(h, r, x.device)) \
        .index_select(3, _reflect_101(w, r, x.device))
    return _separable(padded, _kernel(size, sigma, x.device))


def valid_gaussian_filter(x: torch.Tensor) -> torch.Tensor:
    """SSIM's 11x11 Gaussian (sigma 1.5) mean over the region the window fits in
    (``metrics._gaussian_filter_valid``: the border never enters)."""
    return _separable(x, _kernel(SSIM_WINDOW, SSIM_SIGMA, x.device))


# ---------------------------------------------------------------------------
# Smoothing (pipeline.temporal.smoother)
# ---------------------------------------------------------------------------

def soft_edged(mask: torch.Tensor, sigma: float) -> torch.Tensor:
    """``smoother.soft_edged``: mask * blur(mask)."""
    if sigma <= 0.0:
        return mask
    return mask * gaussian_blur(mask, sigma)


def change_weight(carried: torch.Tensor, styled: torch.Tensor, peak: float, scale: float,
                  blur_sigma: float) -> torch.Tensor:
    """``smoother.change_weight``: exp(-(D / scale)^2), D = blurred mean |carried -
    styled| over RGB in [0, 1]; 1x1xHxW."""
    diff = ((carried - styled).abs_() * np.float32(1.0 / (3.0 * peak))).sum(1, keepdim=True)
    if blur_sigma > 0.0:
        diff = gaussian_blur(diff, blur_sigma)
    return torch.exp(-torch.square(diff / scale))


def blend(styled: torch.Tensor, carried: torch.Tensor, weight: torch.Tensor,
          peak: float) -> torch.Tensor:
    """``smoother._blend``: (1 - weight) styled + weight carried, rounded. 8-bit
    frames as ``cv2.blendLinear`` computes it (divided by the weights' sum + 1e-5)."""
    w1 = 1.0 - weight
    mixed = styled * w1 + carried * weight
    if peak == 255.0:
        mixed = mixed / (w1 + weight + BLEND_EPS)
    return round_to(mixed, peak)


# ---------------------------------------------------------------------------
# Metrics (pipeline.temporal.metrics)
# ---------------------------------------------------------------------------

def warp_error(prev_out: torch.Tensor, cur_out: torch.Tensor, grid: torch.Tensor,
               mask: torch.Tensor, peak: float) -> float:
    """``metrics.warp_error`` (E_warp, Lai et al. 2018): frame t-1 warped bilinearly and
    rounded to the frames' type, the mask (1x1xHxW) as weights; nan when it is empty."""
    total = float(mask.sum(dtype=torch.float64))
    if total <= 0.0:
        return float("nan")
    diff = cur_out - round_to(remap(prev_out, grid, BILINEAR), peak)
    squares = (diff * diff).sum(1, keepdim=True)
    weighted = (squares.double() * mask.double()).sum()
    return float(weighted) / (3.0 * peak * peak * total)


def squared_error(a: torch.Tensor, b: torch.Tensor, peak: float) -> float:
    """``metrics.squared_error``: the sum of squared differences on the 8-bit scale,
    exact (float64 sums of integer squares, as ``cv2.norm``)."""
    d = a.double() - b.double()
    return float((d * d).sum()) * (255.0 / peak) ** 2


def luma(frame: torch.Tensor, peak: float) -> torch.Tensor:
    """``metrics.luma``: 1x1xHxW BT.709 Y' of the code values, on the 8-bit scale."""
    weights = torch.tensor(BT709_LUMA, dtype=torch.float32, device=frame.device) \
        * np.float32(255.0 / peak)
    return (frame * weights.view(1, 3, 1, 1)).sum(1, keepdim=True)


def ssim_mean(x: torch.Tensor, y: torch.Tensor) -> float:
    """``metrics._ssim_mean``: mean SSIM map of two 1xCxHxW float32 pictures on the
    8-bit scale over the region the 11 px window fits in."""
    mu_x, mu_y = valid_gaussian_filter(x), valid_gaussian_filter(y)
    var_x = valid_gaussian_filter(x * x) - mu_x * mu_x
    var_y = valid_gaussian_filter(y * y) - mu_y * mu_y
    cov = valid_gaussian_filter(x * y) - mu_x * mu_y
    num = (2.0 * mu_x * mu_y + SSIM_C1) * (2.0 * cov + SSIM_C2)
    den = (mu_x * mu_x + mu_y * mu_y + SSIM_C1) * (var_x + var_y + SSIM_C2)
    return float((num / den).mean(dtype=torch.float64))


def ssim_luma(a: torch.Tensor, b: torch.Tensor, peak: float) -> float:
    """``metrics.ssim_luma`` of two frames at least 11 px a side (the caller checks:
    ``metrics.ssim_defined``)."""
    return ssim_mean(luma(a, peak), luma(b, peak))


# ---------------------------------------------------------------------------
# Uploads, once per array
# ---------------------------------------------------------------------------

class DeviceFrames:
    """The device copies of the last few numpy arrays handed to the torch path.

    A stage hands the same arrays to the smoother and to the metrics (the
    stylised frame, the final frame, the flow, the mask, frame t-1's pair);
    each is uploaded once and found again by identity (``is``: the entry
    holds the array, so its id cannot be reused). Arrays must not be changed
    in place after being handed over (the stage never does).
    """

    def __init__(self, device: Device, keep: int = 12):
        self.device = torch.device(device)
        self._entries: deque[tuple[np.ndarray, str, torch.Tensor]] = deque(maxlen=keep)

    def _find(self, array: np.ndarray, kind: str) -> Optional[torch.Tensor]:
        for held, held_kind, tensor in self._entries:
            if held is array and held_kind == kind:
                return tensor
        return None

    def remember(self, array: np.ndarray, tensor: torch.Tensor, kind: str = "picture") -> None:
        self._entries.append((array, kind, tensor))

    def tensor(self, array: np.ndarray) -> torch.Tensor:
        """``to_tensor(array)``, uploaded the first time only."""
        found = self._find(array, "picture")
        if found is None:
            found = to_tensor(array, self.device)
            self.remember(array, found)
        return found

    def grid(self, flow: np.ndarray) -> torch.Tensor:
        """``sample_grid(flow)``, uploaded the first time only."""
        found = self._find(flow, "grid")
        if found is None:
            found = sample_grid(flow, self.device)
            self.remember(flow, found, "grid")
        return found
