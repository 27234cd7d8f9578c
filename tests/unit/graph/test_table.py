"""pipeline.graph.table: the stage table is the one place the stages are
declared: check that it is consistent and that everything else reads it."""
from __future__ import annotations

import ast
import importlib
import inspect
import re

import pytest

import tasks.shot
from helpers import REPO
from pipeline.graph.table import (FINAL, FLOW, FRAME_RANGE_FROM, PICTURES, STAGES, STYLED,
                                  lookup, stage)
from pipeline.stages.registry import RUN
from tasks.base import TASKS


def test_each_stage_reads_only_stages_declared_before_it():
    seen: set[str] = set()
    for st in STAGES:
        assert set(st.upstream) <= seen, st.name
        assert set(st.only_with_flow) <= set(st.upstream)
        assert not st.along_time or st.chunked
        assert all(callable(read) for read in st.settings), st.name
        seen.add(st.name)
    assert not stage(FRAME_RANGE_FROM).chunked


def test_one_name_per_stage_and_aliases_that_name_one_stage():
    words = [w for st in STAGES for w in (st.name, *st.aliases)]
    assert len(words) == len(set(words))
    for st in STAGES:
        assert st.folder == st.name
        assert all(lookup(w) is st for w in (st.name, *st.aliases))
    assert lookup("paint") is None
    # pipeline/stages/<name>.py is the stage's module: no stage may take a helper's name
    helpers = {"common", "retry", "memory", "train", "publish", "latest", "registry", "templates"}
    assert not helpers & {st.name for st in STAGES}


def test_each_stage_has_its_module_function_and_a_task_named_in_its_row():
    for st in STAGES:
        module = importlib.import_module(f"pipeline.stages.{st.name}")
        assert RUN[st.name] is module.run
        assert list(inspect.signature(module.run).parameters) == ["ctx"]  # a StageRun
        task = TASKS[st.name]
        assert task.stage_name == st.name and task.get_task_family() == st.task
        assert getattr(tasks.shot, st.task) is task and task.__doc__ == st.summary
        assert hasattr(task, "first") == st.chunked, task
        assert (getattr(task, "resources", {}) == {"gpu": 1}) == st.runs_model
    assert set(TASKS) == {st.name for st in STAGES} == set(RUN)


def test_a_task_class_that_does_not_match_its_row_is_refused():
    with pytest.raises(TypeError, match="does not match the stage table's row of 'styled'"):
        class StylizeChunk(tasks.shot.ChunkTask):  # no gpu resource
            stage_name = STYLED


@pytest.mark.parametrize("package", ["pipeline", "tasks"])
def test_registration_is_explicit(package):
    """Stage functions and task classes are named where they are used: no module
    found by its name, no class made into globals()."""
    offenders = []
    for path in sorted((REPO / package).rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for word in ("import_module", "globals()", "__import__"):
            if word in text:
                offenders.append(f"{path.relative_to(REPO)}: {word}")
    assert not offenders, offenders


def test_what_a_stage_reads_follows_the_smoothing_method():
    assert [s.name for s in STAGES if s.reads(FLOW, uses_flow=True)] == ["final", "metrics"]
    assert [s.name for s in STAGES if s.reads(FLOW, uses_flow=False)] == ["metrics"]
    assert [s.name for s in STAGES if s.reads(STYLED, uses_flow=False)] == ["final"]
    assert stage(FINAL).continues_previous_chunk(True)
    assert not stage(FINAL).continues_previous_chunk(False)
    assert [s.label for s in PICTURES] == ["plate", "stylised", "final"]


def test_keys_chain_through_the_table(project, tmp_path):
    from pipeline.workarea.plan import ShotPlan
    src = tmp_path / "a.mov"
    src.write_bytes(b"x")
    project.add_shot("k1", src)
    before = ShotPlan.load("k1")
    project.add_shot("k1", src, smoothing={"strength": 0.5})
    after = ShotPlan.load("k1")
    changed = {st.name for st in STAGES if before.key(st.name) != after.key(st.name)}
    assert changed == {"final", "encode", "metrics", "report"}
    project.add_shot("k1", src, smoothing={"flow_preset": "fast"})
    flow_changed = ShotPlan.load("k1")
    changed = {st.name for st in STAGES if before.key(st.name) != flow_changed.key(st.name)}
    assert changed == {"flow", "final", "encode", "metrics", "report"}


#: The stages whose work folders hold frames: their names were spelled out all
#: over the code before the table existed. (``metrics`` and ``report`` are also
#: ordinary words: a CLI command, JSON keys, the report's image folder.)
_STAGE_WORDS = "|".join(re.escape(st.name) for st in STAGES if st.frame_ext)


@pytest.mark.parametrize("package", ["pipeline", "tasks"])
def test_stage_folders_are_spelled_out_only_in_the_table(package):
    """Code refers to a stage through the table's constants, never by a string of
    its name (the smoothing method ``flow`` in the config is another word)."""
    allowed = {"pipeline/graph/table.py", "pipeline/config.py"}
    offenders = []
    for path in sorted((REPO / package).rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(_STAGE_WORDS, node.value):
                offenders.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not offenders, offenders


def test_models_import_nothing_from_pipeline():
    for path in sorted((REPO / "models").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "pipeline" or n.startswith(("pipeline.", "tasks")) for n in names), \
                f"{path}: imports {names}"


def test_scheduling_loads_no_stage_module():
    """The task classes name their stage; its module (OpenCV and all) loads only
    when the stage runs, not in every Luigi process that schedules."""
    import os
    import subprocess
    import sys
    code = ("import sys, tasks; print(sorted(m for m in sys.modules if m.startswith("
            "('pipeline.stages.registry', 'pipeline.stages.styled', 'cv2', 'torch'))))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "[]"
