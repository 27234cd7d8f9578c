"""Where a shot's files live: its work area and its deliverables.

``ShotPaths`` is built from the pipeline config and the shot's name alone:
``work/<shot>/`` (the stages' folders, manifests, per-frame files and logs)
and ``renders/<shot>/``: its versions ``vNNN/`` (``VersionPaths``: the movies,
frames, EXR, metrics, report and publish record of one render, every media file
named with the version) and, under today's names, the links to the newest
version (``newest_names``); which version is which is
``pipeline.workarea.versions``' to say. It reads no file (but
``check_inside_roots``, which resolves links): it refuses a name that would
write outside the work or render root, and roots laid out so that a shot's work
area and deliverables would share a folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import OutputConfig, PipelineConfig
from pipeline.errors import ConfigError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import METRICS, stage
from pipeline.media.sequence import frame_path

#: renders/<shot>/<name>/: what the render folder held before versions, moved
#: aside by the first versioned render (``pipeline.stages.latest``)
UNVERSIONED = "v000_unversioned"
#: renders/<shot>/.latest/vNNN/: the newest version's frame sequences under
#: today's frame names (relative links), which ``frames/`` and ``exr/`` point at
LATEST_VIEW = ".latest"
#: the kinds of file that are frame sequences, and their extension
SEQUENCE_EXT = {"frames": "png", "exr": "exr"}


def version_name(number: int) -> str:
    """``v001``, ``v002``, ... (``v1000`` after ``v999``)."""
    return f"v{number:03d}"


@dataclass(frozen=True)
class VersionPaths:
    """``renders/<shot>/vNNN/``: one version's files. The media carry the version in
    their names (``<shot>_v002.mov``, ``frames/<shot>_v002.1001.png``); the report,
    metrics and publish record keep today's names inside the folder."""
    shot: str
    number: int
    folder: Path

    @property
    def name(self) -> str:
        return version_name(self.number)

    @property
    def stem(self) -> str:
        """``<shot>_v002``: the movies' and frames' name."""
        return f"{self.shot}_{self.name}"

    def movie_paths(self, output: OutputConfig) -> dict[str, Path]:
        """The movies the shot's ``output`` section asks for, by container."""
        return {kind: self.folder / f"{self.stem}.{kind}"
                for kind, wanted in (("mov", output.mov), ("mp4", output.mp4)) if wanted}

    def encode_outputs(self, output: OutputConfig, writes_exr: bool) -> dict[str, Path]:
        """Everything the encode stage delivers, by kind, in the order it writes them:
        the movies, ``frames/`` and (``writes_exr``) ``exr/``."""
        out = self.movie_paths(output)
        if output.frames:
            out["frames"] = self.frames_dir
        if writes_exr:
            out["exr"] = self.exr_dir
        return out

    @property
    def frames_dir(self) -> Path:
        return self.folder / "frames"

    @property
    def exr_dir(self) -> Path:
        return self.folder / "exr"

    @property
    def metrics_json(self) -> Path:
        return self.folder / "metrics.json"

    @property
    def report_html(self) -> Path:
        return self.folder / "report.html"

    @property
    def report_json(self) -> Path:
        return self.folder / "report.json"

    @property
    def report_images_dir(self) -> Path:
        return self.folder / "report"

    @property
    def thumbnail(self) -> Path:
        """A small JPEG of the middle final frame, for a publisher's thumbnail."""
        return self.folder / f"{self.stem}_thumb.jpg"

    @property
    def publish_json(self) -> Path:
        """The publish record (``pipeline.stages.publish``): written last, it makes
        the version published."""
        return self.folder / "publish.json"

    def report_outputs(self) -> dict[str, Path]:
        """What the report stage's manifest lists, by kind."""
        return {"html": self.report_html, "json": self.report_json,
                "publish": self.publish_json}

    def files(self) -> dict[str, Path]:
        """Every file (folder) a version may hold, by kind; which are there depends on
        the shot's ``output`` section (``newest_names`` has the same kinds)."""
        return {"mov": self.folder / f"{self.stem}.mov", "mp4": self.folder / f"{self.stem}.mp4",
                "frames": self.frames_dir, "exr": self.exr_dir, "metrics": self.metrics_json,
                "html": self.report_html, "json": self.report_json,
                "report_images": self.report_images_dir, "publish": self.publish_json}


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
        """The metrics stage's ``work/<shot>/metrics/metrics.json``; each version
        holds a copy (``VersionPaths.metrics_json``)."""
        return self.stage_dir(METRICS) / "metrics.json"

    def version(self, number: int) -> VersionPaths:
        """``renders/<shot>/vNNN/``."""
        return VersionPaths(self.shot, number, self.render_dir / version_name(number))

    def newest_names(self) -> dict[str, Path]:
        """Today's names in ``renders/<shot>/``, by the kind of ``VersionPaths.files``
        each links to in the newest version: ``<shot>_styled.mov`` / ``.mp4``,
        ``frames/``, ``exr/``, ``metrics.json``, ``report.html``, ``report.json``,
        ``report/`` and ``publish.json``."""
        d = self.render_dir
        return {"mov": d / f"{self.shot}_styled.mov", "mp4": d / f"{self.shot}_styled.mp4",
                "frames": d / "frames", "exr": d / "exr", "metrics": d / "metrics.json",
                "html": d / "report.html", "json": d / "report.json",
                "report_images": d / "report", "publish": d / "publish.json"}

    @property
    def unversioned_dir(self) -> Path:
        return self.render_dir / UNVERSIONED

    @property
    def latest_view_dir(self) -> Path:
        return self.render_dir / LATEST_VIEW
