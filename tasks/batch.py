"""Every shot of the show in one Luigi run: `luigi --module tasks NightlyBatch`.

Run it against a central ``luigid`` with several workers (``--workers N``), and
start the same command on other hosts that share the work area to add their
workers: the scheduler hands each task to one worker, GPU stages are capped by
the scheduler's ``[resources] gpu``. A failed shot does not stop the others;
the exit code (``luigi.cfg`` ``[retcode]``) says that something failed.
"""
from __future__ import annotations

import luigi

from pipeline.config import configured_shots
from tasks.shot import RenderShot


class NightlyBatch(luigi.WrapperTask):
    """RenderShot for every shot in configs/shots/ (or the --shots subset)."""
    shots = luigi.Parameter(default="", description="comma-separated shot names "
                                                    "(default: every configs/shots/*.yaml)")

    def shot_list(self) -> list[str]:
        if self.shots.strip():
            return [s.strip() for s in self.shots.split(",") if s.strip()]
        return configured_shots()

    def requires(self):
        return [RenderShot(shot=s) for s in self.shot_list()]
