"""Generators, discriminators, losses, training and checkpoint I/O.

Importing the package registers every architecture.
"""
from models import generators  # noqa: F401  (registers architectures)
from models.registry import GENERATORS, DISCRIMINATORS, build_generator, build_discriminator  # noqa: F401
