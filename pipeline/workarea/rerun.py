"""`python -m pipeline rerun <shot> --stage <stage> [--frames A-B]`.

Removes a stage's outputs (or those of the chunks that overlap the frames) and
everything downstream of it, as the shot's graph says, so the next
``RenderShot`` redoes exactly that. Each manifest is removed before the files
it vouches for, so an interrupted rerun never leaves a stage that looks done.
Nothing in renders/<shot>/ is deleted: a published version is never touched,
and the re-render writes a new version (``pipeline.workarea.versions``), so a
failed re-render leaves the last good one in place.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from pipeline.errors import ConfigError
from pipeline.graph.nodes import Node, ShotGraph
from pipeline.graph.table import STAGES, lookup, stage
from pipeline.workarea.failures import failure_path
from pipeline.workarea.plan import ShotPlan


def stage_name(text: str) -> str:
    """The stage called ``text`` (a name or an alias)."""
    found = lookup(text)
    if found is None:
        aliases = [a for s in STAGES for a in s.aliases]
        raise ConfigError(f"unknown stage {text!r}: expected one of "
                          f"{', '.join(s.name for s in STAGES)} (or {', '.join(aliases)})")
    return found.name


def _unlink(path: Path) -> bool:
    """Remove ``path``; whether there was one."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _remove_chunk(plan: ShotPlan, node: Node) -> bool:
    """Remove a chunk's manifest, frames and failure record; whether any existed."""
    found = _unlink(plan.paths.chunk_manifest(node.stage, node.chunk))
    for f in node.chunk.frames:
        found |= _unlink(plan.paths.frame_file(node.stage, f))
    found |= _unlink(failure_path(plan.paths.logs_dir, node.log_name))
    return found


def _remove_whole(plan: ShotPlan, name: str) -> bool:
    """Remove a stage's manifests, its folder of frames and its failure records;
    whether any existed."""
    folder = plan.paths.stage_dir(name)
    found = _unlink(plan.paths.stage_manifest(name))
    for manifest in sorted(folder.glob("chunks/*.json")):
        found |= _unlink(manifest)
    if stage(name).frame_ext and folder.is_dir():
        found |= any(folder.iterdir())
        shutil.rmtree(folder)
    for record in plan.paths.logs_dir.glob(f"{name}*.failed.json"):
        found |= _unlink(record)
    return found


def plan_rerun(plan: ShotPlan, name: str, frames: Optional[tuple[int, int]] = None) -> list[Node]:
    """What ``rerun`` removes, in the stage table's order: stage ``name`` (a chunked
    stage's node without a chunk: all of it) and everything downstream of it in the
    shot's graph.

    With ``frames``, the chunks of the stage that overlap them and everything
    downstream of those: the same chunks of the chunked stages that read them
    (and, for a stage that runs along time, every later chunk), then the whole
    stages that read any of them.
    """
    st = stage(stage_name(name))
    graph = ShotGraph(plan)
    if frames is None:
        start = [Node(st.name)]
    else:
        if not st.chunked:
            chunked = ", ".join(s.name for s in STAGES if s.chunked)
            raise ConfigError(f"--frames applies to the chunked stages ({chunked}), "
                              f"not {st.name!r}")
        chunks = graph.chunks
        if chunks is None:
            raise ConfigError(f"{plan.shot}: plates are not decoded yet; nothing to rerun "
                              f"by frames")
        lo, hi = frames
        start = [Node(st.name, c) for c in chunks if c.overlaps(lo, hi)]
        if not start:
            raise ConfigError(f"{plan.shot}: frames {lo}-{hi} are outside the shot "
                              f"({chunks[0].first}-{chunks[-1].last})")
    found = set(start)
    for node in start:
        found.update(graph.downstream(node))
    return sorted(found, key=Node.sort_key)


def rerun(plan: ShotPlan, name: str, frames: Optional[tuple[int, int]] = None) -> list[str]:
    """Remove the outputs ``plan_rerun`` lists; returns the names of those that
    had any (a stage or chunk never run has nothing to remove)."""
    removed = []
    for node in plan_rerun(plan, name, frames):
        if _remove_whole(plan, node.stage) if node.chunk is None else _remove_chunk(plan, node):
            removed.append(node.name)
    return removed
