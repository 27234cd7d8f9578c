"""models.loaders.load_style_model and models.checkpoint.load_generator return a
LoadedStyle (the public formats' layouts are tested in test_public_loaders.py)."""
import dataclasses
from pathlib import Path

import pytest
import torch
from torch import nn

from helpers import tiny_checkpoint
from models.checkpoint import load_generator
from models.errors import CheckpointError
from models.formats import CHECKPOINT_FORMATS
from models.generators import FewShotUNet
from models.loaded import LoadedStyle
from models.loaders import TorchScriptGenerator, load_style_model


def test_shotstyle_checkpoint_loads_as_a_loaded_style(tmp_path):
    path = tiny_checkpoint(tmp_path / "g.pt", levels=3)
    loaded = load_style_model(path)
    assert isinstance(loaded, LoadedStyle) and isinstance(loaded.model, FewShotUNet)
    assert not loaded.model.training
    assert (loaded.format, loaded.arch, loaded.source) == ("shotstyle", "fewshot_unet", path)
    assert loaded.kwargs == {"base_channels": 4, "levels": 3}
    assert loaded.input_range == (-1.0, 1.0) and loaded.size_multiple == 4
    assert loaded.meta == {"test": True}  # the checkpoint's own metadata
    direct = load_generator(path)
    assert (direct.arch, direct.kwargs, direct.input_range, direct.size_multiple, direct.meta) == (
        loaded.arch, loaded.kwargs, loaded.input_range, loaded.size_multiple, loaded.meta)
    x = torch.rand(1, 3, 8, 8) * 2 - 1
    with torch.no_grad():
        assert torch.equal(direct.model(x), loaded.model(x))


def test_a_loaded_style_is_frozen_and_normalises_its_numbers(tmp_path):
    loaded = LoadedStyle(nn.Identity(), "torchscript", "torchscript", {}, input_range=[0, 255],
                         size_multiple=8.0, source=str(tmp_path / "x.pt"))
    assert loaded.input_range == (0.0, 255.0) and type(loaded.input_range[0]) is float
    assert loaded.size_multiple == 8 and type(loaded.size_multiple) is int
    assert loaded.source == tmp_path / "x.pt" and loaded.meta == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        loaded.arch = "other"


def test_public_format_notes_are_in_meta(tmp_path):
    class Negate(nn.Module):
        def forward(self, x):
            return -x

    path = tmp_path / "neg.pt"
    torch.jit.save(torch.jit.script(Negate()), str(path))
    loaded = load_style_model(path, "torchscript", {"input_range": [0, 1], "size_multiple": 2})
    assert isinstance(loaded.model, TorchScriptGenerator) and not loaded.model.training
    assert (loaded.format, loaded.arch, loaded.source) == ("torchscript", "torchscript", path)
    assert loaded.kwargs == {"input_range": [0.0, 1.0], "size_multiple": 2}
    assert loaded.input_range == (0.0, 1.0) and loaded.size_multiple == 2 and loaded.meta == {}


def test_unknown_format_names_the_file_and_every_format(tmp_path):
    path = tmp_path / "x.pth"
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "caffe")
    assert str(err.value) == (f"{path}: unknown checkpoint format 'caffe' "
                              f"(known: {', '.join(sorted(CHECKPOINT_FORMATS))})")


def test_kwargs_must_be_a_mapping(tmp_path):
    with pytest.raises(CheckpointError, match="kwargs for format 'shotstyle' must be a mapping"):
        load_style_model(Path(tmp_path / "g.pt"), "shotstyle", ["levels"])


@pytest.mark.parametrize("kwargs, line", [
    ({"ngf": 65536}, "generator 'cyclegan_resnet': ngf must be an integer from 1 to 1024, not 65536"),
    ({"netG": "resnet_99blocks"},
     "generator 'cyclegan_resnet': n_blocks must be an integer from 1 to 16, not 99"),
    ({"input_nc": 4}, "generator 'cyclegan_resnet': input_nc must be 3 (frames are RGB), not 4"),
])
def test_public_kwargs_asking_for_a_huge_or_wrong_generator_are_one_line(tmp_path, kwargs, line):
    path = tmp_path / "latest_net_G.pth"
    torch.save({"unrelated.weight": torch.zeros(1)}, path)  # no layout to read: the kwargs rule
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "cyclegan", kwargs)
    assert str(err.value) == f"{path}: {line}"
