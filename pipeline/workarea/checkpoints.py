"""Whether a stage (or one chunk of it) is done: keys plus make-style ordering.

A stage's checkpoint is *current* when

1. its manifest exists and carries the key computed now from the configs and
   the inputs' identities (``ShotPlan.key``), and, where asked, every file
   the manifest lists under ``outputs`` still exists; and
2. every checkpoint it reads from (its upstream stages in the stage table,
   ``pipeline.stages.table``) is current and no older than it: an input
   manifest written after this one means the input was redone since
   (``python -m pipeline rerun``, a lost chunk re-made) and this stage must
   be redone too, as ``make`` would.

Rule 2 also carries the smoothing chain: smoothed chunk N continues from the
last output frame of chunk N-1, so chunk N is an input of chunk N+1 and a
redone chunk makes every later chunk (and the encode and metrics) stale.

``Checkpoint`` is plain Python; ``tasks.base.ManifestTarget`` wraps it for
Luigi and ``python -m pipeline status`` reads it directly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from pipeline.stages.table import FRAME_RANGE_FROM, Stage, stage
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


@dataclass
class Checkpoint:
    """One stage's (or chunk's) manifest, the key it must carry, its inputs."""

    name: str
    manifest: Path
    key: str
    inputs: Callable[[], list["Checkpoint"]] = field(default=lambda: [], repr=False)
    check_outputs: bool = False

    def own_state(self) -> tuple[Optional[int], str]:
        """(manifest mtime in ns, "") when this manifest alone is valid, else (None, why)."""
        data = read_manifest(self.manifest)
        if not data:
            return None, "missing"
        if data.get("key") != self.key:
            return None, "stale (settings or inputs changed)"
        if self.check_outputs:
            gone = [p for p in (data.get("outputs") or {}).values() if not Path(p).exists()]
            if gone:
                return None, f"output missing: {gone[0]}"
        try:
            return os.stat(self.manifest).st_mtime_ns, ""
        except OSError:
            return None, "missing"

    def why_not_current(self) -> Optional[str]:
        """None when current; otherwise the first reason found, naming the stage."""
        seen: dict[str, Optional[int]] = {}
        stack = [self]
        while stack:
            cp = stack.pop()
            if cp.name in seen:
                continue
            mtime, why = cp.own_state()
            if mtime is None:
                return why if cp is self else f"{cp.name} is {why}"
            seen[cp.name] = mtime
            for inp in cp.inputs():
                in_mtime, in_why = inp.own_state()
                if in_mtime is None:
                    return f"{inp.name} is {in_why}"
                if in_mtime > mtime:
                    return f"{inp.name} was redone after it"
                stack.append(inp)
        return None

    def is_current(self) -> bool:
        return self.why_not_current() is None


# --------------------------------------------------------------------------- #
# A shot's checkpoints, from the stage table
# --------------------------------------------------------------------------- #
def checkpoint(plan: ShotPlan, name: str) -> Checkpoint:
    """Stage ``name`` as a whole (a stage that is not chunked)."""
    st = stage(name)
    return Checkpoint(name, plan.stage_manifest(name), plan.key(name),
                      lambda: _inputs(plan, st), check_outputs=st.delivers)


def chunk_checkpoint(plan: ShotPlan, name: str, first: int, last: int) -> Checkpoint:
    """One chunk of chunked stage ``name``."""
    st = stage(name)
    return Checkpoint(f"{name} {first:04d}-{last:04d}", plan.chunk_manifest(name, first, last),
                      plan.chunk_key(name, first, last), lambda: _inputs(plan, st, (first, last)),
                      check_outputs=st.delivers)


def _inputs(plan: ShotPlan, st: Stage, chunk: Optional[tuple[int, int]] = None) -> list[Checkpoint]:
    """The checkpoints ``st`` (or its ``chunk``) reads from, as the table says."""
    deps: list[Checkpoint] = []
    for up in (u for u in st.upstream if plan.reads(st, u)):
        if not stage(up).chunked:
            deps.append(checkpoint(plan, up))
        elif chunk is not None:
            deps.append(chunk_checkpoint(plan, up, *chunk))
        else:
            chunks = _chunks_or_none(plan)
            if chunks is not None:
                deps += [chunk_checkpoint(plan, up, a, b) for a, b in chunks]
            elif not any(d.name == FRAME_RANGE_FROM for d in deps):
                # frames not decoded: nothing downstream can be current
                deps.append(checkpoint(plan, FRAME_RANGE_FROM))
    if chunk is not None and st.continues_previous_chunk(plan.smoothing_uses_flow):
        previous = plan.previous_chunk(chunk[0])
        if previous is not None:
            deps.append(chunk_checkpoint(plan, st.name, *previous))
    return deps


def _chunks_or_none(plan: ShotPlan) -> Optional[list[tuple[int, int]]]:
    try:
        return plan.chunks()
    except RuntimeError:
        return None

