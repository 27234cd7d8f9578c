"""Loaders for public style-transfer checkpoints (CycleGAN/pix2pix, fast neural
style, AnimeGANv2, TorchScript).

No weights are downloaded: every test writes a checkpoint with ``torch.save``
whose keys and shapes follow the ORIGINAL project's layout. That layout is
described here independently of models/public_archs.py, so a wrong re-
implementation cannot pass by agreeing with itself:

* literal tables (``*_TABLE``) list every key and shape of the default
  configurations, read off the original sources:
  junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py (ResnetGenerator,
  ResnetBlock, UnetGenerator, UnetSkipConnectionBlock, get_norm_layer),
  pytorch/examples fast_neural_style/neural_style/transformer_net.py
  (TransformerNet, ConvLayer, ResidualBlock, UpsampleConvLayer) and
  bryandlee/animegan2-pytorch model.py (Generator, ConvNormLReLU,
  InvertedResBlock);
* for small CycleGAN nets (tiny ngf), ``resnet_layout`` / ``unet_layout``
  redo the original's index arithmetic; both are checked against the literal
  tables at the default sizes. ``fast_neural_style_layout`` scales the
  TransformerNet table to the narrower widths forks train (``num_channels``),
  and ``transformer_net_forward`` redoes the original's forward pass with
  torch.nn.functional on a state_dict.

In a table line ``a.{x,y} 64`` stands for ``a.x 64`` and ``a.y 64``; a shape
``-`` is a 0-d int64 tensor (BatchNorm's num_batches_tracked).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import models.public_archs  # noqa: F401  (registers the public architectures)
from helpers import tiny_checkpoint
from models.inference import Stylizer
from models.formats import CHECKPOINT_FORMATS as FORMATS
from models.loaders import load_style_model
from models.build import build_generator
from models.registry import GENERATORS
from pipeline.errors import CheckpointError

torch.set_num_threads(1)  # small nets; keep off the other process's cores

BN = "{weight,bias,running_mean,running_var}"

# CycleGAN default: --netG resnet_9blocks --norm instance --ngf 64, no dropout.
# Sequential "model": 0 pad, 1 conv7, 2 IN, 3 ReLU, 4 conv3/2, 5 IN, 6 ReLU,
# 7 conv3/2, 8 IN, 9 ReLU, 10-18 ResnetBlock (conv_block: 0 pad, 1 conv, 2 IN,
# 3 ReLU, 4 pad, 5 conv, 6 IN), 19 convT, 20 IN, 21 ReLU, 22 convT, 23 IN,
# 24 ReLU, 25 pad, 26 conv7, 27 Tanh. InstanceNorm has no params; convs have bias.
RESNET_9BLOCKS_INSTANCE_TABLE = """
model.1.weight 64,3,7,7
model.1.bias 64
model.4.weight 128,64,3,3
model.4.bias 128
model.7.weight 256,128,3,3
model.7.bias 256
model.10.conv_block.1.weight 256,256,3,3
model.10.conv_block.1.bias 256
model.10.conv_block.5.weight 256,256,3,3
model.10.conv_block.5.bias 256
model.11.conv_block.1.weight 256,256,3,3
model.11.conv_block.1.bias 256
model.11.conv_block.5.weight 256,256,3,3
model.11.conv_block.5.bias 256
model.12.conv_block.1.weight 256,256,3,3
model.12.conv_block.1.bias 256
model.12.conv_block.5.weight 256,256,3,3
model.12.conv_block.5.bias 256
model.13.conv_block.1.weight 256,256,3,3
model.13.conv_block.1.bias 256
model.13.conv_block.5.weight 256,256,3,3
model.13.conv_block.5.bias 256
model.14.conv_block.1.weight 256,256,3,3
model.14.conv_block.1.bias 256
model.14.conv_block.5.weight 256,256,3,3
model.14.conv_block.5.bias 256
model.15.conv_block.1.weight 256,256,3,3
model.15.conv_block.1.bias 256
model.15.conv_block.5.weight 256,256,3,3
model.15.conv_block.5.bias 256
model.16.conv_block.1.weight 256,256,3,3
model.16.conv_block.1.bias 256
model.16.conv_block.5.weight 256,256,3,3
model.16.conv_block.5.bias 256
model.17.conv_block.1.weight 256,256,3,3
model.17.conv_block.1.bias 256
model.17.conv_block.5.weight 256,256,3,3
model.17.conv_block.5.bias 256
model.18.conv_block.1.weight 256,256,3,3
model.18.conv_block.1.bias 256
model.18.conv_block.5.weight 256,256,3,3
model.18.conv_block.5.bias 256
model.19.weight 256,128,3,3
model.19.bias 128
model.22.weight 128,64,3,3
model.22.bias 64
model.26.weight 3,64,7,7
model.26.bias 3
"""

# pix2pix default: --netG unet_256 --norm batch --ngf 64. Each level's
# Sequential "model": outermost [0 down conv, 1 inner level, 2 ReLU, 3 up convT
# (with bias), 4 Tanh]; middle [0 LeakyReLU, 1 down conv, 2 BN, 3 inner level,
# 4 ReLU, 5 up convT, 6 BN, (7 Dropout)]; innermost [0 LeakyReLU, 1 down conv,
# 2 ReLU, 3 up convT, 4 BN]. BatchNorm: convs before a norm have no bias.
UNET_256_BATCH_TABLE = f"""
model.model.0.weight 64,3,4,4
model.model.1.model.1.weight 128,64,4,4
model.model.1.model.2.{BN} 128
model.model.1.model.2.num_batches_tracked -
model.model.1.model.3.model.1.weight 256,128,4,4
model.model.1.model.3.model.2.{BN} 256
model.model.1.model.3.model.2.num_batches_tracked -
model.model.1.model.3.model.3.model.1.weight 512,256,4,4
model.model.1.model.3.model.3.model.2.{BN} 512
model.model.1.model.3.model.3.model.2.num_batches_tracked -
model.model.1.model.3.model.3.model.3.model.1.weight 512,512,4,4
model.model.1.model.3.model.3.model.3.model.2.{BN} 512
model.model.1.model.3.model.3.model.3.model.2.num_batches_tracked -
model.model.1.model.3.model.3.model.3.model.3.model.1.weight 512,512,4,4
model.model.1.model.3.model.3.model.3.model.3.model.2.{BN} 512
model.model.1.model.3.model.3.model.3.model.3.model.2.num_batches_tracked -
model.model.1.model.3.model.3.model.3.model.3.model.3.model.1.weight 512,512,4,4
model.model.1.model.3.model.3.model.3.model.3.model.3.model.2.{BN} 512
model.model.1.model.3.model.3.model.3.model.3.model.3.model.2.num_batches_tracked -
model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.1.weight 512,512,4,4
model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.3.weight 512,512,4,4
model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.4.{BN} 512
model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.4.num_batches_tracked -
model.model.1.model.3.model.3.model.3.model.3.model.3.model.5.weight 1024,512,4,4
model.model.1.model.3.model.3.model.3.model.3.model.3.model.6.{BN} 512
model.model.1.model.3.model.3.model.3.model.3.model.3.model.6.num_batches_tracked -
model.model.1.model.3.model.3.model.3.model.3.model.5.weight 1024,512,4,4
model.model.1.model.3.model.3.model.3.model.3.model.6.{BN} 512
model.model.1.model.3.model.3.model.3.model.3.model.6.num_batches_tracked -
model.model.1.model.3.model.3.model.3.model.5.weight 1024,512,4,4
model.model.1.model.3.model.3.model.3.model.6.{BN} 512
model.model.1.model.3.model.3.model.3.model.6.num_batches_tracked -
model.model.1.model.3.model.3.model.5.weight 1024,256,4,4
model.model.1.model.3.model.3.model.6.{BN} 256
model.model.1.model.3.model.3.model.6.num_batches_tracked -
model.model.1.model.3.model.5.weight 512,128,4,4
model.model.1.model.3.model.6.{BN} 128
model.model.1.model.3.model.6.num_batches_tracked -
model.model.1.model.5.weight 256,64,4,4
model.model.1.model.6.{BN} 64
model.model.1.model.6.num_batches_tracked -
model.model.3.weight 128,3,4,4
model.model.3.bias 3
"""

# TransformerNet: ConvLayer/UpsampleConvLayer hold "conv2d" (with bias);
# InstanceNorm2d(affine=True) has weight and bias only (no running stats).
FAST_NEURAL_STYLE_TABLE = """
conv1.conv2d.weight 32,3,9,9
conv1.conv2d.bias 32
in1.{weight,bias} 32
conv2.conv2d.weight 64,32,3,3
conv2.conv2d.bias 64
in2.{weight,bias} 64
conv3.conv2d.weight 128,64,3,3
conv3.conv2d.bias 128
in3.{weight,bias} 128
res1.conv1.conv2d.weight 128,128,3,3
res1.conv1.conv2d.bias 128
res1.in1.{weight,bias} 128
res1.conv2.conv2d.weight 128,128,3,3
res1.conv2.conv2d.bias 128
res1.in2.{weight,bias} 128
res2.conv1.conv2d.weight 128,128,3,3
res2.conv1.conv2d.bias 128
res2.in1.{weight,bias} 128
res2.conv2.conv2d.weight 128,128,3,3
res2.conv2.conv2d.bias 128
res2.in2.{weight,bias} 128
res3.conv1.conv2d.weight 128,128,3,3
res3.conv1.conv2d.bias 128
res3.in1.{weight,bias} 128
res3.conv2.conv2d.weight 128,128,3,3
res3.conv2.conv2d.bias 128
res3.in2.{weight,bias} 128
res4.conv1.conv2d.weight 128,128,3,3
res4.conv1.conv2d.bias 128
res4.in1.{weight,bias} 128
res4.conv2.conv2d.weight 128,128,3,3
res4.conv2.conv2d.bias 128
res4.in2.{weight,bias} 128
res5.conv1.conv2d.weight 128,128,3,3
res5.conv1.conv2d.bias 128
res5.in1.{weight,bias} 128
res5.conv2.conv2d.weight 128,128,3,3
res5.conv2.conv2d.bias 128
res5.in2.{weight,bias} 128
deconv1.conv2d.weight 64,128,3,3
deconv1.conv2d.bias 64
in4.{weight,bias} 64
deconv2.conv2d.weight 32,64,3,3
deconv2.conv2d.bias 32
in5.{weight,bias} 32
deconv3.conv2d.weight 3,32,9,9
deconv3.conv2d.bias 3
"""

# AnimeGANv2 Generator: ConvNormLReLU = Sequential[0 pad, 1 conv (no bias
# unless asked), 2 GroupNorm(1, C), 3 LeakyReLU]; InvertedResBlock.layers =
# [0 ConvNormLReLU 1x1 expand, 1 ConvNormLReLU depthwise 3x3 with bias,
# 2 conv 1x1 (no bias), 3 GroupNorm]; out_layer = [0 conv 1x1 (no bias), 1 Tanh].
ANIMEGANV2_TABLE = """
block_a.0.1.weight 32,3,7,7
block_a.0.2.{weight,bias} 32
block_a.1.1.weight 64,32,3,3
block_a.1.2.{weight,bias} 64
block_a.2.1.weight 64,64,3,3
block_a.2.2.{weight,bias} 64
block_b.0.1.weight 128,64,3,3
block_b.0.2.{weight,bias} 128
block_b.1.1.weight 128,128,3,3
block_b.1.2.{weight,bias} 128
block_c.0.1.weight 128,128,3,3
block_c.0.2.{weight,bias} 128
block_c.1.layers.0.1.weight 256,128,1,1
block_c.1.layers.0.2.{weight,bias} 256
block_c.1.layers.1.1.weight 256,1,3,3
block_c.1.layers.1.1.bias 256
block_c.1.layers.1.2.{weight,bias} 256
block_c.1.layers.2.weight 256,256,1,1
block_c.1.layers.3.{weight,bias} 256
block_c.2.layers.0.1.weight 512,256,1,1
block_c.2.layers.0.2.{weight,bias} 512
block_c.2.layers.1.1.weight 512,1,3,3
block_c.2.layers.1.1.bias 512
block_c.2.layers.1.2.{weight,bias} 512
block_c.2.layers.2.weight 256,512,1,1
block_c.2.layers.3.{weight,bias} 256
block_c.3.layers.0.1.weight 512,256,1,1
block_c.3.layers.0.2.{weight,bias} 512
block_c.3.layers.1.1.weight 512,1,3,3
block_c.3.layers.1.1.bias 512
block_c.3.layers.1.2.{weight,bias} 512
block_c.3.layers.2.weight 256,512,1,1
block_c.3.layers.3.{weight,bias} 256
block_c.4.layers.0.1.weight 512,256,1,1
block_c.4.layers.0.2.{weight,bias} 512
block_c.4.layers.1.1.weight 512,1,3,3
block_c.4.layers.1.1.bias 512
block_c.4.layers.1.2.{weight,bias} 512
block_c.4.layers.2.weight 256,512,1,1
block_c.4.layers.3.{weight,bias} 256
block_c.5.1.weight 128,256,3,3
block_c.5.2.{weight,bias} 128
block_d.0.1.weight 128,128,3,3
block_d.0.2.{weight,bias} 128
block_d.1.1.weight 128,128,3,3
block_d.1.2.{weight,bias} 128
block_e.0.1.weight 64,128,3,3
block_e.0.2.{weight,bias} 64
block_e.1.1.weight 64,64,3,3
block_e.1.2.{weight,bias} 64
block_e.2.1.weight 32,64,7,7
block_e.2.2.{weight,bias} 32
out_layer.0.weight 3,32,1,1
"""

Layout = dict  # key -> shape tuple (() for a 0-d int64 counter)


def parse_table(text: str) -> Layout:
    out: Layout = {}
    for line in text.strip().splitlines():
        name, shape = line.split()
        dims = () if shape == "-" else tuple(int(d) for d in shape.split(","))
        m = re.fullmatch(r"(.*)\{(.*)\}", name)
        for key in ([m.group(1) + leaf for leaf in m.group(2).split(",")] if m else [name]):
            assert key not in out, f"duplicate table key {key}"
            out[key] = dims
    return out


def _norm_keys(layout: Layout, prefix: str, c: int, norm: str, instance_stats: bool) -> None:
    if norm == "batch":
        for leaf in ("weight", "bias", "running_mean", "running_var"):
            layout[f"{prefix}.{leaf}"] = (c,)
        layout[f"{prefix}.num_batches_tracked"] = ()
    elif instance_stats:  # files from the days InstanceNorm kept running stats
        layout[f"{prefix}.running_mean"] = (c,)
        layout[f"{prefix}.running_var"] = (c,)
        layout[f"{prefix}.num_batches_tracked"] = ()


def resnet_layout(ngf: int, n_blocks: int, norm: str, use_dropout: bool = False,
                  instance_stats: bool = False) -> Layout:
    """ResnetGenerator keys, following the original's list-building order."""
    lay: Layout = {}
    bias = norm == "instance"

    def conv(i, shape, with_bias=bias, prefix="model"):  # Conv2d: weight (out, in, k, k)
        lay[f"{prefix}.{i}.weight"] = shape
        if with_bias:
            lay[f"{prefix}.{i}.bias"] = (shape[0],)

    conv(1, (ngf, 3, 7, 7))
    _norm_keys(lay, "model.2", ngf, norm, instance_stats)
    conv(4, (ngf * 2, ngf, 3, 3))
    _norm_keys(lay, "model.5", ngf * 2, norm, instance_stats)
    conv(7, (ngf * 4, ngf * 2, 3, 3))
    _norm_keys(lay, "model.8", ngf * 4, norm, instance_stats)
    dim = ngf * 4
    second = 6 if use_dropout else 5  # Dropout(0.5) takes slot 4 when on
    for b in range(10, 10 + n_blocks):
        for ci in (1, second):
            conv(ci, (dim, dim, 3, 3), prefix=f"model.{b}.conv_block")
            _norm_keys(lay, f"model.{b}.conv_block.{ci + 1}", dim, norm, instance_stats)
    j = 10 + n_blocks
    # ConvTranspose2d weight is (in, out, k, k); its bias has "out" entries
    lay[f"model.{j}.weight"] = (ngf * 4, ngf * 2, 3, 3)
    if bias:
        lay[f"model.{j}.bias"] = (ngf * 2,)
    _norm_keys(lay, f"model.{j + 1}", ngf * 2, norm, instance_stats)
    lay[f"model.{j + 3}.weight"] = (ngf * 2, ngf, 3, 3)
    if bias:
        lay[f"model.{j + 3}.bias"] = (ngf,)
    _norm_keys(lay, f"model.{j + 4}", ngf, norm, instance_stats)
    conv(j + 7, (3, ngf, 7, 7), with_bias=True)
    return lay


