"""Load a style generator from a shotstyle checkpoint or a public project's file.

``load_style_model(path, fmt, kwargs)`` returns a ``models.loaded.LoadedStyle``:
the model in eval mode, its ``arch`` and ``kwargs``, ``input_range``,
``size_multiple``, ``format``, ``source`` and ``meta``.
Formats (``fmt``):

``shotstyle``
    This project's own checkpoints (models.checkpoint); takes no kwargs.
``cyclegan``
    A bare ``state_dict`` saved by junyanz/pytorch-CycleGAN-and-pix2pix, e.g.
    ``checkpoints/<name>/latest_net_G.pth`` (or ``latest_net_G_A.pth``).
    kwargs: ``netG`` (``resnet_<n>blocks`` such as resnet_9blocks and
    resnet_6blocks, or ``unet_<2^num_downs>`` such as unet_256 and unet_128),
    ``norm`` (instance | batch; default as the original's models set it:
    instance for resnet_* (``--model cycle_gan``), batch for unet_*
    (``--model pix2pix``)), ``ngf``, ``use_dropout`` (False; it changes the
    key layout of resnet_* nets), ``input_nc`` / ``output_nc`` (3).
    ``netG`` and ``ngf`` default to what the file's keys and shapes show
    (resnet or U-Net from the key layout, the number of residual blocks or
    U-Net levels, ngf from the first conv), else to resnet_9blocks and 64;
    given ones that contradict the file are an error.
    As the original's ``load_networks`` does, stray ``running_mean`` /
    ``running_var`` / ``num_batches_tracked`` entries of InstanceNorm layers
    (files from before PyTorch 0.4, when those layers kept running stats) are
    dropped; a ``module.`` prefix (a DataParallel wrapper) is stripped.
``fast_neural_style``
    A bare ``state_dict`` of pytorch/examples' ``TransformerNet`` (``*.model``
    / ``*.pth``). As the original ``stylize`` does, old files' deprecated
    ``inN.running_mean`` / ``inN.running_var`` keys are deleted (and so are
    ``inN.num_batches_tracked``). The width (forks' ``num_channels``: 32 in
    the original, 16 or 8 in small forks) is read from ``conv1``'s weight.
    Frames go in and come out in 0..255.
``animeganv2``
    A bare ``state_dict`` of bryandlee/animegan2-pytorch's ``Generator``
    (``face_paint_512_v2.pt``, ``paprika.pt``, ...). kwargs: ``align_corners``
    (True, as the original ``Generator.forward``; its ``test.py`` CLI uses False).
``torchscript``
    A ``torch.jit.save`` archive taking and returning N x 3 x H x W tensors.
    kwargs: ``input_range`` ([-1, 1]) and ``size_multiple`` (8).
    Loading one does not unpickle arbitrary Python objects (the archive's data
    goes through TorchScript's restricted loader, unlike a plain ``torch.load``
    without ``weights_only``), but running the model *does execute the
    TorchScript code stored in the archive*: treat such a file like a program
    and only use archives from sources you trust.

Every other file is read with ``torch.load(..., weights_only=True)``; every user
error raises CheckpointError with one line that starts with the file path.

Each format's loader registers itself in ``models.registry.LOADERS`` with
``@LOADERS.register(<format>)``; ``models.formats.CHECKPOINT_FORMATS`` is the
one list of formats, and the tests check that each has its loader.
"""
from __future__ import annotations

import math
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

from models.checkpoint import (check_archive_size, load_file, load_generator,
                               load_state_dict_strict)
from models.checkpoint import FORMAT as SHOTSTYLE_FORMAT
from models.build import build_generator
from models.public_archs import NORMS
from models.registry import LOADERS
from models.errors import CheckpointError
from models.formats import FORMAT_OPTIONS
from models.loaded import LoadedStyle

# CycleGAN netG names: resnet_<n_blocks>blocks, unet_<2 ** num_downs>
_NET_G = re.compile(r"resnet_(\d+)blocks|unet_(\d+)")
_RESNET_BLOCK_KEY = re.compile(r"model\.(\d+)\.conv_block\.")

