"""Batched generator inference on uint8 RGB frames.

``Stylizer`` turns a batch of HxWx3 uint8 frames into stylised uint8 frames:
device placement, value range, padding to the network's size multiple,
channels_last and autocast are handled here so callers only move pixels.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from pipeline.errors import DeviceError


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


class Stylizer:
    def __init__(self, model: nn.Module, device: torch.device,
                 input_range: tuple[float, float] = (-1.0, 1.0),
                 dtype: Optional[torch.dtype] = None, size_multiple: Optional[int] = None):
        self.device = device
        self.dtype = dtype
        self.lo, self.hi = float(input_range[0]), float(input_range[1])
        self.multiple = size_multiple or getattr(model, "size_multiple", 1)
        self.model = model.eval().to(device).to(memory_format=torch.channels_last)

    @torch.inference_mode()
    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """frames: N x H x W x 3 uint8 RGB -> N x H x W x 3 uint8 RGB."""
        x = torch.from_numpy(np.ascontiguousarray(frames)).to(self.device, non_blocking=True)
        x = x.permute(0, 3, 1, 2).float().div_(255.0)
        x = x.mul_(self.hi - self.lo).add_(self.lo)
        h, w = x.shape[-2:]
        ph, pw = (-h) % self.multiple, (-w) % self.multiple
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.dtype or torch.float32,
                            enabled=self.dtype is not None):
            y = self.model(x)
        y = y[..., :h, :w].float()
        y = y.sub_(self.lo).div_(self.hi - self.lo).clamp_(0.0, 1.0).mul_(255.0).round_()
        return y.to(torch.uint8).permute(0, 2, 3, 1).contiguous().cpu().numpy()
