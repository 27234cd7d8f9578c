"""A shot's graph: nodes ``(stage, chunk)`` and what each one reads.

A ``Node`` is a stage that is not chunked (``Node("encode")``) or one chunk of
a chunked stage (``Node("styled", Chunk(1001, 1048))``). A chunked stage's
node without a chunk stands for the whole stage, every chunk of it (what
``rerun --stage styled`` removes).

``ShotGraph(plan).inputs(node)`` is every node that ``node`` reads, in the
order the stage table lists them:

* each stage it reads (``Stage.upstream``; those in ``only_with_flow`` only
  while the shot's smoothing uses the flow): a whole stage as its node; a
  chunked one as the same chunk when ``node`` is a chunk, else as every chunk
  of it, or, while the shot's frames are not decoded (so its chunks are not
  known), as the stage that gives the frame range (the plates);
* for a chunk of a stage that runs along time (smoothing), the chunk before it.

``readers`` is the other way round, ``downstream`` everything reached that way.
The Luigi tasks, the done-checks, the OpenJD steps, ``rerun`` and ``status``
are mappings over this graph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence, Union

from pipeline.errors import NotReadyError
from pipeline.graph.chunks import Chunk, previous as previous_chunk
from pipeline.graph.table import FRAME_RANGE_FROM, STAGES, Stage, stage

if TYPE_CHECKING:  # the plan reads the table: no import at run time
    from pipeline.workarea.plan import ShotPlan

_ORDER = {s.name: i for i, s in enumerate(STAGES)}


@dataclass(frozen=True)
class Node:
    """A stage (``chunk`` None) or one chunk of a chunked stage."""

    stage: str
    chunk: Optional[Chunk] = None

    @property
    def row(self) -> Stage:
        """The node's row of the stage table."""
        return stage(self.stage)

    @property
    def name(self) -> str:
        """``styled 1001-1048`` (or ``encode``): what status, rerun and the done-checks say."""
        return self.stage if self.chunk is None else f"{self.stage} {self.chunk.label}"

    @property
    def log_name(self) -> str:
        """``styled.1001-1048``: the stem of its log and failure record in work/<shot>/logs/."""
        return self.stage if self.chunk is None else f"{self.stage}.{self.chunk.label}"

    def sort_key(self) -> tuple[int, int]:
        """Table order, then frame order."""
        return _ORDER[self.stage], -1 if self.chunk is None else self.chunk.first

    def __str__(self) -> str:
        return self.name


class _Decoded:
    def __repr__(self) -> str:
        return "DECODED"


#: ``ShotGraph``'s chunks: those of the decoded frame range (the plates' manifest)
DECODED = _Decoded()


class ShotGraph:
    """The nodes of one shot and their dependencies.

    ``plan``: the shot (None: a shot whose config does not load; its graph has
    the inputs every config has). ``chunks``: ``DECODED`` (the default) reads
    them from the plates' manifest when first needed (unknown until the plates
    are decoded); None: not known (Luigi's scheduling, before any stage ran);
    or the chunks themselves (``pipeline.openjd``, from the probed length).
    """

    def __init__(self, plan: Optional["ShotPlan"],
                 chunks: Union[Sequence[Chunk], None, _Decoded] = DECODED):
        self.plan = plan
        self.uses_flow = plan is not None and plan.settings.smoothing_uses_flow
        self._chunks = chunks if chunks is None or isinstance(chunks, _Decoded) else tuple(chunks)

    # ------------------------------------------------------------ the nodes
    @property
    def chunks(self) -> Optional[tuple[Chunk, ...]]:
        """The shot's chunks, or None while they are not known."""
        if isinstance(self._chunks, _Decoded):
            try:
                self._chunks = None if self.plan is None else tuple(self.plan.frames.chunks())
            except NotReadyError:
                self._chunks = None
        return self._chunks

    def stage_nodes(self, name: str) -> list[Node]:
        """Stage ``name``'s nodes: itself, or one per chunk (NotReadyError while the
        chunks are not known)."""
        if not stage(name).chunked:
            return [Node(name)]
        if self.chunks is None:
            raise NotReadyError(f"{self._shot}: plates are not decoded yet")
        return [Node(name, c) for c in self.chunks]

    def nodes(self) -> list[Node]:
        """Every node, in the stage table's order (chunks in frame order)."""
        return [n for st in STAGES for n in self.stage_nodes(st.name)]

    def reads(self, consumer: Stage, upstream: str) -> bool:
        """Whether stage ``consumer`` reads ``upstream``'s outputs for this shot."""
        return consumer.reads(upstream, self.uses_flow)

    # ---------------------------------------------------------- the edges
    def inputs(self, node: Node) -> list[Node]:
        """The nodes ``node`` reads, in the stage table's order (module docstring)."""
        st = node.row
        deps: list[Node] = []
        for up in (u for u in st.upstream if self.reads(st, u)):
            if not stage(up).chunked or (st.chunked and node.chunk is None):
                deps.append(Node(up))
            elif node.chunk is not None:
                deps.append(Node(up, node.chunk))
            elif self.chunks is not None:
                deps += [Node(up, c) for c in self.chunks]
            elif Node(FRAME_RANGE_FROM) not in deps:
                deps.append(Node(FRAME_RANGE_FROM))  # frames not decoded: chunks come later
        before = self.previous(node)
        if before is not None:
            deps.append(before)
        return deps

    def previous(self, node: Node) -> Optional[Node]:
        """The chunk a chunk of a stage that runs along time continues from."""
        if node.chunk is None or self.plan is None \
                or not node.row.continues_previous_chunk(self.uses_flow):
            return None
        before = previous_chunk(node.chunk, self.plan.cfg.first_frame,
                                self.plan.settings.chunk_size)
        return None if before is None else Node(node.stage, before)

    def readers(self, node: Node) -> list[Node]:
        """The nodes that read ``node`` directly, in table and frame order. A
        chunk is read by the same chunk of chunked stages (and, along time, by
        the next chunk of its own stage) and by the whole stages that read its
        stage; a stage as a whole by the stages that read it, as wholes."""
        found: list[Node] = []
        for reader in STAGES:
            if not self.reads(reader, node.stage):
                continue
            chunk = node.chunk if reader.chunked else None
            found.append(Node(reader.name, chunk))
        if node.chunk is not None and node.row.continues_previous_chunk(self.uses_flow):
            if self.chunks is None:
                raise NotReadyError(f"{self._shot}: plates are not decoded yet")
            found += [Node(node.stage, c) for c in self.chunks if self.previous(
                Node(node.stage, c)) == node]
        return sorted(found, key=Node.sort_key)

    def downstream(self, node: Node) -> list[Node]:
        """Every node that reads ``node``, directly or not, in table and frame order."""
        found: set[Node] = set()
        todo = [node]
        while todo:
            for reader in self.readers(todo.pop()):
                if reader not in found:
                    found.add(reader)
                    todo.append(reader)
        return sorted(found, key=Node.sort_key)

    @property
    def _shot(self) -> str:
        return self.plan.shot if self.plan is not None else "shot"