#: The largest ``size_multiple`` a TorchScript style may give (a U-Net of 10 levels)
MAX_SIZE_MULTIPLE = 1024

_FNS_STALE_KEY = re.compile(r"in\d+\.(running_(mean|var)|num_batches_tracked)$")


def load_style_model(path, fmt: str = "shotstyle",
                     kwargs: Optional[dict[str, Any]] = None) -> LoadedStyle:
    """Load ``path`` as a generator of format ``fmt``; see the module docstring."""
    path = Path(path)
    try:
        loader = LOADERS.get(fmt)
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    if kwargs is not None and not isinstance(kwargs, dict):
        raise CheckpointError(f"{path}: kwargs for format {fmt!r} must be a mapping, "
                              f"not {type(kwargs).__name__}")
    loaded = loader(path, dict(kwargs or {}))
    loaded.model.eval()
    return loaded


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def _check_kwargs(path: Path, fmt: str, kwargs: dict) -> None:
    allowed = FORMAT_OPTIONS[fmt]
    extra = sorted(map(str, (k for k in kwargs if k not in allowed)))
    if extra:
        known = ", ".join(allowed) if allowed else "none"
        raise CheckpointError(f"{path}: unknown kwargs for format {fmt!r}: "
                              f"{', '.join(map(str, extra))} (known: {known})")


def _int_kwarg(path: Path, kwargs: dict, name: str, default: int, minimum: int = 1,
               maximum: Optional[int] = None) -> int:
    value = kwargs.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (
            maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise CheckpointError(f"{path}: kwarg {name!r} must be an integer {bounds}, "
                              f"not {value!r}"[:300])
    return value


def _bool_kwarg(path: Path, kwargs: dict, name: str, default: bool) -> bool:
    value = kwargs.get(name, default)
    if not isinstance(value, bool):
        raise CheckpointError(f"{path}: kwarg {name!r} must be true or false, not {value!r}")
    return value


def _bare_state_dict(path: Path, fmt: str) -> dict[str, torch.Tensor]:
    """Read a bare state_dict; strip a DataParallel ``module.`` prefix."""
    data = load_file(path)
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a state_dict (a mapping of tensors) for format "
                              f"{fmt!r}, found {type(data).__name__}")
    if data.get("format") == SHOTSTYLE_FORMAT:
        raise CheckpointError(f"{path}: this is a shotstyle checkpoint; load it with format "
                              f"'shotstyle', not {fmt!r}")
    bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        shown = ", ".join(repr(k) for k in bad[:4])
        if len(bad) > 4:
            shown += f" (+{len(bad) - 4} more)"
        raise CheckpointError(f"{path}: expected a bare state_dict of tensors for format {fmt!r}, "
                              f"but entries {shown} are not tensors")
    state = dict(data)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def _build(path: Path, arch: str, kwargs: dict[str, Any]) -> nn.Module:
    try:
        return build_generator(arch, **kwargs)
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None


def _drop_stray_instance_norm_stats(model: nn.Module, state: dict) -> list[str]:
    """The original's ``__patch_instance_norm_state_dict``: drop running_mean /
    running_var entries of InstanceNorm layers that keep no such buffers, and
    every num_batches_tracked entry of an InstanceNorm layer."""
    dropped = []
    for key in list(state):
        owner, _, leaf = key.rpartition(".")
        if leaf not in ("running_mean", "running_var", "num_batches_tracked"):
            continue
        try:
            module = model.get_submodule(owner)
        except AttributeError:
            continue  # not in this layout: the strict load names it
        if not isinstance(module, nn.modules.instancenorm._InstanceNorm):
            continue
        if leaf == "num_batches_tracked" or getattr(module, leaf, None) is None:
            del state[key]
            dropped.append(key)
    return dropped


def _loaded(model: nn.Module, fmt: str, arch: str, kwargs: dict, path: Path,
            **meta: Any) -> LoadedStyle:
    return LoadedStyle(model, fmt, arch, kwargs,
                       input_range=getattr(model, "input_range", (-1.0, 1.0)),
                       size_multiple=getattr(model, "size_multiple", 1), source=path, meta=meta)


# --------------------------------------------------------------------------
# formats
# --------------------------------------------------------------------------

