"""The names of a job's steps and of the job, within Open Job Description's
limits (``jobtemplate-2023-09`` without extensions, as Deadline Cloud takes it):
a step name at most 64 characters, a job name at most 128.

A step is ``<shot> <node>`` (``s01 styled``, ``s01 final 1001-1048``) or
``style <style> train``. A shot or style name may be 128 characters long
(``pipeline.config.SHOT_NAME_MAX``), so a name longer than ``LABEL_MAX`` is
shortened the same way wherever it appears: its first characters, ``~`` and 8
hex digits of the SHA-256 of the whole name (``shortened``). The same shot has
the same label in every step and every job; two names that share a beginning
still differ. The step's ``description`` keeps the whole name.
"""
from __future__ import annotations

import hashlib
from typing import Optional

from pipeline.graph.chunks import Chunk
from pipeline.graph.nodes import Node
from pipeline.graph.table import STAGES

STEP_NAME_MAX = 64
JOB_NAME_MAX = 128
#: ``~`` and the hash's hex digits that end a shortened name
HASH_DIGITS = 8

#: the widest a node's name gets: the longest stage name with a chunk of
#: 8-digit frames (a first frame may be up to 9,999,999)
_WIDEST_NODE = max(len(Node(s.name, Chunk(10**7, 10**7) if s.chunked else None).name)
                   for s in STAGES)
#: the longest shot or style name a step name holds whole (the rest of a step
#: name: a space and the widest node; ``style `` and `` train``)
LABEL_MAX = STEP_NAME_MAX - 1 - _WIDEST_NODE


def shortened(name: str, limit: int) -> str:
    """``name`` if it has at most ``limit`` characters, else its beginning, ``~``
    and 8 hex digits of its SHA-256, ``limit`` characters in all."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:HASH_DIGITS]
    return f"{name[:limit - HASH_DIGITS - 1]}~{digest}"


def label(name: str) -> str:
    """How a shot or style is named in step names."""
    return shortened(name, LABEL_MAX)


def shot_step_name(shot: str, node: Node) -> str:
    """``s01 styled``; ``s01 final 1001-1048``: the step that runs ``node``."""
    return f"{label(shot)} {node.name}"


def train_step_name(style: str) -> str:
    """``style ink train``: the step that trains ``style``."""
    return f"style {label(style)} train"


def step_description(kind: str, name: str, what: str) -> Optional[str]:
    """The step's description where its name shortens ``name`` (the ``kind``,
    shot or style, named whole), else None."""
    return None if label(name) == name else f"{kind} {name}: {what}"


def job_name(shots: list[str]) -> str:
    """``shotstyle s01 s02``, shortened to the job name limit."""
    return shortened(f"shotstyle {' '.join(shots)}", JOB_NAME_MAX)
