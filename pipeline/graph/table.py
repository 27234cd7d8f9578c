"""The stage table: every stage of a shot, declared once.

Everything that needs to know the stages reads this table, most of it through
the shot's graph (``pipeline.graph.nodes.ShotGraph``): the Luigi tasks'
``requires()`` (``tasks/shot.py``), the done-checks
(``pipeline.workarea.done``), the stage keys (``plan.keys``), the OpenJD
steps, ``status``, ``rerun`` and the report's timings.

A stage has one name. It is the name ``status`` and ``rerun`` print, the
``stage`` field of its manifests, the stem of its log files, its work folder
``work/<shot>/<name>/`` and the module that does its work,
``pipeline/stages/<name>.py`` (its ``run(ctx)``, listed in
``pipeline.stages.registry.RUN``). The command line also accepts the stage's
``aliases``. The Luigi task that runs it is named in the row (``task``: the
name on Luigi's command line and in its web UI); ``tasks/shot.py`` defines one
task class per row.

Adding a stage: a row here, its module ``pipeline/stages/<name>.py`` and its
entry in ``pipeline.stages.registry.RUN``, and its task class in ``tasks/shot.py``
(plus, for a setting its key needs that no config section has yet, that setting).
This module imports nothing of the project.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:  # only for the type of a setting; nothing is imported at run time
    from pipeline.workarea.plan import ShotPlan

PROBE = "probe"
PLATES = "plates"
FLOW = "flow"
STYLED = "styled"
FINAL = "final"
ENCODE = "encode"
METRICS = "metrics"
REPORT = "report"


@dataclass(frozen=True)
class Stage:
    name: str
    #: the Luigi task that runs it, and what that task does (its docstring)
    task: str
    summary: str
    #: other names the command line accepts (``rerun --stage``)
    aliases: tuple[str, ...] = ()
    #: runs per chunk of frames (``work/<shot>/<name>/chunks/<chunk label>.json``)
    chunked: bool = False
    #: stages whose outputs it reads, in the order their keys enter its key
    upstream: tuple[str, ...] = ()
    #: what else its key depends on, after the upstream keys, in this order: each
    #: read from the shot's ``ShotPlan`` (``cfg.`` the shot config, ``pipeline.``
    #: the pipeline config; ``keys.*_identity``: a file's identity); a config section
    #: enters as a mapping (``StageKeys.key``)
    settings: tuple[Callable[["ShotPlan"], Any], ...] = ()
    #: each chunk continues from the output of the chunk before it
    along_time: bool = False
    #: upstream stages it reads (and ``along_time`` applies) only while the
    #: shot's smoothing uses the flow (``smoothing.method`` is not ``none``)
    only_with_flow: tuple[str, ...] = ()
    #: per-frame files ``work/<shot>/<name>/<shot>.####.<ext>``, or None
    frame_ext: Optional[str] = None
    #: how the report and the metrics name its frames (a stage with frames)
    label: str = ""
    description: str = ""
    #: the files it writes besides its manifest (the deliverables, in the version
    #: the plan delivers into now; the metrics' JSON), by kind, as the plan puts them
    #: now (a function of the ``ShotPlan``, like ``settings``), or None: it is done
    #: only while its manifest lists exactly these paths under ``outputs`` and each
    #: still exists (a moved render root, a deleted movie, a new version: not done)
    outputs: Optional[Callable[["ShotPlan"], dict[str, Any]]] = None
    #: runs the style's generator: takes a ``gpu`` slot (luigi.cfg ``[resources]``)
    #: and needs the style's checkpoint (trained first when the style trains here)
    runs_model: bool = False

    @property
    def delivers(self) -> bool:
        """Its manifest lists deliverables (``outputs``)."""
        return self.outputs is not None

    @property
    def folder(self) -> str:
        """``work/<shot>/<folder>/``: the stage's name."""
        return self.name

    def reads(self, upstream: str, uses_flow: bool) -> bool:
        """Whether this stage reads ``upstream`` for a shot (``uses_flow``: its smoothing)."""
        return upstream in self.upstream and (uses_flow or upstream not in self.only_with_flow)

    def continues_previous_chunk(self, uses_flow: bool) -> bool:
        return self.along_time and (uses_flow or not self.only_with_flow)


