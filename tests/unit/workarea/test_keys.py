"""pipeline.workarea.keys: stage keys are stable (the same configs give the same
keys, plan after plan) and change with what they hash, downstream too; the probe
key of a colour-managed shot carries the scene format."""
from __future__ import annotations

from pipeline.graph.chunks import Chunk
from pipeline.graph.table import FINAL, PLATES, PROBE, STAGES, STYLED
from pipeline.workarea.keys import SCENE_FORMAT, StageKeys, style_key


def test_keys_are_stable_from_plan_to_plan(work):
    first, again = work.plan, work.plan
    assert first.keys is not again.keys
    for st in STAGES:
        assert first.keys.key(st.name) == again.keys.key(st.name)
    chunk = Chunk(1001, 1004)
    assert first.keys.chunk_key(STYLED, chunk) == again.keys.chunk_key(STYLED, chunk)
    assert first.keys.chunk_key(STYLED, chunk) != first.keys.chunk_key(STYLED, Chunk(1005, 1008))


def test_a_setting_changes_its_stage_and_those_downstream_only(work):
    before = work.plan
    after = work.configure(smoothing={"strength": 0.5})
    assert after.keys.key(PLATES) == before.keys.key(PLATES)
    assert after.keys.key(STYLED) == before.keys.key(STYLED)
    assert after.keys.key(FINAL) != before.keys.key(FINAL)
    assert after.keys.key("report") != before.keys.key("report")


def test_the_fingerprint_is_the_one_given(work):
    plan = work.plan
    pinned = StageKeys(plan, fingerprint=lambda p: [p.name, "pinned"])
    assert pinned.source_identity == ["w01.mov", "pinned"]
    assert pinned.style_identity == style_key(plan.style, lambda p: [p.name, "pinned"])
    assert plan.keys.source_identity != pinned.source_identity  # size and mtime


def test_colour_managed_shot_carries_the_scene_format_in_its_probe_key(work):
    movie = work.plan
    assert movie.colour is None
    assert ["scene-format", SCENE_FORMAT] not in movie.keys.source_identity
    managed = work.configure(colorspace="ACEScg")
    assert managed.colour is not None
    assert managed.keys.source_identity[-1] == ["scene-format", SCENE_FORMAT]
    assert managed.keys.key(PROBE) != movie.keys.key(PROBE)
