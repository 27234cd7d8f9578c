"""A tiny real shot whose stage functions run in-process, in the stage table's
order: ``run_stages(plan, "final")`` runs probe, plates, flow, styled and final
(every chunk) on it. The generator is the project's tiny U-Net on PyTorch
(no OpenVINO compile), on the CPU."""
from __future__ import annotations

import pytest
import yaml

from helpers import make_clip, write_yaml
from pipeline.workarea.plan import ShotPlan

ORDER = ("probe", "plates", "flow", "styled", "final", "encode", "metrics", "report")


@pytest.fixture
def tiny_shot(project, tmp_path):
    """Shot st1: 6 frames of 32x24, chunks of 4: 1001-1004 and 1005-1006.
    Returns a function: ``tiny_shot(**shot_config)`` configures it and gives its plan."""
    cfg = yaml.safe_load((project.configs / "pipeline.yaml").read_text())
    write_yaml(project.configs / "pipeline.yaml", {**cfg, "cpu_backend": "torch"})
    clip = make_clip(tmp_path / "st1.mov", 32, 24, frames=6, audio=False, pix_fmt="yuv444p",
                     extra=("-qp", "0"))

    def configure(**extra) -> ShotPlan:
        project.add_shot("st1", clip, **extra)
        return ShotPlan.load("st1")
    return configure


@pytest.fixture
def run_stages():
    from pipeline.graph.table import stage
    from pipeline.stages.registry import run_stage

    def run(plan: ShotPlan, upto: str) -> None:
        for name in ORDER[:ORDER.index(upto) + 1]:
            if not stage(name).chunked:
                run_stage(plan, name)
            else:
                for chunk in plan.frames.chunks():
                    run_stage(plan, name, chunk)
    return run
