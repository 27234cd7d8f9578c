"""Batched generator inference on uint8 or uint16 RGB frames.

``Stylizer`` turns a batch of HxWx3 uint8 (or uint16) frames into stylised
frames of the same type:
device placement, value range, padding to the network's size multiple,
channels_last and autocast are handled here so callers only move pixels.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.errors import CheckpointError, DeviceError
from models.openvino_net import OpenVINONet, openvino_available
from models.tiling import Layout, layout

log = logging.getLogger("shotstyle")

#: Frames with a smaller side are padded to it (edges replicated) and cropped back.
MIN_SIDE = 32

#: The most pixels one generator call takes on the CPU (frames or tiles, as the
#: network sees them, padded): ``batch_size`` frames per call, fewer where they
#: would hold more, so the memory of a call does not grow with batch_size x frame
#: size. 2**21 px: one 1920x1080 frame (the sample's 720x405 keeps its batch of
#: 4); a CPU call's peak memory follows its pixels (bench/RESULTS.md, "Pixels per
#: generator call"). Not applied on CUDA, which halves the batch on
#: out-of-memory instead.
CPU_CALL_PIXELS = 1 << 21


def select_device(requested: str = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU; 'cuda' without a GPU is an error."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise DeviceError("device 'cuda' requested but no CUDA GPU is available "
                          "(torch.cuda.is_available() is False); set device: auto or cpu")
    return torch.device(requested)


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU has bf16 instructions (AVX512-BF16 or AMX), as PyTorch's
    cpuinfo reports them. oneDNN's own check says yes for any AVX-512 CPU, where
    bf16 is emulated and slower than fp32."""
    checks = [getattr(torch.cpu, name, None)
              for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    try:
        return torch.backends.mkldnn.is_available() and any(c is not None and c()
                                                            for c in checks)
    except RuntimeError:
        return False


def select_backend(device: torch.device, requested: str, model: nn.Module) -> str:
    """'torch' or 'openvino'. 'auto': OpenVINO on the CPU when it is installed and
    the model is a PyTorch module (1.7x faster: bench/bench_style.py --only
    precision), else PyTorch; TorchScript files and CUDA always run in PyTorch."""
    if requested == "openvino" and device.type != "cpu":
        raise DeviceError("cpu_backend 'openvino' runs on the CPU only; set device: cpu "
                          "or cpu_backend: auto")
    if requested == "openvino" and not openvino_available():
        raise DeviceError("cpu_backend 'openvino' but OpenVINO cannot be imported here "
                          "(pip install openvino, or set cpu_backend: auto)")
    if requested != "auto":
        return requested
    usable = (device.type == "cpu" and not isinstance(model, torch.jit.ScriptModule)
              and openvino_available())
    return "openvino" if usable else "torch"


def select_dtype(device: torch.device, precision: str = "auto") -> Optional[torch.dtype]:
    """Autocast dtype, or None for fp32. 'auto': bf16 on CUDA GPUs that support it
    and on CPUs with native bf16 (measured 2.2x faster than fp32 on an AVX512-BF16
    Xeon, bench/bench_style.py), fp32 elsewhere."""
    if precision == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if cpu_has_fast_bf16() else None
    return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def precision_reason(device: torch.device, precision: str, dtype: Optional[torch.dtype]) -> str:
    """Why ``select_dtype`` chose ``dtype``, for the log."""
    name = str(dtype or torch.float32).replace("torch.", "")
    if precision != "auto":
        return f"{name} (precision: {precision})"
    if device.type == "cuda":
        return f"{name} (precision: auto on CUDA)"
    if dtype is None:
        return "float32 (precision: auto; this CPU has no native bf16)"
    return f"{name} (precision: auto; this CPU has native bf16)"


class _FullPrecision(nn.Module):
    """Runs a layer outside autocast, in fp32, and hands its output on in the
    autocast dtype."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        device = x.device.type
        if not torch.is_autocast_enabled(device):
            return self.inner(x)
        with torch.autocast(device, enabled=False):
            y = self.inner(x.float())
        # what follows runs in the autocast dtype, as it would without this wrapper
        return y.to(torch.get_autocast_dtype(device))


def keep_input_layer_fp32(model: nn.Module) -> nn.Module:
    """Wrap the network's first convolution so that it runs in fp32 under autocast.

    Rounding the input pixels to bf16 (8 mantissa bits) costs up to half an 8-bit
    level before the network starts; the first layer reads only 3 channels, so
    keeping it in fp32 costs nothing measurable and halves the largest error
    against fp32 (bench/bench_style.py). TorchScript modules are left as they are.
    """
    if isinstance(model, torch.jit.ScriptModule):
        return model
    for qualified, module in model.named_modules():  # in the order the layers are declared
        if isinstance(module, nn.Conv2d):
            if module.in_channels <= 4:  # reads pixels (RGB, RGBA)
                parent, _, name = qualified.rpartition(".")
                setattr(model.get_submodule(parent), name, _FullPrecision(module))
            return model
    return model


def set_cpu_threads(threads: int = 0) -> int:
    """Intra-op threads for CPU inference: ``threads``, or one per usable core."""
    if not threads:
        threads = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else os.cpu_count() or 1)
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()


def make_stylizer(model: nn.Module, device: torch.device, input_range: tuple[float, float],
                  dtype: Optional[torch.dtype], size_multiple: Optional[int], tile_size: int,
                  tile_overlap: int, backend: str, fall_back: bool,
                  source: str = "the style",
                  openvino_cache: Optional[Path] = None) -> "Stylizer":
    """A ``Stylizer`` on ``backend``; with ``fall_back``, PyTorch (with a warning) when
    OpenVINO cannot convert or compile the network (an operation its PyTorch
    frontend does not know, say), so an automatic choice never fails a render."""
    try:
        return Stylizer(model, device, input_range, dtype, size_multiple, tile_size,
                        tile_overlap, backend, source, openvino_cache)
    except Exception as exc:  # noqa: BLE001 - OpenVINO raises several unrelated types
        if backend != "openvino" or not fall_back:
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        log.warning("OpenVINO cannot run this network (%s); running it with PyTorch", first)
        return Stylizer(model, device, input_range, dtype, size_multiple, tile_size,
                        tile_overlap, "torch", source)


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


class Stylizer:
    """uint8 frames in, uint8 frames out (uint16 in, uint16 out).

    ``tile_size`` > 0: frames with a side larger than that run in overlapping
    tiles (``tile_overlap`` px, feathered; ``models.tiling``), so 4K fits in
    memory. On the CPU a generator call takes the frames (or tiles) of the batch
    it is given, fewer where they would hold more than ``call_pixels`` pixels
    (``CPU_CALL_PIXELS``; at least one). On CUDA a call takes the whole batch
    (tiled: one tile of each frame); on out-of-memory the batch is halved (and,
    at batch 1, the tile size) and the frames are retried; the smaller size is
    kept for later batches. Outputs do not depend on how frames and tiles are
    grouped into calls.
    """

    def __init__(self, model: nn.Module, device: torch.device,
                 input_range: tuple[float, float] = (-1.0, 1.0),
                 dtype: Optional[torch.dtype] = None, size_multiple: Optional[int] = None,
                 tile_size: int = 0, tile_overlap: int = 64, backend: str = "torch",
                 source: str = "the style", openvino_cache: Optional[Path] = None,
                 call_pixels: int = CPU_CALL_PIXELS):
        self.device = device
        self.source = source  # what messages name: the checkpoint
        self.dtype = dtype
        self.lo, self.hi = float(input_range[0]), float(input_range[1])
        self.multiple = size_multiple or getattr(model, "size_multiple", 1)
        self.tile_size, self.tile_overlap = int(tile_size), int(tile_overlap)
        self.max_batch: Optional[int] = None
        self.call_pixels = int(call_pixels)
        self.backend = backend
        if backend == "openvino":
            self.model = OpenVINONet(model, dtype, torch.get_num_threads(), self.multiple,
                                     openvino_cache)
            return
        if dtype is not None:
            model = keep_input_layer_fp32(model)
        self.model = model.eval().to(device).to(memory_format=torch.channels_last)

    def _padding(self, h: int, w: int) -> tuple[int, int]:
        """Rows and columns added below and right of an h x w frame: to the net's
        multiple, and to MIN_SIDE (``_net``)."""
        ph, pw = (-max(h, MIN_SIDE)) % self.multiple, (-max(w, MIN_SIDE)) % self.multiple
        return ph + max(0, MIN_SIDE - h), pw + max(0, MIN_SIDE - w)

    def _net(self, x: torch.Tensor) -> torch.Tensor:
        """[lo, hi] NCHW of any size -> same size, padded to the net's multiple
        (and to MIN_SIDE: the public nets' reflection pads need a few pixels at
        their coarsest level, which a 2x2 frame does not have)."""
        h, w = x.shape[-2:]
        ph, pw = self._padding(h, w)
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        if self.backend == "openvino":
            return self._checked(x, self.model(x))[..., :h, :w]
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.dtype or torch.float32,
                            enabled=self.dtype is not None):
            y = self.model(x)
        return self._checked(x, y)[..., :h, :w].float()

    def _checked(self, x: torch.Tensor, y: object) -> torch.Tensor:
        """``y`` if it is RGB pictures of ``x``'s size; else CheckpointError on the
        first batch, before a frame is written (a grey generator would make every
        frame grey, another size would be cropped or fail later)."""
        if not isinstance(y, torch.Tensor) or y.dim() != 4:
            what = (f"a {type(y).__name__}" if not isinstance(y, torch.Tensor)
                    else f"a tensor of shape {tuple(y.shape)}")
            raise CheckpointError(f"{self.source}: its generator returns {what}, not pictures "
                                  f"(N x 3 x H x W)")
        self._check_pictures(tuple(x.shape), tuple(y.shape))
        return y

    def _check_pictures(self, x_nchw: tuple[int, ...], y_nchw: tuple[int, ...]) -> None:
        """The generator's output shape against its input's (``_checked``)."""
        if y_nchw[0] != x_nchw[0]:
            raise CheckpointError(f"{self.source}: its generator returns a tensor of shape "
                                  f"{y_nchw}, not pictures (N x 3 x H x W)")
        if y_nchw[1] != 3:
            c = y_nchw[1]
            raise CheckpointError(f"{self.source}: its generator makes {c} channel"
                                  f"{'' if c == 1 else 's'}, not 3 (RGB): its frames would come "
                                  f"out {'grey' if c == 1 else 'wrong'}")
        if y_nchw[-2:] != x_nchw[-2:]:
            raise CheckpointError(f"{self.source}: its generator turns a {x_nchw[-1]}x"
                                  f"{x_nchw[-2]} picture into {y_nchw[-1]}x{y_nchw[-2]}: "
                                  f"frames must come out at the size they go in")

    def _pictures(self, frames: np.ndarray) -> np.ndarray:
        """8- or 16-bit frames through OpenVINO as pictures (``OpenVINONet.pictures``):
        padded as ``_net`` pads them (edge pixels repeated), cropped back."""
        n, h, w = frames.shape[:3]
        ph, pw = self._padding(h, w)
        if ph or pw:
            frames = np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")
        y = self.model.pictures(frames, (self.lo, self.hi))
        if y.ndim != 4:
            raise CheckpointError(f"{self.source}: its generator returns a tensor of shape "
                                  f"{y.shape}, not pictures (N x 3 x H x W)")
        self._check_pictures((frames.shape[0], 3, *frames.shape[1:3]),
                             (y.shape[0], y.shape[3], *y.shape[1:3]))
        return np.ascontiguousarray(y[:, :h, :w]) if (ph or pw) else y

    def _per_call(self, n: int, h: int, w: int) -> int:
        """How many of ``n`` h x w pictures (frames or tiles) one generator call
        takes: all of them on CUDA (its batch is ``max_batch``, ``__call__``); on
        the CPU as many as fit in ``call_pixels``, padded as the network takes
        them, and at least one."""
        if self.device.type != "cpu":
            return n
        ph, pw = self._padding(h, w)
        return max(1, min(n, self.call_pixels // ((h + ph) * (w + pw))))

    def _layout(self, h: int, w: int) -> Optional[Layout]:
        return layout(h, w, self.tile_size, self.tile_overlap, self.multiple) \
            if self.tile_size else None

    def _run(self, frames: np.ndarray) -> np.ndarray:
        """One batch: its frames (or its frames' tiles) through the generator in
        calls of ``_per_call`` pictures each, the tiles blended back."""
        n, h, w = frames.shape[:3]
        tiles = self._layout(h, w)
        if tiles is None:
            k = self._per_call(n, h, w)
            if k >= n:
                return self._apply(frames)
            out = np.empty(frames.shape, frames.dtype)
            for i in range(0, n, k):
                out[i:i + k] = self._apply(frames[i:i + k])
            return out
        out = np.empty(frames.shape, frames.dtype)
        jobs = [(f, t) for f in range(n) for t in range(len(tiles.tiles))]
        k = self._per_call(n, tiles.th, tiles.tw)
        done: dict[int, list[np.ndarray]] = {}
        for g in range(0, len(jobs), k):
            group = jobs[g:g + k]
            styled = self._apply(np.stack([tiles.cut(frames[f], t) for f, t in group]))
            for (f, _), tile in zip(group, styled):
                done.setdefault(f, []).append(tile)
                if len(done[f]) == len(tiles.tiles):
                    tiles.blend(done.pop(f), out[f])
        return out

    def _apply(self, pictures: np.ndarray) -> np.ndarray:
        """One generator call: N x H x W x 3 uint8 or uint16 -> the same."""
        if self.backend == "openvino":
            return self._pictures(pictures)
        return self._float(pictures)

    @torch.inference_mode()
    def _float(self, frames: np.ndarray) -> np.ndarray:
        """Frames as a float NCHW tensor on the device, through ``_net``, back."""
        peak = float(np.iinfo(frames.dtype).max)  # 255 or 65535
        pixels = frames if frames.dtype == np.uint8 else frames.astype(np.float32)
        x = torch.from_numpy(np.ascontiguousarray(pixels)).to(self.device, non_blocking=True)
        x = x.permute(0, 3, 1, 2).float().div_(peak)
        x = x.mul_(self.hi - self.lo).add_(self.lo)
        y = self._net(x)
        y = y.sub_(self.lo).div_(self.hi - self.lo).clamp_(0.0, 1.0).mul_(peak).round_()
        if frames.dtype == np.uint8:
            return y.to(torch.uint8).permute(0, 2, 3, 1).contiguous().cpu().numpy()
        out = y.to(torch.int32).permute(0, 2, 3, 1).contiguous().cpu().numpy()
        return out.astype(frames.dtype)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """frames: N x H x W x 3 uint8 (or uint16) RGB -> the same shape and type."""
        out, i, n = [], 0, len(frames)
        while i < n:
            size = min(self.max_batch or n, n - i)
            try:
                out.append(self._run(frames[i:i + size]))
                i += size
            except Exception as exc:  # noqa: BLE001 - only OOM is handled
                if self.device.type != "cuda" or not _is_oom(exc):
                    raise
                self._back_off(size, frames.shape[1:3])
        return np.concatenate(out) if len(out) > 1 else out[0]

    def _back_off(self, size: int, hw: tuple[int, int]) -> None:
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if size > 1:
            self.max_batch = max(1, size // 2)
            log.warning("CUDA out of memory at batch %d: retrying at batch %d", size,
                        self.max_batch)
            return
        current = min(self.tile_size or max(hw), max(hw))  # halving a tile larger than
        # the frame would not tile it
        if current // 2 < max(64, self.multiple):
            raise DeviceError("CUDA out of memory even for one small tile; free GPU memory "
                              "or use device: cpu")
        self.tile_size = current // 2
        log.warning("CUDA out of memory at batch 1: tiling at %d px", self.tile_size)
