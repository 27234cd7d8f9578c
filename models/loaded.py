"""What every checkpoint loader returns: the generator and the facts needed to run it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class LoadedStyle:
    """A style's generator, loaded (``models.loaders.load_style_model``,
    ``models.checkpoint.load_generator``).

    ``model`` is in eval mode, on the CPU. ``arch`` and ``kwargs`` rebuild it
    with ``models.build.build_generator`` (for a TorchScript archive, ``arch``
    is 'torchscript' and ``kwargs`` its loader's). Frames go into the network
    scaled to ``input_range`` and padded to a multiple of ``size_multiple``.
    ``meta`` is a shotstyle checkpoint's own metadata, or a public format's
    loader notes (``netG``, ``dropped_keys``).
    """

    model: "nn.Module"
    format: str
    arch: str
    kwargs: Mapping[str, Any]
    input_range: tuple[float, float]
    size_multiple: int
    source: Path
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_range", tuple(float(v) for v in self.input_range))
        object.__setattr__(self, "size_multiple", int(self.size_multiple))
        object.__setattr__(self, "source", Path(self.source))
