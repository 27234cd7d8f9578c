"""``shotstyle``: the one command. ``render`` and ``batch`` run Luigi in this
process and show progress (``tasks/progress.py``) instead of Luigi's lines;
``status``, ``rerun``, ``metrics``, ``keyframe``, ``shots-from-edit`` and
``submit`` are ``python -m pipeline``'s (``pipeline/cli.py``).

``luigi --module tasks RenderShot --shot s01``, ``python -m pipeline ...`` and
``shotstyle-batch`` work as before.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import luigi
import luigi.cmdline_parser
import luigi.execution_summary
import luigi.interface
import luigi.retcodes
from luigi.setup_logging import InterfaceLogging

import tasks  # noqa: F401  (defines and registers the Luigi tasks)
from pipeline import cli as pipeline_cli
from pipeline.config import (config_dir, configured_shots, load_pipeline_config,
                             shot_config_path)
from pipeline.errors import ShotstyleError, os_error
from pipeline.workarea.outcome import COMPLETE, FAILED, shot_outcome
from pipeline.workarea.paths import ShotPaths
from pipeline.workarea.plan import ShotPlan
from pipeline.workarea.roots import check_roots, check_shot_folders
from tasks import batch as nightly
from tasks.base import INTERRUPTED, stop_if_interrupted
from tasks.progress import Display, PlainDisplay, TtyDisplay, listening, took

PROG = "shotstyle"

#: the exit codes luigi.cfg's [retcode] gives; used for any it leaves at Luigi's 0
USAGE = 2

EPILOG = """\
examples:
  shotstyle render s01 --local-scheduler          render one shot on this machine
  shotstyle render s01 s02 --workers 4 --scheduler-host farm01
  shotstyle batch --scheduler-host farm01 --workers 4     every shot of configs/shots/
  shotstyle status                                where each shot and stage stands, its versions
  shotstyle rerun s01 --stage styled --frames 1001-1048
  shotstyle keyframe s01 1001
  shotstyle shots-from-edit cut.edl --style ink
  shotstyle submit openjd s01 s02 --bundle jobs/s01_s02   a job bundle for the farm

render and batch: on a terminal, a progress line per running stage and a summary;
piped, on a farm, with $CI set or --plain, a line per stage start and finish.
Luigi's own lines go to work/_logs/ (and the stages' to work/<shot>/logs/);
--verbose shows them as the luigi command does. Other options go to Luigi
(--workers N, --scheduler-host H, --local-scheduler, ...; give others as --option=value).

