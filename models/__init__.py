"""Generators, discriminators, losses, training and checkpoint I/O.

Importing the package registers every architecture.
"""
from models import discriminators, generators, public_archs  # noqa: F401  (registers architectures)
from models.registry import (DISCRIMINATORS, GENERATORS, build_discriminator,  # noqa: F401
                             build_generator)
