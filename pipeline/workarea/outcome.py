"""Where each shot of a batch stands when the batch ends: complete, failed
(a stage failed since the batch began) or not run (the scheduler went away,
another render held the shot, or no worker got to it)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from pipeline.errors import ShotstyleError
from pipeline.graph.table import REPORT
from pipeline.workarea.done import stage_done
from pipeline.workarea.lock import live_holder
from pipeline.workarea.failures import read_failure
from pipeline.workarea.plan import ShotPlan, StylePlan
from pipeline.workarea.status import shot_status

COMPLETE, FAILED, NOT_RUN = "complete", "failed", "not run"


@dataclass(frozen=True)
class ShotOutcome:
    shot: str
    state: str  # COMPLETE | FAILED | NOT_RUN
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.shot} ({self.state}{': ' + self.detail if self.detail else ''})"


def _recorded_at(failure: dict) -> float:
    try:
        return datetime.datetime.strptime(failure.get("time", ""),
                                          "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return 0.0


def shot_outcome(shot: str, since: float) -> ShotOutcome:
    """``shot``'s state now, for a batch that began at ``since`` (epoch seconds):
    a failure recorded before then is not this batch's."""
    try:
        plan = ShotPlan.load(shot)
    except ShotstyleError as exc:
        return ShotOutcome(shot, FAILED, str(exc))
    if stage_done(plan, REPORT).is_current():
        return ShotOutcome(shot, COMPLETE)
    failures = [failure for row in shot_status(plan) for failure in row.failures]
    if plan.style.train is not None:  # its style is trained first (TrainStyle)
        training = read_failure(StylePlan.load(plan.cfg.style).logs_dir, "train")
        if training is not None:
            failures.append({**training, "name": f"style {plan.cfg.style} training"})
    for failure in failures:
        if _recorded_at(failure) >= int(since):
            return ShotOutcome(shot, FAILED, f"{failure['name']}: {failure.get('error', '?')}")
    holder = live_holder(plan.paths.root)
    if holder is not None and not holder.shared:
        return ShotOutcome(shot, NOT_RUN, f"another render holds it: {holder.describe()}")
    return ShotOutcome(shot, NOT_RUN)
