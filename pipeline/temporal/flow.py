"""Dense optical flow between plates, warping, occlusion masks, the flow cache.

Conventions (used by every function here and in ``pipeline.temporal``):

* Frames are RGB uint8 (or uint16, deep sources) HxWx3 arrays.
* A flow is an HxWx2 float32 array of (dx, dy) in pixels. ``flow_ab`` is the
  flow FROM frame a TO frame b: for each pixel x of a, ``a(x) ≈ b(x + flow_ab(x))``.
* ``warp(b, flow_ab)`` is a backward warp: it samples b at x + flow_ab(x) and so
  returns b aligned with a (≈ a where nothing is occluded).
* For temporal smoothing of frame t, "cur" is t and "prev" is t-1: the flow
  that brings frame t-1 onto frame t is ``flow_cur_to_prev``
  (``warp(prev, flow_cur_to_prev) ≈ cur``).
"""
from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from pipeline.config import SmoothingConfig
from pipeline.media.atomic import write_bytes
from pipeline.media.imageio import to_uint8

#: The flow's defaults are the smoothing config's (``SmoothingConfig``).
_DEFAULTS = SmoothingConfig()

# Sundaram et al. 2010 forward-backward consistency and motion-boundary tests.
_FB_REL, _FB_ABS = 0.01, 0.5
_MB_REL, _MB_ABS = 0.01, 0.002
# The one-flow occlusion test (``photometric_mask``): a pixel of frame t is unreliable
# where max over R, G, B of |plate_t - warped plate_t-1| (8-bit levels, blurred by
# _PHOTO_SIGMA px; luma alone misses a change of hue at the same brightness) exceeds
# _PHOTO_ABS + _PHOTO_REL * |grad luma_t| (sub-pixel flow error on an edge is not an
# occlusion), or where the flow's divergence is below _DIV_MIN (many pixels of frame t
# drawn from one place of frame t-1: a region revealed or covered).
_PHOTO_ABS, _PHOTO_REL, _PHOTO_SIGMA = 12.0, 0.5, 1.0
_DIV_MIN = -0.5


# ---------------------------------------------------------------------------
# Flow
# ---------------------------------------------------------------------------

def grey(rgb: np.ndarray) -> np.ndarray:
    """HxW uint8: the 8-bit grey picture DIS (and the photometric mask) read."""
    return cv2.cvtColor(to_uint8(rgb), cv2.COLOR_RGB2GRAY)


def _grey(rgb: np.ndarray, scale: float, full: Optional[np.ndarray] = None) -> np.ndarray:
    """The grey picture at ``scale`` (``full``: ``grey(rgb)`` when already made)."""
    grey_ = grey(rgb) if full is None else full  # DIS takes 8-bit grey
    if scale == 1.0:
        return grey_
    h, w = grey_.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(grey_, size, interpolation=cv2.INTER_AREA)


def _dis_flow(dis: cv2.DISOpticalFlow, a_grey: np.ndarray, b_grey: np.ndarray) -> np.ndarray:
    """``dis.calc`` from a to b, on frames of any size.

    DIS needs its patch (8 px) to fit the frame at its finest pyramid level,
    2^finest_scale times smaller: 16 px a side with the medium preset, 32 with
    fast and ultrafast. Below that it refuses the frames (a side under 8 px, or
    both under 12: cv2.error) or picks its pyramid from the width alone, which on
    a wide frame (64x8, say) reads outside the image and crashes the process. A
    smaller side is padded to that size (edges replicated, frame centred) and
    the flow cropped back.
    """
    side = dis.getPatchSize() << dis.getFinestScale()
    h, w = a_grey.shape
    pad_y, pad_x = max(0, side - h), max(0, side - w)
    if not (pad_y or pad_x):
        return dis.calc(a_grey, b_grey, None)
    top, left = pad_y // 2, pad_x // 2
    a_pad, b_pad = (cv2.copyMakeBorder(g, top, pad_y - top, left, pad_x - left,
                                       cv2.BORDER_REPLICATE) for g in (a_grey, b_grey))
    return dis.calc(a_pad, b_pad, None)[top:top + h, left:left + w]


