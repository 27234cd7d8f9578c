"""Generators, discriminators, losses, training and checkpoint I/O.

Stands alone: nothing here imports ``pipeline`` or knows of shots, file
layouts or Luigi. Importing the package itself loads nothing (no torch);
``models.registry`` registers every architecture when it is imported.
"""