STAGES: tuple[Stage, ...] = (
    Stage(PROBE, "ProbeSource", "Read the source's frame count, rate, size, audio and timecode.",
          settings=(lambda p: p.keys.source_identity, lambda p: p.keys.fps_identity)),
    Stage(PLATES, "DecodeFrames", "Decode the source to work/<shot>/plates/<shot>.%04d.png.",
          aliases=("decode",), upstream=(PROBE,),
          settings=(lambda p: p.cfg.first_frame, lambda p: p.cfg.deinterlace,
                    lambda p: p.keys.colour_identity),
          frame_ext="png", label="plate", description="plates"),
    Stage(FLOW, "FlowChunk", "Optical flow between consecutive plates of one chunk "
          "-> work/<shot>/flow/.", chunked=True, upstream=(PLATES,),
          settings=(lambda p: p.cfg.smoothing.flow_scale, lambda p: p.keys.flow_method),
          frame_ext="npz"),
    # Batch size and device do not change the result; precision and tiling do.
    Stage(STYLED, "StylizeChunk", "Run the style's generator over one chunk of plates "
          "-> work/<shot>/styled/.", aliases=("stylize",), chunked=True, upstream=(PLATES,),
          settings=(lambda p: p.keys.style_identity, lambda p: p.pipeline.precision,
                    lambda p: p.pipeline.cpu_backend, lambda p: p.pipeline.tile_size,
                    lambda p: p.pipeline.tile_overlap), runs_model=True,
          frame_ext="png", label="stylised", description="stylised, per frame"),
    Stage(FINAL, "SmoothChunk", "Temporal smoothing of one chunk -> work/<shot>/final/ "
          "(after the chunk before it).", aliases=("smooth",), chunked=True,
          upstream=(STYLED, FLOW), settings=(lambda p: p.keys.smoothing_identity,),
          along_time=True,
          only_with_flow=(FLOW,), frame_ext="png", label="final", description="final (smoothed)"),
    Stage(ENCODE, "EncodeClip", "Encode renders/<shot>/vNNN/<shot>_vNNN.{mov,mp4} and publish "
          "the frames into that version.", upstream=(FINAL,),
          settings=(lambda p: p.keys.output_identity,),
          outputs=lambda p: p.paths.version(p.versions.target()).encode_outputs(
              p.cfg.output, p.settings.writes_exr)),
    Stage(METRICS, "ShotMetrics", "E_warp of plates / stylised / final frames, SSIM and PSNR "
          "-> work/<shot>/metrics/metrics.json.", aliases=("metric",), upstream=(FINAL, FLOW),
          outputs=lambda p: {"metrics": p.paths.metrics_json}),
    Stage(REPORT, "ShotReport", "renders/<shot>/vNNN/report.html + report.json: contact sheet, "
          "E_warp plot, timings, config; then publish.json, the publish record, and "
          "renders/<shot>/'s links to the newest version.",
          upstream=(ENCODE, METRICS),
          outputs=lambda p: p.paths.version(p.versions.target()).report_outputs()),
)

BY_NAME: dict[str, Stage] = {s.name: s for s in STAGES}
#: The stage whose manifest gives the shot's frame range (and so its chunks).
FRAME_RANGE_FROM = PLATES
#: Stages that hold frames (the pictures the metrics and the report compare).
PICTURES: tuple[Stage, ...] = tuple(s for s in STAGES if s.label)


def stage(name: str) -> Stage:
    return BY_NAME[name]


def lookup(text: str) -> Optional[Stage]:
    """The stage called ``text`` (its name or an alias), or None."""
    for s in STAGES:
        if text == s.name or text in s.aliases:
            return s
    return None
