"""No behaviour change: the stage and chunk keys of two sample shots are the ones
the code computed before the shot graph existed (merge19, recorded here), but
for the flow stage and what reads it since the default occlusion test changed
(#23, ``CHANGED_23``), and the styled stage and what reads it since the default
``tile_size`` went from 1024 to 2048 (#23, ``CHANGED_TILE_23``); with the old
test and the old tile size set, they are merge19's.

A key hashes the stage's name, the keys of the stages it reads and its settings,
so any change in the order or the values hashed shows up here. File identities
(the source's and the style checkpoint's path, size and mtime) vary with the
temporary folder, so they are pinned to the file's name.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import pipeline.workarea.plan as plan_module
from pipeline.graph.chunks import Chunk
from pipeline.workarea.plan import ShotPlan

from helpers import write_yaml

STAGE_NAMES = ("probe", "plates", "flow", "styled", "final", "encode", "metrics", "report")

#: merge19 (de9f336): ShotPlan.key per stage, then chunk_key of 1001-1004 for the
#: chunked stages (with the occlusion test of then, ``forward_backward``)
MERGE19 = {
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

#: #23: the default occlusion test became `photometric` (one flow per pair): the keys
#: of the flow stage and of what reads it change; the rest are merge19's. A shot that
#: sets `flow_occlusion: forward_backward` keeps all of merge19's keys.
CHANGED_23 = {
    "movie": {
        "flow": "f9b440d7f3e65e87ae3e",
        "final": "5f70c48bc767fcef3bc3",
        "encode": "198f37d92082369b800c",
        "metrics": "3b5a9e0a9729f4c9cff3",
        "report": "eec2c0e115b5c477c84a",
        "flow 1001-1004": "4e60e7ef6e3cb787bd13",
        "final 1001-1004": "aba924519031ace9a0a4",
    },
    "exr": {
        "flow": "a5943dbba98a5fb01933",
        "final": "3fb36415ff4b5150dfb1",
        "encode": "b54ff7922e2a64a4de9e",
        "metrics": "71b4face6cdcd3817347",
        "report": "e6c53e70f2fc563dcb09",
        "flow 1001-1004": "316ca1c131f7bf4b04bb",
        "final 1001-1004": "68079bf4170c3022d425",
    },
    "none": {
        "flow": "f9b440d7f3e65e87ae3e",
        "metrics": "ef9db279ae06b7030291",
        "report": "bca69052c8c5c6b1523f",
        "flow 1001-1004": "4e60e7ef6e3cb787bd13",
    },
}
#: #23: the default tile_size became 2048 (1080p and 2K stylised whole): the key of
#: the styled stage (which hashes the setting, whatever the frame size) and of what
#: reads it change, for every shot. A pipeline.yaml with `tile_size: 1024` keeps them.
CHANGED_TILE_23 = {
    "movie": {
        "styled": "47158c841d3abfa03c1d",
        "final": "1d3123b393ec569da1ee",
        "encode": "9058209bed5af7ad28e2",
        "metrics": "a8bc7ac37d4748e0ff1e",
        "report": "74e2507278c19bf31fb9",
        "styled 1001-1004": "74e426d9092113126017",
        "final 1001-1004": "3dadc96cab6d18fcdbff",
    },
    "exr": {
        "styled": "6d977a5bf50700cda178",
        "final": "0d07d991f5c0d9f018a1",
        "encode": "bcfaed6893e4f3a35597",
        "metrics": "e2805429bd0b82935676",
        "report": "dd85c4c8b2dc7054013d",
        "styled 1001-1004": "a93a496bfc18252dcccc",
        "final 1001-1004": "46ffb91a2d60466dbd8e",
    },
    "none": {
        "styled": "47158c841d3abfa03c1d",
        "final": "92de47c8f0d273efda3f",
        "encode": "0a35a6006c2c8acc8fba",
        "metrics": "7abd04cccccccacdc787",
        "report": "ebb4ba6eb67fd7bb2e1b",
        "styled 1001-1004": "74e426d9092113126017",
        "final 1001-1004": "abcab0d849771c888f77",
    },
}
EXPECTED_1024 = {kind: {**keys, **CHANGED_23[kind]} for kind, keys in MERGE19.items()}
EXPECTED = {kind: {**keys, **CHANGED_TILE_23[kind]} for kind, keys in EXPECTED_1024.items()}


@pytest.fixture
def pinned_files(monkeypatch):
    monkeypatch.setattr(plan_module, "file_fingerprint", lambda p: [Path(p).name, "pinned"])


def _old_tile_size(project) -> None:
    """The project's pipeline.yaml with the tile size of before #23."""
    path = project.configs / "pipeline.yaml"
    write_yaml(path, {**yaml.safe_load(path.read_text()), "tile_size": 1024})


def _movie(project, tmp_path, **smoothing) -> ShotPlan:
    src = tmp_path / "m01.mov"
    src.write_bytes(b"movie")
    project.add_shot("m01", src, smoothing={"strength": 0.7, **smoothing}, output={"mp4": False})
    return ShotPlan.load("m01")


def _exr(project, tmp_path, **smoothing) -> ShotPlan:
    # a sequence's pattern enters the key as it is: a fixed one (its files missing)
    project.add_shot("e01", "/nonexistent/plates/e01.%04d.exr", colorspace="ACEScg",
                     **({"smoothing": smoothing} if smoothing else {}))
    return ShotPlan.load("e01")


def _none(project, tmp_path, **smoothing) -> ShotPlan:
    src = tmp_path / "m01.mov"
    src.write_bytes(b"movie")
    project.add_shot("m01", src, smoothing={"method": "none", **smoothing})
    return ShotPlan.load("m01")


def keys_of(plan: ShotPlan) -> dict[str, str]:
    keys = {name: plan.key(name) for name in STAGE_NAMES}
    for name in ("flow", "styled", "final"):
        keys[f"{name} 1001-1004"] = plan.chunk_key(name, Chunk(1001, 1004))
    return keys


@pytest.mark.parametrize("kind,make", [("movie", _movie), ("exr", _exr), ("none", _none)])
def test_stage_keys_are_those_of_merge19_but_the_flow_s(project, tmp_path, pinned_files, kind,
                                                       make):
    _old_tile_size(project)
    plan = make(project, tmp_path)
    assert (plan.colour is not None) == (kind == "exr")
    assert keys_of(plan) == EXPECTED_1024[kind]


@pytest.mark.parametrize("kind,make", [("movie", _movie), ("exr", _exr), ("none", _none)])
def test_the_default_tile_size_changes_the_styled_key_and_what_reads_it(project, tmp_path,
                                                                        pinned_files, kind, make):
    keys = keys_of(make(project, tmp_path))
    assert keys == EXPECTED[kind]
    changed = {name for name in keys if keys[name] != EXPECTED_1024[kind][name]}
    assert changed == {"styled", "final", "encode", "metrics", "report", "styled 1001-1004",
                       "final 1001-1004"}


@pytest.mark.parametrize("kind,make", [("movie", _movie), ("exr", _exr), ("none", _none)])
def test_the_two_flow_occlusion_test_keeps_the_keys_of_merge19(project, tmp_path, pinned_files,
                                                               kind, make):
    _old_tile_size(project)
    plan = make(project, tmp_path, flow_occlusion="forward_backward")
    assert keys_of(plan) == MERGE19[kind]
