"""The keys that say whether a shot's stage is current.

A stage is done when its manifest carries its key. A stage's key hashes its
name, the keys of the stages it reads and the settings it depends on, as the
stage table (``pipeline.graph.table``) lists them, so changing the source, the
style checkpoint, the precision or the smoothing settings changes the keys of
the affected stage and everything downstream. The keys are computed from the
configs alone (plus cheap stats of the source and checkpoint files), before
any stage has run.
"""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

from pipeline.config import StyleConfig
from pipeline.errors import MediaError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import stage
from pipeline.media import colour
from pipeline.media.sequence import is_sequence_pattern, sequence_files
from pipeline.workarea.manifest import file_fingerprint, stable_hash

if TYPE_CHECKING:
    from pipeline.workarea.plan import ShotPlan

#: What the probe, plates and EXR of a colour-managed shot hold; it enters their
#: keys, so a change renders such shots anew once. 2: overscan in the plates,
#: straight (unpremultiplied) plates, the EXR carries the style
#: (``pipeline.media.scene_output``). Shots that are not colour-managed keep their keys.
SCENE_FORMAT = 2

Fingerprint = Callable[[Path], list]


def style_key(style: StyleConfig, fingerprint: Fingerprint = file_fingerprint) -> str:
    """Identity of a style's model: the checkpoint file, its format and kwargs."""
    ckpt = style.checkpoint
    ident = fingerprint(ckpt) if ckpt.is_file() else [str(ckpt), "not trained yet"]
    return stable_hash("style", ident, style.format, style.model)


class StageKeys:
    """The stage and chunk keys of one shot, and the identities of the files they
    depend on. ``fingerprint``: a file's identity (path, size, mtime). The plan
    makes its own (``plan.keys``); the stage table reads the identities as
    ``plan.keys.<name>_identity``, so keys are computed by that one."""

    def __init__(self, plan: "ShotPlan", fingerprint: Fingerprint = file_fingerprint):
        self.plan = plan
        self.fingerprint = fingerprint
        self._keys: dict[str, str] = {}

    # ----------------------------------------------------------- identities
    @property
    def source_identity(self) -> list:
        """The source file's (or every sequence file's) path, size and mtime, the
        source_range read of it (only when one is set: shots without one keep the
        keys they had) and, for a colour-managed shot, ``SCENE_FORMAT``."""
        cut = self.plan.cfg.source_range
        return self._source_files() + ([] if cut is None else [[cut.start, cut.duration]]) + (
            [["scene-format", SCENE_FORMAT]] if self.plan.colour is not None else [])

    def _source_files(self) -> list:
        src = self.plan.cfg.source
        if not is_sequence_pattern(src):
            return self.fingerprint(Path(src)) if Path(src).is_file() else [src, "missing"]
        try:
            return [src] + [self.fingerprint(p) for p in sequence_files(src)]
        except MediaError:
            return [src, "missing"]

    @property
    def colour_identity(self) -> Optional[list]:
        """The colour conversion of the plates: the config's content (not its path),
        colour space, display, view."""
        c = self.plan.colour
        return None if c is None else [colour.config_identity(c.source), c.colorspace,
                                       c.display, c.view]

    @property
    def output_identity(self) -> dict:
        """The shot's ``output`` section; ``burn_in`` only while it is on (shots
        without burn-ins keep the keys they had)."""
        out = asdict(self.plan.cfg.output)
        if not out["burn_in"]:
            del out["burn_in"]
        return out

    @property
    def flow_method(self) -> Any:
        """How the flow stage finds its flows: the DIS preset and, unless it is the
        two-flow ``forward_backward`` test (shots using it keep the keys they had),
        the occlusion test."""
        s = self.plan.cfg.smoothing
        return s.flow_preset if s.flow_occlusion == "forward_backward" else [
            s.flow_preset, s.flow_occlusion]

    @property
    def smoothing_identity(self) -> dict:
        """The ``smoothing`` section as the smoothing stage depends on it: without
        ``flow_occlusion`` (it reads the mask the flow stage made, whose key has it)."""
        out = asdict(self.plan.cfg.smoothing)
        del out["flow_occlusion"]
        return out

    @property
    def fps_identity(self) -> str:
        return str(self.plan.settings.fps_override)

    @property
    def style_identity(self) -> str:
        return style_key(self.plan.style, self.fingerprint)

    # ----------------------------------------------------------------- keys
    def setting(self, read: Callable[["ShotPlan"], Any]) -> Any:
        """A value a stage key depends on (one of ``Stage.settings``, read from the
        plan); a config section (a dataclass) as a mapping."""
        value = read(self.plan)
        return asdict(value) if is_dataclass(value) else value

    def key(self, name: str) -> str:
        """The key stage ``name``'s manifest must carry: its name, the keys of the
        stages it reads (None in the place of one it does not read for this
        shot) and its settings."""
        if name not in self._keys:
            st = stage(name)
            uses_flow = self.plan.settings.smoothing_uses_flow
            inputs = [self.key(u) if st.reads(u, uses_flow) else None for u in st.upstream]
            self._keys[name] = stable_hash(name, *inputs, *(self.setting(k) for k in st.settings))
        return self._keys[name]

    def chunk_key(self, name: str, chunk: Chunk) -> str:
        return stable_hash(name, self.key(name), chunk.first, chunk.last)
