"""Image and temporal-consistency metrics. Frames are RGB uint8 HxWx3 arrays, or
uint16 ones (deep sources), which are scored on the same 8-bit scale.

* ``warp_error``: E_warp of Lai et al. 2018 ("Learning Blind Video Temporal
  Consistency"): the mean, over the pixels the mask marks reliable (not
  occluded), of the squared difference between output frame t and output frame
  t-1 warped to t with the PLATES' flow (bilinear), RGB scaled to [0, 1] and
  averaged over the three channels (as the authors' evaluate_WarpError.py,
  which reads the occlusion mask as a 3-channel image and so divides the sum
  of squares by 3 x the masked pixels). Average it over a clip's consecutive
  pairs, leaving out pairs across a scene cut.
* ``psnr``: peak signal-to-noise ratio in dB over all pixels and channels (peak 255).
* ``ssim``: Wang et al. 2004, 11x11 Gaussian window with sigma 1.5, computed per
  RGB channel on the valid region (no padding) and averaged;
  C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2. Frames with a side under 11 px
  have no valid region: their SSIM is undefined (nan; None in the metrics).
* ``ssim_luma``: the same SSIM on one channel, the frames' BT.709 luma
  Y' = 0.2126 R' + 0.7152 G' + 0.0722 B' of the code values (not rounded), on
  the 8-bit scale. What ``FrameMetrics`` scores (the metrics' "ssim"): about
  4x cheaper than ``ssim`` (issue #23); on the sample it stays within 0.0021
  of the RGB SSIM per frame (bench/RESULTS.md, "Throughput II"). The
  benchmarks' quality criteria keep the RGB ``ssim``.

``FrameMetrics`` collects them frame by frame while a stage walks its frames
anyway (the flow stage: the plates; the smoothing stage: the stylised and
final frames), so no stage reads the frames again only to score them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import cv2
import numpy as np

from pipeline.media.imageio import full_scale
from pipeline.temporal.flow import remap, sample_maps

SSIM_C1 = (0.01 * 255.0) ** 2
SSIM_C2 = (0.03 * 255.0) ** 2
#: SSIM's Gaussian window: side (px) and sigma (px).
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
#: BT.709 luma weights of R', G', B' (``luma``).
BT709_LUMA = (0.2126, 0.7152, 0.0722)
#: What ``FrameMetrics``' "ssim" is, as its JSON records it: rows scored before
#: issue #23 (RGB SSIM, no record) do not load, so they are scored again.
SSIM_OF = "bt709-luma"


def warp_error(prev_out: np.ndarray, cur_out: np.ndarray, flow_cur_to_prev: np.ndarray,
               mask: np.ndarray) -> float:
    """E_warp between two consecutive output frames (Lai et al. 2018).

    ``flow_cur_to_prev`` is the plates' flow from frame t to frame t-1 (for each
    pixel x of frame t, frame t-1 shows it at x + flow(x)), so
    ``warp(prev_out, flow_cur_to_prev)`` aligns frame t-1 with frame t.
    ``mask`` (HxW, bool or weights in [0, 1]) marks the non-occluded pixels of
    frame t; a soft mask is used as weights. Returns nan when the mask is empty.
    """
    return _warp_error(prev_out, cur_out, sample_maps(flow_cur_to_prev), mask)


def _warp_error(prev_out: np.ndarray, cur_out: np.ndarray, maps: tuple[np.ndarray, np.ndarray],
                mask: np.ndarray) -> float:
    """``warp_error`` with the flow's sampling maps (``sample_maps``) given."""
    return warp_error_aligned(remap(prev_out, maps), cur_out, mask)


def warp_error_aligned(aligned_prev: np.ndarray, cur_out: np.ndarray, mask: np.ndarray) -> float:
    """``warp_error`` with frame t-1 already warped onto frame t (``remap``)."""
    peak = full_scale(cur_out)
    # |cur - warped prev| in code values (the warp keeps the frames' type), squared
    # and summed over RGB in one pass: 3x faster than scaling whole frames to [0, 1].
    diff = cv2.absdiff(cur_out, aligned_prev).astype(np.float32)
    weight = np.asarray(mask, dtype=np.float32)
    total = float(weight.sum())
    if total <= 0.0:
        return float("nan")
    squares = np.einsum("hwc,hwc->hw", diff, diff)
    return float(np.dot(squares.ravel(), weight.ravel())) / (3.0 * peak * peak * total)