exit codes (render and batch; the numbers are luigi.cfg's [retcode]):
  0   every shot asked for is complete (also when it already was)
  2   bad command line, unknown shot, bad configs, or a root or shot folder
      that cannot be written (one line says which)
  10  render: the same command is already running here (Luigi's lock)
  20  missing data
  25  render: left unrun (another worker or render has a stage, or the
      scheduler went away): run it again
  30  a stage failed: its error is on screen, its traceback in
      work/<shot>/logs/<stage>.log
  35  batch: shots left unrun after every round; render: Luigi could not
      schedule a stage (its complete() or requires() failed)
  40  Luigi itself failed
  130 interrupted (Ctrl-C): finished stages are kept
status exits 1 when a stage failed or a shot cannot render (its config, a
shot folder that is a file, a lock that is a folder); the other commands 0, or
2 with one "shotstyle: error: ..." line."""


BATCH_DESCRIPTION = """\
Render every shot of configs/shots/ (or --shots) through Luigi's NightlyBatch,
in this process, then look at the shots themselves on the shared work area:
exit 0 when every one is complete (also on a host that finds the work done by
another); else one line naming each incomplete shot and why, and exit 30 when
a shot failed during this batch, 35 when shots were left unrun.

Shots left unrun (the scheduler was restarted or lost for longer than Luigi's
RPC retries, or another render held the shot) are run again, failed ones not,
in up to --rounds rounds --round-wait seconds apart. Run the same command on
every host that shares the work area, against one luigid (--scheduler-host),
with --workers N. `shotstyle-batch` does the same through the luigi command,
with Luigi's lines."""


def version() -> str:
    """The installed distribution's version, else the source tree's."""
    try:
        from importlib.metadata import PackageNotFoundError, version as dist_version
        return dist_version("shotstyle")
    except (ImportError, PackageNotFoundError):
        from pipeline import __version__
        return f"{__version__} (not installed)"


def _luigi_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Luigi (other Luigi options are passed on as they are)")
    g.add_argument("--workers", type=int, metavar="N",
                   help="stages run at once by this host (forked processes)")
    g.add_argument("--local-scheduler", action="store_true",
                   help="schedule in this process, without luigid")
    g.add_argument("--scheduler-host", metavar="HOST", help="luigid's host (luigi.cfg)")
    g.add_argument("--scheduler-port", type=int, metavar="PORT", help="luigid's port (luigi.cfg)")
    g.add_argument("--scheduler-url", metavar="URL", help="luigid's URL, instead of host and port")
    g.add_argument("--no-lock", action="store_true",
                   help="do not refuse to run while the same command runs here")
    g = p.add_argument_group("output")
    g.add_argument("--verbose", "-v", action="store_true",
                   help="Luigi's and the stages' lines on screen, as the luigi command shows them")
    g.add_argument("--plain", action="store_true",
                   help="a line per stage start and finish, also on a terminal")


def _passed_to_luigi(args: argparse.Namespace, extra: list[str]) -> list[str]:
    argv = []
    if args.workers is not None:
        argv += ["--workers", str(args.workers)]
    if args.local_scheduler:
        argv.append("--local-scheduler")
    if args.scheduler_host:
        argv += ["--scheduler-host", args.scheduler_host]
    if args.scheduler_port is not None:
        argv += ["--scheduler-port", str(args.scheduler_port)]
    if args.scheduler_url:
        argv += ["--scheduler-url", args.scheduler_url]
    if args.no_lock:
        argv.append("--no-lock")
    return argv + extra


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Give VFX shots a painted look: render them with Luigi, look at and "
                    "repair them (configs from $SHOTSTYLE_CONFIG_DIR or ./configs).")
    ap.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("render", help="render shots, end to end (what is done stays done)",
                       description="Render SHOT... through Luigi in this process; exit 0 only "
                                   "when every one is complete.",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    p.add_argument("shots", nargs="+", metavar="SHOT", help="shot names: configs/shots/<SHOT>.yaml")
    _luigi_options(p)
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("batch", help="render every shot (the night's batch), in rounds",
                       description=BATCH_DESCRIPTION,
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    p.add_argument("--shots", default="", help="comma-separated shot names "
                                               "(default: every configs/shots/*.yaml)")
    p.add_argument("--rounds", type=int, default=4,
                   help="run shots left unrun again, up to this many rounds in all (4)")
    p.add_argument("--round-wait", type=float, default=30.0, help="seconds between rounds (30)")
    _luigi_options(p)
    p.set_defaults(func=cmd_batch)
    pipeline_cli.add_commands(sub)
    return ap


# ---------------------------------------------------------------- running Luigi

class LuigiRun:
    """One run of Luigi in this process, as ``luigi.retcodes.run_with_retcodes``
    runs it for the ``luigi`` command: its exit code and what each task did."""

    def __init__(self, argv: list[str]):
        self.argv = argv
        self.worker = None
        self.groups: dict[str, set] = {}
        self.code: Optional[int] = None
        said = io.StringIO()
        try:  # Luigi's command line, checked while its complaint can reach the screen
            with contextlib.redirect_stderr(said), \
                    luigi.cmdline_parser.CmdlineParser.global_instance(argv):
                self.codes = nightly.retcodes()
        except SystemExit:
            why = said.getvalue().strip().splitlines() or ["bad Luigi options"]
            raise ShotstyleError("Luigi: " + why[-1].split(" error: ", 1)[-1]) from None

    def run(self) -> int:
        self.code = self._run()
        return self.code

    def _run(self) -> int:
        logger = logging.getLogger("luigi-interface")
        try:
            self.worker = luigi.interface._run(self.argv).worker
        except luigi.interface.PidLockAlreadyTakenExit:
            return self.codes["already_running"]
        except Exception:
            InterfaceLogging.setup(luigi.interface.core())
            logger.exception("Uncaught exception in luigi")
            return self.codes["unhandled_exception"]
        with luigi.cmdline_parser.CmdlineParser.global_instance(self.argv):
            self.groups = luigi.execution_summary._summary_dict(self.worker)
            root = luigi.execution_summary._root_task(self.worker)

        def has(status: str) -> bool:
            return bool(self.groups.get(status))

        code = max(self.codes[name] if cond else 0 for name, cond in (
            ("missing_data", has("still_pending_ext")), ("task_failed", has("failed")),
            ("already_running", has("run_by_other_worker")),
            ("scheduling_error", has("scheduling_error")), ("not_run", has("not_run"))))
        if code == 0 and root not in self.groups.get("completed", set()) \
                and root not in self.groups.get("already_done", set()):
            code = self.codes["not_run"]
        return code


def _transcript_path(command: str) -> Path:
    root = Path(load_pipeline_config().work_root) / "_logs"
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    host = socket.gethostname().split(".")[0]
    return root / f"shotstyle-{command}-{stamp}-{host}-{os.getpid()}.log"


_CONSOLE_LOGGERS = ("shotstyle", "luigi-interface", "luigi", "")


@contextlib.contextmanager
def console_to(stream):
    """What Luigi and shotstyle print on stderr goes to ``stream`` meanwhile
    (also from the task processes forked meanwhile)."""
    real = sys.stderr

    def move(src, dst):
        for name in _CONSOLE_LOGGERS:
            for handler in logging.getLogger(name).handlers:
                if type(handler) is logging.StreamHandler and handler.stream is src:
                    handler.setStream(dst)

    move(real, stream)
    sys.stderr = stream
    try:
        yield
    finally:
        sys.stderr = real
        move(stream, real)


@contextlib.contextmanager
def ctrl_c_stops_the_render():
    """Ctrl-C raises KeyboardInterrupt, as Python's own handler does, and also
    tells the tasks (``tasks.base.INTERRUPTED``): one Luigi swallowed in an event
    callback still stops the render at the task's next step."""
    def interrupted(signum, frame):
        INTERRUPTED.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _display(args: argparse.Namespace) -> Optional[Display]:
    if args.verbose:
        return None
    tty = (os.isatty(2) and not args.plain and not os.environ.get("CI")
           and os.environ.get("TERM") != "dumb")
    return TtyDisplay() if tty else PlainDisplay()


def run_quietly(args: argparse.Namespace, command: str,
                body: Callable[[Callable[[list[str]], int]], int]
                ) -> tuple[int, list[LuigiRun], Optional[Path]]:
    """``body(run_luigi)`` with the display ``args`` ask for: ``run_luigi(argv)``
    runs Luigi in this process (its lines to the transcript, its stages' events
    to the display) and gives Luigi's exit code. What ``body`` says between runs
    (a batch's rounds) stays on screen."""
    with ctrl_c_stops_the_render():
        ran = _run_quietly(args, command, body)
        stop_if_interrupted()  # swallowed after the last task's work: still interrupted
        return ran


def _run_quietly(args: argparse.Namespace, command: str,
                 body: Callable[[Callable[[list[str]], int]], int]
                 ) -> tuple[int, list[LuigiRun], Optional[Path]]:
    runs: list[LuigiRun] = []
    display = _display(args)
    if display is None:
        def run_luigi(argv: list[str]) -> int:
            runs.append(LuigiRun(argv))
            return runs[-1].run()
        return body(run_luigi), runs, None

    path = _transcript_path(command)
    with open(path, "a", buffering=1, encoding="utf-8") as transcript:
        transcript.write(f"$ {' '.join([PROG, *sys.argv[1:]])}\n")

        def run_luigi(argv: list[str]) -> int:
            runs.append(LuigiRun(argv))
            with listening(display), console_to(transcript):
                return runs[-1].run()
        return body(run_luigi), runs, path


# ---------------------------------------------------------------- summary

def _who(task) -> str:
    shot = getattr(task, "shot", None)
    if shot:
        return shot
    style = getattr(task, "style", None)
    return f"style {style}" if style else ""


def _deliverables(shot: str) -> str:
    """The newest published version's folder and what it holds."""
    try:
        newest = ShotPlan.load(shot).versions.newest_published()
        folder = newest.paths.folder if newest else None
        entries = sorted(folder.iterdir()) if folder else []
    except (ShotstyleError, OSError):
        return ""
    names = [p.name + ("/" if p.is_dir() else "") for p in entries
             if not p.name.startswith(".")]
    shown = ", ".join(names[:10]) + (f", … ({len(names)} in all)" if len(names) > 10 else "")
    return f"{folder}/: {shown}" if names else ""


def summary(shots: list[str], runs: list[LuigiRun], since: float, code: int,
            transcript: Optional[Path]) -> str:
    ran: dict[str, int] = {}
    found: dict[str, int] = {}
    for run in runs:
        for status, counts in (("completed", ran), ("already_done", found)):
            for task in run.groups.get(status, ()):
                if hasattr(task, "stage_name"):
                    counts[_who(task)] = counts.get(_who(task), 0) + 1
    lines = [f"{PROG}: {len(shots)} shot{'s' if len(shots) != 1 else ''} in "
             f"{took(time.time() - since)}, exit {code}"]
    for shot in shots:
        outcome = shot_outcome(shot, since)
        work = f"{ran.get(shot, 0)} stage{'s' if ran.get(shot, 0) != 1 else ''} ran"
        if found.get(shot):
            work += f", {found[shot]} found done"
        elif not ran.get(shot) and outcome.state == COMPLETE:
            work = "nothing to do"
        lines.append(f"  {shot}  {outcome.state} ({work})"
                     + (f": {outcome.detail}" if outcome.detail else ""))
        if outcome.state == COMPLETE:
            where = _deliverables(shot)
            if where:
                lines.append(f"      {where}")
    for style, count in sorted(ran.items()):
        if style.startswith("style "):
            lines.append(f"  {style}  trained")
    if transcript is not None:
        lines.append(f"  Luigi's lines: {transcript}")
    return "\n".join(lines)


# ---------------------------------------------------------------- commands

def _check_shots(shots: list[str]) -> None:
    """One line now, not one per stage: no config folder, a bad pipeline.yaml, a
    shot without a config (or a folder in its place), a shot whose folders would
    overlap, roots that cannot be written, a shot folder that is a file."""
    folder = config_dir()
    if not folder.is_dir():
        what = "is not a folder" if os.path.lexists(folder) else "does not exist"
        raise ShotstyleError(f"the config folder {folder} {what}: run shotstyle in the "
                             f"project's folder (./configs) or set $SHOTSTYLE_CONFIG_DIR")
    pipeline = load_pipeline_config()
    known = configured_shots()
    for shot in shots:
        path = shot_config_path(shot)
        if path.is_dir():
            raise ShotstyleError(f"shot {shot!r}: {path} is a folder, not a shot config")
        if not path.is_file():
            raise ShotstyleError(f"no shot {shot!r}: {path} does not exist (shots: "
                                 f"{', '.join(known) if known else 'none'})")
    for shot in shots:
        ShotPaths(shot, pipeline).check_inside_roots()
    check_roots(pipeline)
    for shot in shots:
        check_shot_folders(ShotPaths(shot, pipeline))


def cmd_render(args: argparse.Namespace, luigi_args: list[str]) -> int:
    shots = list(dict.fromkeys(args.shots))
    _check_shots(shots)
    root = (["RenderShot", "--shot", shots[0]] if len(shots) == 1
            else ["NightlyBatch", "--shots", ",".join(shots)])
    since = time.time()
    code, runs, transcript = run_quietly(
        args, "render", lambda run_luigi: run_luigi(root + _passed_to_luigi(args, luigi_args)))
    code = _zero_only_when_complete(code, shots, since, runs, "not_run")
    print(summary(shots, runs, since, code, transcript), flush=True)
    return code


def _zero_only_when_complete(code: int, shots: list[str], since: float, runs: list[LuigiRun],
                             unrun: str) -> int:
    """``code``, or where it is 0 (Luigi's, or luigi.cfg not found) and a shot is
    not complete: ``task_failed`` when one failed, else ``unrun``."""
    if code != 0:
        return code
    states = [shot_outcome(s, since).state for s in shots]
    if all(state == COMPLETE for state in states):
        return 0
    codes = runs[-1].codes if runs else nightly.RETCODES
    return codes["task_failed"] if FAILED in states else codes[unrun]


def cmd_batch(args: argparse.Namespace, luigi_args: list[str]) -> int:
    shots = nightly.shot_list(args.shots)
    if not shots:
        raise ShotstyleError("no shots to render: configs/shots/ has no *.yaml")
    _check_shots(shots)
    since = time.time()
    code, runs, transcript = run_quietly(
        args, "batch", lambda run_luigi: nightly.run_batch(
            shots, _passed_to_luigi(args, luigi_args), max(1, args.rounds),
            max(0.0, args.round_wait), run_luigi))
    code = _zero_only_when_complete(code, shots, since, runs, "scheduling_error")
    print(summary(shots, runs, since, code, transcript), flush=True)
    return code


def main(argv: Optional[list[str]] = None) -> int:
    ap = build_parser()
    args, extra = ap.parse_known_args(argv)
    if args.command not in ("render", "batch") and extra:
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command not in ("render", "batch"):
        return pipeline_cli.run_command(args)
    try:
        return args.func(args, extra)
    except ShotstyleError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return USAGE
    except OSError as exc:  # the transcript's folder, say: the same one line
        print(f"{PROG}: error: {os_error(exc)}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted: finished stages are kept; run it again to go on",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
