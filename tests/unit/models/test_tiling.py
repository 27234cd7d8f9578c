"""models.tiling: the tile layout covers a frame with overlap; tiled output matches
the whole frame (through the real Stylizer), identity is exact."""
import numpy as np
import pytest
import torch

import models  # noqa: F401
from helpers import textured_frame
from models.inference import Stylizer
from models.build import build_generator
from models.tiling import _axis, tiled_apply


@pytest.mark.parametrize("length, tile, overlap", [(1080, 1024, 64), (1920, 1024, 64),
                                                   (3840, 512, 64), (301, 128, 48)])
def test_tile_layout_covers_with_overlap(length, tile, overlap):
    size, starts = _axis(length, tile, overlap, 8)
    assert size <= tile and starts[0] == 0 and starts[-1] + size == length
    assert all(b - a <= size - overlap for a, b in zip(starts, starts[1:]))


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


def test_tiled_apply_identity_is_exact():
    x = torch.rand(2, 3, 70, 130)
    y = tiled_apply(lambda t: t * 1.0, x, tile=32, overlap=8, multiple=4)
    assert torch.allclose(x, y, atol=1e-6)
