"""pipeline.workarea.paths: a shot's folders and files from the pipeline config and
the shot's name alone, inside the work and render roots."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import OutputConfig, PipelineConfig
from pipeline.errors import ConfigError
from pipeline.graph.chunks import Chunk
from pipeline.workarea.paths import ShotPaths


def _paths(tmp_path: Path, shot: str = "s01") -> ShotPaths:
    return ShotPaths(shot, PipelineConfig(work_root=tmp_path / "work",
                                          render_root=tmp_path / "renders"))


def test_work_area_files_are_under_work_shot(tmp_path):
    paths = _paths(tmp_path)
    work = tmp_path / "work" / "s01"
    assert paths.root == work and paths.logs_dir == work / "logs"
    assert paths.stage_dir("styled") == work / "styled"
    assert paths.stage_manifest("plates") == work / "plates" / "manifest.json"
    assert paths.chunk_manifest("flow", Chunk(1001, 1048)) == \
        work / "flow" / "chunks" / "1001-1048.json"
    assert paths.frame_file("plates", 1001) == work / "plates" / "s01.1001.png"
    assert paths.frame_file("flow", 7) == work / "flow" / "s01.0007.npz"


def test_deliverables_are_under_renders_shot(tmp_path):
    paths = _paths(tmp_path)
    out = tmp_path / "renders" / "s01"
    assert paths.render_dir == out
    assert (paths.metrics_json, paths.report_html, paths.report_json) == (
        out / "metrics.json", out / "report.html", out / "report.json")
    assert paths.report_images_dir == out / "report"
    assert (paths.frames_out_dir, paths.exr_out_dir) == (out / "frames", out / "exr")


def test_movies_are_those_the_output_section_asks_for(tmp_path):
    paths = _paths(tmp_path)
    out = tmp_path / "renders" / "s01"
    assert paths.movie_paths(OutputConfig()) == {"mov": out / "s01_styled.mov",
                                                 "mp4": out / "s01_styled.mp4"}
    assert paths.movie_paths(OutputConfig(mov=False)) == {"mp4": out / "s01_styled.mp4"}
    assert paths.movie_paths(OutputConfig(mov=False, mp4=False)) == {}


def test_the_encode_stage_delivers_the_movies_frames_and_exr_in_that_order(tmp_path):
    paths = _paths(tmp_path)
    out = tmp_path / "renders" / "s01"
    assert list(paths.encode_outputs(OutputConfig(), True).items()) == [
        ("mov", out / "s01_styled.mov"), ("mp4", out / "s01_styled.mp4"),
        ("frames", out / "frames"), ("exr", out / "exr")]
    assert paths.encode_outputs(OutputConfig(mov=False, mp4=False), False) == {
        "frames": out / "frames"}
    assert paths.publish_json == out / "publish.json"


def test_a_name_inside_the_roots_passes(tmp_path):
    _paths(tmp_path).check_inside_roots()


@pytest.mark.parametrize("shot", ["..", "../elsewhere"])
def test_a_name_that_leaves_the_roots_is_refused(tmp_path, shot):
    with pytest.raises(ConfigError, match="would write outside"):
        _paths(tmp_path, shot).check_inside_roots()


def test_paths_read_nothing(tmp_path):
    paths = _paths(tmp_path)
    paths.frame_file("final", 1001)
    assert not (tmp_path / "work").exists() and not (tmp_path / "renders").exists()
