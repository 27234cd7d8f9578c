"""Build generators and discriminators by their registered names.

Importing this module imports every architecture module, and each registers
its classes in ``models.registry`` as it is defined; so whoever builds by name
imports this, and ``models.registry`` itself imports no architecture (no
import loop). A new architecture module is one more line in the import below.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from models import discriminators, generators, public_archs  # noqa: F401  (they register)
from models.errors import CheckpointError
from models.registry import DISCRIMINATORS, GENERATORS, Registry

#: What a config or a checkpoint may ask of a generator or a discriminator: its
#: widths, its depth, and (checked on the meta device, before any memory is taken)
#: its parameters.
MAX_WIDTH = 1024
MAX_DEPTH = 16
MAX_PARAMETERS = 200_000_000
_WIDTHS = ("base_channels", "max_channels", "ngf", "num_channels")
_DEPTHS = ("levels", "n_blocks", "num_downs", "layers")
_RGB = ("in_channels", "out_channels", "input_nc", "output_nc")
#: A discriminator sees a frame (3 channels) or, conditional, the input frame and
#: the output frame side by side (6).
_DISCRIMINATOR_INPUTS = (3, 6)


def _bounded(kind: str, registry: Registry, name: str, kwargs: dict[str, Any]) -> None:
    """CheckpointError unless ``kwargs`` stay within MAX_WIDTH, MAX_DEPTH, the RGB
    channels and, counted on the meta device (no memory taken), MAX_PARAMETERS."""
    registry.get(name)  # an unknown name: the known ones, before its kwargs
    for key, value in kwargs.items():
        integer = isinstance(value, int) and not isinstance(value, bool)
        for keys, top in ((_WIDTHS, MAX_WIDTH), (_DEPTHS, MAX_DEPTH)):
            if key in keys and not (integer and 1 <= value <= top):
                raise CheckpointError(f"{kind} {name!r}: {key} must be an integer from 1 to "
                                      f"{top}, not {value!r}"[:300])
        if key in _RGB:
            if kind == "discriminator" and key == "in_channels":
                if not (integer and value in _DISCRIMINATOR_INPUTS):
                    raise CheckpointError(f"{kind} {name!r}: in_channels must be 3 (a frame) or "
                                          f"6 (two frames side by side), not {value!r}"[:300])
            elif not (integer and value == 3):
                raise CheckpointError(f"{kind} {name!r}: {key} must be 3 (frames are RGB), "
                                      f"not {value!r}"[:300])
    with torch.device("meta"):  # its layout only: no memory for its weights
        count = sum(p.numel() for p in registry.build(name, **kwargs).parameters())
    if count > MAX_PARAMETERS:
        raise CheckpointError(f"{kind} {name!r}: {kwargs} make {count:,} parameters, more "
                              f"than {MAX_PARAMETERS:,}: make it smaller"[:300])


def build_generator(name: str, **kwargs: Any) -> nn.Module:
    """The generator architecture ``name`` built with ``kwargs``; CheckpointError
    naming the known architectures for an unknown name, for bad arguments, or
    for a generator larger than MAX_WIDTH, MAX_DEPTH or MAX_PARAMETERS allow."""
    _bounded("generator", GENERATORS, name, kwargs)
    return GENERATORS.build(name, **kwargs)


def build_discriminator(name: str, **kwargs: Any) -> nn.Module:
    """The discriminator architecture ``name`` built with ``kwargs``, bounded as
    build_generator bounds generators (``in_channels``: 3 or 6)."""
    _bounded("discriminator", DISCRIMINATORS, name, kwargs)
    return DISCRIMINATORS.build(name, **kwargs)
