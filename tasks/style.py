"""Style training as a Luigi task."""
from __future__ import annotations

import luigi

from pipeline.errors import ShotstyleError
from pipeline.graph.table import PLATES
from pipeline.stages import train
from pipeline.workarea.plan import StylePlan
from tasks.base import PipelineTask, task_for


class TrainStyle(PipelineTask):
    """Train configs/styles/<style>.yaml's generator; done when its checkpoint exists.

    Delete the checkpoint to train again. Training state is saved every minute
    under work/_styles/<style>/, so a killed training resumes.
    """
    style = luigi.Parameter(description="style name: configs/styles/<style>.yaml")
    stage_name = "train"
    resources = {"gpu": 1}

    @property
    def plan(self) -> StylePlan:
        return StylePlan.load(self.style)

    @property
    def label(self) -> str:
        return f"style {self.style}"

    def requires(self):
        try:
            training = self.plan.style.train
        except ShotstyleError:
            return []
        return [task_for(PLATES)(shot=training.shot)] if training else []  # its plates

    def output(self):
        return luigi.LocalTarget(str(self.plan.style.checkpoint))

    def execute(self, plan):
        if plan.style.train is None:
            raise ShotstyleError(f"style {self.style}: checkpoint {plan.style.checkpoint} is "
                                 f"missing and the style has no 'train' section")
        train.run(plan, self.progress())
