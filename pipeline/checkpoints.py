"""Whether a stage (or one chunk of it) is done: keys plus make-style ordering.

A stage's checkpoint is *current* when

1. its manifest exists and carries the key computed now from the configs and
   the inputs' identities (``ShotPlan.*_key``), and, where asked, every file
   the manifest lists under ``outputs`` still exists; and
2. every checkpoint it reads from is current and no older than it: an input
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

from pipeline.manifest import read_manifest
from pipeline.workarea import ShotPlan


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
# A shot's checkpoints
# --------------------------------------------------------------------------- #
def probe_checkpoint(plan: ShotPlan) -> Checkpoint:
    return Checkpoint("probe", plan.probe_manifest, plan.probe_key)


def plates_checkpoint(plan: ShotPlan) -> Checkpoint:
    return Checkpoint("plates", plan.stage_manifest("plates"), plan.plates_key,
                      lambda: [probe_checkpoint(plan)])


def _chunks_or_none(plan: ShotPlan) -> Optional[list[tuple[int, int]]]:
    try:
        return plan.chunks()
    except RuntimeError:  # plates not decoded: nothing downstream can be current
        return None


def chunk_checkpoint(plan: ShotPlan, stage: str, first: int, last: int) -> Checkpoint:
    """``stage`` is 'flow', 'styled' or 'final'."""
    def inputs() -> list[Checkpoint]:
        if stage != "final":
            return [plates_checkpoint(plan)]
        deps = [chunk_checkpoint(plan, "styled", first, last)]
        if plan.smoothing_uses_flow:
            deps.append(chunk_checkpoint(plan, "flow", first, last))
            previous = previous_chunk(plan, first)
            if previous is not None:
                deps.append(chunk_checkpoint(plan, "final", *previous))
        return deps

    return Checkpoint(f"{stage} {first:04d}-{last:04d}", plan.chunk_manifest(stage, first, last),
                      plan.chunk_key(stage, first, last), inputs)


def previous_chunk(plan: ShotPlan, first: int) -> Optional[tuple[int, int]]:
    """The chunk that ends at frame first-1, or None for the shot's first chunk.

    Chunks are laid out from the shot's first frame (``ShotPlan.chunks``).
    """
    start = plan.cfg.first_frame
    if first <= start:
        return None
    return max(start, first - plan.chunk_size), first - 1


def _all_chunks(plan: ShotPlan, stages: tuple[str, ...]) -> list[Checkpoint]:
    chunks = _chunks_or_none(plan)
    if chunks is None:
        return [plates_checkpoint(plan)]
    return [chunk_checkpoint(plan, s, a, b) for s in stages for a, b in chunks]


def encode_checkpoint(plan: ShotPlan) -> Checkpoint:
    return Checkpoint("encode", plan.stage_manifest("encode"), plan.encode_key,
                      lambda: _all_chunks(plan, ("final",)), check_outputs=True)


def metrics_checkpoint(plan: ShotPlan) -> Checkpoint:
    return Checkpoint("metrics", plan.stage_manifest("metrics"), plan.metrics_key,
                      lambda: _all_chunks(plan, ("flow", "final")), check_outputs=True)


def report_checkpoint(plan: ShotPlan) -> Checkpoint:
    return Checkpoint("report", plan.stage_manifest("report"), plan.report_key,
                      lambda: [encode_checkpoint(plan), metrics_checkpoint(plan)],
                      check_outputs=True)
