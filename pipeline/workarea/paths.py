"""Where a shot's files live: its work area and its deliverables.

``ShotPaths`` is built from the pipeline config and the shot's name alone:
``work/<shot>/`` (the stages' folders, manifests, per-frame files and logs)
and ``renders/<shot>/`` (the movies, frames, EXR, metrics and report). It
reads no file (but ``check_inside_roots``, which resolves links): it refuses a
name that would write outside the work or render root, and roots laid out so
that a shot's work area and deliverables would share a folder.
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
        """ConfigError where the shot's name would put its folders outside the roots,
        or its work area and its deliverables (or the other root) in one folder: the
        roots are one folder, or the shot is named as the folder that holds one
        root inside the other (``renders`` for a render root ``work/renders``), so
        that ``rerun`` would delete deliverables and the report stage's folder
        would be its pictures'."""
        work_root, render_root = (self.pipeline.work_root.resolve(),
                                  self.pipeline.render_root.resolve())
        for root, path in ((work_root, self.root), (render_root, self.render_dir)):
            if not path.resolve().is_relative_to(root):
                raise ConfigError(f"shot name {self.shot!r} would write outside {root}")
        if work_root == render_root:
            raise ConfigError(f"the work root and the render root are one folder, {work_root}: "
                              f"set render_root (or $SHOTSTYLE_RENDER_ROOT) to another folder, "
                              f"e.g. {work_root / 'renders'}")
        work, render = self.root.resolve(), self.render_dir.resolve()
        for mine, other in ((work, render_root), (render, work_root)):
            if other.is_relative_to(mine):
                raise ConfigError(f"shot name {self.shot!r}: its folder {mine} holds the "
                                  f"{'render' if other == render_root else 'work'} root "
                                  f"{other}; rename the shot or move that root")

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
