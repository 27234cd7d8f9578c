"""Batched generator inference on uint8 or uint16 RGB frames.

``Stylizer`` turns a batch of HxWx3 uint8 (or uint16) frames into stylised
frames of the same type:
device placement, value range, padding to the network's size multiple,
channels_last and autocast are handled here so callers only move pixels.
"""
from __future__ import annotations

import logging
import os
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.tiling import tiled_apply
from models.errors import DeviceError

log = logging.getLogger("shotstyle")


def select_device(requested: str = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU; 'cuda' without a GPU is an error."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise DeviceError("device 'cuda' requested but no CUDA GPU is available "
                          "(torch.cuda.is_available() is False); set device: auto or cpu")
    return torch.device(requested)


def select_dtype(device: torch.device, precision: str = "auto") -> Optional[torch.dtype]:
    """Autocast dtype, or None for fp32. 'auto': bf16 on CUDA, fp32 on CPU."""
    if precision == "auto":
        return torch.bfloat16 if device.type == "cuda" else None
    return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def set_cpu_threads(threads: int = 0) -> int:
    """Intra-op threads for CPU inference: ``threads``, or one per usable core."""
    if not threads:
        threads = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else os.cpu_count() or 1)
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()


def _is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


class Stylizer:
    """uint8 frames in, uint8 frames out (uint16 in, uint16 out).

    ``tile_size`` > 0: frames with a side larger than that run in overlapping
    tiles (``tile_overlap`` px, feathered), so 4K fits in memory. On CUDA
    out-of-memory the batch is halved (and, at batch 1, the tile size) and the
    frames are retried; the smaller size is kept for later batches.
    """

    def __init__(self, model: nn.Module, device: torch.device,
                 input_range: tuple[float, float] = (-1.0, 1.0),
                 dtype: Optional[torch.dtype] = None, size_multiple: Optional[int] = None,
                 tile_size: int = 0, tile_overlap: int = 64):
        self.device = device
        self.dtype = dtype
        self.lo, self.hi = float(input_range[0]), float(input_range[1])
        self.multiple = size_multiple or getattr(model, "size_multiple", 1)
        self.tile_size, self.tile_overlap = int(tile_size), int(tile_overlap)
        self.max_batch: Optional[int] = None
        self.model = model.eval().to(device).to(memory_format=torch.channels_last)

    def _net(self, x: torch.Tensor) -> torch.Tensor:
        """[lo, hi] NCHW of any size -> same size, padded to the net's multiple."""
        h, w = x.shape[-2:]
        ph, pw = (-h) % self.multiple, (-w) % self.multiple
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.dtype or torch.float32,
                            enabled=self.dtype is not None):
            y = self.model(x)
        return y[..., :h, :w].float()

    @torch.inference_mode()
    def _run(self, frames: np.ndarray) -> np.ndarray:
        peak = float(np.iinfo(frames.dtype).max)  # 255 or 65535
        pixels = frames if frames.dtype == np.uint8 else frames.astype(np.float32)
        x = torch.from_numpy(np.ascontiguousarray(pixels)).to(self.device, non_blocking=True)
        x = x.permute(0, 3, 1, 2).float().div_(peak)
        x = x.mul_(self.hi - self.lo).add_(self.lo)
        if self.tile_size and max(x.shape[-2:]) > self.tile_size:
            y = tiled_apply(self._net, x, self.tile_size, self.tile_overlap, self.multiple)
        else:
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
        current = self.tile_size or max(hw)
        if current // 2 < max(64, self.multiple):
            raise DeviceError("CUDA out of memory even for one small tile; free GPU memory "
                              "or use device: cpu")
        self.tile_size = current // 2
        log.warning("CUDA out of memory at batch 1: tiling at %d px", self.tile_size)
