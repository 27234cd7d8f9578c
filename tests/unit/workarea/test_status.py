"""`python -m pipeline status`: one row per stage of the table; `metrics` of a damaged file."""
from __future__ import annotations

from pipeline.errors import MediaError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import PLATES, PROBE, STYLED
from pipeline.workarea.failures import clear_failure, read_failure, record_failure
from pipeline.workarea.status import format_status, shot_status, version_lines


def test_a_new_shot_is_missing_everywhere(work):
    assert format_status("w01", shot_status(work.plan)) == "\n".join([
        "w01",
        "  probe    missing  missing",
        "  plates   missing  missing",
        "  flow     missing  plates not decoded yet",
        "  styled   missing  plates not decoded yet",
        "  final    missing  plates not decoded yet",
        "  encode   missing  missing",
        "  metrics  missing  missing",
        "  report   missing  missing"])


def test_done_stale_and_failed_chunks(work):
    work.all_done()
    assert [r.state for r in shot_status(work.plan)] == ["done"] * 8
    work.plan.paths.chunk_manifest(STYLED, Chunk(1005, 1008)).unlink()  # as a failed run leaves it
    logs = work.plan.paths.logs_dir
    record_failure(logs, "styled.1005-1008", MediaError("frame 1006: cannot read image"),
                   "StylizeChunk_x")
    rows = {r.stage: r for r in shot_status(work.plan)}
    assert rows["styled"].state == "failed"
    assert rows["styled"].detail == "2/3 chunks done"
    assert rows["final"].state == "stale" and rows["final"].detail == "1/3 chunks done, 2 stale"
    text = format_status("w01", list(rows.values()))
    assert "      styled.1005-1008: MediaError: frame 1006: cannot read image" in text
    assert f"      log: {logs / 'styled.1005-1008.log'}" in text
    clear_failure(logs, "styled.1005-1008")
    assert read_failure(logs, "styled.1005-1008") is None
    assert {r.stage: r.state for r in shot_status(work.plan)}["styled"] == "missing"


def test_a_changed_setting_makes_its_stage_stale(work):
    work.done(PROBE)
    work.done(PLATES)
    work.configure(first_frame=1)
    rows = {r.stage: r for r in shot_status(work.plan)}
    assert rows["probe"].state == "done"
    assert rows["plates"].state == "stale"
    assert rows["plates"].detail == "stale (settings or inputs changed)"


def test_metrics_of_a_damaged_metrics_json_is_one_line(work, capsys):
    """`python -m pipeline metrics` (read like status): done by its manifest, but the
    file was cut short or edited."""
    from pipeline.cli import main
    work.all_done()  # metrics.json holds "x"
    path = work.plan.paths.metrics_json
    assert main(["metrics", "w01"]) == 2
    assert capsys.readouterr() == ("", (
        f"shotstyle: error: {path}: cannot be read (Expecting value: line 1 column 1 (char 0)); "
        f"compute it again with: python -m pipeline rerun w01 --stage metrics, then luigi "
        f"--module tasks ShotMetrics --shot w01 --local-scheduler\n"))
    path.write_text('{"summary": {"frames": 3}}')
    assert main(["metrics", "w01"]) == 2
    assert "cannot be read (no 'pairs'); compute it again" in capsys.readouterr().err


def test_status_lists_the_versions_newest_first_after_the_stage_rows(work, capsys):
    from pipeline.cli import main
    assert version_lines(work.plan) == []  # never rendered
    work.all_done()
    v1 = work.plan.paths.version(1).publish_json
    work.publish(v1, time="2025-03-04T05:06:07Z", user="ana", changes=None)
    v2 = work.plan.paths.version(2).publish_json
    v2.parent.mkdir()
    work.publish(v2, time="2025-03-05T09:00:00Z", user="bo",
                 changes=[{"stage": "styled", "was": "a", "now": "b"},
                          {"stage": "final", "was": "c", "now": "d"}])
    work.plan.paths.version(3).folder.mkdir()
    work.plan.paths.unversioned_dir.mkdir()
    assert main(["status", "w01"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[9:] == [
        "  versions:",
        "    v003  not published (being written, or a render stopped before publishing it)",
        "    v002  2025-03-05T09:00:00Z  bo  changed: styled, final",
        "    v001  2025-03-04T05:06:07Z  ana  first version",
        "    v000_unversioned  rendered before versions"]
    assert out[:2] == ["w01", "  probe    done"]
