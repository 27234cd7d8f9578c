"""`python -m pipeline rerun <shot> --stage <stage> [--frames A-B]`.

Removes a stage's outputs (or those of the chunks that overlap the frames) and
everything downstream of it, as the stage table says, so the next
``RenderShot`` redoes exactly that. Each manifest is removed before the files
it vouches for, so an interrupted rerun never leaves a stage that looks done.
Deliverables in renders/<shot>/ are not deleted: the re-render replaces them
atomically, so a failed re-render leaves the last good movie in place.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from pipeline.errors import ConfigError
from pipeline.stages.table import STAGES, downstream, lookup, stage
from pipeline.workarea.failures import clear_failure
from pipeline.workarea.plan import ShotPlan

Chunk = tuple[int, int]


def stage_name(text: str) -> str:
    """The stage called ``text`` (a name or an alias)."""
    found = lookup(text)
    if found is None:
        aliases = [a for s in STAGES for a in s.aliases]
        raise ConfigError(f"unknown stage {text!r}: expected one of "
                          f"{', '.join(s.name for s in STAGES)} (or {', '.join(aliases)})")
    return found.name


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _remove_chunk(plan: ShotPlan, name: str, a: int, b: int) -> None:
    _unlink(plan.chunk_manifest(name, a, b))
    for f in range(a, b + 1):
        _unlink(plan.frame_file(name, f))
    clear_failure(plan.logs_dir, f"{name}.{a:04d}-{b:04d}")


def _remove_whole(plan: ShotPlan, name: str) -> None:
    _unlink(plan.stage_manifest(name))
    for manifest in sorted(plan.stage_dir(name).glob("chunks/*.json")):
        _unlink(manifest)
    if stage(name).frame_ext:
        shutil.rmtree(plan.stage_dir(name), ignore_errors=True)
    for record in plan.logs_dir.glob(f"{name}*.failed.json"):
        _unlink(record)


def _downstream_closure(plan: ShotPlan, names: list[str]) -> list[str]:
    """``names`` and every stage that reads them, directly or not."""
    found: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name not in found:
            found.append(name)
            todo.extend(s.name for s in downstream(name, plan.smoothing_uses_flow))
    return found


def plan_rerun(plan: ShotPlan, name: str,
               frames: Optional[Chunk] = None) -> list[tuple[str, Optional[Chunk]]]:
    """What ``rerun`` removes: (stage, chunk or None for the whole stage), in order.

    With ``frames``, the chunks of the stage that overlap them, the same chunks of
    the chunked stages that read them (and, for a stage that runs along time,
    every later chunk), then every whole stage downstream.
    """
    st = stage(stage_name(name))
    order = {s.name: i for i, s in enumerate(STAGES)}
    if frames is None:
        whole = _downstream_closure(plan, [st.name])
        return [(s, None) for s in sorted(whole, key=order.__getitem__)]
    if not st.chunked:
        chunked = ", ".join(s.name for s in STAGES if s.chunked)
        raise ConfigError(f"--frames applies to the chunked stages ({chunked}), "
                          f"not {st.name!r}")
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
    items: list[tuple[str, Optional[Chunk]]] = []
    affected = {st.name: picked}  # chunked stage -> its chunks to redo
    whole: list[str] = []
    todo = [st]
    while todo:
        current = todo.pop(0)
        mine = affected[current.name]
        if current.continues_previous_chunk(plan.smoothing_uses_flow):
            mine += [c for c in chunks if c[0] > mine[0][0] and c not in mine]  # runs along time
        items += [(current.name, c) for c in mine]
        for reader in downstream(current.name, plan.smoothing_uses_flow):
            if reader.chunked and reader.name not in affected:
                affected[reader.name] = list(mine)
                todo.append(reader)
            elif not reader.chunked:
                whole.append(reader.name)
    whole = _downstream_closure(plan, whole)
    return items + [(s, None) for s in sorted(whole, key=order.__getitem__)]


def rerun(plan: ShotPlan, name: str, frames: Optional[Chunk] = None) -> list[str]:
    """Remove the outputs ``plan_rerun`` lists; returns their names."""
    removed = []
    for stage_to_redo, chunk in plan_rerun(plan, name, frames):
        if chunk is None:
            _remove_whole(plan, stage_to_redo)
            removed.append(stage_to_redo)
        else:
            _remove_chunk(plan, stage_to_redo, *chunk)
            removed.append(f"{stage_to_redo} {chunk[0]:04d}-{chunk[1]:04d}")
    return removed
