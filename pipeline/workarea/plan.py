"""Where a shot's files live, and the keys that say whether a stage is current.

``ShotPlan`` is built from the configs alone (plus cheap stats of the source
and checkpoint files), so every stage's expected key can be computed before any
stage has run: a stage is done when its manifest carries that key. A stage's
key hashes its name, the keys of the stages it reads and the settings it
depends on, as the stage table (``pipeline.graph.table``) lists them, so
changing the source, the style checkpoint, the precision or the smoothing
settings changes the keys of the affected stage and everything downstream.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Optional

from pipeline.config import (PipelineConfig, ShotConfig, StyleConfig, check_shot_name,
                             load_pipeline_config, load_shot_config, load_style_config,
                             parse_fps, shot_config_path)
from pipeline.errors import ConfigError, MediaError, NotReadyError
from pipeline.graph.chunks import Chunk, layout
from pipeline.graph.table import FRAME_RANGE_FROM, Stage, stage
from pipeline.media import colour
from pipeline.media.colour import DisplayTransform
from pipeline.media.colour_choice import SCENE_SEQUENCES, Notes, choose_colour, source_extension
from pipeline.media.sequence import frame_path, is_sequence_pattern, sequence_files
from pipeline.workarea.manifest import file_fingerprint, read_manifest, stable_hash

STYLES_DIR = "_styles"  # under the work root; shot names cannot start with '_'

#: What the probe, plates and EXR of a colour-managed shot hold; it enters their
#: keys, so a change renders such shots anew once. 2: overscan in the plates,
#: straight (unpremultiplied) plates, the EXR carries the style
#: (``pipeline.media.scene_output``). Shots that are not colour-managed keep their keys.
SCENE_FORMAT = 2


def style_key(style: StyleConfig) -> str:
    """Identity of a style's model: the checkpoint file, its format and kwargs."""
    ckpt = style.checkpoint
    ident = file_fingerprint(ckpt) if ckpt.is_file() else [str(ckpt), "not trained yet"]
    return stable_hash("style", ident, style.format, style.model)


@dataclass(frozen=True)
class StylePlan:
    """A style's config and where its training keeps state and logs."""
    name: str
    pipeline: PipelineConfig
    style: StyleConfig

    @classmethod
    def load(cls, name: str, cfg_dir: Optional[Path] = None) -> "StylePlan":
        return cls(name, load_pipeline_config(cfg_dir), load_style_config(name, cfg_dir))

    @property
    def root(self) -> Path:
        return self.pipeline.work_root / STYLES_DIR / self.name

    @property
    def state_path(self) -> Path:
        return self.root / "train.state"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"


