"""Whether a stage (or one chunk of it) is done: keys plus make-style ordering.

A stage's done-marker (its manifest, ``DoneMarker``) is *current* when

1. the manifest exists and carries the key computed now from the configs and
   the inputs' identities (``plan.keys.key``), and, for a stage that delivers
   (its row's ``outputs``), the manifest lists under ``outputs`` exactly the
   paths the plan computes now (``ShotPaths``: a render root moved since, by
   the pipeline config or ``SHOTSTYLE_RENDER_ROOT``, makes it not done, and
   the next render delivers into the new root), and each of them still exists; and
2. every marker it reads from (its inputs in the shot's graph,
   ``pipeline.graph.nodes.ShotGraph.inputs``) is current and no older than
   it: an input manifest written after this one means the input was redone
   since (``python -m pipeline rerun``, a lost chunk re-made) and this stage
   must be redone too, as ``make`` would.

Rule 2 also carries the smoothing chain: smoothed chunk N continues from the
last output frame of chunk N-1, so chunk N is an input of chunk N+1 and a
redone chunk makes every later chunk (and the encode and metrics) stale.

``DoneMarker`` is plain Python; ``tasks.base.ManifestTarget`` wraps it for
Luigi and ``python -m pipeline status`` reads it directly. (Not to be mixed
up with a style's model checkpoint, ``models/checkpoint.py``.)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from pipeline.graph.chunks import Chunk
from pipeline.graph.nodes import Node, ShotGraph
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


@dataclass
class DoneMarker:
    """One stage's (or chunk's) manifest, the key it must carry, its inputs."""

    name: str
    manifest: Path
    key: str
    inputs: Callable[[], list["DoneMarker"]] = field(default=lambda: [], repr=False)
    #: the deliverables, by kind, where the plan puts them now; None: none checked
    outputs: Optional[dict[str, str]] = None

    def own_state(self) -> tuple[Optional[int], str]:
        """(manifest mtime in ns, "") when this manifest alone is valid, else (None, why)."""
        data = read_manifest(self.manifest)
        if not data:
            return None, "missing"
        if data.get("key") != self.key:
            return None, "stale (settings or inputs changed)"
        if self.outputs is not None:
            why = outputs_differ(data.get("outputs") or {}, self.outputs)
            if why:
                return None, why
        try:
            return os.stat(self.manifest).st_mtime_ns, ""
        except OSError:
            return None, "missing"

    def why_not_current(self) -> Optional[str]:
        """None when current; otherwise the first reason found, naming the stage."""
        seen: dict[str, Optional[int]] = {}
        stack = [self]
        while stack:
            marker = stack.pop()
            if marker.name in seen:
                continue
            mtime, why = marker.own_state()
            if mtime is None:
                return why if marker is self else f"{marker.name} is {why}"
            seen[marker.name] = mtime
            for inp in marker.inputs():
                in_mtime, in_why = inp.own_state()
                if in_mtime is None:
                    return f"{inp.name} is {in_why}"
                if in_mtime > mtime:
                    return f"{inp.name} was redone after it"
                stack.append(inp)
        return None

    def is_current(self) -> bool:
        return self.why_not_current() is None


def outputs_differ(listed: dict, wanted: dict[str, str]) -> Optional[str]:
    """Why the deliverables a manifest ``listed`` are not the ones ``wanted`` now
    (kind -> path), or one of them is gone; None when they are all there."""
    for kind in sorted(set(listed) | set(wanted)):
        had, want = listed.get(kind), wanted.get(kind)
        if had is None:
            return f"output not written: {kind} ({want})"
        if want is None:
            return f"output no longer asked for: {kind} ({had})"
        if str(had) != want:
            return f"output moved: {kind} was {had}, now {want}"
    gone = [p for p in wanted.values() if not Path(p).exists()]
    return f"output missing: {gone[0]}" if gone else None


def stage_done(plan: ShotPlan, name: str, chunk: Optional[Chunk] = None) -> DoneMarker:
    """The done-marker of stage ``name`` (a stage that is not chunked), or of one
    ``chunk`` of it."""
    return node_done(ShotGraph(plan), Node(name, chunk))


def node_done(graph: ShotGraph, node: Node) -> DoneMarker:
    """The done-marker of ``node`` of a shot's graph; its inputs are the node's."""
    plan = graph.plan
    if node.chunk is None:
        manifest, key = plan.paths.stage_manifest(node.stage), plan.keys.key(node.stage)
    else:
        manifest, key = plan.paths.chunk_manifest(node.stage, node.chunk), \
            plan.keys.chunk_key(node.stage, node.chunk)
    outputs = node.row.outputs
    return DoneMarker(node.name, manifest, key,
                      lambda: [node_done(graph, n) for n in graph.inputs(node)],
                      outputs=None if outputs is None
                      else {kind: str(path) for kind, path in outputs(plan).items()})
