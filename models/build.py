"""Build generators and discriminators by their registered names.

Importing this module imports every architecture module, and each registers
its classes in ``models.registry`` as it is defined; so whoever builds by name
imports this, and ``models.registry`` itself imports no architecture (no
import loop). A new architecture module is one more line in the import below.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from models import discriminators, generators, public_archs  # noqa: F401  (they register)
from models.registry import DISCRIMINATORS, GENERATORS


def build_generator(name: str, **kwargs: Any) -> nn.Module:
    """The generator architecture ``name`` built with ``kwargs``; CheckpointError
    naming the known architectures for an unknown name, or for bad arguments."""
    return GENERATORS.build(name, **kwargs)


def build_discriminator(name: str, **kwargs: Any) -> nn.Module:
    """The discriminator architecture ``name`` built with ``kwargs``; see build_generator."""
    return DISCRIMINATORS.build(name, **kwargs)
