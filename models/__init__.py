"""Generators, discriminators, losses, training and checkpoint I/O.

Stands alone: nothing here imports ``pipeline`` or knows of shots, file
layouts or Luigi. Importing the package itself loads nothing (no torch);
``models.build`` imports every architecture module (each registers itself in
``models.registry``) and builds them by name.
"""
