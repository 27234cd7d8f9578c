"""Generators of public style-transfer projects, so their checkpoints load as styles.

Each class re-creates the *module layout* of an original project (so that its
``state_dict`` keys and shapes are exactly those the original code saves) and
its forward pass. The code is written here from the facts of those layouts; no
code is copied. The originals:

``cyclegan_resnet`` / ``cyclegan_unet``
    junyanz/pytorch-CycleGAN-and-pix2pix, ``models/networks.py``:
    ``ResnetGenerator`` (``--netG resnet_9blocks`` / ``resnet_6blocks``) and
    ``UnetGenerator`` (``--netG unet_256`` / ``unet_128``). ``norm='instance'``
    is InstanceNorm2d(affine=False, track_running_stats=False): no parameters,
    and every conv before a norm has a bias. ``norm='batch'`` is
    BatchNorm2d(affine=True): those convs have no bias. RGB in and out in [-1, 1].
``fast_neural_style``
    pytorch/examples, ``fast_neural_style/neural_style/transformer_net.py``:
    ``TransformerNet``. RGB in and out in 0..255 (the output is not bounded by
    the net; the original clamps it to 0..255 when saving, as Stylizer does).
``animeganv2``
    bryandlee/animegan2-pytorch, ``model.py``: ``Generator``. RGB in [-1, 1].

All are fully convolutional and free of batch statistics in eval mode, so a
frame's output never depends on the rest of its batch. ``size_multiple`` is the
multiple of height and width each needs; callers pad frames up to it.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.registry import GENERATORS

NORMS = ("instance", "batch")


def _norm_factory(norm: str):
    """(make_norm(channels), convs_before_norm_have_bias) for a CycleGAN norm name."""
    if norm == "instance":
        return (lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)), True
    if norm == "batch":
        return (lambda c: nn.BatchNorm2d(c, affine=True)), False
    raise TypeError(f"norm must be one of {', '.join(NORMS)}, not {norm!r}")


# --------------------------------------------------------------------------
# CycleGAN / pix2pix
# --------------------------------------------------------------------------

class _CycleResidual(nn.Module):
    """Residual block whose layers live in ``conv_block`` (a Sequential).

    Layer order: pad, conv3x3, norm, ReLU, [Dropout(0.5)], pad, conv3x3, norm.
    With ``padding_type='zero'`` the pads are replaced by the convs' own padding
    (and so take no slot in the Sequential).
    """

    def __init__(self, dim: int, padding_type: str, make_norm, bias: bool, use_dropout: bool):
        super().__init__()
        pads = {"reflect": nn.ReflectionPad2d, "replicate": nn.ReplicationPad2d, "zero": None}
        if padding_type not in pads:
            raise TypeError(f"padding_type must be one of {', '.join(pads)}, not {padding_type!r}")
        pad_cls = pads[padding_type]
        conv_pad = 1 if pad_cls is None else 0

        def half(relu: bool) -> list[nn.Module]:
            layers: list[nn.Module] = [] if pad_cls is None else [pad_cls(1)]
            layers += [nn.Conv2d(dim, dim, 3, padding=conv_pad, bias=bias), make_norm(dim)]
            if relu:
                layers.append(nn.ReLU(True))
            return layers

        layers = half(relu=True)
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += half(relu=False)
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


@GENERATORS.register("cyclegan_resnet")
class CycleGANResnetGenerator(nn.Module):
    """CycleGAN ``ResnetGenerator``: all layers in one Sequential named ``model``.

    Indices (n_blocks=9): 0 pad3, 1 conv7, 2 norm, 3 ReLU, then two stride-2
    conv/norm/ReLU triples (4-6, 7-9), residual blocks 10-18, two
    ConvTranspose/norm/ReLU triples (19-21, 22-24), 25 pad3, 26 conv7 (always
    with bias), 27 Tanh.
    """

    input_range = (-1.0, 1.0)
    size_multiple = 4  # two stride-2 downsamplings, undone by stride-2 transposed convs

    def __init__(self, input_nc: int = 3, output_nc: int = 3, ngf: int = 64,
                 norm: str = "instance", use_dropout: bool = False, n_blocks: int = 9,
                 padding_type: str = "reflect"):
        super().__init__()
        if n_blocks < 0:
            raise TypeError("n_blocks must be >= 0")
        make_norm, bias = _norm_factory(norm)
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=bias),
                                   make_norm(ngf), nn.ReLU(True)]
        ch = ngf
        for _ in range(2):
            layers += [nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1, bias=bias),
                       make_norm(ch * 2), nn.ReLU(True)]
            ch *= 2
        layers += [_CycleResidual(ch, padding_type, make_norm, bias, use_dropout)
                   for _ in range(n_blocks)]
        for _ in range(2):
            out = ch // 2
            layers += [nn.ConvTranspose2d(ch, out, 3, stride=2, padding=1, output_padding=1,
                                          bias=bias),
                       make_norm(out), nn.ReLU(True)]
            ch = out
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ch, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class _UnetLevel(nn.Module):
    """One U-Net level; its layers live in ``model`` (a Sequential).

    outermost: [down conv, inner level, ReLU, up convT (bias), Tanh]; no skip.
    innermost: [LeakyReLU, down conv, ReLU, up convT, norm]; output = cat(x, y).
    otherwise: [LeakyReLU, down conv, norm, inner level, ReLU, up convT, norm,
    (Dropout)]; output = cat(x, y).
    """

    def __init__(self, outer_nc: int, inner_nc: int, make_norm, bias: bool,
                 input_nc: int | None = None, inner: nn.Module | None = None,
                 outermost: bool = False, innermost: bool = False, use_dropout: bool = False):
        super().__init__()
        self.outermost = outermost
        in_ch = outer_nc if input_nc is None else input_nc
        down = nn.Conv2d(in_ch, inner_nc, 4, stride=2, padding=1, bias=bias)
        if outermost:
            layers = [down, inner, nn.ReLU(True),
                      nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1),
                      nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner_nc, outer_nc, 4, stride=2, padding=1, bias=bias),
                      make_norm(outer_nc)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, make_norm(inner_nc), inner, nn.ReLU(True),
                      nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, stride=2, padding=1,
                                         bias=bias),
                      make_norm(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.model(x)
        return y if self.outermost else torch.cat([x, y], 1)


@GENERATORS.register("cyclegan_unet")
class CycleGANUnetGenerator(nn.Module):
    """pix2pix ``UnetGenerator``: levels nested through each level's ``model.1``
    (outermost) or ``model.3`` (others); ``num_downs=8`` is ``unet_256``.

    Inner channels from the outside in: ngf, 2ngf, 4ngf, then 8ngf for the
    remaining ``num_downs - 3`` levels (the last one innermost). Dropout, when
    on, sits in the ``num_downs - 5`` 8ngf->8ngf levels that are not innermost.
    """

    input_range = (-1.0, 1.0)

    def __init__(self, input_nc: int = 3, output_nc: int = 3, num_downs: int = 8, ngf: int = 64,
                 norm: str = "batch", use_dropout: bool = False):
        super().__init__()
        if num_downs < 5:
            raise TypeError("num_downs must be >= 5")
        make_norm, bias = _norm_factory(norm)
        self.num_downs = num_downs
        level = _UnetLevel(ngf * 8, ngf * 8, make_norm, bias, innermost=True)
        for _ in range(num_downs - 5):
            level = _UnetLevel(ngf * 8, ngf * 8, make_norm, bias, inner=level,
                               use_dropout=use_dropout)
        for mult in (4, 2, 1):
            level = _UnetLevel(ngf * mult, ngf * mult * 2, make_norm, bias, inner=level)
        self.model = _UnetLevel(output_nc, ngf, make_norm, bias, input_nc=input_nc, inner=level,
                                outermost=True)

    @property
    def size_multiple(self) -> int:
        return 2 ** self.num_downs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# --------------------------------------------------------------------------
# pytorch/examples fast_neural_style
# --------------------------------------------------------------------------

class _ReflectConv(nn.Module):
    """Reflection pad of kernel_size // 2, then ``conv2d``; optional nearest
    upsampling first (the original's ConvLayer / UpsampleConvLayer)."""

    def __init__(self, cin: int, cout: int, kernel_size: int, stride: int = 1,
                 upsample: int | None = None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(cin, cout, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = F.interpolate(x, scale_factor=self.upsample, mode="nearest")
        return self.conv2d(self.reflection_pad(x))


class _FNSResidual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = _ReflectConv(channels, channels, 3)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = _ReflectConv(channels, channels, 3)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.in1(self.conv1(x)))
        return x + self.in2(self.conv2(y))


@GENERATORS.register("fast_neural_style")
class FastNeuralStyleNet(nn.Module):
    """pytorch/examples ``TransformerNet`` (Johnson et al. 2016 with instance norm).

    Width w = ``num_channels`` (the original's is 32; forks train 16 or 8):
    conv1 9x9 3->w, conv2 3x3/2 w->2w, conv3 3x3/2 2w->4w (each followed by
    in1..in3 and ReLU), res1..res5 (4w), deconv1/deconv2 (nearest x2 upsample +
    3x3 conv, 4w->2w->w, followed by in4/in5 and ReLU), deconv3 9x9 w->3 (no
    activation). Input and output are RGB in 0..255.
    """

    input_range = (0.0, 255.0)
    size_multiple = 4  # two stride-2 convs, undone by two x2 upsamplings

    def __init__(self, num_channels: int = 32):
        super().__init__()
        w = num_channels
        self.conv1 = _ReflectConv(3, w, 9)
        self.in1 = nn.InstanceNorm2d(w, affine=True)
        self.conv2 = _ReflectConv(w, 2 * w, 3, stride=2)
        self.in2 = nn.InstanceNorm2d(2 * w, affine=True)
        self.conv3 = _ReflectConv(2 * w, 4 * w, 3, stride=2)
        self.in3 = nn.InstanceNorm2d(4 * w, affine=True)
        for i in range(1, 6):
            setattr(self, f"res{i}", _FNSResidual(4 * w))
        self.deconv1 = _ReflectConv(4 * w, 2 * w, 3, upsample=2)
        self.in4 = nn.InstanceNorm2d(2 * w, affine=True)
        self.deconv2 = _ReflectConv(2 * w, w, 3, upsample=2)
        self.in5 = nn.InstanceNorm2d(w, affine=True)
        self.deconv3 = _ReflectConv(w, 3, 9)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.in1(self.conv1(x)))
        y = F.relu(self.in2(self.conv2(y)))
        y = F.relu(self.in3(self.conv3(y)))
        for i in range(1, 6):
            y = getattr(self, f"res{i}")(y)
        y = F.relu(self.in4(self.deconv1(y)))
        y = F.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


# --------------------------------------------------------------------------
# AnimeGANv2 (bryandlee/animegan2-pytorch)
# --------------------------------------------------------------------------

class _ConvGNLReLU(nn.Sequential):
    """Sequential [pad, conv (no padding), GroupNorm(1, out), LeakyReLU(0.2)].

    ``padding`` is an int or a (left, right, top, bottom) tuple; the pad is a
    reflection pad, as in the original's default ``pad_mode='reflect'``.
    """

    def __init__(self, cin: int, cout: int, kernel_size: int = 3, stride: int = 1,
                 padding=1, groups: int = 1, bias: bool = False):
        super().__init__(nn.ReflectionPad2d(padding),
                         nn.Conv2d(cin, cout, kernel_size, stride, 0, groups=groups, bias=bias),
                         nn.GroupNorm(1, cout, affine=True),
                         nn.LeakyReLU(0.2, inplace=True))


class _InvertedResidual(nn.Module):
    """MobileNetV2-style block in ``layers``: [1x1 expand ConvGNLReLU (when the
    ratio is not 1), 3x3 depthwise ConvGNLReLU with bias, 1x1 conv, GroupNorm];
    residual only when in and out channels match."""

    def __init__(self, cin: int, cout: int, expansion_ratio: float = 2):
        super().__init__()
        self.use_res_connect = cin == cout
        mid = int(round(cin * expansion_ratio))
        layers: list[nn.Module] = []
        if expansion_ratio != 1:
            layers.append(_ConvGNLReLU(cin, mid, kernel_size=1, padding=0))
        layers += [_ConvGNLReLU(mid, mid, groups=mid, bias=True),
                   nn.Conv2d(mid, cout, 1, bias=False),
                   nn.GroupNorm(1, cout, affine=True)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.layers(x)
        return x + y if self.use_res_connect else y


@GENERATORS.register("animeganv2")
class AnimeGANv2Generator(nn.Module):
    """AnimeGANv2 generator as ported to PyTorch by bryandlee.

    ``align_corners=True`` (the default of the original ``Generator.forward``,
    used by its torch.hub entry) upsamples bilinearly to the exact sizes saved
    on the way down; ``False`` (the default of the original ``test.py`` CLI)
    upsamples by a factor of 2 with align_corners=False. Input/output in [-1, 1].
    """

    input_range = (-1.0, 1.0)
    # Two stride-2 convs padded (0, 1, 0, 1): a multiple of 4 halves exactly,
    # which the align_corners=False path needs to give back the input size.
    size_multiple = 4

    def __init__(self, align_corners: bool = True):
        super().__init__()
        self.align_corners = bool(align_corners)
        down = (0, 1, 0, 1)
        self.block_a = nn.Sequential(_ConvGNLReLU(3, 32, kernel_size=7, padding=3),
                                     _ConvGNLReLU(32, 64, stride=2, padding=down),
                                     _ConvGNLReLU(64, 64))
        self.block_b = nn.Sequential(_ConvGNLReLU(64, 128, stride=2, padding=down),
                                     _ConvGNLReLU(128, 128))
        self.block_c = nn.Sequential(_ConvGNLReLU(128, 128),
                                     _InvertedResidual(128, 256, 2),
                                     *[_InvertedResidual(256, 256, 2) for _ in range(3)],
                                     _ConvGNLReLU(256, 128))
        self.block_d = nn.Sequential(_ConvGNLReLU(128, 128), _ConvGNLReLU(128, 128))
        self.block_e = nn.Sequential(_ConvGNLReLU(128, 64), _ConvGNLReLU(64, 64),
                                     _ConvGNLReLU(64, 32, kernel_size=7, padding=3))
        self.out_layer = nn.Sequential(nn.Conv2d(32, 3, 1, bias=False), nn.Tanh())

    def _up(self, x: torch.Tensor, size) -> torch.Tensor:
        if self.align_corners:
            return F.interpolate(x, size, mode="bilinear", align_corners=True)
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block_a(x)
        half = y.shape[-2:]
        y = self.block_c(self.block_b(y))
        y = self.block_d(self._up(y, half))
        y = self.block_e(self._up(y, x.shape[-2:]))
        return self.out_layer(y)
