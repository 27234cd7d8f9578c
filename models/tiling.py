"""Tiled inference with overlap, so frames of any size fit in memory.

A frame larger than ``tile`` pixels on a side is cut into overlapping tiles;
each tile goes through the network on its own and the results are blended with
linear ramps across the overlaps, so no seam shows. Tile positions are a
function of the frame size only, so the output is deterministic and
independent of the batch.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F


def _axis(length: int, tile: int, overlap: int, multiple: int) -> tuple[int, list[int]]:
    """Fewest tiles of at most ``tile`` px covering ``length`` with >= ``overlap``
    px shared, spread evenly. Returns (tile length, start positions)."""
    if length <= tile:
        return length, [0]
    n = math.ceil((length - overlap) / (tile - overlap))
    size = math.ceil((length + (n - 1) * overlap) / n / multiple) * multiple
    size = min(size, tile)
    starts = [round(i * (length - size) / (n - 1)) for i in range(n)]
    return size, starts


def _shared(starts: list[int], size: int, i: int) -> int:
    """Overlap of tile i with its neighbours (even spacing: the same both sides)."""
    if len(starts) < 2:
        return 0
    return size - (starts[1] - starts[0])


def _ramp(length: int, overlap: int, first: bool, last: bool, device, dtype) -> torch.Tensor:
    w = torch.ones(length, device=device, dtype=dtype)
    if overlap > 0:
        ramp = (torch.arange(overlap, device=device, dtype=dtype) + 0.5) / overlap
        if not first:
            w[:overlap] = ramp
        if not last:
            w[-overlap:] = ramp.flip(0)
    return w


def tiled_apply(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, tile: int,
                overlap: int, multiple: int = 1) -> torch.Tensor:
    """Apply ``fn`` (NCHW -> NCHW, same size) to ``x`` in overlapping tiles.

    ``tile`` is rounded down to a multiple of ``multiple`` (>= multiple); frames
    whose sides fit in one tile are passed through whole.
    """
    n, _, h, w = x.shape
    tile = max(multiple, tile // multiple * multiple)
    if h <= tile and w <= tile:
        return fn(x)
    overlap = min(overlap, tile // 2)
    th, ys = _axis(h, tile, overlap, multiple)
    tw, xs = _axis(w, tile, overlap, multiple)
    out = None
    weight = torch.zeros(1, 1, h, w, device=x.device, dtype=torch.float32)
    for i, y0 in enumerate(ys):
        wy = _ramp(th, overlap, i == 0, i == len(ys) - 1, x.device, torch.float32)
        for j, x0 in enumerate(xs):
            wx = _ramp(tw, _shared(xs, tw, j), j == 0, j == len(xs) - 1, x.device,
                       torch.float32)
            patch = x[..., y0:y0 + th, x0:x0 + tw]
            ph, pw = (-th) % multiple, (-tw) % multiple
            if ph or pw:
                patch = F.pad(patch, (0, pw, 0, ph), mode="replicate")
            y = fn(patch)[..., :th, :tw].float()
            if out is None:
                out = torch.zeros(n, y.shape[1], h, w, device=x.device, dtype=torch.float32)
            wt = (wy[:, None] * wx[None, :])[None, None]
            out[..., y0:y0 + th, x0:x0 + tw] += y * wt
            weight[..., y0:y0 + th, x0:x0 + tw] += wt
    return out / weight
