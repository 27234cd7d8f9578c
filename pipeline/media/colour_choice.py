"""Which colour space, display and view a colour-managed shot gets, and where each
came from (``choose_colour``); the plates stage logs the lines it returns.

A shot is colour-managed when it has a ``colorspace``, or is an image sequence
of a format in SCENE_SEQUENCES (EXR, DPX) or asking for EXR output.

The input colour space is the first of:

1. the shot's ``colorspace``;
2. a file rule of the OCIO config, other than its default rule, that matches
   the source (its first file, else the pattern); not with the pipeline's
   built-in default config, whose EXR rule (ACES2065-1) would change the colour
   space of every existing EXR shot;
3. for a DPX, the transfer its header gives (``dpx:Transfer``) when the config
   has a colour space for it (DPX_TRANSFERS: 10-bit printing density is ADX10);
4. the format's default (SCENE_SEQUENCES) when the config has it: EXR the
   config's scene_linear role, DPX and other sequences ``sRGB - Texture``;
5. the colour space of the config's default file rule.

A DPX whose header says printing density or logarithmic and that is read by
4 or 5 gets a WARNING line saying so.

The display and the view, each the first of: the shot's, the style's, the
pipeline's; then, with the built-in default config (``$OCIO`` unset and
``ocio_config`` BUILTIN_OCIO_CONFIG), BUILTIN_DISPLAY_VIEW; else the config's
default display, and that display's default view for the input colour space
(so the config's viewing rules apply).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import PyOpenColorIO as ocio

from pipeline.config import BUILTIN_DISPLAY_VIEW, PipelineConfig, ShotConfig, StyleConfig
from pipeline.errors import ConfigError, MediaError
from pipeline.media import colour
from pipeline.media.colour import DisplayTransform
from pipeline.media.exr import dpx_transfer
from pipeline.media.sequence import is_sequence_pattern, sequence_files

#: Image sequences colour-managed (and given EXR output) without a 'colorspace'
#: key, and the colour space they are taken to be in: None = the config's
#: scene_linear role. Any other sequence is colour-managed when it has a
#: 'colorspace' or asks for EXR output, and taken to be DISPLAY_ENCODED.
SCENE_SEQUENCES = {".exr": None, ".dpx": "sRGB - Texture"}
DISPLAY_ENCODED = "sRGB - Texture"
#: DPX header transfers (dpx:Transfer) that are not display-encoded, and the
#: colour space (by bits per sample) a DPX with one is read in when the config has it.
DPX_TRANSFERS = {"Printing density": {10: "ADX10", 16: "ADX16"}, "Logarithmic": {}}

Notes = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ColourChoice:
    transform: DisplayTransform
    #: (logging level, line): what won and where it came from, and any warnings
    notes: Notes


def source_extension(source: str) -> str:
    return Path(source).suffix.lower()


def writes_exr_by_default(source: str, managed: bool) -> bool:
    """Whether a shot writes renders/<shot>/exr/ when its ``output.exr`` is not set:
    a colour-managed EXR or DPX sequence does (``pipeline.settings``)."""
    return managed and source_extension(source) in SCENE_SEQUENCES


def choose_colour(shot: str, cfg: ShotConfig, style: StyleConfig, pipeline: PipelineConfig,
                  config_file: Path) -> Optional[ColourChoice]:
    """How a shot's plates are made display-referred (OCIO), or None for a
    display-referred source decoded as it is. Unknown names stop here, at load."""
    ext = source_extension(cfg.source)
    sequence = is_sequence_pattern(cfg.source)
    if cfg.colorspace is None and not (sequence and (ext in SCENE_SEQUENCES or cfg.output.exr)):
        if cfg.output.exr:
            raise ConfigError(f"{config_file}: key 'output.exr': EXR output of a movie needs "
                              f"its colour space: set 'colorspace' (e.g. 'ARRI LogC3 (EI800)', "
                              f"'sRGB - Texture')")
        return None
    source = colour.config_source(pipeline.ocio_config)
    config = colour.load_config(source)
    builtin = colour.is_builtin_default(pipeline.ocio_config)
    notes: list[tuple[int, str]] = []
    if colour.moves_with_the_wheel(source):
        notes.append((logging.WARNING, f"{shot}: OCIO config {source} is a built-in config "
                      f"without a version: another OpenColorIO may make it another config "
                      f"(today {config.getName()}); name the version, ocio://"
                      f"{config.getName()}, to keep the plates' colours"))
    name, origin, warning = input_colour_space(config, source, cfg, config_file, builtin)
    notes.append((logging.INFO, f"{shot}: colour-managed with OCIO config {source}: input "
                  f"colour space {name!r} ({origin})"))
    if warning:
        notes.append((logging.WARNING, f"{shot}: {warning}"))
    (display, display_from), (view, view_from) = display_view(
        config, name, cfg, style, pipeline, builtin)
    where = (f"{config_file}: key 'display'/'view'" if cfg.display or cfg.view else
             f"style {cfg.style!r}: key 'display'/'view'" if style.display or style.view else
             "pipeline config: key 'display'/'view'" if pipeline.display or pipeline.view else
             f"OCIO config {source}: its default display/view")
    colour.check_display_view(config, display, view, where, source)
    notes.append((logging.INFO, f"{shot}: display {display!r} ({display_from}), view "
                  f"{view!r} ({view_from}); 16-bit plates"))
    return ColourChoice(DisplayTransform(source, name, display, view), tuple(notes))


def input_colour_space(config: ocio.Config, source: str, cfg: ShotConfig, config_file: Path,
                       builtin: bool) -> tuple[str, str, Optional[str]]:
    """The shot's input colour space (its canonical name), where it came from, and a
    warning line (or None): the precedence in this module's docstring."""
    def canonical(name: str, where: str) -> str:
        return colour.colour_space(config, name, where, source)

    if cfg.colorspace is not None:
        return (canonical(cfg.colorspace, f"{config_file}: key 'colorspace'"),
                "the shot's colorspace", None)
    ext = source_extension(cfg.source)
    path = _first_file(cfg.source) if not builtin or ext == ".dpx" else cfg.source
    if not builtin:
        name, rule = colour.file_rule(config, path)
        if rule is not None:
            return (canonical(name, f"OCIO config {source}: file rule {rule!r}"),
                    f"file rule {rule!r} of the OCIO config", None)
    header = dpx_transfer(Path(path)) if ext == ".dpx" and Path(path).is_file() else None
    log_transfer = header is not None and header[0] in DPX_TRANSFERS
    if log_transfer:
        transfer, bits = header
        match = DPX_TRANSFERS[transfer].get(bits)
        if match is not None and config.getColorSpace(match) is not None:
            return (canonical(match, f"OCIO config {source}"),
                    f"the DPX header: {transfer.lower()}, {bits}-bit", None)
    if ext in SCENE_SEQUENCES:
        default, kind = SCENE_SEQUENCES[ext], ext[1:].upper()
    else:
        default, kind = DISPLAY_ENCODED, "image sequences"
    if default is None:
        name = colour.scene_linear(config)
        origin = f"the config's scene_linear role, the default for {kind}"
    else:
        name = default if config.getColorSpace(default) is not None else None
        origin = f"the default for {kind}"
    if name is None:
        name, _ = colour.file_rule(config, path)
        origin = (f"the OCIO config's default file rule; the default for {kind}, "
                  f"{default or 'the scene_linear role'}, is not in the config")
    name = canonical(name, f"OCIO config {source}: {origin}")
    warning = None
    if log_transfer:
        warning = (f"the DPX header of {Path(path).name} says its transfer is "
                   f"{header[0]!r} ({header[1]}-bit), which OCIO config {source} has no "
                   f"colour space for: read as {name!r} ({origin}); set 'colorspace' in "
                   f"{config_file} to the scan's colour space")
    return name, origin, warning


def display_view(config: ocio.Config, colorspace: str, cfg: ShotConfig, style: StyleConfig,
                 pipeline: PipelineConfig, builtin: bool
                 ) -> tuple[tuple[str, str], tuple[str, str]]:
    """((display, where it came from), (view, where it came from)): the precedence
    in this module's docstring."""
    def first(key: str) -> Optional[tuple[str, str]]:
        for owner, origin in ((cfg, "the shot's"), (style, f"style {cfg.style!r}"),
                              (pipeline, "the pipeline's")):
            if getattr(owner, key):
                return getattr(owner, key), origin
        if builtin:
            return (BUILTIN_DISPLAY_VIEW[key == "view"],
                    "the pipeline's default with its built-in OCIO config")
        return None

    display = first("display") or (config.getDefaultDisplay(),
                                   "the OCIO config's default display")
    view = first("view") or (config.getDefaultView(display[0], colorspace),
                             f"the OCIO config's default view for {colorspace!r}")
    return display, view


def _first_file(source: str) -> str:
    """The path the file rules and the header are read for: a sequence's first file
    (the pattern when there is none)."""
    if is_sequence_pattern(source):
        try:
            return str(sequence_files(source)[0])
        except (MediaError, IndexError):
            pass
    return source
