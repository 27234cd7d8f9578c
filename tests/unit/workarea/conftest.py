"""A shot whose work area is written by hand: manifests with the keys the plan
computes, so the done-checks, status and rerun are tested without rendering."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.graph.chunks import Chunk
from pipeline.graph.table import PROBE, STAGES, stage
from pipeline.media.atomic import write_json
from pipeline.workarea.manifest import write_manifest
from pipeline.workarea.plan import ShotPlan
from pipeline.workarea.versions import stage_keys, version_number

FIRST, LAST = 1001, 1010  # chunks of 4: 1001-1004, 1005-1008, 1009-1010


class WorkArea:
    def __init__(self, project, shot: str = "w01"):
        self.project, self.shot = project, shot
        self.source = project.root / "footage" / "w01.mov"
        self.source.parent.mkdir(parents=True, exist_ok=True)
        self.source.write_bytes(b"not decoded in these tests")
        self.configure()
        self._clock = 1_700_000_000

    def configure(self, **extra) -> ShotPlan:
        self.project.add_shot(self.shot, self.source, **extra)
        return self.plan

    @property
    def plan(self) -> ShotPlan:
        return ShotPlan.load(self.shot)

    def _stamp(self, path: Path) -> None:
        """Manifests written in order get increasing mtimes (make's rule reads them)."""
        self._clock += 10
        os.utime(path, ns=(self._clock * 10**9, self._clock * 10**9))

    def done(self, name: str, chunk=None, **fields) -> Path:
        """Write the manifest of stage ``name`` (or one ``chunk`` of it, a ``Chunk`` or
        (first, last)) as a run would."""
        plan = self.plan
        if chunk is None:
            path = plan.paths.stage_manifest(name)
            frames = None if name == PROBE else (FIRST, LAST)
            write_manifest(path, stage=name, shot=self.shot, key=plan.keys.key(name),
                           frames=frames, **fields)
        else:
            chunk = Chunk(*chunk) if isinstance(chunk, tuple) else chunk
            path = plan.paths.chunk_manifest(name, chunk)
            write_manifest(path, stage=name, shot=self.shot, key=plan.keys.chunk_key(name, chunk),
                           frames=(chunk.first, chunk.last), **fields)
            if stage(name).frame_ext:
                for f in chunk.frames:
                    plan.paths.frame_file(name, f).parent.mkdir(parents=True, exist_ok=True)
                    plan.paths.frame_file(name, f).write_bytes(b"frame")
        self._stamp(path)
        return path

    def all_done(self) -> None:
        """Every stage done, in the order a render finishes them."""
        for st in STAGES:
            if st.chunked:
                for chunk in self.plan.frames.chunks():
                    self.done(st.name, chunk)
            elif st.delivers:  # its deliverables where the plan puts them
                outputs = st.outputs(self.plan)
                for kind, out in outputs.items():
                    out.parent.mkdir(parents=True, exist_ok=True)
                    if kind == "publish":  # last: the version is published
                        self.publish(out)
                    elif out.suffix:
                        out.write_text("x")
                    else:  # frames/, exr/
                        out.mkdir(exist_ok=True)
                self.done(st.name, outputs={k: str(p) for k, p in outputs.items()})
            else:
                self.done(st.name)

    def publish(self, record: Path, **fields) -> None:
        """A publish record with the stage keys of now (and ``fields``)."""
        write_json(record, {"version": version_number(record.parent.name),
                            "keys": stage_keys(self.plan.keys), **fields})


@pytest.fixture
def work(project) -> WorkArea:
    return WorkArea(project)
