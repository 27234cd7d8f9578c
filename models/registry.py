"""Name -> class registries for generators and discriminators.

Architectures register themselves with a decorator; configs and checkpoints
refer to them by name, so a checkpoint can be rebuilt from its metadata.
"""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

from models.errors import CheckpointError

GENERATORS: dict[str, type[nn.Module]] = {}
DISCRIMINATORS: dict[str, type[nn.Module]] = {}


def _register(table: dict, name: str) -> Callable[[type], type]:
    def deco(cls: type) -> type:
        if name in table and table[name] is not cls:
            raise ValueError(f"architecture name {name!r} registered twice")
        table[name] = cls
        cls.arch_name = name
        return cls
    return deco


def register_generator(name: str) -> Callable[[type], type]:
    return _register(GENERATORS, name)


def register_discriminator(name: str) -> Callable[[type], type]:
    return _register(DISCRIMINATORS, name)


def _build(table: dict, kind: str, name: str, kwargs: dict[str, Any]) -> nn.Module:
    if name not in table:
        raise CheckpointError(f"unknown {kind} architecture {name!r} "
                              f"(known: {', '.join(sorted(table)) or 'none'})")
    try:
        return table[name](**kwargs)
    except TypeError as exc:
        raise CheckpointError(f"{kind} {name!r}: bad arguments {kwargs}: {exc}") from None


def build_generator(name: str, **kwargs: Any) -> nn.Module:
    return _build(GENERATORS, "generator", name, kwargs)


def build_discriminator(name: str, **kwargs: Any) -> nn.Module:
    return _build(DISCRIMINATORS, "discriminator", name, kwargs)


# Every architecture module registers itself on import (decorators above).
from models import discriminators, generators, public_archs  # noqa: E402,F401
