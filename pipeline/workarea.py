"""Where a shot's files live, and the keys that say whether a stage is current.

``ShotPlan`` is built from the configs alone (plus cheap stats of the source
and checkpoint files), so every stage's expected key can be computed before any
stage has run: a stage is done when its manifest carries that key. Changing the
source, the style checkpoint, the precision or the smoothing settings changes
the keys of the affected stage and everything downstream.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Optional

from pipeline.config import (PipelineConfig, ShotConfig, StyleConfig, check_shot_name,
                             load_pipeline_config, load_shot_config, load_style_config,
                             parse_fps, shot_config_path)
from pipeline.errors import ConfigError
from pipeline.frames import chunk_ranges, frame_path, is_sequence_pattern, to_printf
from pipeline.manifest import file_fingerprint, read_manifest, stable_hash

STYLES_DIR = "_styles"  # under the work root; shot names cannot start with '_'


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

    @classmethod
    def load(cls, shot: str, cfg_dir: Optional[Path] = None) -> "ShotPlan":
        check_shot_name(shot)
        pipeline = load_pipeline_config(cfg_dir)
        cfg = load_shot_config(shot, cfg_dir)
        style = load_style_config(cfg.style, cfg_dir)
        plan = cls(shot, pipeline, cfg, style, shot_config_path(shot, cfg_dir))
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

    def stage_dir(self, stage: str) -> Path:
        return self.root / stage

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def probe_manifest(self) -> Path:
        return self.root / "probe" / "manifest.json"

    def stage_manifest(self, stage: str) -> Path:
        return self.stage_dir(stage) / "manifest.json"

    def chunk_manifest(self, stage: str, first: int, last: int) -> Path:
        return self.stage_dir(stage) / "chunks" / f"{first:04d}-{last:04d}.json"

    def flow_path(self, frame: int) -> Path:
        """Flows between plates frame-1 and frame (``pipeline.flow.FlowPair``)."""
        return frame_path(self.stage_dir("flow"), self.shot, frame, "npz")

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

    # ----------------------------------------------------------------- keys
    def _source_fingerprint(self) -> list:
        src = self.cfg.source
        if not is_sequence_pattern(src):
            return file_fingerprint(Path(src)) if Path(src).is_file() else [src, "missing"]
        printf = Path(to_printf(src))
        folder = printf.parent
        stem = printf.name.split("%")[0]
        if not folder.is_dir():
            return [src, "missing"]
        return [src] + sorted(file_fingerprint(p) for p in folder.iterdir()
                              if p.name.startswith(stem))

    @cached_property
    def probe_key(self) -> str:
        return stable_hash("probe", self._source_fingerprint(), str(self.fps_override))

    @cached_property
    def plates_key(self) -> str:
        return stable_hash("plates", self.probe_key, self.cfg.first_frame)

    @cached_property
    def style_key(self) -> str:
        return style_key(self.style)

    @cached_property
    def styled_key(self) -> str:
        # Batch size and device do not change the result; precision and tiling do.
        p = self.pipeline
        return stable_hash("styled", self.plates_key, self.style_key, p.precision,
                           p.tile_size, p.tile_overlap)

    @property
    def smoothing_uses_flow(self) -> bool:
        return self.cfg.smoothing.method != "none"

    @cached_property
    def flow_key(self) -> str:
        s = self.cfg.smoothing
        return stable_hash("flow", self.plates_key, s.flow_scale, s.flow_preset)

    @cached_property
    def final_key(self) -> str:
        flow = self.flow_key if self.smoothing_uses_flow else None
        return stable_hash("final", self.styled_key, flow, asdict(self.cfg.smoothing))

    @cached_property
    def metrics_key(self) -> str:
        return stable_hash("metrics", self.final_key, self.flow_key)

    @cached_property
    def encode_key(self) -> str:
        return stable_hash("encode", self.final_key, asdict(self.cfg.output))

    @cached_property
    def report_key(self) -> str:
        return stable_hash("report", self.encode_key, self.metrics_key)

    def chunk_key(self, stage: str, first: int, last: int) -> str:
        base = {"flow": self.flow_key, "styled": self.styled_key,
                "final": self.final_key}[stage]
        return stable_hash(stage, base, first, last)

    # --------------------------------------------------------- frame ranges
    def frame_range(self) -> tuple[int, int]:
        """The decoded frame range; needs the plates stage's manifest."""
        data = read_manifest(self.stage_manifest("plates"))
        if not data or not data.get("frames"):
            raise RuntimeError(f"{self.shot}: plates are not decoded yet")
        first, last = data["frames"]
        return int(first), int(last)

    def chunks(self) -> list[tuple[int, int]]:
        first, last = self.frame_range()
        return chunk_ranges(first, last, self.chunk_size)
