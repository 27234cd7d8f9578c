"""When a stage (or chunk) is done: its key, its outputs, and make's ordering rule."""
from __future__ import annotations

from pipeline.stages.table import ENCODE, FINAL, FLOW, METRICS, PLATES, PROBE, REPORT, STYLED
from pipeline.workarea.checkpoints import checkpoint, chunk_checkpoint

CHUNKS = [(1001, 1004), (1005, 1008), (1009, 1010)]


def test_chunks_come_from_the_plates_manifest(work):
    # frame range not known yet: whole stages downstream wait for the plates
    assert [cp.name for cp in checkpoint(work.plan, METRICS).inputs()] == [PLATES]
    work.done(PROBE)
    work.done(PLATES)
    assert work.plan.chunks() == CHUNKS
    assert [cp.name for cp in checkpoint(work.plan, ENCODE).inputs()] == [
        "final 1001-1004", "final 1005-1008", "final 1009-1010"]


def test_a_manifest_with_the_key_computed_now_is_done(work):
    assert checkpoint(work.plan, PROBE).why_not_current() == "missing"
    work.done(PROBE)
    work.done(PLATES)
    assert checkpoint(work.plan, PLATES).is_current()
    # a setting the plates key depends on changes: the stage is stale, its input is not
    work.configure(first_frame=2001)
    assert checkpoint(work.plan, PLATES).why_not_current() == "stale (settings or inputs changed)"
    assert checkpoint(work.plan, PROBE).is_current()


def test_an_input_redone_after_a_stage_makes_it_redo_as_make_would(work):
    work.all_done()
    assert checkpoint(work.plan, REPORT).is_current()
    work.done(STYLED, CHUNKS[1])  # a re-made chunk, newer than what read it
    assert chunk_checkpoint(work.plan, STYLED, *CHUNKS[1]).is_current()
    assert chunk_checkpoint(work.plan, FINAL, *CHUNKS[1]).why_not_current() == (
        "styled 1005-1008 was redone after it")
    assert chunk_checkpoint(work.plan, FINAL, *CHUNKS[0]).is_current()
    # downstream of a stale chunk: reported with the name of the stage at fault
    assert checkpoint(work.plan, REPORT).why_not_current() == "styled 1005-1008 was redone after it"


def test_smoothing_chunks_run_along_time_only_while_they_use_the_flow(work):
    work.all_done()
    work.done(FINAL, CHUNKS[0])
    assert chunk_checkpoint(work.plan, FINAL, *CHUNKS[1]).why_not_current() == (
        "final 1001-1004 was redone after it")
    inputs = [cp.name for cp in chunk_checkpoint(work.plan, FINAL, *CHUNKS[1]).inputs()]
    assert inputs == ["styled 1005-1008", "flow 1005-1008", "final 1001-1004"]
    work.configure(smoothing={"method": "none"})
    inputs = [cp.name for cp in chunk_checkpoint(work.plan, FINAL, *CHUNKS[1]).inputs()]
    assert inputs == ["styled 1005-1008"]


def test_a_stage_that_delivers_files_is_not_done_once_one_is_gone(work):
    work.all_done()
    assert checkpoint(work.plan, ENCODE).is_current()
    (work.project.renders / "w01" / "encode.out").unlink()
    why = checkpoint(work.plan, ENCODE).why_not_current()
    assert why.startswith("output missing: ") and why.endswith("encode.out")
    assert checkpoint(work.plan, REPORT).why_not_current().startswith("encode is output missing")
    assert checkpoint(work.plan, METRICS).is_current()


def test_whole_stages_read_every_chunk_of_a_chunked_stage(work):
    work.all_done()
    names = [cp.name for cp in checkpoint(work.plan, METRICS).inputs()]
    assert names == [f"{s} {a:04d}-{b:04d}" for s in (FINAL, FLOW) for a, b in CHUNKS]
    assert [cp.name for cp in checkpoint(work.plan, REPORT).inputs()] == [ENCODE, METRICS]
