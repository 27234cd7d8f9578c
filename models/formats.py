"""The checkpoint formats a style can name (``configs/styles/<style>.yaml`` ``format``).

The one list of them: ``models.loaders`` has a ``_load_<format>`` function for
each and the style config accepts exactly these. Imports nothing (no torch),
so configs are validated without loading the model code.
"""

CHECKPOINT_FORMATS = ("shotstyle", "cyclegan", "fast_neural_style", "animeganv2", "torchscript")
