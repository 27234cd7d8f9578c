"""Where a shot's files live: its work area and its deliverables.

``ShotPaths`` is built from the pipeline config and the shot's name alone:
``work/<shot>/`` (the stages' folders, manifests, per-frame files and logs)
and ``renders/<shot>/`` (the movies, frames, EXR, metrics and report). It
reads no file; ``check_inside_roots`` refuses a name that would write outside
the work or render root.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import OutputConfig, PipelineConfig
from pipeline.errors import ConfigError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import stage
from pipeline.media.sequence import frame_path


@dataclass(frozen=True)
class ShotPaths:
    shot: str
    pipeline: PipelineConfig

    @property
    def root(self) -> Path:
        """``work/<shot>/``."""
        return self.pipeline.work_root / self.shot

    @property
    def render_dir(self) -> Path:
        """``renders/<shot>/``."""
        return self.pipeline.render_root / self.shot

    def check_inside_roots(self) -> None:
        """ConfigError where the shot's name would put its folders outside the roots."""
        for root, path in ((self.pipeline.work_root, self.root),
                           (self.pipeline.render_root, self.render_dir)):
            if not path.resolve().is_relative_to(root.resolve()):
                raise ConfigError(f"shot name {self.shot!r} would write outside {root}")

    # ------------------------------------------------------------ work area
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

    # --------------------------------------------------------- deliverables
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
    def publish_json(self) -> Path:
        """The publish record (``pipeline.stages.publish``)."""
        return self.render_dir / "publish.json"

    @property
    def report_images_dir(self) -> Path:
        return self.render_dir / "report"

    def movie_paths(self, output: OutputConfig) -> dict[str, Path]:
        """The movies the shot's ``output`` section asks for, by container."""
        out = {}
        if output.mov:
            out["mov"] = self.render_dir / f"{self.shot}_styled.mov"
        if output.mp4:
            out["mp4"] = self.render_dir / f"{self.shot}_styled.mp4"
        return out

    def encode_outputs(self, output: OutputConfig, writes_exr: bool) -> dict[str, Path]:
        """Everything the encode stage delivers, by kind, in the order it writes them:
        the movies, ``frames/`` and (``writes_exr``) ``exr/``."""
        out = self.movie_paths(output)
        if output.frames:
            out["frames"] = self.frames_out_dir
        if writes_exr:
            out["exr"] = self.exr_out_dir
        return out

    @property
    def frames_out_dir(self) -> Path:
        return self.render_dir / "frames"

    @property
    def exr_out_dir(self) -> Path:
        return self.render_dir / "exr"