@LOADERS.register("shotstyle")
def _load_shotstyle(path: Path, kwargs: dict) -> LoadedStyle:
    _check_kwargs(path, "shotstyle", kwargs)
    return load_generator(path)


def _net_g_arch(net_g: str) -> Optional[tuple[str, dict[str, int]]]:
    """(registered architecture, the kwarg it fixes) of a netG name; None if unknown."""
    m = _NET_G.fullmatch(net_g) if isinstance(net_g, str) else None
    if m and m.group(1) is not None:
        return "cyclegan_resnet", {"n_blocks": int(m.group(1))}
    size = int(m.group(2)) if m else 0
    if size >= 32 and size & (size - 1) == 0:  # UnetGenerator has at least 5 levels
        return "cyclegan_unet", {"num_downs": size.bit_length() - 1}
    return None


def _out_channels(state: dict, key: str) -> int:
    """Out channels of the conv weight ``state[key]``; 0 when there is none."""
    weight = state.get(key)
    return weight.shape[0] if weight is not None and weight.dim() == 4 else 0


def _cyclegan_net_in(state: dict) -> Optional[tuple[str, int]]:
    """(netG, ngf) that a CycleGAN state_dict's keys and shapes show, or None
    when they fit neither generator."""
    ngf = _out_channels(state, "model.1.weight")  # ResnetGenerator's first conv
    if ngf:
        blocks = {m.group(1) for m in map(_RESNET_BLOCK_KEY.match, state) if m}
        return f"resnet_{len(blocks)}blocks", ngf
    ngf = _out_channels(state, "model.model.0.weight")  # UnetGenerator's first conv
    # level k (0 = outermost) keys sit under k + 2 "model"s: model.model(.1.model)(.3.model)...
    num_downs = max((key.split(".").count("model") for key in state), default=0) - 1
    if ngf and num_downs >= 5:
        return f"unet_{2 ** num_downs}", ngf
    return None


def _cyclegan_net(path: Path, kwargs: dict, state: dict, ngf: int) -> tuple[str, int]:
    """(netG, ngf): the kwargs' where given (``ngf`` is the checked kwarg or
    64), else what the file shows, else resnet_9blocks. Given ones that
    contradict the file are an error."""
    held = _cyclegan_net_in(state)
    if held is None:
        return kwargs.get("netG", "resnet_9blocks"), ngf
    held_net_g, held_ngf = held
    asked = []
    if "netG" in kwargs and _net_g_arch(kwargs["netG"]) != _net_g_arch(held_net_g):
        asked.append(f"netG={kwargs['netG']!r}")
    if "ngf" in kwargs and ngf != held_ngf:
        asked.append(f"ngf={ngf}")
    if asked:
        raise CheckpointError(f"{path}: the file holds netG={held_net_g!r} with ngf={held_ngf}, "
                              f"but the cyclegan kwargs ask for {', '.join(asked)}")
    return kwargs.get("netG", held_net_g), held_ngf


@LOADERS.register("cyclegan")
def _load_cyclegan(path: Path, kwargs: dict) -> LoadedStyle:
    _check_kwargs(path, "cyclegan", kwargs)
    if "netG" in kwargs and _net_g_arch(kwargs["netG"]) is None:
        raise CheckpointError(f"{path}: unknown CycleGAN netG {kwargs['netG']!r} (known: "
                              f"resnet_<n>blocks such as resnet_9blocks, unet_<2^num_downs> "
                              f"such as unet_256)")
    if "norm" in kwargs and kwargs["norm"] not in NORMS:
        raise CheckpointError(f"{path}: unknown CycleGAN norm {kwargs['norm']!r} "
                              f"(known: {', '.join(NORMS)})")
    build_kwargs = {"input_nc": _int_kwarg(path, kwargs, "input_nc", 3),
                    "output_nc": _int_kwarg(path, kwargs, "output_nc", 3),
                    "ngf": _int_kwarg(path, kwargs, "ngf", 64),
                    "use_dropout": _bool_kwarg(path, kwargs, "use_dropout", False)}
    state = _bare_state_dict(path, "cyclegan")
    net_g, build_kwargs["ngf"] = _cyclegan_net(path, kwargs, state, build_kwargs["ngf"])
    arch, implied = _net_g_arch(net_g)
    norm = kwargs.get("norm", "batch" if arch == "cyclegan_unet" else "instance")
    build_kwargs.update(norm=norm, **implied)
    model = _build(path, arch, build_kwargs)
    dropped = _drop_stray_instance_norm_stats(model, state)
    try:
        load_state_dict_strict(model, state, str(path))
    except CheckpointError as exc:
        raise CheckpointError(f"{exc} (loaded as netG={net_g!r}, norm={norm!r}, "
                              f"ngf={build_kwargs['ngf']}: check the cyclegan kwargs)") from None
    return _loaded(model, "cyclegan", arch, build_kwargs, path, netG=net_g, dropped_keys=dropped)


