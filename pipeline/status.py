"""Per shot and stage: done / stale / missing / failed (`python -m pipeline status`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from pipeline.checkpoints import (Checkpoint, chunk_checkpoint, encode_checkpoint,
                                  metrics_checkpoint, plates_checkpoint, probe_checkpoint,
                                  report_checkpoint)
from pipeline.failures import read_failure
from pipeline.manifest import read_manifest
from pipeline.workarea import ShotPlan

#: Stages in pipeline order, as `status` and `rerun` name them.
STAGES = ("probe", "plates", "flow", "styled", "final", "encode", "metrics", "report")
CHUNKED = ("flow", "styled", "final")
#: Other names people use for a stage.
ALIASES = {"decode": "plates", "stylize": "styled", "smooth": "final", "metric": "metrics"}


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
    rows = [_whole(plan, "probe", probe_checkpoint(plan)),
            _whole(plan, "plates", plates_checkpoint(plan))]
    try:
        chunks = plan.chunks()
    except RuntimeError:
        chunks = None
    for stage in CHUNKED:
        if chunks is None:
            rows.append(StageStatus(stage, "missing", "plates not decoded yet"))
        else:
            rows.append(_chunked(plan, stage, chunks))
    rows.append(_whole(plan, "encode", encode_checkpoint(plan)))
    rows.append(_whole(plan, "metrics", metrics_checkpoint(plan)))
    rows.append(_whole(plan, "report", report_checkpoint(plan)))
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
