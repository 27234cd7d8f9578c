"""`python -m pipeline rerun <shot> --stage <stage> [--frames A-B]`.

Removes a stage's outputs (or those of the chunks that overlap the frames) and
everything downstream of it, so the next ``RenderShot`` redoes exactly that.
Each manifest is removed before the files it vouches for, so an interrupted
rerun never leaves a stage that looks done. Deliverables in renders/<shot>/ are
not deleted: the re-render replaces them atomically, so a failed re-render
leaves the last good movie in place.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from pipeline.errors import ConfigError
from pipeline.failures import clear_failure
from pipeline.frames import frame_path
from pipeline.status import ALIASES, CHUNKED, STAGES
from pipeline.workarea import ShotPlan

#: Whole stages downstream of each stage (chunked stages are handled per chunk).
_AFTER = {"probe": ("plates",), "plates": ("flow", "styled"), "flow": ("final", "metrics"),
          "styled": ("final",), "final": ("encode", "metrics"), "encode": ("report",),
          "metrics": ("report",), "report": ()}


def stage_name(text: str) -> str:
    name = ALIASES.get(text, text)
    if name not in STAGES:
        raise ConfigError(f"unknown stage {text!r}: expected one of {', '.join(STAGES)} "
                          f"(or {', '.join(ALIASES)})")
    return name


def parse_frames(text: str) -> tuple[int, int]:
    try:
        a, _, b = text.partition("-")
        first, last = int(a), int(b or a)
    except ValueError:
        raise ConfigError(f"--frames {text!r}: expected FIRST-LAST, e.g. 1001-1048") from None
    if first > last:
        raise ConfigError(f"--frames {text!r}: the first frame is after the last")
    return first, last


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _remove_chunk(plan: ShotPlan, stage: str, a: int, b: int) -> None:
    _unlink(plan.chunk_manifest(stage, a, b))
    folder = plan.stage_dir(stage)
    for f in range(a, b + 1):
        _unlink(plan.flow_path(f) if stage == "flow" else frame_path(folder, plan.shot, f))
    clear_failure(plan.logs_dir, f"{stage}.{a:04d}-{b:04d}")


def _remove_whole(plan: ShotPlan, stage: str) -> None:
    if stage == "probe":
        _unlink(plan.probe_manifest)
    else:
        _unlink(plan.stage_manifest(stage))
        for manifest in sorted(plan.stage_dir(stage).glob("chunks/*.json")):
            _unlink(manifest)
        if stage in ("plates",) + CHUNKED:
            shutil.rmtree(plan.stage_dir(stage), ignore_errors=True)
    for record in plan.logs_dir.glob(f"{stage}*.failed.json"):
        _unlink(record)


def plan_rerun(plan: ShotPlan, stage: str,
               frames: Optional[tuple[int, int]] = None) -> list[tuple[str, Optional[tuple]]]:
    """What ``rerun`` removes: (stage, chunk or None for the whole stage), in order."""
    stage = stage_name(stage)
    if frames is not None and stage not in CHUNKED:
        raise ConfigError(f"--frames applies to the chunked stages ({', '.join(CHUNKED)}), "
                          f"not {stage!r}")
    items: list[tuple[str, Optional[tuple]]] = []
    whole: list[str] = []
    if frames is not None:
        try:
            chunks = plan.chunks()
        except RuntimeError:
            raise ConfigError(f"{plan.shot}: plates are not decoded yet; nothing to rerun "
                              f"by frames") from None
        lo, hi = frames
        picked = [(a, b) for a, b in chunks if a <= hi and b >= lo]
        if not picked:
            raise ConfigError(f"{plan.shot}: frames {lo}-{hi} are outside the shot "
                              f"({chunks[0][0]}-{chunks[-1][1]})")
        items += [(stage, c) for c in picked]
        # Smoothing runs along time: with flow, every later final chunk follows.
        if plan.smoothing_uses_flow:
            finals = [c for c in chunks if c[0] >= picked[0][0]]
        else:
            finals = [] if stage == "flow" else picked
        if stage != "final":
            items += [("final", c) for c in finals]
        elif plan.smoothing_uses_flow:
            items += [("final", c) for c in finals if c not in picked]
        whole = ["encode", "metrics", "report"] if stage != "flow" or finals else \
            ["metrics", "report"]
    else:
        todo = [stage]
        while todo:
            s = todo.pop(0)
            if s not in whole:
                whole.append(s)
                todo.extend(n for n in _AFTER[s]
                            if not (s == "flow" and n == "final" and not plan.smoothing_uses_flow))
    order = {s: i for i, s in enumerate(STAGES)}
    return items + [(s, None) for s in sorted(set(whole), key=order.__getitem__)]


def rerun(plan: ShotPlan, stage: str, frames: Optional[tuple[int, int]] = None) -> list[str]:
    """Remove the outputs ``plan_rerun`` lists; returns their names."""
    removed = []
    for name, chunk in plan_rerun(plan, stage, frames):
        if chunk is None:
            _remove_whole(plan, name)
            removed.append(name)
        else:
            _remove_chunk(plan, name, *chunk)
            removed.append(f"{name} {chunk[0]:04d}-{chunk[1]:04d}")
    return removed