@dataclass(frozen=True)
class ShotPlan:
    shot: str
    pipeline: PipelineConfig
    cfg: ShotConfig
    style: StyleConfig
    config_file: Path
    #: How the source's colours reach the display-referred plates (None: the source
    #: is display-referred and decoded as it is, as for movies).
    colour: Optional[DisplayTransform] = None
    #: (logging level, line): which colour space, display and view won and why, and
    #: colour warnings; logged by the plates stage
    colour_notes: Notes = ()
    _keys: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def load(cls, shot: str, cfg_dir: Optional[Path] = None) -> "ShotPlan":
        check_shot_name(shot)
        pipeline = load_pipeline_config(cfg_dir)
        cfg = load_shot_config(shot, cfg_dir)
        style = load_style_config(cfg.style, cfg_dir)
        config_file = shot_config_path(shot, cfg_dir)
        choice = choose_colour(shot, cfg, style, pipeline, config_file)
        plan = cls(shot, pipeline, cfg, style, config_file,
                   *((choice.transform, choice.notes) if choice else ()))
        plan._check_inside_roots()
        return plan

    # ---------------------------------------------------------------- paths
    @property
    def root(self) -> Path:
        return self.pipeline.work_root / self.shot

    @property
    def render_dir(self) -> Path:
        return self.pipeline.render_root / self.shot

    def _check_inside_roots(self) -> None:
        for root, path in ((self.pipeline.work_root, self.root),
                           (self.pipeline.render_root, self.render_dir)):
            if not path.resolve().is_relative_to(root.resolve()):
                raise ConfigError(f"shot name {self.shot!r} would write outside {root}")

    def stage_dir(self, name: str) -> Path:
        """``work/<shot>/<stage folder>/``."""
        return self.root / stage(name).folder

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def stage_manifest(self, name: str) -> Path:
        return self.stage_dir(name) / "manifest.json"

    def chunk_manifest(self, name: str, chunk: Chunk) -> Path:
        return self.stage_dir(name) / "chunks" / f"{chunk.label}.json"

    def frame_file(self, name: str, frame: int) -> Path:
        """Stage ``name``'s file for ``frame`` (its ``frame_ext``); for the flow stage,
        the flows between plates frame-1 and frame (``FlowPair``)."""
        return frame_path(self.stage_dir(name), self.shot, frame, stage(name).frame_ext)

    @property
    def metrics_json(self) -> Path:
        return self.render_dir / "metrics.json"

    @property
    def report_html(self) -> Path:
        return self.render_dir / "report.html"

    @property
    def report_json(self) -> Path:
        return self.render_dir / "report.json"

    @property
    def report_images_dir(self) -> Path:
        return self.render_dir / "report"

    @property
    def movie_paths(self) -> dict[str, Path]:
        out = {}
        if self.cfg.output.mov:
            out["mov"] = self.render_dir / f"{self.shot}_styled.mov"
        if self.cfg.output.mp4:
            out["mp4"] = self.render_dir / f"{self.shot}_styled.mp4"
        return out

    @property
    def frames_out_dir(self) -> Path:
        return self.render_dir / "frames"

    @property
    def exr_out_dir(self) -> Path:
        return self.render_dir / "exr"

    @property
    def writes_exr(self) -> bool:
        """renders/<shot>/exr/: asked for, or by default for EXR and DPX sources."""
        if self.cfg.output.exr is not None:
            return self.cfg.output.exr
        return self.colour is not None and source_extension(self.cfg.source) in SCENE_SEQUENCES

    # ------------------------------------------------------------- settings
    @property
    def chunk_size(self) -> int:
        return self.cfg.chunk_size or self.pipeline.chunk_size

    @property
    def batch_size(self) -> int:
        return self.cfg.batch_size or self.pipeline.batch_size

    @property
    def fps_override(self) -> Optional[Fraction]:
        if self.cfg.fps is None:
            return None
        return parse_fps(self.cfg.fps, f"{self.config_file}: key 'fps'")

    @property
    def smoothing_uses_flow(self) -> bool:
        return self.cfg.smoothing.method != "none"

    def reads(self, consumer: Stage, upstream: str) -> bool:
        """Whether stage ``consumer`` reads ``upstream``'s outputs for this shot."""
        return consumer.reads(upstream, self.smoothing_uses_flow)

    # ----------------------------------------------------------------- keys
    @property
    def source_identity(self) -> list:
        """The source file's (or every sequence file's) path, size and mtime, the
        source_range read of it (only when one is set: shots without one keep the
        keys they had) and, for a colour-managed shot, ``SCENE_FORMAT``."""
        cut = self.cfg.source_range
        return self._source_files() + ([] if cut is None else [[cut.start, cut.duration]]) + (
            [["scene-format", SCENE_FORMAT]] if self.colour is not None else [])

    def _source_files(self) -> list:
        src = self.cfg.source
        if not is_sequence_pattern(src):
            return file_fingerprint(Path(src)) if Path(src).is_file() else [src, "missing"]
        try:
            return [src] + [file_fingerprint(p) for p in sequence_files(src)]
        except MediaError:
            return [src, "missing"]

    @property
    def colour_identity(self) -> Optional[list]:
        """The colour conversion of the plates: the config's content (not its path),
        colour space, display, view."""
        c = self.colour
        return None if c is None else [colour.config_identity(c.source), c.colorspace,
                                       c.display, c.view]

    @property
    def fps_identity(self) -> str:
        return str(self.fps_override)

    @property
    def style_identity(self) -> str:
        return style_key(self.style)

    def setting(self, read: Callable[["ShotPlan"], Any]) -> Any:
        """A value a stage key depends on (one of ``Stage.settings``, read from this
        plan); a config section (a dataclass) as a mapping."""
        value = read(self)
        return asdict(value) if is_dataclass(value) else value

    def key(self, name: str) -> str:
        """The key stage ``name``'s manifest must carry: its name, the keys of the
        stages it reads (None in the place of one it does not read for this
        shot) and its settings."""
        if name not in self._keys:
            st = stage(name)
            inputs = [self.key(u) if self.reads(st, u) else None for u in st.upstream]
            self._keys[name] = stable_hash(name, *inputs, *(self.setting(k) for k in st.settings))
        return self._keys[name]

    def chunk_key(self, name: str, chunk: Chunk) -> str:
        return stable_hash(name, self.key(name), chunk.first, chunk.last)

    # --------------------------------------------------------- frame ranges
    def frame_range(self) -> tuple[int, int]:
        """The decoded frame range; needs the plates stage's manifest."""
        data = read_manifest(self.stage_manifest(FRAME_RANGE_FROM))
        if not data or not data.get("frames"):
            raise NotReadyError(f"{self.shot}: plates are not decoded yet")
        first, last = data["frames"]
        return int(first), int(last)

    def chunks(self, frames: Optional[tuple[int, int]] = None) -> list[Chunk]:
        """The chunks of the decoded frame range (NotReadyError before the plates
        are decoded), or of ``frames`` (first, last)."""
        first, last = frames or self.frame_range()
        return layout(first, last, self.chunk_size)
