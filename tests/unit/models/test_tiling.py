"""models.tiling: the tile layout covers a frame with overlap; tiled output matches
the whole frame (through the real Stylizer), the blend of untouched tiles is the
frame itself, and the seams are feathered."""
import numpy as np
import pytest
import torch

import models  # noqa: F401
from helpers import textured_frame
from models.inference import Stylizer
from models.build import build_generator
from models.tiling import _axis, layout


@pytest.mark.parametrize("length, tile, overlap", [(1080, 1024, 64), (1920, 1024, 64),
                                                   (3840, 512, 64), (301, 128, 48),
                                                   (4096, 2048, 64), (2160, 2048, 64)])
def test_tile_layout_covers_with_overlap(length, tile, overlap):
    size, starts = _axis(length, tile, overlap, 8)
    assert size <= tile and starts[0] == 0 and starts[-1] + size == length
    assert all(b - a <= size - overlap for a, b in zip(starts, starts[1:]))


def test_only_frames_with_a_side_over_the_tile_size_are_tiled():
    assert layout(1080, 1920, 2048, 64, 8) is None
    assert layout(1018, 1018, 1020, 64, 8) is None  # not tiled, though 1020 rounds to 1016
    four_k = layout(2160, 4096, 2048, 64, 8)
    assert (four_k.th, four_k.tw, len(four_k.ys), len(four_k.xs)) == (1112, 1408, 2, 3)
    assert four_k.th % 8 == 0 and four_k.tw % 8 == 0


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("hw, tile, overlap, multiple", [((70, 130), 32, 8, 4),
                                                         ((203, 301), 160, 64, 8),
                                                         ((45, 200), 64, 30, 1)])
def test_blending_the_frame_s_own_tiles_gives_the_frame_exactly(dtype, hw, tile, overlap,
                                                                 multiple):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, np.iinfo(dtype).max + 1, (*hw, 3), dtype=dtype)
    tiles = layout(*hw, tile, overlap, multiple)
    out = np.zeros_like(frame)
    tiles.blend([tiles.cut(frame, k).copy() for k in range(len(tiles.tiles))], out)
    assert np.array_equal(out, frame)


def test_seams_are_feathered():
    """Tiles of 0 and 200 meet in a ramp across the overlap, not a step."""
    tiles = layout(40, 100, 60, 20, 4)
    assert len(tiles.xs) == 2 and len(tiles.ys) == 1
    out = np.zeros((40, 100, 1), np.uint8)
    tiles.blend([np.zeros((tiles.th, tiles.tw, 1), np.uint8),
                 np.full((tiles.th, tiles.tw, 1), 200, np.uint8)], out)
    row = out[10, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 200
    steps = np.diff(row)
    assert (steps >= 0).all() and steps.max() <= 200 // 20 + 1
    assert len(set(row[tiles.xs[1]:tiles.xs[0] + tiles.tw])) > 10


def test_tiled_output_matches_whole_frame():
    torch.manual_seed(0)
    g = build_generator("fewshot_unet", base_channels=8)
    frame = textured_frame(301, 203, 3)[None]
    whole = Stylizer(g, torch.device("cpu"))(frame).astype(int)
    tiled = Stylizer(g, torch.device("cpu"), tile_size=160, tile_overlap=64)(frame).astype(int)
    diff = np.abs(whole - tiled)
    # Seams: none inside; the outer 8 px differ a little (the whole frame is
    # padded to the net's multiple there, edge tiles are not).
    assert diff.mean() < 0.1
    assert diff[:, 8:-8, 8:-8].max() <= 2