def unet_layout(ngf: int, num_downs: int, norm: str) -> Layout:
    """UnetGenerator keys: walk the nested levels from the outermost one."""
    lay: Layout = {}
    bias = norm == "instance"
    # (outer_nc, inner_nc) of each level, outermost first
    levels = [(3, ngf), (ngf, ngf * 2), (ngf * 2, ngf * 4), (ngf * 4, ngf * 8)]
    levels += [(ngf * 8, ngf * 8)] * (num_downs - 4)
    prefix = "model.model"
    for depth, (outer, inner) in enumerate(levels):
        if depth == 0:  # outermost: 0 down conv, 1 inner, 3 up convT (bias always)
            lay[f"{prefix}.0.weight"] = (inner, 3, 4, 4)
            if bias:
                lay[f"{prefix}.0.bias"] = (inner,)
            lay[f"{prefix}.3.weight"] = (inner * 2, outer, 4, 4)
            lay[f"{prefix}.3.bias"] = (outer,)
            prefix += ".1.model"
        elif depth == len(levels) - 1:  # innermost: 1 down conv, 3 up convT, 4 norm
            lay[f"{prefix}.1.weight"] = (inner, outer, 4, 4)
            lay[f"{prefix}.3.weight"] = (inner, outer, 4, 4)
            if bias:
                lay[f"{prefix}.1.bias"] = (inner,)
                lay[f"{prefix}.3.bias"] = (outer,)
            _norm_keys(lay, f"{prefix}.4", outer, norm, False)
        else:  # 1 down conv, 2 norm, 3 inner, 5 up convT, 6 norm
            lay[f"{prefix}.1.weight"] = (inner, outer, 4, 4)
            lay[f"{prefix}.5.weight"] = (inner * 2, outer, 4, 4)
            if bias:
                lay[f"{prefix}.1.bias"] = (inner,)
                lay[f"{prefix}.5.bias"] = (outer,)
            _norm_keys(lay, f"{prefix}.2", inner, norm, False)
            _norm_keys(lay, f"{prefix}.6", outer, norm, False)
            prefix += ".3.model"
    return lay


