"""`python -m pipeline <command>`: look at and repair shots without Luigi.

    python -m pipeline status [s01 ...]                    done / stale / missing / failed per
                                                           stage, then the shot's versions
    python -m pipeline rerun s01 --stage styled [--frames 1001-1048]
                                                           remove a stage (or chunks) + downstream
    python -m pipeline metrics s01 [--json]                temporal metrics of a rendered shot
    python -m pipeline keyframe s01 1001 [--out PATH]      the frame for an artist to paint
    python -m pipeline shots-from-edit CUT --style NAME [--handles 8] [--name PATTERN]
                       [--first-frame 1001] [--first-frame-at handle|cut]
                                                           a shot config per clip of an edit
    python -m pipeline submit openjd s01 s02 --bundle jobs/s01_s02 | --output job.yaml
                                                           a job bundle (or one template file)
                                                           for the farm manager
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Optional

from pipeline.config import RENDER_ROOT, WORK_ROOT, config_dir, configured_shots, parse_fps
from pipeline.errors import ShotstyleError, os_error
from pipeline.graph.table import METRICS, PLATES, PROBE, STAGES
from pipeline.workarea.done import stage_done
from pipeline.workarea.lock import Holder, exclusive, local_session
from pipeline.workarea.plan import ShotPlan
from pipeline.workarea.roots import check_roots


def cmd_metrics(args: argparse.Namespace) -> int:
    plan = ShotPlan.load(args.shot)
    why = stage_done(plan, METRICS).why_not_current()
    if why is not None:
        raise ShotstyleError(f"{args.shot}: metrics are not current (metrics: {why}); compute "
                             f"them with: luigi --module tasks ShotMetrics --shot {args.shot} "
                             f"--local-scheduler")
    print(_metrics_text(plan, args.json))
    return 0


def _metrics_text(plan: ShotPlan, as_json: bool) -> str:
    """The shot's metrics.json summary as JSON or as a table; one line where the
    file is not what the metrics stage writes (edited, cut short)."""
    from pipeline.stages.metrics import format_summary
    path = plan.paths.metrics_json
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))["summary"]
        if as_json:
            return json.dumps(summary, indent=2, sort_keys=True)
        return f"{format_summary(plan.shot, summary)}\n  per-frame values: {path}"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        why = f"no {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise ShotstyleError(f"{path}: cannot be read ({why}); compute it again with: "
                             f"python -m pipeline rerun {plan.shot} --stage metrics, then "
                             f"luigi --module tasks ShotMetrics --shot {plan.shot} "
                             f"--local-scheduler") from None


def cmd_status(args: argparse.Namespace) -> int:
    from pipeline.workarea.status import format_status, shot_notes, shot_status, version_lines
    shots = args.shots or configured_shots()
    if not shots:
        raise ShotstyleError(f"no shots in {config_dir() / 'shots'}")
    bad = 0
    blocks = []
    for shot in shots:
        try:
            plan = ShotPlan.load(shot)
            rows = shot_status(plan)
        except ShotstyleError as exc:
            blocks.append(f"{shot}\n  config   error    {exc}")
            bad += 1
            continue
        notes, blocked = shot_notes(plan)
        blocks.append("\n".join([format_status(shot, rows),
                                 *(f"  {n}" for n in version_lines(plan) + notes)]))
        bad += any(r.state == "failed" for r in rows) or blocked
    print("\n".join(blocks))
    return 1 if bad else 0


def cmd_rerun(args: argparse.Namespace) -> int:
    from pipeline.media.sequence import parse_frame_range
    from pipeline.workarea.rerun import rerun, stage_name
    plan = ShotPlan.load(args.shot)
    frames = parse_frame_range(args.frames) if args.frames else None
    check_roots(plan.pipeline, (WORK_ROOT,))
    with exclusive(plan.paths.root, _this_command(), plan.shot):  # not while a render writes it
        removed = rerun(plan, args.stage, frames)
    if not removed:
        start = stage_name(args.stage) + (f" {args.frames}" if args.frames else "")
        print(f"{args.shot}: nothing to remove: {start} and later stages have no outputs")
        return 0
    print(f"{args.shot}: removed {', '.join(removed)}")
    print(f"redo them with: luigi --module tasks RenderShot --shot {args.shot} "
          f"[--local-scheduler]")
    return 0


def keyframe_path(out: Optional[str], plan: ShotPlan, frame: int) -> Path:
    """Where ``keyframe`` writes ``frame``: ``--out`` (a file named .png, .tif or
    .tiff; an existing folder, or one written with a trailing '/', gets the plate's
    own name), else ``renders/<shot>/keyframes/``."""
    from pipeline.media.imageio import LOSSLESS_SUFFIXES
    name = plan.paths.frame_file(PLATES, frame).name
    if not out:
        return plan.paths.render_dir / "keyframes" / name
    path = Path(out)
    if path.is_dir() or out.endswith(("/", os.sep)):
        return path / name
    allowed = ", ".join(LOSSLESS_SUFFIXES)
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        raise ShotstyleError(f"--out {out}: a keyframe plate is written lossless at the "
                             f"plate's bit depth, and JPEG is lossy and 8-bit (its artefacts "
                             f"would be painted over and learnt by the style): name it "
                             f"{allowed}")
    if suffix not in LOSSLESS_SUFFIXES:
        what = f"{suffix!r} is not" if suffix else "no extension names"
        raise ShotstyleError(f"--out {out}: {what} a format for keyframe plates: name it "
                             f"{allowed}")
    return path


def cmd_keyframe(args: argparse.Namespace) -> int:
    """Write plate ``frame`` (decoding the shot first if needed) for an artist to paint:
    the display-referred picture the generator sees and training reads."""
    from pipeline.media.imageio import read_rgb, write_lossless
    from pipeline.stages.registry import run_stage
    plan = ShotPlan.load(args.shot)
    out = keyframe_path(args.out, plan, args.frame)
    check_roots(plan.pipeline, (WORK_ROOT,) if args.out else (WORK_ROOT, RENDER_ROOT))
    if not stage_done(plan, PLATES).is_current():
        print(f"{args.shot}: decoding the plates first", file=sys.stderr)
        with exclusive(plan.paths.root, _this_command(), plan.shot):
            if not stage_done(plan, PROBE).is_current():
                run_stage(plan, PROBE)
            run_stage(plan, PLATES)
    first, last = plan.frames.range()
    if not first <= args.frame <= last:
        raise ShotstyleError(f"{args.shot}: frame {args.frame} is outside the shot "
                             f"({first}-{last})")
    out.parent.mkdir(parents=True, exist_ok=True)
    # RGB only: a painting app would hide (or drop) the colour where a plate's alpha is 0,
    # and training reads the plates' RGB
    write_lossless(out, read_rgb(plan.paths.frame_file(PLATES, args.frame)))
    space = ("as the source shows it" if plan.colour is None else
             f"{plan.colour.colorspace} through {plan.colour.display} / {plan.colour.view}")
    print(f"{out}")
    print(f"  frame {args.frame} of {args.shot}, display-referred ({space}); paint over it at "
          f"its size and bit depth, then list it in the style's train.keyframes "
          f"({args.frame}: {out})")
    return 0


def cmd_shots_from_edit(args: argparse.Namespace) -> int:
    from pipeline.editorial import (parse_first_frame, parse_handles, parse_name_pattern,
                                    write_shot_configs)
    rate = float(parse_fps(args.rate, "--rate"))
    name = parse_name_pattern(args.name)  # each option checked before the cut is read
    result = write_shot_configs(Path(args.cut), args.style, parse_handles(args.handles),
                                args.overwrite, [Path(d) for d in args.media], rate,
                                first_frame=parse_first_frame(args.first_frame),
                                first_frame_at=args.first_frame_at, name=name)
    for path in result.written:
        print(f"wrote {path}")
    for path in result.kept:
        print(f"kept {path} (exists; --overwrite replaces it)")
    for line in result.notes:
        print(f"note: {line}")
    for line in result.warnings:
        print(f"shotstyle: warning: {line}", file=sys.stderr)
    return 1 if result.warnings else 0


def cmd_submit(args: argparse.Namespace) -> int:
    if args.bundle is None:
        if args.python_env is not None or args.overwrite:
            raise ShotstyleError("--python-env and --overwrite go with --bundle (a single "
                                 "template file names luigi in its Luigi parameter)")
        from pipeline.openjd.template import write_job_template
        path = write_job_template(args.shots, args.output, args.name)
        print(f"wrote {path}: check it with `openjd check {path}`, run it here with "
              f"`openjd run {path}`, or submit it to the farm")
        return 0
    from pipeline.openjd.bundle import PARAMETER_VALUES, TEMPLATE, run_command, write_bundle
    job = write_bundle(args.shots, args.bundle, args.name, args.python_env, args.overwrite)
    folder = Path(args.bundle)
    print(f"wrote {folder}: {TEMPLATE} and {PARAMETER_VALUES}")
    print(f"  check it:     {shlex.join(['openjd', 'check', str(folder / TEMPLATE)])}")
    print(f"  run it here:  {run_command(folder, job.values)}")
    print(f"  submit it:    {shlex.join(['deadline', 'bundle', 'submit', str(folder)])}")
    return 0


def _this_command() -> Holder:
    return local_session(shlex.join(["python", "-m", "pipeline", *sys.argv[1:]]))


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m pipeline",
                                 description="Inspect shotstyle shots (configs from "
                                             "$SHOTSTYLE_CONFIG_DIR or ./configs).")
    add_commands(ap.add_subparsers(dest="command", required=True))
    return ap


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's commands to ``sub`` (also the ``shotstyle`` command's,
    ``tasks/cli.py``); each sets ``func``, which ``run_command`` calls."""
    p = sub.add_parser("status", help="per shot and stage: done / stale / missing / failed; "
                                      "the versions")
    p.add_argument("shots", nargs="*", help="shot names (default: every configs/shots/*.yaml)")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("rerun", help="remove a stage's outputs (or some chunks') and "
                                     "everything downstream, for the next render to redo")
    p.add_argument("shot")
    p.add_argument("--stage", required=True, help=", ".join(
        s.name + (f" ({', '.join(s.aliases)})" if s.aliases else "") for s in STAGES))
    p.add_argument("--frames", help="only the chunks overlapping FIRST-LAST (" + ", ".join(
        s.name for s in STAGES if s.chunked) + ")")
    p.set_defaults(func=cmd_rerun)
    p = sub.add_parser("metrics", help="temporal metrics (E_warp, luma SSIM, PSNR) of a rendered shot")
    p.add_argument("shot")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_metrics)
    p = sub.add_parser("keyframe", help="write a plate for an artist to paint a keyframe on")
    p.add_argument("shot")
    p.add_argument("frame", type=int)
    p.add_argument("--out", help="where to write it (default: renders/<shot>/keyframes/)")
    p.set_defaults(func=cmd_keyframe)
    from pipeline.editorial import (DEFAULT_HANDLES, DEFAULT_NAME_PATTERN, FIRST_FRAME,
                                    FRAME_ANCHORS, MAX_HANDLES)  # OTIO only when it runs
    p = sub.add_parser("shots-from-edit", help="write a shot config per clip of an EDL, "
                                               "FCP XML, .otio or .otioz cut (OpenTimelineIO)")
    p.add_argument("cut", help="the edit, read by the OpenTimelineIO adapter its extension "
                               "names: .edl (CMX 3600), .xml (FCP 7), .otio, .otioz, an .otiod "
                               "folder, .aaf where its plugin is installed")
    p.add_argument("--style", required=True,
                   help="the style every shot gets: a configs/styles/<name>.yaml (a style to "
                        "be trained needs its file, with its train section)")
    p.add_argument("--handles", default=str(DEFAULT_HANDLES),
                   help=f"frames kept before and after each cut (beyond the frames a "
                        f"dissolve shows past it), 0 to {MAX_HANDLES} ({DEFAULT_HANDLES})")
    p.add_argument("--name", default=DEFAULT_NAME_PATTERN, metavar="PATTERN",
                   help="how the shots of clips without a marker are named (a clip's marker, "
                        "an EDL's * LOC:, names its shot): {clip} the clip's name, {index} "
                        "its number in the cut from 1, {cut} the cut's file name, with a "
                        "format spec if need be: sq010_sh{index:03d}0 (%(default)s)")
    p.add_argument("--first-frame", default=str(FIRST_FRAME), metavar="N",
                   help="the frame number of the first handle frame, or of the cut in with "
                        "--first-frame-at cut (%(default)s)")
    p.add_argument("--first-frame-at", choices=FRAME_ANCHORS, default=FRAME_ANCHORS[0],
                   help="what --first-frame numbers: the first handle frame or the cut in "
                        "(%(default)s)")
    p.add_argument("--media", action="append", default=[],
                   help="a folder media may come from: clips the edit names only by name (an "
                        "EDL's) are looked for there after the cut's folder, and media outside "
                        "the cut's folder and these is refused")
    p.add_argument("--rate", default="24",
                   help="an EDL's frame rate: 24, 25, 23.976, 29.97, 30000/1001 ... (24)")
    p.add_argument("--overwrite", action="store_true", help="replace existing shot configs")
    p.set_defaults(func=cmd_shots_from_edit)
    p = sub.add_parser("submit", help="write a job for a farm manager")
    p.add_argument("target", choices=["openjd"],
                   help="openjd: an Open Job Description job template (jobtemplate-2023-09)")
    p.add_argument("shots", nargs="+", help="shot names")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--bundle", metavar="DIR",
                       help="write a job bundle folder: template.yaml, with no path of this "
                            "host in it, and parameter_values.yaml (the configs, luigi.cfg, the "
                            "work and render roots in force here): for `deadline bundle "
                            "submit` and `openjd run`")
    where.add_argument("--output", metavar="FILE",
                       help="write one job template file whose parameters default to this "
                            "host's paths (.yaml)")
    p.add_argument("--name", help="the job's name (default: shotstyle SHOT...)")
    p.add_argument("--python-env", metavar="DIR",
                   help="with --bundle: shotstyle's venv or conda environment folder on the "
                        "workers, its bin/ put first on PATH (default: the environment this "
                        "command runs in; '' for the luigi on the workers' PATH)")
    p.add_argument("--overwrite", action="store_true",
                   help="with --bundle: replace the job bundle already in DIR")
    p.set_defaults(func=cmd_submit)


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command: its exit code; a user error, or a file the OS
    refuses, is one line and exit 2."""
    try:
        return args.func(args)
    except ShotstyleError as exc:
        print(f"shotstyle: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"shotstyle: error: {os_error(exc)}", file=sys.stderr)
        return 2


def main(argv: Optional[list[str]] = None) -> int:
    return run_command(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
