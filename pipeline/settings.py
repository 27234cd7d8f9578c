"""The effective settings of a shot: which value wins between the shot's config,
its style's and the pipeline's.

Every rule "the shot's value, else the style's, else the pipeline's" for the
settings the stages read lives here, in ``ShotSettings.of``; the stages read
the result (``plan.settings``), not the three configs. The display and view
(shot, else style, else pipeline, else the OCIO config's default) are part of
the colour policy: ``pipeline.media.colour_choice``.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

from pipeline.config import PipelineConfig, ShotConfig, check_delivers, parse_fps


@dataclass(frozen=True)
class ShotSettings:
    #: frames per chunk of the chunked stages: the shot's, else the pipeline's
    chunk_size: int
    #: frames per batch of the generator: the shot's, else the pipeline's
    batch_size: int
    #: the shot's frame rate, overriding the source's (None: the source's)
    fps_override: Optional[Fraction]
    #: renders/<shot>/exr/: the shot's ``output.exr``, else the colour policy's default
    writes_exr: bool
    #: the smoothing reads the optical flow (``smoothing.method`` is not ``none``)
    smoothing_uses_flow: bool

    @classmethod
    def of(cls, cfg: ShotConfig, pipeline: PipelineConfig, config_file: Path,
           exr_by_default: bool) -> "ShotSettings":
        """The settings of the shot configured by ``cfg`` (read from
        ``config_file``); ``exr_by_default``: whether the colour policy writes EXR
        when the shot does not say (``colour_choice.writes_exr_by_default``)."""
        writes_exr = cfg.output.exr if cfg.output.exr is not None else exr_by_default
        check_delivers(config_file, cfg.output, writes_exr)
        return cls(
            chunk_size=cfg.chunk_size or pipeline.chunk_size,
            batch_size=cfg.batch_size or pipeline.batch_size,
            fps_override=(None if cfg.fps is None
                          else parse_fps(cfg.fps, f"{config_file}: key 'fps'")),
            writes_exr=writes_exr,
            smoothing_uses_flow=cfg.smoothing.method != "none",
        )
