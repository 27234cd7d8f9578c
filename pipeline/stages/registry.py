"""Every stage's function: ``RUN``, stage name -> ``pipeline/stages/<stage>.py``'s
``run(ctx)``. Importing it imports every stage module (and what they import:
OpenCV, NumPy, Jinja2), so the Luigi tasks import it only when a stage runs."""
from __future__ import annotations

from typing import Any, Callable, Optional

from pipeline.graph.chunks import Chunk
from pipeline.graph.table import ENCODE, FINAL, FLOW, METRICS, PLATES, PROBE, REPORT, STYLED
from pipeline.stages import encode, final, flow, metrics, plates, probe, report, styled
from pipeline.stages.common import Progress, StageRun
from pipeline.stages.memory import settle_malloc

#: stage name -> its function (every row of the stage table has one)
RUN: dict[str, Callable[[StageRun], Any]] = {
    PROBE: probe.run,
    PLATES: plates.run,
    FLOW: flow.run,
    STYLED: styled.run,
    FINAL: final.run,
    ENCODE: encode.run,
    METRICS: metrics.run,
    REPORT: report.run,
}


def run_stage(plan, name: str, chunk: Optional[Chunk] = None, progress: Progress = None) -> Any:
    """Run stage ``name`` (one ``chunk`` of a chunked stage) for ``plan``'s shot,
    with its malloc policy (``pipeline.stages.memory``)."""
    settle_malloc(name)
    return RUN[name](StageRun(plan, name, chunk, progress))
