"""The checkpoint formats a style can name (``configs/styles/<style>.yaml`` ``format``).

The one list of them: ``models.loaders`` registers a loader for each in
``models.registry.LOADERS`` (a test checks both ways) and the style config
accepts exactly these. Imports nothing (no torch),
so configs are validated without loading the model code.
"""

CHECKPOINT_FORMATS = ("shotstyle", "cyclegan", "fast_neural_style", "animeganv2", "torchscript")

#: The ``model`` options (loader kwargs) each format takes: the loaders take
#: exactly these, and the style config refuses any other by name on load.
FORMAT_OPTIONS = {
    "shotstyle": (),
    "cyclegan": ("netG", "norm", "ngf", "use_dropout", "input_nc", "output_nc"),
    "fast_neural_style": (),
    "animeganv2": ("align_corners",),
    "torchscript": ("input_range", "size_multiple"),
}
