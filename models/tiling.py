"""Tiled inference with overlap, so frames of any size fit in memory.

A frame larger than ``tile`` pixels on a side is cut into overlapping tiles,
all of one size (``Layout``); each tile goes through the network on its own
(several tiles, of one frame or of several, may share a generator call) and
the finished tiles (uint8 or uint16 pictures) are blended with linear ramps
across the overlaps, so no seam shows (``Layout.blend``). The blend is NumPy on
the pictures: the parts of the frame that one tile alone covers are copied,
only the overlaps are weighted in float32 and rounded. Tile positions and
weights are a function of the frame size only, so the output is deterministic
and independent of the batch and of how tiles are grouped into calls.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np


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


def _shared(starts: list[int], size: int) -> int:
    """Overlap of neighbouring tiles (even spacing: the same both sides)."""
    if len(starts) < 2:
        return 0
    return size - (starts[1] - starts[0])


def _ramp(length: int, overlap: int, first: bool, last: bool) -> np.ndarray:
    """A tile's weights along one axis: 1, ramping to 0 over ``overlap`` px at
    the ends that meet a neighbour (float64)."""
    w = np.ones(length)
    if overlap > 0:
        ramp = (np.arange(overlap) + 0.5) / overlap
        if not first:
            w[:overlap] = ramp
        if not last:
            w[-overlap:] = ramp[::-1]
    return w


def _weights(length: int, size: int, starts: list[int], ramp: int) -> list[np.ndarray]:
    """Each tile's weights along one axis, divided by their sum over the tiles
    (float32): the 2-D weight of tile (i, j) is ``wy[i][:, None] * wx[j]``, and
    the 2-D weights sum to 1 at every pixel."""
    ws = [_ramp(size, ramp, i == 0, i == len(starts) - 1) for i in range(len(starts))]
    total = np.zeros(length)
    for s, w in zip(starts, ws):
        total[s:s + size] += w
    return [(w / total[s:s + size]).astype(np.float32) for s, w in zip(starts, ws)]


def _spans(length: int, size: int, starts: list[int]) -> list[tuple[int, int, list[int]]]:
    """The axis cut where tiles start or end: (start, end, the tiles covering it)."""
    cuts = sorted({0, length, *starts, *(s + size for s in starts)})
    return [(a, b, [i for i, s in enumerate(starts) if s <= a and b <= s + size])
            for a, b in zip(cuts, cuts[1:])]


@dataclass(frozen=True)
class Layout:
    """The tiles of an ``height`` x ``width`` frame: ``th`` x ``tw`` each, at
    rows ``ys`` and columns ``xs`` (``tiles`` lists them row by row)."""

    height: int
    width: int
    th: int
    tw: int
    ys: tuple[int, ...]
    xs: tuple[int, ...]
    wy: tuple[np.ndarray, ...]
    wx: tuple[np.ndarray, ...]

    @property
    def tiles(self) -> list[tuple[int, int]]:
        """(row, column) of each tile's top left corner, row by row."""
        return [(y, x) for y in self.ys for x in self.xs]

    def cut(self, frame: np.ndarray, k: int) -> np.ndarray:
        """Tile ``k`` of ``frame`` (H x W x C): a view."""
        y, x = self.tiles[k]
        return frame[y:y + self.th, x:x + self.tw]

    def blend(self, tiles: Sequence[np.ndarray], out: np.ndarray) -> None:
        """Write into ``out`` (H x W x C, integer) the frame whose tiles, in
        ``tiles`` order, are ``tiles`` (th x tw x C each): a pixel one tile covers
        is that tile's, the overlaps are weighted sums in float32, rounded."""
        cols = len(self.xs)
        for y0, y1, rows in _spans(self.height, self.th, list(self.ys)):
            for x0, x1, columns in _spans(self.width, self.tw, list(self.xs)):
                if len(rows) == 1 and len(columns) == 1:
                    i, j = rows[0], columns[0]
                    out[y0:y1, x0:x1] = tiles[i * cols + j][y0 - self.ys[i]:y1 - self.ys[i],
                                                            x0 - self.xs[j]:x1 - self.xs[j]]
                    continue
                acc = np.zeros((y1 - y0, x1 - x0, out.shape[2]), np.float32)
                for i in rows:
                    ly = slice(y0 - self.ys[i], y1 - self.ys[i])
                    for j in columns:
                        lx = slice(x0 - self.xs[j], x1 - self.xs[j])
                        w = self.wy[i][ly, None, None] * self.wx[j][None, lx, None]
                        acc += tiles[i * cols + j][ly, lx] * w
                out[y0:y1, x0:x1] = np.rint(acc, out=acc)


def layout(height: int, width: int, tile: int, overlap: int,
           multiple: int = 1) -> Optional[Layout]:
    """The tiles of an ``height`` x ``width`` frame, or None when no side is
    larger than ``tile``.

    Otherwise ``tile`` is rounded down to a multiple of ``multiple`` (>=
    multiple), and tile sides are multiples of it where the frame is cut;
    ``overlap`` is at most half a tile. Rows ramp over ``overlap`` px, columns
    over their actual overlap (as the torch blend before this did; the weights
    are normalised, so they sum to 1 either way).
    """
    if height <= tile and width <= tile:
        return None
    tile = max(multiple, tile // multiple * multiple)
    overlap = min(overlap, tile // 2)
    th, ys = _axis(height, tile, overlap, multiple)
    tw, xs = _axis(width, tile, overlap, multiple)
    return Layout(height, width, th, tw, tuple(ys), tuple(xs),
                  tuple(_weights(height, th, ys, overlap)),
                  tuple(_weights(width, tw, xs, _shared(xs, tw))))
