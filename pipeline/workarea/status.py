"""Per shot and stage: done / stale / missing / failed (`python -m pipeline status`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from pipeline.stages.table import STAGES
from pipeline.workarea.checkpoints import Checkpoint, checkpoint, chunk_checkpoint
from pipeline.workarea.failures import read_failure
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


@dataclass
class StageStatus:
    stage: str
    state: str  # done | stale | missing | failed
    detail: str = ""
    failures: list[dict] = field(default_factory=list)  # {"name", "error", "log"}


def _state(cp: Checkpoint, failure: Optional[dict]) -> tuple[str, str]:
    why = cp.why_not_current()
    if why is None:
        return "done", ""
    if failure is not None:
        return "failed", why
    return ("stale" if read_manifest(cp.manifest) else "missing"), why


def _whole(plan: ShotPlan, stage: str, cp: Checkpoint) -> StageStatus:
    failure = read_failure(plan.logs_dir, stage)
    state, why = _state(cp, failure)
    failures = [{"name": stage, **failure}] if state == "failed" and failure else []
    return StageStatus(stage, state, "" if state == "done" else why, failures)


def _chunked(plan: ShotPlan, stage: str, chunks: list[tuple[int, int]]) -> StageStatus:
    counts = {"done": 0, "stale": 0, "missing": 0, "failed": 0}
    failures = []
    for a, b in chunks:
        name = f"{stage}.{a:04d}-{b:04d}"
        failure = read_failure(plan.logs_dir, name)
        state, _ = _state(chunk_checkpoint(plan, stage, a, b), failure)
        counts[state] += 1
        if state == "failed" and failure:
            failures.append({"name": name, **failure})
    total = len(chunks)
    if counts["done"] == total:
        state = "done"
    elif counts["failed"]:
        state = "failed"
    elif counts["stale"]:
        state = "stale"
    else:
        state = "missing"
    detail = f"{counts['done']}/{total} chunks done"
    if counts["stale"]:
        detail += f", {counts['stale']} stale"
    return StageStatus(stage, state, detail, failures)


def shot_status(plan: ShotPlan) -> list[StageStatus]:
    """One row per stage of the stage table, in its order."""
    try:
        chunks = plan.chunks()
    except RuntimeError:
        chunks = None
    rows = []
    for st in STAGES:
        if not st.chunked:
            rows.append(_whole(plan, st.name, checkpoint(plan, st.name)))
        elif chunks is None:
            rows.append(StageStatus(st.name, "missing", "plates not decoded yet"))
        else:
            rows.append(_chunked(plan, st.name, chunks))
    return rows


def format_status(shot: str, rows: list[StageStatus]) -> str:
    lines = [shot]
    for r in rows:
        line = f"  {r.stage:<8} {r.state:<8}"
        if r.detail:
            line += f" {r.detail}"
        lines.append(line.rstrip())
        for f in r.failures:
            lines.append(f"      {f['name']}: {f.get('error', '?')}")
            lines.append(f"      log: {f.get('log', '?')}")
    return "\n".join(lines)
