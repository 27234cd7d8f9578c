"""No behaviour change: the stage and chunk keys of two sample shots are the ones
the code computed before the shot graph existed (merge19, recorded here).

A key hashes the stage's name, the keys of the stages it reads and its settings,
so any change in the order or the values hashed shows up here. File identities
(the source's and the style checkpoint's path, size and mtime) vary with the
temporary folder, so they are pinned to the file's name.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import pipeline.workarea.plan as plan_module
from pipeline.graph.chunks import Chunk
from pipeline.workarea.plan import ShotPlan

STAGE_NAMES = ("probe", "plates", "flow", "styled", "final", "encode", "metrics", "report")

#: merge19 (de9f336): ShotPlan.key per stage, then chunk_key of 1001-1004 for the
#: chunked stages
EXPECTED = {
    "movie": {
        "probe": "d783e56a2f7d27e854d7",
        "plates": "1a7930bc4b780ce61bb2",
        "flow": "1c0c1fa65a8c858d5bea",
        "styled": "36f77c4bc576d56b8bcc",
        "final": "9430197f24d9e67624a9",
        "encode": "cb45123fb750cce3b4c3",
        "metrics": "fa8dfc7d5de342049778",
        "report": "2723728d67ffd4662623",
        "flow 1001-1004": "b172e85a5752bdd93097",
        "styled 1001-1004": "4970f6e68fab5ba4c1f3",
        "final 1001-1004": "973fff65026b754e8bec",
    },
    "exr": {
        "probe": "b2238736e29c4091590f",
        "plates": "8682b17803e474eef656",
        "flow": "4b43a3f8e04f1bd9b87b",
        "styled": "d22856e8cbf03a3a8e32",
        "final": "f3a2c9b41085d8bc48a4",
        "encode": "b19f5e2ae2a2e64eed48",
        "metrics": "7cac2d7642d205ded7f5",
        "report": "6c2dcc460a0f74069726",
        "flow 1001-1004": "8c101e9df34b92241cca",
        "styled 1001-1004": "6d65dd030db7606f21cb",
        "final 1001-1004": "6b660617f82d72a4755e",
    },
    "none": {
        "probe": "d783e56a2f7d27e854d7",
        "plates": "1a7930bc4b780ce61bb2",
        "flow": "1c0c1fa65a8c858d5bea",
        "styled": "36f77c4bc576d56b8bcc",
        "final": "812889758f69417e2b9d",
        "encode": "0fa1de786780e9e993c7",
        "metrics": "6360f6eb25135ad505b8",
        "report": "1d60939bfc98a542abeb",
        "flow 1001-1004": "b172e85a5752bdd93097",
        "styled 1001-1004": "4970f6e68fab5ba4c1f3",
        "final 1001-1004": "bcc42030bef016e54bcf",
    },
}


@pytest.fixture
def pinned_files(monkeypatch):
    monkeypatch.setattr(plan_module, "file_fingerprint", lambda p: [Path(p).name, "pinned"])


def _movie(project, tmp_path) -> ShotPlan:
    src = tmp_path / "m01.mov"
    src.write_bytes(b"movie")
    project.add_shot("m01", src, smoothing={"strength": 0.7}, output={"mp4": False})
    return ShotPlan.load("m01")


def _exr(project, tmp_path) -> ShotPlan:
    # a sequence's pattern enters the key as it is: a fixed one (its files missing)
    project.add_shot("e01", "/nonexistent/plates/e01.%04d.exr", colorspace="ACEScg")
    return ShotPlan.load("e01")


def keys_of(plan: ShotPlan) -> dict[str, str]:
    keys = {name: plan.key(name) for name in STAGE_NAMES}
    for name in ("flow", "styled", "final"):
        keys[f"{name} 1001-1004"] = plan.chunk_key(name, Chunk(1001, 1004))
    return keys


@pytest.mark.parametrize("kind,make", [("movie", _movie), ("exr", _exr)])
def test_stage_keys_are_those_of_merge19(project, tmp_path, pinned_files, kind, make):
    plan = make(project, tmp_path)
    assert (plan.colour is not None) == (kind == "exr")
    assert keys_of(plan) == EXPECTED[kind]


def test_no_smoothing_flow_keys_are_those_of_merge19(project, tmp_path, pinned_files):
    src = tmp_path / "m01.mov"
    src.write_bytes(b"movie")
    project.add_shot("m01", src, smoothing={"method": "none"})
    plan = ShotPlan.load("m01")
    assert keys_of(plan) == EXPECTED["none"]


def test_the_one_flow_occlusion_test_changes_the_flow_and_what_reads_it(project, tmp_path,
                                                                      pinned_files):
    src = tmp_path / "m01.mov"
    src.write_bytes(b"movie")
    project.add_shot("m01", src, smoothing={"strength": 0.7, "flow_occlusion": "photometric"},
                     output={"mp4": False})
    keys = keys_of(ShotPlan.load("m01"))
    expected = EXPECTED["movie"]
    changed = {name for name in keys if keys[name] != expected[name]}
    assert changed == {"flow", "flow 1001-1004", "final", "final 1001-1004", "encode",
                       "metrics", "report"}
