"""Every shot of the show: `shotstyle-batch [--shots a,b] [Luigi options]`.

``NightlyBatch`` is the Luigi task (``luigi --module tasks NightlyBatch``).
Luigi's exit code tells how one worker's run went, not whether the night's
work is done: a worker that lost its ``luigid`` exits 25 with nothing rendered,
a second host that found the work done by the first exits 10 or 25. The batch
command runs ``NightlyBatch`` through the ``luigi`` command and then looks at
the shots themselves, on the shared work area:

- every requested shot complete: exit 0 (a host that finds the work done too);
- otherwise one line naming each incomplete shot and why, and exit 30
  (``luigi.cfg`` ``[retcode] task_failed``) when a shot failed during this
  batch, else 35 (``scheduling_error``: left unrun).

Shots left unrun (the scheduler was restarted, or its workers lost it for
longer than Luigi's RPC retries, or another render held the shot) are run
again; failed ones are not, in up to
``--rounds`` rounds ``--round-wait`` seconds apart: the workers reconnect and
finish the night. Run the same command on every host that shares the work
area, against one ``luigid`` (``--scheduler-host``), with ``--workers N``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Callable, Optional

import luigi
import luigi.retcodes

from pipeline.config import configured_shots
from pipeline.errors import ShotstyleError
from pipeline.openjd.parameters import luigi_command
from pipeline.workarea.outcome import COMPLETE, FAILED, NOT_RUN, shot_outcome
from tasks.shot import RenderShot


class NightlyBatch(luigi.WrapperTask):
    """RenderShot for every shot in configs/shots/ (or the --shots subset)."""
    shots = luigi.Parameter(default="", description="comma-separated shot names "
                                                    "(default: every configs/shots/*.yaml)")

    def shot_list(self) -> list[str]:
        return shot_list(self.shots)

    def requires(self):
        return [RenderShot(shot=s) for s in self.shot_list()]


def shot_list(shots: str) -> list[str]:
    if shots.strip():
        return [s.strip() for s in shots.split(",") if s.strip()]
    return configured_shots()


#: luigi's exit code for a command line it does not take: another round would not help
USAGE_ERROR = 2


def _say(level: str, message: str) -> None:
    print(f"shotstyle: {level}: {message}", file=sys.stderr, flush=True)


def luigi_subprocess(argv: list[str]) -> int:
    """Run ``luigi --module tasks <argv>``: its exit code."""
    return subprocess.run([luigi_command(), "--module", "tasks", *argv]).returncode


#: luigi.cfg's [retcode] as shipped: what an exit code falls back to where the
#: config is not found (Luigi's own defaults are all 0, which would say "done").
RETCODES = {"already_running": 10, "missing_data": 20, "not_run": 25, "task_failed": 30,
            "scheduling_error": 35, "unhandled_exception": 40}


def retcodes() -> dict[str, int]:
    """luigi.cfg's [retcode] (and ``--retcode-*`` options), any left at 0 as shipped."""
    codes = luigi.retcodes.retcode()
    return {name: getattr(codes, name) or default for name, default in RETCODES.items()}


def run_batch(shots: list[str], luigi_args: list[str], rounds: int, round_wait: float,
              run_luigi: Callable[[list[str]], int] = luigi_subprocess) -> int:
    """``run_luigi(argv)`` runs one round (Luigi's command line, less ``--module``)
    and gives Luigi's exit code: by default the ``luigi`` command; ``shotstyle
    batch`` runs it in its own process (``tasks/cli.py``)."""
    codes = retcodes()
    since = time.time()
    todo = list(shots)
    for round_no in range(1, rounds + 1):
        returncode = run_luigi(["NightlyBatch", "--shots", ",".join(todo), *luigi_args])
        outcomes = {s: shot_outcome(s, since) for s in shots}
        unrun = [s for s in todo if outcomes[s].state == NOT_RUN]
        if not unrun or round_no == rounds or returncode == USAGE_ERROR:
            break
        _say("WARNING", f"batch round {round_no} of {rounds} ended (luigi exit "
                        f"{returncode}) with {len(unrun)} shot(s) not run: "
                        f"{', '.join(unrun)}; running them again in {round_wait:g} s")
        time.sleep(round_wait)
        todo = unrun
    incomplete = [o for o in outcomes.values() if o.state != COMPLETE]
    if not incomplete:
        _say("INFO", f"batch complete: {len(shots)} of {len(shots)} shots")
        return 0
    _say("error", f"batch incomplete: {len(incomplete)} of {len(shots)} shots not complete: "
                  + "; ".join(map(str, incomplete)))
    failed = any(o.state == FAILED for o in incomplete)
    return codes["task_failed"] if failed else codes["scheduling_error"]


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="shotstyle-batch",
        description="Render every shot (or --shots) through Luigi's NightlyBatch; exit 0 "
                    "only when every shot is complete. Other options go to the luigi "
                    "command (--workers N, --scheduler-host H, --worker-keep-alive, "
                    "--local-scheduler, ...).")
    ap.add_argument("--shots", default="", help="comma-separated shot names "
                                                "(default: every configs/shots/*.yaml)")
    ap.add_argument("--rounds", type=int, default=4,
                    help="run shots left unrun again, up to this many rounds in all (4)")
    ap.add_argument("--round-wait", type=float, default=30.0,
                    help="seconds between rounds (30)")
    args, luigi_args = ap.parse_known_args(argv)
    try:
        shots = shot_list(args.shots)
        if not shots:
            raise ShotstyleError("no shots to render: configs/shots/ has no *.yaml")
    except ShotstyleError as exc:
        _say("error", str(exc))
        return 2
    return run_batch(shots, luigi_args, max(1, args.rounds), max(0.0, args.round_wait))


if __name__ == "__main__":
    sys.exit(main())