def resize_flow(flow: np.ndarray, size_hw: tuple[int, int]) -> np.ndarray:
    """Resample a flow field to ``size_hw`` (H, W), scaling the vectors to match."""
    h, w = flow.shape[:2]
    out_h, out_w = size_hw
    if (h, w) == (out_h, out_w):
        return flow.astype(np.float32, copy=False)
    resized = cv2.resize(flow, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    resized[..., 0] *= out_w / w
    resized[..., 1] *= out_h / h
    return resized.astype(np.float32, copy=False)


def dis_preset(name: str) -> int:
    """OpenCV's DIS preset for a config name (``SmoothingConfig.flow_preset``)."""
    return getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{name.upper()}")


def compute_flow(a_rgb: np.ndarray, b_rgb: np.ndarray, scale: float = _DEFAULTS.flow_scale,
                 preset: str = _DEFAULTS.flow_preset,
                 greys: Optional[tuple[np.ndarray, np.ndarray]] = None) -> np.ndarray:
    """Dense flow FROM a TO b (HxWx2 float32): a(x) ≈ b(x + flow(x)).

    OpenCV DIS (``preset``: medium, fast, ultrafast) on grey frames downscaled by
    ``scale`` (area filter; tiny frames padded, ``_dis_flow``); the flow is
    upscaled bilinearly to the frames' size and its vectors multiplied by the
    size ratio. ``greys``: ``grey(a_rgb), grey(b_rgb)`` when the caller has them.
    """
    if a_rgb.shape != b_rgb.shape:
        raise ValueError(f"compute_flow: frame shapes differ: {a_rgb.shape} vs {b_rgb.shape}")
    full_a, full_b = greys or (None, None)
    ga, gb = _grey(a_rgb, scale, full_a), _grey(b_rgb, scale, full_b)
    dis = cv2.DISOpticalFlow_create(dis_preset(preset))
    flow = _dis_flow(dis, ga, gb)
    return resize_flow(flow, a_rgb.shape[:2])


def sample_maps(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(map_x, map_y) HxW float32: x + flow(x), the positions ``warp`` samples (compute
    them once to warp several pictures with one flow: ``remap``)."""
    h, w = flow.shape[:2]
    xs = np.arange(w, dtype=np.float32)[None, :]
    ys = np.arange(h, dtype=np.float32)[:, None]
    return xs + flow[..., 0], ys + flow[..., 1]


def warp(img: np.ndarray, flow: np.ndarray, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Backward warp: ``out(x) = img(x + flow(x))`` (cv2.remap, border replicate).

    With ``flow = flow_ab`` (from a to b), ``warp(b, flow_ab)`` ≈ a. Bilinear
    unless ``interpolation`` says otherwise; same dtype as ``img``. Works for
    any dtype/channel count cv2.remap accepts (frames, masks, flows).
    """
    return remap(img, sample_maps(flow), interpolation)


def remap(img: np.ndarray, maps: tuple[np.ndarray, np.ndarray],
          interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """``warp`` with the flow's ``sample_maps`` given: the same pixels."""
    return cv2.remap(img, maps[0], maps[1], interpolation, borderMode=cv2.BORDER_REPLICATE)


# ---------------------------------------------------------------------------
# Reliability
# ---------------------------------------------------------------------------

def inside_frame(flow: np.ndarray,
                 maps: Optional[tuple[np.ndarray, np.ndarray]] = None) -> np.ndarray:
    """HxW bool: x + flow(x) lands inside the frame (else the warp has no data);
    ``maps``: the flow's ``sample_maps`` when already computed."""
    h, w = flow.shape[:2]
    map_x, map_y = sample_maps(flow) if maps is None else maps
    ok = map_x >= 0
    ok &= map_x <= w - 1
    ok &= map_y >= 0
    ok &= map_y <= h - 1
    return ok


def _norm2(flow: np.ndarray) -> np.ndarray:
    """|w|² per pixel (per-channel arithmetic: much faster than summing over axis 2)."""
    u, v = flow[..., 0], flow[..., 1]
    out = u * u
    out += v * v
    return out


def _gradient(channel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(d/dy, d/dx) by central differences (``np.gradient``); 0 along a side of
    one pixel, which has no neighbour to differ from. (OpenCV's Sobel gives the
    same numbers, but in the flow stage on a busy machine its threads cost more
    CPU than numpy: measured, issue #23.)"""
    return tuple(np.gradient(channel, axis=axis) if channel.shape[axis] > 1
                 else np.zeros_like(channel) for axis in (0, 1))


def _flow_gradients(flow: np.ndarray) -> tuple[np.ndarray, ...]:
    """(du/dy, du/dx, dv/dy, dv/dx) of a flow (u, v)."""
    return (*_gradient(np.ascontiguousarray(flow[..., 0])),
            *_gradient(np.ascontiguousarray(flow[..., 1])))


def motion_boundaries(flow: np.ndarray, gradients: Optional[tuple] = None) -> np.ndarray:
    """HxW bool, Sundaram et al. 2010: |∇u|² + |∇v|² > 0.01 |w|² + 0.002
    (``gradients``: the flow's ``_flow_gradients`` when already computed)."""
    du_dy, du_dx, dv_dy, dv_dx = gradients or _flow_gradients(flow)
    # in place, in the order du_dx² + du_dy² + dv_dx² + dv_dy² (the same sums)
    grad2, square = du_dx * du_dx, np.empty_like(du_dx)
    for d in (du_dy, dv_dx, dv_dy):
        grad2 += np.multiply(d, d, out=square)
    bound = _norm2(flow)
    bound *= _MB_REL
    bound += _MB_ABS
    return grad2 > bound


def fb_consistent(flow_ab: np.ndarray, flow_ba: np.ndarray) -> np.ndarray:
    """HxW bool on a's grid, Sundaram et al. 2010 forward-backward check.

    ŵ = flow_ba warped to a; consistent where |w + ŵ|² < 0.01 (|w|² + |ŵ|²) + 0.5.
    """
    back = warp(flow_ba, flow_ab)
    lhs = _norm2(flow_ab + back)
    rhs = _FB_REL * (_norm2(flow_ab) + _norm2(back)) + _FB_ABS
    return lhs < rhs


def reliable_mask(flow_ab: np.ndarray, flow_ba: np.ndarray) -> np.ndarray:
    """HxW float32 in {0, 1} on a's grid: 1 where flow_ab can be trusted.

    Unreliable (0): forward-backward inconsistent (occluded in b or flow
    failure), on a motion boundary of flow_ab, or pointing outside frame b.
    """
    ok = fb_consistent(flow_ab, flow_ba) & ~motion_boundaries(flow_ab) & inside_frame(flow_ab)
    return ok.astype(np.float32)


def photometric_consistent(prev_rgb: np.ndarray, cur_rgb: np.ndarray,
                           flow_cur_to_prev: np.ndarray,
                           maps: Optional[tuple[np.ndarray, np.ndarray]] = None,
                           cur_grey: Optional[np.ndarray] = None) -> np.ndarray:
    """HxW bool on frame t's grid: the warped previous plate matches the current
    one within ``_PHOTO_ABS`` 8-bit levels (largest channel) plus ``_PHOTO_REL``
    times the local luma gradient (both blurred by ``_PHOTO_SIGMA`` px).
    ``maps``, ``cur_grey``: the flow's ``sample_maps`` and ``grey(cur_rgb)`` when
    already made."""
    cur = to_uint8(cur_rgb)
    if maps is None:
        maps = sample_maps(flow_cur_to_prev)
    r, g, b = cv2.split(cv2.absdiff(remap(to_uint8(prev_rgb), maps), cur))
    error = cv2.max(cv2.max(r, g), b)
    gy, gx = _gradient((grey(cur) if cur_grey is None else cur_grey).astype(np.float32))
    blur = (lambda im: cv2.GaussianBlur(im, (0, 0), _PHOTO_SIGMA))
    bound = blur(cv2.magnitude(gx, gy))
    bound *= _PHOTO_REL
    bound += _PHOTO_ABS
    return blur(error) <= bound


def divergence(flow: np.ndarray, gradients: Optional[tuple] = None) -> np.ndarray:
    """HxW float32: du/dx + dv/dy (central differences; ``gradients`` as in
    ``motion_boundaries``)."""
    _, du_dx, dv_dy, _ = gradients or _flow_gradients(flow)
    return du_dx + dv_dy


def photometric_mask(prev_rgb: np.ndarray, cur_rgb: np.ndarray,
                     flow_cur_to_prev: np.ndarray,
                     cur_grey: Optional[np.ndarray] = None) -> np.ndarray:
    """HxW float32 in {0, 1} on frame t's grid from ONE flow (``reliable_mask``'s
    semantics without the reverse flow): 0 where the warped plate t-1 does not
    match plate t (``photometric_consistent``), where the flow is strongly
    compressed (divergence below ``_DIV_MIN``), on a motion boundary or pointing
    outside frame t-1 (``cur_grey``: ``grey(cur_rgb)`` when already made). The
    flow's sampling maps and gradients are computed once for all four tests."""
    maps = sample_maps(flow_cur_to_prev)
    gradients = _flow_gradients(flow_cur_to_prev)
    ok = photometric_consistent(prev_rgb, cur_rgb, flow_cur_to_prev, maps, cur_grey)
    ok &= divergence(flow_cur_to_prev, gradients) >= _DIV_MIN
    ok &= ~motion_boundaries(flow_cur_to_prev, gradients)
    ok &= inside_frame(flow_cur_to_prev, maps)
    return ok.astype(np.float32)


# ---------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------

_FLOWPAIR_FORMAT = "shotstyle-flowpair-2"
#: Older caches (both flows always stored) still load.
_FLOWPAIR_FORMATS = ("shotstyle-flowpair-1", _FLOWPAIR_FORMAT)
#: Flows are stored as int16 fixed point in 1/32 px (error at most 1/64 px,
#: range ±1024 px), the same bytes as float16 and exact to the step.
_FLOW_STEP = 1.0 / 32.0
_FLOW_LIMIT = np.iinfo(np.int16).max * _FLOW_STEP
#: Runs the second flow of ``FlowPair.compute`` beside the first.
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dis-flow")


def _quantize(flow: np.ndarray) -> np.ndarray:
    steps = np.clip(flow, -_FLOW_LIMIT, _FLOW_LIMIT)
    steps *= np.float32(1.0 / _FLOW_STEP)  # a power of two: the same as dividing by the step
    return np.rint(steps, out=steps).astype(np.int16)


def _dequantize(stored: np.ndarray, step: float) -> np.ndarray:
    return stored.astype(np.float32) * np.float32(step)


@dataclass(frozen=True)
class FlowPair:
    """The two flows between consecutive plates t-1 ("prev") and t ("cur").

    ``cur_to_prev`` (for each pixel x of frame t, frame t-1 shows it at
    x + flow(x)) is what smoothing frame t needs; ``prev_to_cur`` is the
    reverse, used for the forward-backward check (None with the one-flow
    photometric test, whose mask is set). Both HxWx2 float32.
    ``mask``, when set, is the stored ``reliable()`` mask (HxW float32 {0, 1}),
    so readers of a flow cache do not recompute it; a cache that has the mask
    does not store ``prev_to_cur`` (nothing reads it then): it loads as None.
    """

    cur_to_prev: np.ndarray
    prev_to_cur: Optional[np.ndarray]
    mask: Optional[np.ndarray] = field(default=None, compare=False)
    #: ``for_storage``'s ``cur_to_prev`` in stored steps (int16), so ``to_bytes``
    #: does not round it again
    stored_steps: Optional[np.ndarray] = field(default=None, compare=False, repr=False)

    @classmethod
    def compute(cls, prev_rgb: np.ndarray, cur_rgb: np.ndarray,
                scale: float = _DEFAULTS.flow_scale,
                preset: str = _DEFAULTS.flow_preset,
                occlusion: str = _DEFAULTS.flow_occlusion,
                greys: Optional[tuple[np.ndarray, np.ndarray]] = None) -> "FlowPair":
        """The flows between plates t-1 and t (``SmoothingConfig.flow_occlusion``):
        "forward_backward", both (``compute_flow`` twice, in parallel: OpenCV
        releases the GIL); "photometric", ``cur_to_prev`` only, with its
        ``photometric_mask``. ``greys``: ``grey(prev_rgb), grey(cur_rgb)`` when the
        caller has them (the flow stage makes each plate's once)."""
        prev_grey, cur_grey = greys or (None, None)
        back = None if greys is None else (cur_grey, prev_grey)
        if occlusion == "photometric":
            flow = compute_flow(cur_rgb, prev_rgb, scale, preset, back)
            return cls(flow, None, photometric_mask(prev_rgb, cur_rgb, flow, cur_grey))
        if occlusion != "forward_backward":
            raise ValueError(f"FlowPair.compute: unknown occlusion test {occlusion!r}")
        backward = _POOL.submit(compute_flow, cur_rgb, prev_rgb, scale, preset, back)
        forward = compute_flow(prev_rgb, cur_rgb, scale, preset, greys)
        return cls(backward.result(), forward)

    def reliable(self) -> np.ndarray:
        """HxW float32 {0, 1} on frame t's grid: where ``cur_to_prev`` is trusted."""
        if self.mask is not None:
            return self.mask
        return reliable_mask(self.cur_to_prev, self.prev_to_cur)

    def for_storage(self) -> "FlowPair":
        """The pair as ``load`` will return it: flows rounded to the stored 1/32 px
        and the reliability mask computed from those (cache it with ``save``); a
        pair of one flow keeps its mask (``photometric_mask`` needs the plates)."""
        steps = _quantize(self.cur_to_prev)
        c2p = _dequantize(steps, _FLOW_STEP)
        if self.prev_to_cur is None:
            return FlowPair(c2p, None, self.reliable(), steps)
        p2c = _dequantize(_quantize(self.prev_to_cur), _FLOW_STEP)
        return FlowPair(c2p, p2c, reliable_mask(c2p, p2c), steps)

    def to_bytes(self) -> bytes:
        """A .npz, stored without compression: a format tag, the step,
        ``cur_to_prev`` as int16 in 1/32 px and, when set, the mask as packed
        bits; ``prev_to_cur`` only without a mask. Never pickled.

        Deflate (even at level 1) cost 0.18 core-s per 1080p frame to write,
        more than a third of the DIS flows' own cost (bench/bench_overhead.py),
        to make the files 3-5x smaller; uncompressed, a 1080p frame's cache is
        8.6 MB (cur_to_prev 8.3 MB, the mask 0.26 MB)."""
        steps = self.stored_steps if self.stored_steps is not None else \
            _quantize(self.cur_to_prev)
        arrays = {"format": np.array(_FLOWPAIR_FORMAT), "step": np.float64(_FLOW_STEP),
                  "cur_to_prev": steps}
        if self.mask is not None:
            arrays["mask_bits"] = np.packbits(np.asarray(self.mask) > 0.5, axis=None)
        else:
            arrays["prev_to_cur"] = _quantize(self.prev_to_cur)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for name, arr in arrays.items():
                with zf.open(f"{name}.npy", "w") as fh:
                    np.lib.format.write_array(fh, np.asarray(arr), allow_pickle=False)
        return buf.getvalue()

    def save(self, path: Path) -> None:
        """Write atomically (temporary name + rename) as ``to_bytes``; no pickle.
        About 1.2 MB per frame at 720x405, 8.6 MB at 1920x1080."""
        write_bytes(Path(path), self.to_bytes())

    @classmethod
    def from_bytes(cls, data: bytes, where: str = "flow pair") -> "FlowPair":
        """Inverse of ``to_bytes`` (never unpickles); ValueError on anything else."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                if "format" not in npz.files or str(npz["format"]) not in _FLOWPAIR_FORMATS:
                    raise ValueError(f"{where}: not a {_FLOWPAIR_FORMAT} file")
                step = float(npz["step"])
                cur_to_prev = _dequantize(npz["cur_to_prev"], step)
                bits = npz["mask_bits"] if "mask_bits" in npz.files else None
                prev_to_cur = _dequantize(npz["prev_to_cur"], step) \
                    if "prev_to_cur" in npz.files else None
                if prev_to_cur is None and bits is None:
                    raise ValueError(f"{where}: neither the reverse flow nor the mask")
        except (OSError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{where}: unreadable flow pair ({exc})") from None
        if cur_to_prev.ndim != 3 or cur_to_prev.shape[2] != 2 or (
                prev_to_cur is not None and prev_to_cur.shape != cur_to_prev.shape):
            raise ValueError(f"{where}: flow shapes {cur_to_prev.shape}, "
                             f"{None if prev_to_cur is None else prev_to_cur.shape}")
        mask = None
        if bits is not None:
            h, w = cur_to_prev.shape[:2]
            if bits.dtype != np.uint8 or bits.size != (h * w + 7) // 8:
                raise ValueError(f"{where}: mask of {bits.size} bytes for {w}x{h} flows")
            mask = np.unpackbits(bits, count=h * w).reshape(h, w).astype(np.float32)
        return cls(cur_to_prev, prev_to_cur, mask)

    @classmethod
    def load(cls, path: Path) -> "FlowPair":
        return cls.from_bytes(Path(path).read_bytes(), str(path))
