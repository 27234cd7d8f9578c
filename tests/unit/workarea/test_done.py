"""pipeline.workarea.done: when a stage (or chunk) is done: its key, its outputs, and make's ordering rule."""
from __future__ import annotations

from pipeline.graph.chunks import Chunk
from pipeline.graph.table import ENCODE, FINAL, FLOW, METRICS, PLATES, PROBE, REPORT, STYLED
from pipeline.workarea.done import stage_done

CHUNKS = [Chunk(1001, 1004), Chunk(1005, 1008), Chunk(1009, 1010)]


def test_chunks_come_from_the_plates_manifest(work):
    # frame range not known yet: whole stages downstream wait for the plates
    assert [m.name for m in stage_done(work.plan, METRICS).inputs()] == [PLATES]
    work.done(PROBE)
    work.done(PLATES)
    assert work.plan.frames.chunks() == CHUNKS
    assert [m.name for m in stage_done(work.plan, ENCODE).inputs()] == [
        "final 1001-1004", "final 1005-1008", "final 1009-1010"]


def test_a_manifest_with_the_key_computed_now_is_done(work):
    assert stage_done(work.plan, PROBE).why_not_current() == "missing"
    work.done(PROBE)
    work.done(PLATES)
    assert stage_done(work.plan, PLATES).is_current()
    # a setting the plates key depends on changes: the stage is stale, its input is not
    work.configure(first_frame=2001)
    assert stage_done(work.plan, PLATES).why_not_current() == "stale (settings or inputs changed)"
    assert stage_done(work.plan, PROBE).is_current()


def test_an_input_redone_after_a_stage_makes_it_redo_as_make_would(work):
    work.all_done()
    assert stage_done(work.plan, REPORT).is_current()
    work.done(STYLED, CHUNKS[1])  # a re-made chunk, newer than what read it
    assert stage_done(work.plan, STYLED, CHUNKS[1]).is_current()
    assert stage_done(work.plan, FINAL, CHUNKS[1]).why_not_current() == (
        "styled 1005-1008 was redone after it")
    assert stage_done(work.plan, FINAL, CHUNKS[0]).is_current()
    # downstream of a stale chunk: reported with the name of the stage at fault
    assert stage_done(work.plan, REPORT).why_not_current() == "styled 1005-1008 was redone after it"


def test_smoothing_chunks_run_along_time_only_while_they_use_the_flow(work):
    work.all_done()
    work.done(FINAL, CHUNKS[0])
    assert stage_done(work.plan, FINAL, CHUNKS[1]).why_not_current() == (
        "final 1001-1004 was redone after it")
    inputs = [m.name for m in stage_done(work.plan, FINAL, CHUNKS[1]).inputs()]
    assert inputs == ["styled 1005-1008", "flow 1005-1008", "final 1001-1004"]
    work.configure(smoothing={"method": "none"})
    inputs = [m.name for m in stage_done(work.plan, FINAL, CHUNKS[1]).inputs()]
    assert inputs == ["styled 1005-1008"]


def test_a_stage_that_delivers_files_is_not_done_once_one_is_gone(work):
    work.all_done()
    assert stage_done(work.plan, ENCODE).is_current()
    mp4 = work.project.renders / "w01" / "v001" / "w01_v001.mp4"
    mp4.unlink()
    assert stage_done(work.plan, ENCODE).why_not_current() == f"output missing: {mp4}"
    assert stage_done(work.plan, REPORT).why_not_current().startswith("encode is output missing")
    assert stage_done(work.plan, METRICS).is_current()


def test_whole_stages_read_every_chunk_of_a_chunked_stage(work):
    work.all_done()
    names = [m.name for m in stage_done(work.plan, METRICS).inputs()]
    assert names == [f"{s} {c.label}" for s in (FINAL, FLOW) for c in CHUNKS]
    assert [m.name for m in stage_done(work.plan, REPORT).inputs()] == [ENCODE, METRICS]


def test_a_moved_render_root_makes_the_delivering_stages_not_done(work, monkeypatch, tmp_path):
    work.all_done()
    old = work.project.renders / "w01" / "v001"
    assert stage_done(work.plan, REPORT).is_current()
    new = tmp_path / "elsewhere"
    monkeypatch.setenv("SHOTSTYLE_RENDER_ROOT", str(new))
    # the old deliverables are all still there, but not where they are delivered now:
    # into the new root's first version
    assert stage_done(work.plan, ENCODE).why_not_current() == (
        f"output moved: frames was {old / 'frames'}, "
        f"now {new.resolve() / 'w01' / 'v001' / 'frames'}")
    assert stage_done(work.plan, REPORT).why_not_current().startswith("output moved: html was ")
    # the work area is not delivered: its stages stay done (nothing is restylised or
    # measured again)
    assert stage_done(work.plan, METRICS).is_current()
    assert stage_done(work.plan, FINAL, CHUNKS[2]).is_current()
    assert stage_done(work.plan, STYLED, CHUNKS[0]).is_current()
    monkeypatch.delenv("SHOTSTYLE_RENDER_ROOT")
    assert stage_done(work.plan, REPORT).is_current()


def test_a_manifest_must_list_every_deliverable_asked_for_now(work):
    work.all_done()
    mov = work.plan.paths.version(1).movie_paths(work.plan.cfg.output)["mov"]
    work.done(ENCODE, outputs={"mov": str(mov)})
    assert stage_done(work.plan, ENCODE).why_not_current().startswith("output not written: frames (")
