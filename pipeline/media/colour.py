"""Colour conversions with OpenColorIO: a plate's colour space <-> the display-referred
pictures the generator sees.

Every conversion goes through OCIO. The config is ``$OCIO`` when set (as in
every VFX tool), else ``ocio_config`` from ``configs/pipeline.yaml`` (default:
OCIO's built-in ACES studio config, ``ocio://studio-config-latest``, which
needs no download). A shot whose source is scene-referred (an EXR, or any
source with a ``colorspace`` key) is converted with the config's display/view
transform to display-referred pictures on decode; the EXR deliverable goes back
through the inverse transform (``DisplayTransform``).

The default view, ``Un-tone-mapped`` on ``sRGB - Display``, is a plain
primaries matrix plus the sRGB curve, so its inverse is exact (to float
rounding) for every value a display shows, [0, 1]; values above 1 (highlights)
and below 0 (out of the display's gamut) are clipped on the way to the display
and carried to the EXR output separately (see ``pipeline.stages.encode``).
Tone-mapping views (``ACES 2.0 - SDR 100 nits (Rec.709)``) look better on
extreme highlights but do not invert exactly; a shot may choose one with
``display`` / ``view``.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import PyOpenColorIO as ocio

from pipeline.errors import ConfigError


def config_source(configured: str) -> str:
    """The OCIO config to use: ``$OCIO`` when set, else the pipeline's ``ocio_config``."""
    return os.environ.get("OCIO") or configured


@lru_cache(maxsize=8)
def load_config(source: str) -> ocio.Config:
    """The OCIO config at ``source`` (a path or an ``ocio://`` built-in config)."""
    try:
        return ocio.Config.CreateFromFile(source)
    except (ocio.Exception, ocio.ExceptionMissingFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise ConfigError(f"OCIO config {source}: cannot load it: {first}") from None


def _names(config: ocio.Config) -> list[str]:
    names = []
    for cs in config.getColorSpaces():
        names.append(cs.getName())
        names.extend(cs.getAliases())
    return names


def _close(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=4, cutoff=0.5)
    lower = [c for c in choices if word.lower() in c.lower() and c not in close]
    shown = (close + lower)[:4]
    return f" (close: {', '.join(shown)})" if shown else ""


def colour_space(config: ocio.Config, name: str, where: str, source: str) -> str:
    """The canonical name of colour space (or alias or role) ``name``; a ConfigError
    naming ``where`` and close names when the config has none of that name."""
    cs = config.getColorSpace(name)
    if cs is None:
        raise ConfigError(f"{where}: unknown colour space {name!r} in OCIO config "
                          f"{source}{_close(name, _names(config))}")
    return cs.getName()


def check_display_view(config: ocio.Config, display: str, view: str, where: str,
                       source: str) -> None:
    displays = list(config.getDisplays())
    if display not in displays:
        raise ConfigError(f"{where}: unknown display {display!r} in OCIO config "
                          f"{source}{_close(display, displays)}")
    views = list(config.getViews(display))
    if view not in views:
        raise ConfigError(f"{where}: unknown view {view!r} for display {display!r} "
                          f"(views: {', '.join(views)})")


def scene_linear(config: ocio.Config) -> str:
    """The config's scene_linear role: the colour space EXR plates are in by default."""
    return config.getColorSpace(ocio.ROLE_SCENE_LINEAR).getName()


@dataclass(frozen=True)
class DisplayTransform:
    """A source colour space seen through a display and view of an OCIO config."""

    source: str  # the OCIO config (path or ocio:// URI)
    colorspace: str
    display: str
    view: str

    def to_display(self, rgb: np.ndarray) -> np.ndarray:
        """Float32 HxWx3 in ``colorspace`` -> display-referred float32 (mostly [0, 1])."""
        return _apply(_processor(self, ocio.TRANSFORM_DIR_FORWARD), rgb)

    def from_display(self, rgb: np.ndarray) -> np.ndarray:
        """Display-referred float32 HxWx3 -> ``colorspace`` (inverse of ``to_display``)."""
        return _apply(_processor(self, ocio.TRANSFORM_DIR_INVERSE), rgb)


@lru_cache(maxsize=16)
def _processor(t: DisplayTransform, direction) -> ocio.CPUProcessor:
    transform = ocio.DisplayViewTransform(src=t.colorspace, display=t.display, view=t.view,
                                          direction=direction)
    return load_config(t.source).getProcessor(transform).getDefaultCPUProcessor()


def _apply(processor: ocio.CPUProcessor, rgb: np.ndarray) -> np.ndarray:
    out = np.array(rgb, dtype=np.float32, order="C", copy=True)
    processor.applyRGB(out)
    return out