def fast_neural_style_layout(width: int) -> Layout:
    """TransformerNet keys at width ``width``: the table's 32 / 64 / 128
    channels become width, 2 * width, 4 * width (kernels are 3 or 9)."""
    scale = {32: width, 64: 2 * width, 128: 4 * width}
    return {key: tuple(scale.get(d, d) for d in shape)
            for key, shape in parse_table(FAST_NEURAL_STYLE_TABLE).items()}


def transformer_net_forward(state: dict, x: torch.Tensor) -> torch.Tensor:
    """The original TransformerNet.forward, on the tensors of a state_dict."""
    def conv(name, y, stride=1, upsample=False):
        weight = state[f"{name}.conv2d.weight"]
        if upsample:
            y = F.interpolate(y, scale_factor=2, mode="nearest")
        y = F.pad(y, [weight.shape[-1] // 2] * 4, mode="reflect")
        return F.conv2d(y, weight, state[f"{name}.conv2d.bias"], stride)

    def norm(name, y):
        return F.instance_norm(y, weight=state[f"{name}.weight"], bias=state[f"{name}.bias"])

    y = F.relu(norm("in1", conv("conv1", x)))
    y = F.relu(norm("in2", conv("conv2", y, stride=2)))
    y = F.relu(norm("in3", conv("conv3", y, stride=2)))
    for i in range(1, 6):
        y = y + norm(f"res{i}.in2", conv(f"res{i}.conv2",
                                         F.relu(norm(f"res{i}.in1", conv(f"res{i}.conv1", y)))))
    y = F.relu(norm("in4", conv("deconv1", y, upsample=True)))
    y = F.relu(norm("in5", conv("deconv2", y, upsample=True)))
    return conv("deconv3", y)


def fake_state(layout: Layout, seed: int = 0, cheap: bool = False) -> dict:
    """Plausible random tensors for a layout (fan-in scaled convs, positive
    variances). ``cheap``: one stored number per tensor (an expanded view), for
    big default-size layouts."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in layout.items():
        if shape == ():
            state[key] = torch.tensor(seed + 7, dtype=torch.int64)
            continue
        leaf = key.rsplit(".", 1)[1]
        if cheap:
            val = {"running_var": 1.0, "weight": 1.0 if len(shape) == 1 else 0.01}.get(leaf, 0.0)
            state[key] = torch.full((1,) * len(shape), val).expand(shape)
        elif leaf == "running_var":
            state[key] = torch.rand(shape, generator=g) + 0.5
        elif leaf == "weight" and len(shape) == 1:
            state[key] = 1 + 0.1 * torch.randn(shape, generator=g)
        elif leaf == "weight":
            state[key] = torch.randn(shape, generator=g) / math.sqrt(math.prod(shape[1:]))
        else:
            state[key] = 0.1 * torch.randn(shape, generator=g)
    return state


def save(path, state: dict):
    torch.save(state, path)
    return path


def run_padded(model: nn.Module, x: torch.Tensor, multiple: int) -> torch.Tensor:
    """What the caller does: replicate-pad up to the multiple, run, crop back."""
    h, w = x.shape[-2:]
    x = F.pad(x, (0, (-w) % multiple, 0, (-h) % multiple), mode="replicate")
    with torch.no_grad():
        return model(x)[..., :h, :w]


def frame(lo: float, hi: float, n: int = 1, h: int = 13, w: int = 19, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return lo + (hi - lo) * torch.rand(n, 3, h, w, generator=g)


def check_forward(model, loaded, h=13, w=19):
    lo, hi = loaded.input_range
    y = run_padded(model, frame(lo, hi, h=h, w=w), loaded.size_multiple)
    assert y.shape == (1, 3, h, w)
    assert torch.isfinite(y).all()
    if loaded.arch != "fast_neural_style":  # Tanh output; TransformerNet is unbounded
        assert y.min() >= lo and y.max() <= hi
    return y


def check_batch_independent(model, loaded, h=13, w=19):
    """The same frame alone or second in a batch of 3 gives the same output."""
    lo, hi = loaded.input_range
    batch = frame(lo, hi, n=3, h=h, w=w, seed=5)
    alone = run_padded(model, batch[1:2], loaded.size_multiple)
    together = run_padded(model, batch, loaded.size_multiple)[1:2]
    scale = hi - lo  # compare in units of the value range ([-1, 1] nets: 1e-4 abs)
    assert ((alone - together).abs().max() / scale * 2) < 1e-4


def one_line(exc: pytest.ExceptionInfo, path) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    return msg


def own_layout(model: nn.Module) -> Layout:
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


# --------------------------------------------------------------------------
# layouts at the default sizes
# --------------------------------------------------------------------------

def test_layout_helpers_match_the_literal_tables():
    assert resnet_layout(64, 9, "instance") == parse_table(RESNET_9BLOCKS_INSTANCE_TABLE)
    assert unet_layout(64, 8, "batch") == parse_table(UNET_256_BATCH_TABLE)
    assert fast_neural_style_layout(32) == parse_table(FAST_NEURAL_STYLE_TABLE)
    assert len(parse_table(RESNET_9BLOCKS_INSTANCE_TABLE)) == 48
    assert len(parse_table(UNET_256_BATCH_TABLE)) == 82
    assert len(parse_table(FAST_NEURAL_STYLE_TABLE)) == 62
    assert len(parse_table(ANIMEGANV2_TABLE)) == 77


def test_registered_names():
    for name in ("cyclegan_resnet", "cyclegan_unet", "fast_neural_style", "animeganv2"):
        assert name in GENERATORS
    assert set(FORMATS) == {"shotstyle", "cyclegan", "fast_neural_style", "animeganv2",
                            "torchscript"}


def test_cyclegan_resnet_9blocks_default_layout(tmp_path):
    path = save(tmp_path / "latest_net_G.pth",
                fake_state(parse_table(RESNET_9BLOCKS_INSTANCE_TABLE), cheap=True))
    loaded = load_style_model(path, "cyclegan", {"netG": "resnet_9blocks"})
    model = loaded.model
    assert own_layout(model) == parse_table(RESNET_9BLOCKS_INSTANCE_TABLE)
    assert loaded.arch == "cyclegan_resnet" and loaded.size_multiple == 4
    assert loaded.kwargs["ngf"] == 64 and loaded.kwargs["norm"] == "instance"
    assert loaded.input_range == (-1.0, 1.0) and not model.training
    check_forward(model, loaded)


def test_pix2pix_unet_256_default_layout(tmp_path):
    """Default pix2pix generator: key layout only (a 256x256 pass at ngf=64 is slow)."""
    table = parse_table(UNET_256_BATCH_TABLE)
    path = save(tmp_path / "latest_net_G.pth", fake_state(table, cheap=True))
    loaded = load_style_model(path, "cyclegan", {"netG": "unet_256", "norm": "batch"})
    model = loaded.model
    assert own_layout(model) == table
    assert loaded.arch == "cyclegan_unet" and loaded.size_multiple == 256
    # norm defaults to batch for unet_* (as --model pix2pix sets it)
    loaded2 = load_style_model(path, "cyclegan", {"netG": "unet_256"})
    assert loaded2.kwargs["norm"] == "batch"


def test_fast_neural_style_default_layout(tmp_path):
    table = parse_table(FAST_NEURAL_STYLE_TABLE)
    path = save(tmp_path / "mosaic.pth", fake_state(table, seed=2))
    loaded = load_style_model(path, "fast_neural_style")
    model = loaded.model
    assert own_layout(model) == table
    assert loaded.arch == "fast_neural_style" and loaded.input_range == (0.0, 255.0)
    assert loaded.size_multiple == 4 and loaded.kwargs == {"num_channels": 32}
    y = check_forward(model, loaded)
    assert y.abs().max() > 0
    x = frame(0, 255, h=12, w=16)
    with torch.no_grad():
        assert torch.allclose(model(x), transformer_net_forward(fake_state(table, seed=2), x),
                              atol=1e-4)


def test_animeganv2_default_layout(tmp_path):
    table = parse_table(ANIMEGANV2_TABLE)
    path = save(tmp_path / "face_paint_512_v2.pt", fake_state(table, seed=3))
    loaded = load_style_model(path, "animeganv2")
    model = loaded.model
    assert own_layout(model) == table
    assert loaded.arch == "animeganv2" and loaded.input_range == (-1.0, 1.0)
    assert loaded.kwargs == {"align_corners": True}
    check_forward(model, loaded)
    check_batch_independent(model, loaded)
    loaded_f = load_style_model(path, "animeganv2", {"align_corners": False})
    model_f = loaded_f.model
    check_forward(model_f, loaded_f)


# --------------------------------------------------------------------------
# CycleGAN / pix2pix, tiny ngf
# --------------------------------------------------------------------------

@pytest.mark.parametrize("net_g,n_blocks", [("resnet_9blocks", 9), ("resnet_6blocks", 6)])
@pytest.mark.parametrize("norm", ["instance", "batch"])
def test_cyclegan_resnet_loads_and_runs(tmp_path, net_g, n_blocks, norm):
    layout = resnet_layout(8, n_blocks, norm)
    path = save(tmp_path / "latest_net_G.pth", fake_state(layout, seed=1))
    loaded = load_style_model(path, "cyclegan", {"netG": net_g, "norm": norm, "ngf": 8})
    model = loaded.model
    assert own_layout(model) == layout
    assert loaded.kwargs["n_blocks"] == n_blocks and loaded.meta["netG"] == net_g
    check_forward(model, loaded)
    check_batch_independent(model, loaded)
    # arch and kwargs rebuild the same net through the registry
    rebuilt = build_generator(loaded.arch, **loaded.kwargs)
    assert own_layout(rebuilt) == layout


@pytest.mark.parametrize("norm", ["instance", "batch"])
def test_cyclegan_unet_256_loads_and_runs(tmp_path, norm):
    layout = unet_layout(4, 8, norm)
    path = save(tmp_path / "latest_net_G.pth", fake_state(layout, seed=4))
    loaded = load_style_model(path, "cyclegan", {"netG": "unet_256", "norm": norm, "ngf": 4})
    model = loaded.model
    assert own_layout(model) == layout
    assert loaded.size_multiple == 256
    check_forward(model, loaded, h=37, w=45)
    check_batch_independent(model, loaded, h=37, w=45)


def test_cyclegan_resnet_dropout_shifts_keys(tmp_path):
    layout = resnet_layout(4, 6, "instance", use_dropout=True)
    assert "model.10.conv_block.6.weight" in layout
    path = save(tmp_path / "g.pth", fake_state(layout))
    loaded = load_style_model(path, "cyclegan", {"netG": "resnet_6blocks", "ngf": 4,
                                                 "use_dropout": True})
    model = loaded.model
    assert own_layout(model) == layout
    check_forward(model, loaded)
    check_batch_independent(model, loaded)  # eval mode: dropout is off


def test_cyclegan_old_instance_norm_file_with_running_stats(tmp_path):
    """Files saved when InstanceNorm kept running stats load like clean ones."""
    clean = resnet_layout(4, 6, "instance")
    old = resnet_layout(4, 6, "instance", instance_stats=True)
    stray = sorted(set(old) - set(clean))
    assert "model.2.running_mean" in stray and "model.10.conv_block.2.num_batches_tracked" in stray
    state = fake_state(old, seed=6)
    save(tmp_path / "old.pth", state)
    save(tmp_path / "clean.pth", {k: v for k, v in state.items() if k in clean})
    kw = {"netG": "resnet_6blocks", "ngf": 4}
    loaded_old = load_style_model(tmp_path / "old.pth", "cyclegan", kw)
    model_old = loaded_old.model
    model_new = load_style_model(tmp_path / "clean.pth", "cyclegan", kw).model
    assert sorted(loaded_old.meta["dropped_keys"]) == stray
    x = frame(-1, 1, h=16, w=16)
    with torch.no_grad():
        assert torch.equal(model_old(x), model_new(x))


def test_cyclegan_dataparallel_prefix_is_stripped(tmp_path):
    layout = unet_layout(4, 8, "batch")
    state = fake_state(layout, seed=8)
    path = save(tmp_path / "dp.pth", {"module." + k: v for k, v in state.items()})
    loaded = load_style_model(path, "cyclegan", {"netG": "unet_256", "ngf": 4})
    model = loaded.model
    assert torch.equal(model.state_dict()["model.model.0.weight"], state["model.model.0.weight"])
    check_forward(model, loaded, h=17, w=9)


@pytest.mark.parametrize("n_blocks", [6, 4])
def test_cyclegan_resnet_width_and_blocks_read_from_file(tmp_path, n_blocks):
    layout = resnet_layout(32, n_blocks, "instance")
    path = save(tmp_path / "latest_net_G.pth", fake_state(layout, seed=n_blocks))
    loaded = load_style_model(path, "cyclegan")
    model = loaded.model
    assert own_layout(model) == layout
    assert loaded.arch == "cyclegan_resnet" and loaded.meta["netG"] == f"resnet_{n_blocks}blocks"
    assert loaded.kwargs["ngf"] == 32 and loaded.kwargs["n_blocks"] == n_blocks
    check_forward(model, loaded)
    # kwargs that agree with the file change nothing
    again = load_style_model(path, "cyclegan", {"netG": f"resnet_{n_blocks}blocks", "ngf": 32})
    assert again.kwargs == loaded.kwargs


def test_pix2pix_unet_depth_and_width_read_from_file(tmp_path):
    layout = unet_layout(16, 7, "batch")
    path = save(tmp_path / "latest_net_G.pth", fake_state(layout, seed=12))
    loaded = load_style_model(path, "cyclegan")
    model = loaded.model
    assert own_layout(model) == layout
    assert loaded.arch == "cyclegan_unet" and loaded.meta["netG"] == "unet_128"
    assert loaded.kwargs["num_downs"] == 7 and loaded.kwargs["ngf"] == 16
    assert loaded.kwargs["norm"] == "batch" and loaded.size_multiple == 128
    check_forward(model, loaded)


def test_cyclegan_kwargs_that_contradict_the_file(tmp_path):
    six = save(tmp_path / "six.pth", fake_state(resnet_layout(4, 6, "instance")))
    unet = save(tmp_path / "unet.pth", fake_state(unet_layout(4, 7, "batch")))
    for path, kwargs, text in [
            (six, {"netG": "resnet_9blocks", "ngf": 4},
             "holds netG='resnet_6blocks' with ngf=4, but the cyclegan kwargs ask for "
             "netG='resnet_9blocks'"),
            (six, {"ngf": 8},
             "holds netG='resnet_6blocks' with ngf=4, but the cyclegan kwargs ask for ngf=8"),
            (six, {"netG": "unet_256", "ngf": 64},
             "holds netG='resnet_6blocks' with ngf=4, but the cyclegan kwargs ask for "
             "netG='unet_256', ngf=64"),
            (unet, {"netG": "unet_256"},
             "holds netG='unet_128' with ngf=4, but the cyclegan kwargs ask for "
             "netG='unet_256'")]:
        with pytest.raises(CheckpointError) as err:
            load_style_model(path, "cyclegan", kwargs)
        assert one_line(err, path) == f"{path}: the file {text}"


def test_cyclegan_wrong_norm_or_dropout_names_keys(tmp_path):
    path = save(tmp_path / "bn.pth", fake_state(resnet_layout(4, 6, "batch")))
    for kwargs in ({}, {"netG": "resnet_6blocks", "ngf": 4}):
        with pytest.raises(CheckpointError) as err:  # default norm for resnet is instance
            load_style_model(path, "cyclegan", kwargs)
        msg = one_line(err, path)
        assert "missing keys: model.1.bias" in msg and "unexpected keys: model.2.weight" in msg
        assert msg.endswith("(loaded as netG='resnet_6blocks', norm='instance', ngf=4: "
                            "check the cyclegan kwargs)")
    path = save(tmp_path / "dropout.pth",
                fake_state(resnet_layout(4, 6, "instance", use_dropout=True)))
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "cyclegan")
    msg = one_line(err, path)
    assert "missing keys: model.10.conv_block.5.weight" in msg
    assert "unexpected keys: model.10.conv_block.6.weight" in msg


def test_cyclegan_bad_kwargs(tmp_path):
    path = save(tmp_path / "g.pth", fake_state(resnet_layout(4, 6, "instance")))
    for kwargs, text in [({"netG": "unet_100"}, "unknown CycleGAN netG 'unet_100'"),
                         ({"norm": "group"}, "unknown CycleGAN norm 'group'"),
                         ({"ngf": "64"}, "'ngf' must be an integer"),
                         ({"ngf": 4, "n_layers": 3},
                          "unknown kwargs for format 'cyclegan': n_layers")]:
        with pytest.raises(CheckpointError) as err:
            load_style_model(path, "cyclegan", kwargs)
        assert text in one_line(err, path)


# --------------------------------------------------------------------------
# fast neural style, AnimeGANv2
# --------------------------------------------------------------------------

@pytest.mark.parametrize("with_counter", [False, True])
def test_fast_neural_style_old_file_with_running_stats(tmp_path, with_counter):
    """Pre-0.4 files carry running stats for every InstanceNorm (inN, resK.inN)."""
    table = parse_table(FAST_NEURAL_STYLE_TABLE)
    state = fake_state(table, seed=9)
    save(tmp_path / "new.model", state)
    old = dict(state)
    norms = [k[:-len(".weight")] for k in table if re.search(r"(^|\.)in\d\.weight$", k)]
    assert len(norms) == 15
    for prefix in norms:
        c = table[prefix + ".weight"][0]
        old[prefix + ".running_mean"] = torch.zeros(c)
        old[prefix + ".running_var"] = torch.ones(c)
        if with_counter:
            old[prefix + ".num_batches_tracked"] = torch.tensor(0)
    save(tmp_path / "old.model", old)
    loaded = load_style_model(tmp_path / "old.model", "fast_neural_style")
    model_old = loaded.model
    model_new = load_style_model(tmp_path / "new.model", "fast_neural_style").model
    assert len(loaded.meta["dropped_keys"]) == 15 * (3 if with_counter else 2)
    x = frame(0, 255, h=12, w=16)
    with torch.no_grad():
        assert torch.equal(model_old(x), model_new(x))


def test_fast_neural_style_batch_independent_and_stylizer(tmp_path):
    path = save(tmp_path / "candy.pth", fake_state(parse_table(FAST_NEURAL_STYLE_TABLE), seed=10))
    loaded = load_style_model(path, "fast_neural_style")
    model = loaded.model
    check_batch_independent(model, loaded)
    frames = (np.random.RandomState(0).rand(2, 13, 19, 3) * 255).astype(np.uint8)
    out = Stylizer(model, torch.device("cpu"), loaded.input_range)(frames)
    assert out.shape == frames.shape and out.dtype == np.uint8


@pytest.mark.parametrize("width", [16, 8])
def test_fast_neural_style_narrow_fork_in_old_format(tmp_path, width):
    """Forks save TransformerNet(num_channels=16 or 8) in the old (pre-1.6,
    non-zip) torch format; the width is read from the file."""
    layout = fast_neural_style_layout(width)
    state = fake_state(layout, seed=width)
    path = tmp_path / f"udnie_{width}.model"
    torch.save(state, path, _use_new_zipfile_serialization=False)
    assert path.read_bytes()[:1] == b"\x80"  # a raw pickle, not a zip archive
    loaded = load_style_model(path, "fast_neural_style")
    model = loaded.model
    assert own_layout(model) == layout
    assert loaded.kwargs == {"num_channels": width} and loaded.size_multiple == 4
    x = frame(0, 255, h=16, w=20)
    with torch.no_grad():
        assert torch.allclose(model(x), transformer_net_forward(state, x), atol=1e-4)
    check_forward(model, loaded)


def test_fast_neural_style_rejects_wrong_layout(tmp_path):
    state = fake_state(parse_table(FAST_NEURAL_STYLE_TABLE))
    del state["res5.in2.bias"]
    state["conv2.conv2d.weight"] = torch.zeros(64, 16, 3, 3)
    path = save(tmp_path / "bad.pth", state)
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "fast_neural_style")
    assert one_line(err, path) == (
        f"{path}: checkpoint does not match architecture 'fast_neural_style'; missing keys: "
        f"res5.in2.bias; wrong shapes: conv2.conv2d.weight (loaded as num_channels=32)")
    # a width-16 conv1 in a width-32 net: the rest does not fit width 16
    state = fake_state(parse_table(FAST_NEURAL_STYLE_TABLE))
    state["conv1.conv2d.weight"] = torch.zeros(16, 3, 9, 9)
    path = save(tmp_path / "mixed.pth", state)
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "fast_neural_style")
    assert one_line(err, path) == (
        f"{path}: checkpoint does not match architecture 'fast_neural_style'; wrong shapes: "
        f"conv1.conv2d.bias, in1.weight, in1.bias, conv2.conv2d.weight (+56 more) "
        f"(loaded as num_channels=16)")


def test_unrelated_state_dict_names_keys(tmp_path):
    path = save(tmp_path / "paprika.pt", fake_state(parse_table(ANIMEGANV2_TABLE)))
    for kwargs, loaded_as in [({"ngf": 4}, "ngf=4"), ({}, "ngf=64")]:
        with pytest.raises(CheckpointError) as err:
            load_style_model(path, "cyclegan", kwargs)
        msg = one_line(err, path)
        assert msg.startswith(f"{path}: checkpoint does not match architecture "
                              f"'cyclegan_resnet'; missing keys: model.1.weight")
        assert "unexpected keys: block_a.0.1.weight" in msg
        assert msg.endswith(f"(loaded as netG='resnet_9blocks', norm='instance', {loaded_as}: "
                            f"check the cyclegan kwargs)")
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "fast_neural_style")
    msg = one_line(err, path)
    assert msg.startswith(f"{path}: checkpoint does not match architecture 'fast_neural_style'; "
                          f"missing keys: conv1.conv2d.weight")
    assert msg.endswith("(loaded as num_channels=32)")


# --------------------------------------------------------------------------
# TorchScript, shotstyle, format errors
# --------------------------------------------------------------------------

class _TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.norm = nn.GroupNorm(1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.norm(self.conv(x)))


# torch 2.13 deprecates torch.jit (the archives still load); the loader itself
# silences the torch.jit.load notice.
@pytest.mark.filterwarnings("ignore:`torch.jit.:DeprecationWarning")
def test_torchscript_archive(tmp_path):
    torch.manual_seed(0)
    net = _TinyNet().eval()
    path = tmp_path / "net.ts"
    torch.jit.save(torch.jit.script(net), str(path))
    loaded = load_style_model(path, "torchscript", {"size_multiple": 4})
    model = loaded.model
    assert loaded.arch == "torchscript" and loaded.size_multiple == 4
    assert loaded.input_range == (-1.0, 1.0)
    y = check_forward(model, loaded)
    assert torch.allclose(y, run_padded(net, frame(-1, 1), 4), atol=1e-6)
    check_batch_independent(model, loaded)
    traced = tmp_path / "traced.pt"
    simple = nn.Sequential(nn.Conv2d(3, 3, 1), nn.Tanh()).eval()
    torch.jit.save(torch.jit.trace(simple, torch.zeros(1, 3, 8, 8)), str(traced))
    loaded2 = load_style_model(traced, "torchscript", {"input_range": [0, 255]})
    model2 = loaded2.model
    assert loaded2.input_range == (0.0, 255.0) and loaded2.size_multiple == 8
    assert model2.size_multiple == 8 and model2.input_range == (0.0, 255.0)
    x = frame(0, 255, h=8, w=8)
    with torch.no_grad():
        assert torch.allclose(model2(x), simple(x), atol=1e-6)


def test_torchscript_rejects_plain_state_dict_and_bad_kwargs(tmp_path):
    path = save(tmp_path / "weights.pt", _TinyNet().state_dict())
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "torchscript")
    assert "cannot read TorchScript archive" in one_line(err, path)
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "torchscript", {"input_range": [1, -1]})
    assert "'input_range' must be two numbers" in one_line(err, path)


def test_shotstyle_format_adds_size_multiple(tmp_path):
    path = tiny_checkpoint(tmp_path / "g.pt")
    loaded = load_style_model(path)
    model = loaded.model
    assert loaded.arch == "fewshot_unet" and loaded.size_multiple == model.size_multiple == 2
    assert loaded.input_range == (-1.0, 1.0) and not model.training
    with pytest.raises(CheckpointError) as err:  # a shotstyle file is no bare state_dict
        load_style_model(path, "animeganv2")
    assert "load it with format 'shotstyle'" in one_line(err, path)


def test_unknown_format_and_missing_file(tmp_path):
    path = tmp_path / "x.pth"
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "caffe")
    msg = one_line(err, path)
    assert "unknown checkpoint format 'caffe'" in msg
    assert all(name in msg for name in FORMATS)
    for fmt in FORMATS:
        with pytest.raises(CheckpointError) as err:
            load_style_model(path, fmt)
        assert "not found" in one_line(err, path)


def test_non_tensor_entries_are_refused(tmp_path):
    path = save(tmp_path / "ckpt.pth", {"epoch": 3, "model.1.weight": torch.zeros(1)})
    with pytest.raises(CheckpointError) as err:
        load_style_model(path, "cyclegan")
    assert "'epoch'" in one_line(err, path)