@LOADERS.register("fast_neural_style")
def _load_fast_neural_style(path: Path, kwargs: dict) -> LoadedStyle:
    _check_kwargs(path, "fast_neural_style", kwargs)
    state = _bare_state_dict(path, "fast_neural_style")
    # TransformerNet's width is conv1's out channels (the original's: 32)
    build_kwargs = {"num_channels": _out_channels(state, "conv1.conv2d.weight") or 32}
    model = _build(path, "fast_neural_style", build_kwargs)
    dropped = [k for k in state if _FNS_STALE_KEY.search(k)]
    for key in dropped:
        del state[key]
    try:
        load_state_dict_strict(model, state, str(path))
    except CheckpointError as exc:
        raise CheckpointError(f"{exc} (loaded as num_channels="
                              f"{build_kwargs['num_channels']})") from None
    return _loaded(model, "fast_neural_style", "fast_neural_style", build_kwargs, path,
                   dropped_keys=dropped)


@LOADERS.register("animeganv2")
def _load_animeganv2(path: Path, kwargs: dict) -> LoadedStyle:
    _check_kwargs(path, "animeganv2", kwargs)
    build_kwargs = {"align_corners": _bool_kwarg(path, kwargs, "align_corners", True)}
    state = _bare_state_dict(path, "animeganv2")
    model = _build(path, "animeganv2", build_kwargs)
    load_state_dict_strict(model, state, str(path))
    return _loaded(model, "animeganv2", "animeganv2", build_kwargs, path)


class TorchScriptGenerator(nn.Module):
    """A loaded TorchScript module plus the range / size facts the caller needs."""

    arch_name = "torchscript"

    def __init__(self, module: nn.Module, input_range: tuple[float, float], size_multiple: int):
        super().__init__()
        self.module = module
        self.input_range = input_range
        self.size_multiple = size_multiple

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module(x)


@LOADERS.register("torchscript")
def _load_torchscript(path: Path, kwargs: dict) -> LoadedStyle:
    _check_kwargs(path, "torchscript", kwargs)
    rng = kwargs.get("input_range", (-1.0, 1.0))
    ok = (isinstance(rng, (list, tuple)) and len(rng) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)
          and all(math.isfinite(v) for v in rng) and float(rng[0]) < float(rng[1]))
    if not ok:
        raise CheckpointError(f"{path}: kwarg 'input_range' must be two numbers "
                              f"[low, high], finite, with low < high, not {rng!r}"[:300])
    input_range = (float(rng[0]), float(rng[1]))
    # frames are padded to a multiple of it: a huge one would pad them to that size
    multiple = _int_kwarg(path, kwargs, "size_multiple", 8, maximum=MAX_SIZE_MULTIPLE)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    if zipfile.is_zipfile(path):
        check_archive_size(path)
    try:
        with warnings.catch_warnings():  # torch 2.13 deprecates torch.jit; the archive still loads
            warnings.filterwarnings("ignore", message=r"`torch\.jit\.load` is deprecated",
                                    category=DeprecationWarning)
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # torch raises RuntimeError, ValueError, ... for a bad archive
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise CheckpointError(f"{path}: cannot read TorchScript archive: {first[:200]}") from None
    model = TorchScriptGenerator(module, input_range, multiple)
    return _loaded(model, "torchscript", "torchscript",
                   {"input_range": list(input_range), "size_multiple": multiple}, path)

