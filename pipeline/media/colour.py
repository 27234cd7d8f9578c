"""Colour conversions with OpenColorIO: a plate's colour space <-> the display-referred
pictures the generator sees.

Every conversion goes through OCIO. The config is ``$OCIO`` when set (as in
every VFX tool; a relative path is relative to the working folder), else
``ocio_config`` from ``configs/pipeline.yaml`` (relative to that file's folder;
default: OCIO's built-in ACES studio config by its versioned name,
``pipeline.config.BUILTIN_OCIO_CONFIG``, which needs no download). A shot whose
source is scene-referred (an EXR, or any source with a ``colorspace`` key) is
converted with the config's display/view transform to display-referred
pictures on decode; the EXR deliverable goes back through the inverse transform
(``DisplayTransform``). Which colour space, display and view a shot gets, and
why, is ``pipeline.media.colour_choice``.

A config is known to the stage keys by its content (``config_identity``, OCIO's
cache ID), not its path: editing the file redoes the plates it changes, and a
config file edited while a process runs is loaded again (``load_config``).

The built-in config's pipeline default view, ``Un-tone-mapped`` on ``sRGB -
Display``, is a plain primaries matrix plus the sRGB curve, so its inverse is
exact (to float rounding) for every value a display shows, [0, 1]; values above
1 (highlights) and below 0 (out of the display's gamut) are clipped on the way
to the display and carried to the EXR output separately (see
``pipeline.stages.encode``). Tone-mapping views (``ACES 2.0 - SDR 100 nits
(Rec.709)``) look better on extreme highlights but do not invert exactly; a
shot may choose one with ``display`` / ``view``.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np
import PyOpenColorIO as ocio

from pipeline.config import BUILTIN_OCIO_CONFIG
from pipeline.errors import ConfigError


def config_source(configured: str) -> str:
    """The OCIO config to use: ``$OCIO`` when set, else the pipeline's ``ocio_config``."""
    return os.environ.get("OCIO") or configured


def is_builtin_default(configured: str) -> bool:
    """Whether the config in use is the pipeline's built-in default: ``$OCIO`` unset
    and ``ocio_config`` BUILTIN_OCIO_CONFIG (its default)."""
    return not os.environ.get("OCIO") and configured == BUILTIN_OCIO_CONFIG


def load_config(source: str) -> ocio.Config:
    """The OCIO config at ``source`` (a path or an ``ocio://`` built-in config); a file
    is loaded again once its size or modification time changes."""
    return _load_config(source, _file_stamp(source))


def _file_stamp(source: str) -> Optional[tuple]:
    if source.startswith("ocio://"):
        return None
    try:
        st = os.stat(source)
    except OSError:
        return None  # CreateFromFile says why
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


@lru_cache(maxsize=8)
def _load_config(source: str, stamp: Optional[tuple]) -> ocio.Config:
    try:
        return ocio.Config.CreateFromFile(source)
    except (ocio.Exception, ocio.ExceptionMissingFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise ConfigError(f"OCIO config {source}: cannot load it: {first}") from None


def config_identity(source: str) -> str:
    """What the config at ``source`` is, for the stage keys: OCIO's cache ID, a hash
    of its content (not its path, so an edit changes it and a move does not)."""
    return load_config(source).getCacheID()


def moves_with_the_wheel(source: str) -> bool:
    """Whether ``source`` is a built-in config name without a version
    (``ocio://studio-config-latest``, ``ocio://default``): another config in a
    later OpenColorIO."""
    return (source.startswith("ocio://")
            and source[len("ocio://"):] not in set(ocio.BuiltinConfigRegistry()))


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


def scene_linear(config: ocio.Config) -> Optional[str]:
    """The config's scene_linear role (the colour space EXR plates are in by
    default), or None when the config has none."""
    cs = config.getColorSpace(ocio.ROLE_SCENE_LINEAR)
    return None if cs is None else cs.getName()


def file_rule(config: ocio.Config, path: str) -> tuple[str, Optional[str]]:
    """The colour space the config's file rules give ``path``, and the rule's name
    (None when only the default rule matches)."""
    name, index = config.getColorSpaceFromFilepath(path)
    if config.filepathOnlyMatchesDefaultRule(path):
        return name, None
    return name, config.getFileRules().getName(index)


@dataclass(frozen=True)
class DisplayTransform:
    """A source colour space seen through a display and view of an OCIO config."""

    source: str  # the OCIO config (path or ocio:// URI), as given
    colorspace: str
    display: str
    view: str

    def to_display(self, rgb: np.ndarray) -> np.ndarray:
        """Float32 HxWx3 in ``colorspace`` -> display-referred float32 (mostly [0, 1])."""
        return _apply(_processor(self, ocio.TRANSFORM_DIR_FORWARD), rgb)

    def from_display(self, rgb: np.ndarray) -> np.ndarray:
        """Display-referred float32 HxWx3 -> ``colorspace`` (inverse of ``to_display``)."""
        return _apply(_processor(self, ocio.TRANSFORM_DIR_INVERSE), rgb)


def _processor(t: DisplayTransform, direction) -> ocio.CPUProcessor:
    return _cpu_processor(load_config(t.source), t, direction)


@lru_cache(maxsize=16)
def _cpu_processor(config: ocio.Config, t: DisplayTransform, direction) -> ocio.CPUProcessor:
    """Keyed on the config object too: an edited config file is a new one."""
    transform = ocio.DisplayViewTransform(src=t.colorspace, display=t.display, view=t.view,
                                          direction=direction)
    return config.getProcessor(transform).getDefaultCPUProcessor()


def _apply(processor: ocio.CPUProcessor, rgb: np.ndarray) -> np.ndarray:
    out = np.array(rgb, dtype=np.float32, order="C", copy=True)
    processor.applyRGB(out)
    return out
