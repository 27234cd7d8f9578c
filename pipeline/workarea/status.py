"""Per shot and stage: done / stale / missing / failed, then the shot's versions
(`python -m pipeline status`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.errors import NotReadyError
from pipeline.graph.nodes import Node, ShotGraph
from pipeline.graph.table import STAGES
from pipeline.workarea.done import DoneMarker, node_done
from pipeline.workarea.failures import read_failure
from pipeline.workarea.lock import FOLDER, lock_note, read_lock
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan
from pipeline.workarea.roots import shot_folder_problem
from pipeline.workarea.versions import Version


@dataclass
class StageStatus:
    stage: str
    state: str  # done | stale | missing | failed
    detail: str = ""
    failures: list[dict] = field(default_factory=list)  # {"name", "error", "log"}


def _state(marker: DoneMarker, failure: Optional[dict]) -> tuple[str, str]:
    why = marker.why_not_current()
    if why is None:
        return "done", ""
    if failure is not None:
        return "failed", why
    return ("stale" if read_manifest(marker.manifest) else "missing"), why


def _whole(plan: ShotPlan, graph: ShotGraph, node: Node) -> StageStatus:
    failure = read_failure(plan.paths.logs_dir, node.log_name)
    state, why = _state(node_done(graph, node), failure)
    failures = [{"name": node.log_name, **failure}] if state == "failed" and failure else []
    return StageStatus(node.stage, state, "" if state == "done" else why, failures)


def _chunked(plan: ShotPlan, graph: ShotGraph, stage: str, nodes: list[Node]) -> StageStatus:
    counts = {"done": 0, "stale": 0, "missing": 0, "failed": 0}
    failures = []
    for node in nodes:
        failure = read_failure(plan.paths.logs_dir, node.log_name)
        state, _ = _state(node_done(graph, node), failure)
        counts[state] += 1
        if state == "failed" and failure:
            failures.append({"name": node.log_name, **failure})
    total = len(nodes)
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
    """One row per stage of the stage table, in its order: its node's state, or
    its chunks' states summed up."""
    graph = ShotGraph(plan)
    rows = []
    for st in STAGES:
        try:
            nodes = graph.stage_nodes(st.name)
        except NotReadyError:
            rows.append(StageStatus(st.name, "missing", "plates not decoded yet"))
            continue
        if st.chunked:
            rows.append(_chunked(plan, graph, st.name, nodes))
        else:
            rows.append(_whole(plan, graph, nodes[0]))
    return rows


def shot_notes(plan: ShotPlan) -> tuple[list[str], bool]:
    """The lines under a shot's stage rows (a work area or render folder that is a
    file, the shot's lock: who renders it, or a lock file that cannot be read), and
    whether one of them keeps every render of the shot from starting."""
    problem = shot_folder_problem(plan.paths)
    if problem is not None:
        return [problem], True
    note = lock_note(plan.paths.root)
    found = read_lock(plan.paths.root)
    return ([note] if note else []), found is not None and found.why == FOLDER


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


def version_lines(plan: ShotPlan) -> list[str]:
    """The shot's versions, as ``format_versions`` lists them."""
    aside = plan.paths.unversioned_dir
    return format_versions(plan.versions.all(), aside if aside.is_dir() else None)


def format_versions(versions: list[Version], unversioned: Optional[Path] = None) -> list[str]:
    """The lines under a shot's stage rows that list its versions, newest first: name,
    when, by whom, what changed since the version before (or that it is not
    published: being written, or a render stopped before publishing it); then
    ``unversioned``, the folder of what the shot had before versions, when there is one."""
    if not versions and unversioned is None:
        return []
    lines = ["versions:"]
    for v in reversed(versions):
        record = v.record or {}
        if not v.published:
            lines.append(f"  {v.name}  not published (being written, or a render stopped "
                         f"before publishing it)")
            continue
        changes = record.get("changes")
        if changes is None:
            what = "first version"
        elif not changes:
            what = "nothing changed (rendered again)"
        else:
            what = "changed: " + ", ".join(str(c.get("stage")) for c in changes
                                           if isinstance(c, dict))
        lines.append(f"  {v.name}  {record.get('time', '?')}  {record.get('user', '?')}  {what}")
    if unversioned is not None:
        lines.append(f"  {unversioned.name}  rendered before versions")
    return lines
