"""What `rerun` removes: the stage (or its chunks) and everything downstream, and what
it says it removed: only what existed."""
from __future__ import annotations

import os

import pytest

from pipeline.errors import ConfigError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import FINAL, PLATES, PROBE, STYLED
from pipeline.workarea.done import stage_done
from pipeline.workarea.rerun import plan_rerun as plan_rerun_nodes
from pipeline.workarea.rerun import rerun, stage_name
from pipeline.workarea.status import shot_status

C1, C2, C3 = Chunk(1001, 1004), Chunk(1005, 1008), Chunk(1009, 1010)


def plan_rerun(plan, name, frames=None):
    """(stage, chunk or None) of each node ``rerun`` removes."""
    return [(n.stage, n.chunk) for n in plan_rerun_nodes(plan, name, frames)]


def test_stage_names_and_aliases():
    assert [stage_name(t) for t in ("decode", "stylize", "smooth", "metric", "flow")] == [
        "plates", "styled", "final", "metrics", "flow"]
    with pytest.raises(ConfigError) as err:
        stage_name("paint")
    assert str(err.value) == ("unknown stage 'paint': expected one of probe, plates, flow, "
                              "styled, final, encode, metrics, report (or decode, stylize, "
                              "smooth, metric)")


def test_whole_stage_and_everything_downstream(work):
    work.all_done()
    assert plan_rerun(work.plan, "plates") == [(s, None) for s in (
        "plates", "flow", "styled", "final", "encode", "metrics", "report")]
    assert plan_rerun(work.plan, "smooth") == [(s, None) for s in (
        "final", "encode", "metrics", "report")]
    assert plan_rerun(work.plan, "encode") == [("encode", None), ("report", None)]


def test_chunks_of_a_stage_then_smoothing_along_time(work):
    work.all_done()
    assert plan_rerun(work.plan, "stylize", (1006, 1007)) == [
        ("styled", C2), ("final", C2), ("final", C3),
        ("encode", None), ("metrics", None), ("report", None)]
    assert plan_rerun(work.plan, "flow", (1001, 1001)) == [
        ("flow", C1), ("final", C1), ("final", C2), ("final", C3),
        ("encode", None), ("metrics", None), ("report", None)]
    assert plan_rerun(work.plan, "final", (1005, 1010)) == [
        ("final", C2), ("final", C3), ("encode", None), ("metrics", None), ("report", None)]


def test_without_flow_smoothing_chunks_stand_alone(work):
    work.configure(smoothing={"method": "none"})
    work.all_done()
    assert plan_rerun(work.plan, "styled", (1005, 1005)) == [
        ("styled", C2), ("final", C2), ("encode", None), ("metrics", None), ("report", None)]
    # the flow feeds only the metrics then
    assert plan_rerun(work.plan, "flow", (1005, 1005)) == [
        ("flow", C2), ("metrics", None), ("report", None)]
    assert plan_rerun(work.plan, "flow") == [("flow", None), ("metrics", None), ("report", None)]


def test_bad_frame_requests(work):
    with pytest.raises(ConfigError, match="plates are not decoded yet"):
        plan_rerun(work.plan, "styled", (1001, 1002))
    work.all_done()
    with pytest.raises(ConfigError, match=r"frames 2001-2002 are outside the shot \(1001-1010\)"):
        plan_rerun(work.plan, "styled", (2001, 2002))
    with pytest.raises(ConfigError, match=r"--frames applies to the chunked stages \(flow, "
                                          r"styled, final\), not 'plates'"):
        plan_rerun(work.plan, "decode", (1001, 1002))


def test_rerun_removes_manifests_frames_and_failure_records(work):
    work.all_done()
    record = work.plan.paths.logs_dir / "styled.1005-1008.failed.json"
    record.parent.mkdir(parents=True)
    record.write_text("{}")
    removed = rerun(work.plan, "stylize", (1005, 1005))
    assert removed == ["styled 1005-1008", "final 1005-1008", "final 1009-1010", "encode",
                       "metrics", "report"]
    plan = work.plan
    assert not record.exists()
    assert not any(plan.paths.frame_file(STYLED, f).exists() for f in range(1005, 1009))
    assert all(plan.paths.frame_file(STYLED, f).exists() for f in range(1001, 1005))
    assert stage_done(plan, FINAL, C1).is_current()
    assert not stage_done(plan, FINAL, C2).is_current()
    assert stage_done(plan, PLATES).is_current()
    states = {row.stage: row.state for row in shot_status(plan)}
    assert states == {"probe": "done", "plates": "done", "flow": "done", "styled": "missing",
                      "final": "missing", "encode": "missing", "metrics": "missing",
                      "report": "missing"}
    rerun(plan, "plates")
    assert not plan.paths.stage_dir(PLATES).exists() and not plan.paths.stage_dir(FINAL).exists()


def test_the_rerun_command_is_refused_while_a_render_holds_the_shot(work, capsys):
    from pipeline.cli import main
    from pipeline.workarea.lock import local_session, take
    work.all_done()
    # a live process (pytest's parent) renders it
    render = local_session("luigi --module tasks RenderShot --shot w01", pid=os.getppid())
    take(work.plan.paths.root, render, "w01")
    assert main(["rerun", "w01", "--stage", "styled"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shotstyle: error: w01: another render holds this shot: "
                          "'luigi --module tasks RenderShot --shot w01' on "), err
    assert err.count("\n") == 1
    assert all(r.state == "done" for r in shot_status(work.plan))  # nothing removed


def test_status_names_the_render_holding_the_shot(work, capsys):
    from pipeline.cli import main
    from pipeline.workarea.lock import local_session, take
    work.all_done()
    render = local_session("luigi --module tasks RenderShot --shot w01", pid=os.getppid())
    take(work.plan.paths.root, render, "w01")
    assert main(["status", "w01"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("  rendering now: 'luigi --module tasks RenderShot --shot w01' "
                              f"on {render.host} (pid {render.pid}) since "), out


def test_rerun_names_only_what_existed(work, capsys):
    from pipeline.cli import main
    work.done(PROBE)
    work.done(PLATES)
    work.done(STYLED, C1)  # one chunk stylised, nothing after it
    assert rerun(work.plan, "styled") == ["styled"]
    assert rerun(work.plan, "styled") == []
    assert main(["rerun", "w01", "--stage", "styled"]) == 0
    assert capsys.readouterr() == (
        "w01: nothing to remove: styled and later stages have no outputs\n", "")
    assert main(["rerun", "w01", "--stage", "stylize", "--frames", "1005-1006"]) == 0
    assert capsys.readouterr() == (
        "w01: nothing to remove: styled 1005-1006 and later stages have no outputs\n", "")
    assert stage_done(work.plan, PLATES).is_current()  # upstream untouched


def test_rerun_of_a_work_root_that_is_a_file_is_one_line(work, capsys, monkeypatch):
    from pipeline.cli import main
    blocker = work.project.root / "afile"
    blocker.write_text("x")
    monkeypatch.setenv("SHOTSTYLE_WORK_ROOT", str(blocker))
    assert main(["rerun", "w01", "--stage", "styled"]) == 2
    assert capsys.readouterr() == ("", (
        f"shotstyle: error: work root {blocker} (set by $SHOTSTYLE_WORK_ROOT) is a file, not "
        f"a folder: move it aside, or set $SHOTSTYLE_WORK_ROOT to a folder\n"))
