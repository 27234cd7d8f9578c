"""A shot's plan: the one object the tasks and stages are handed, composed of
the parts that answer each job.

``ShotPlan`` is built from the configs alone (plus cheap stats of the source
and checkpoint files), so every stage's expected key can be computed before any
stage has run. Its parts, each in its own module:

* ``plan.paths`` (``pipeline.workarea.paths.ShotPaths``): where the shot's files live;
* ``plan.settings`` (``pipeline.settings.ShotSettings``): the effective settings,
  which of the shot's, style's and pipeline's values wins;
* ``plan.keys`` (``pipeline.workarea.keys.StageKeys``): the stage and chunk keys;
* ``plan.colour`` / ``plan.colour_notes``: the colour policy's choice
  (``pipeline.media.colour_choice``);
* ``plan.frames`` (``pipeline.workarea.frames.ShotFrames``): the decoded frame
  range and its chunks, read from the plates stage's manifest;
* ``plan.versions`` (``pipeline.workarea.versions.ShotVersions``): the versions in
  ``renders/<shot>/`` and the one a render delivers into.

``plan.shot``, ``plan.cfg``, ``plan.style``, ``plan.pipeline`` and
``plan.config_file`` are the shot's name and configs as loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.config import (PipelineConfig, ShotConfig, StyleConfig, check_shot_name,
                             load_pipeline_config, load_shot_config, load_style_config,
                             shot_config_path)
from pipeline.graph.chunks import Chunk
from pipeline.media.colour import DisplayTransform
from pipeline.media.colour_choice import Notes, choose_colour, writes_exr_by_default
from pipeline.settings import ShotSettings
from pipeline.workarea.frames import ShotFrames
from pipeline.workarea.keys import StageKeys
from pipeline.workarea.manifest import file_fingerprint
from pipeline.workarea.paths import ShotPaths
from pipeline.workarea.versions import ShotVersions

STYLES_DIR = "_styles"  # under the work root; shot names cannot start with '_'
#: OpenVINO's converted and compiled generators, shared by all shots and hosts
OPENVINO_CACHE_DIR = "_cache/openvino"


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
    #: where the shot's files live
    paths: ShotPaths = field(init=False, repr=False, compare=False)
    #: which of the shot's, style's and pipeline's values wins
    settings: ShotSettings = field(init=False, repr=False, compare=False)
    #: the stage and chunk keys
    keys: StageKeys = field(init=False, repr=False, compare=False)
    #: the decoded frame range and its chunks
    frames: ShotFrames = field(init=False, repr=False, compare=False)
    #: the versions in renders/<shot>/ and the one a render delivers into
    versions: ShotVersions = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        paths = ShotPaths(self.shot, self.pipeline)
        settings = ShotSettings.of(self.cfg, self.pipeline, self.config_file,
                                   writes_exr_by_default(self.cfg.source, self.colour is not None))
        object.__setattr__(self, "paths", paths)
        object.__setattr__(self, "settings", settings)
        # file_fingerprint is looked up here, in this module, when the plan is made
        object.__setattr__(self, "keys", StageKeys(self, fingerprint=file_fingerprint))
        object.__setattr__(self, "frames", ShotFrames(paths, settings.chunk_size))
        object.__setattr__(self, "versions", ShotVersions(paths, self.keys))

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
        plan.paths.check_inside_roots()
        return plan

    # ------------------------------------------------------------ forwarding
    @property
    def logs_dir(self) -> Path:
        """``paths.logs_dir``: where a task logs, for the task base class that runs
        shot and style tasks alike (``StylePlan.logs_dir``)."""
        return self.paths.logs_dir

    def key(self, name: str) -> str:
        """``keys.key``: kept for the test that pins the keys unchanged."""
        return self.keys.key(name)

    def chunk_key(self, name: str, chunk: Chunk) -> str:
        """``keys.chunk_key``: kept for the test that pins the keys unchanged."""
        return self.keys.chunk_key(name, chunk)