def psnr_from_mse(mse: float) -> float:
    """PSNR in dB of 8-bit pictures whose mean squared error is ``mse`` (inf when 0)."""
    return float("inf") if mse == 0.0 else 10.0 * math.log10(255.0 ** 2 / mse)


def eight_bit_scale(frame: np.ndarray) -> float:
    """The factor that brings ``frame``'s code values to the 8-bit scale (1 for uint8)."""
    return 255.0 / full_scale(frame)


def squared_error(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of the squared differences of two frames of one shape and type, on the
    8-bit scale (``cv2.norm`` sums in double: no float copy of the frames)."""
    return cv2.norm(a, b, cv2.NORM_L2SQR) * eight_bit_scale(a) ** 2


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two images of the same shape and type (inf when identical)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return psnr_from_mse(mse * eight_bit_scale(a) ** 2)


def _gaussian_filter_valid(x: np.ndarray) -> np.ndarray:
    """11x11 Gaussian (sigma 1.5) mean, cropped to the region the window fits in."""
    blurred = cv2.GaussianBlur(x, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA,
                               borderType=cv2.BORDER_REFLECT)
    r = SSIM_WINDOW // 2
    return blurred[r:-r, r:-r]


def _ssim_mean(x: np.ndarray, y: np.ndarray) -> float:
    """Mean SSIM map of two float32 pictures on the 8-bit scale (HxW or HxWxC; the
    channels' maps averaged) over the region the window fits in."""
    mu_x, mu_y = _gaussian_filter_valid(x), _gaussian_filter_valid(y)
    var_x, var_y = _gaussian_filter_valid(x * x), _gaussian_filter_valid(y * y)
    cov = _gaussian_filter_valid(x * y)
    # In place (each name below is rebound to what it then holds): no temporaries.
    mu_xy = mu_x * mu_y
    mu_x *= mu_x  # mu_x^2
    mu_y *= mu_y  # mu_y^2
    var_x -= mu_x
    var_y -= mu_y
    cov -= mu_xy
    num = mu_xy
    num *= 2.0
    num += SSIM_C1
    cov *= 2.0
    cov += SSIM_C2
    num *= cov  # (2 mu_xy + C1)(2 cov + C2)
    den = mu_x
    den += mu_y
    den += SSIM_C1
    var_x += var_y
    var_x += SSIM_C2
    den *= var_x  # (mu_x^2 + mu_y^2 + C1)(var_x + var_y + C2)
    num /= den
    return float(np.mean(num, dtype=np.float64))


def ssim_defined(a: np.ndarray, b: np.ndarray) -> bool:
    """True when SSIM is defined for ``a`` and ``b`` (ValueError when their shapes differ)."""
    if a.shape != b.shape:
        raise ValueError(f"ssim: shapes differ: {a.shape} vs {b.shape}")
    return min(a.shape[:2]) >= SSIM_WINDOW


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two uint8 images (Wang et al. 2004), RGB channels averaged.

    float32 throughout, all channels in one pass (5x faster than per-channel
    float64; the mean differs by under 1e-5). nan when a side is under the
    11 px window (no valid region).
    """
    if not ssim_defined(a, b):
        return float("nan")
    x = a.astype(np.float32)
    y = b.astype(np.float32)
    if a.dtype != np.uint8:  # the constants are for the 8-bit scale
        x *= eight_bit_scale(a)
        y *= eight_bit_scale(b)
    return _ssim_mean(x, y)


def luma(frame: np.ndarray) -> np.ndarray:
    """HxW float32: BT.709 Y' of an RGB frame's code values, on the 8-bit scale."""
    weights = np.array([BT709_LUMA], dtype=np.float32) * np.float32(eight_bit_scale(frame))
    return cv2.transform(frame.astype(np.float32), weights)


def ssim_luma(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of the BT.709 luma of two RGB frames (uint8 or uint16): ``ssim``'s
    window and constants on one channel, 4x faster. nan under the 11 px window."""
    if not ssim_defined(a, b):
        return float("nan")
    return _ssim_mean(luma(a), luma(b))


@dataclass
class FrameMetrics:
    """Per-frame metrics of a run of frames, as a stage computes them in passing.

    ``rows[frame]`` holds ``ewarp_<sequence>`` and ``reliable`` for the pair
    (frame-1, frame) and ``ssim`` (``ssim_luma``) / ``psnr`` of the final frame
    against the stylised one; ``sq_err`` / ``values`` pool the squared 8-bit differences
    of those frames (the shot's PSNR). Saved in the stage's chunk manifest.
    """

    rows: dict[int, dict] = field(default_factory=dict)
    sq_err: float = 0.0
    values: int = 0

    def warp_errors(self, frame: int, prev: dict[str, np.ndarray], cur: dict[str, np.ndarray],
                    flow_cur_to_prev: np.ndarray, reliable: np.ndarray) -> None:
        """E_warp of every sequence in ``cur`` for the pair (frame-1, frame) (one
        sampling grid for them all)."""
        row = self.rows.setdefault(frame, {})
        row["reliable"] = round(self._mean(reliable), 4)
        for name, value in self._warp_errors(prev, cur, flow_cur_to_prev, reliable).items():
            row[f"ewarp_{name}"] = value

    def versus(self, frame: int, final: np.ndarray, styled: np.ndarray) -> None:
        """Luma SSIM and PSNR of the final frame against the stylised one."""
        sq = self._squared_error(final, styled)
        self.sq_err += sq
        self.values += final.size
        value = psnr_from_mse(sq / final.size)
        row = self.rows.setdefault(frame, {})
        similarity = self._ssim_luma(final, styled)
        row["ssim"] = None if math.isnan(similarity) else round(similarity, 5)
        row["psnr"] = None if math.isinf(value) else round(value, 3)

    # What the rows are computed with: OpenCV/numpy here; the torch path
    # (``pipeline.temporal.torch_smoother.TorchFrameMetrics``) overrides these.

    def _mean(self, reliable: np.ndarray) -> float:
        return float(np.mean(reliable))

    def _warp_errors(self, prev: dict[str, np.ndarray], cur: dict[str, np.ndarray],
                     flow_cur_to_prev: np.ndarray, reliable: np.ndarray) -> dict[str, float]:
        maps = sample_maps(flow_cur_to_prev)
        return {name: _warp_error(prev[name], picture, maps, reliable)
                for name, picture in cur.items()}

    def _squared_error(self, final: np.ndarray, styled: np.ndarray) -> float:
        return squared_error(final, styled)

    def _ssim_luma(self, final: np.ndarray, styled: np.ndarray) -> float:
        return ssim_luma(final, styled)

    def merge(self, other: "FrameMetrics") -> None:
        for frame, row in other.rows.items():
            self.rows.setdefault(frame, {}).update(row)
        self.sq_err += other.sq_err
        self.values += other.values

    def to_json(self) -> dict:
        return {"rows": {str(f): r for f, r in sorted(self.rows.items())},
                "sq_err": self.sq_err, "values": self.values, "ssim_of": SSIM_OF}

    @classmethod
    def from_json(cls, data: Optional[dict]) -> Optional["FrameMetrics"]:
        """From a chunk manifest's ``metrics`` (None when it has none, or SSIMs of
        another definition: older renders)."""
        if not isinstance(data, dict) or "rows" not in data:
            return None
        if data.get("ssim_of") != SSIM_OF and any("ssim" in r for r in data["rows"].values()):
            return None
        return cls({int(f): dict(r) for f, r in data["rows"].items()},
                   float(data.get("sq_err", 0.0)), int(data.get("values", 0)))

    def warp_errors_aligned(self, frame: int, aligned: dict[str, np.ndarray],
                            cur: dict[str, np.ndarray], reliable: np.ndarray) -> None:
        """``warp_errors`` where the caller has already warped each previous
        picture onto frame t (``aligned``; the flow stage shares its warp of the
        plate with the cut score): the same row."""
        row = self.rows.setdefault(frame, {})
        row["reliable"] = round(float(np.mean(reliable)), 4)
        for name, picture in cur.items():
            row[f"ewarp_{name}"] = warp_error_aligned(aligned[name], picture, reliable)
