"""pipeline.workarea.paths: a shot's folders and files from the pipeline config and
the shot's name alone, inside the work and render roots, its work area and its
deliverables never in one folder."""
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


def test_deliverables_are_in_a_version_under_renders_shot(tmp_path):
    paths = _paths(tmp_path)
    out = tmp_path / "renders" / "s01"
    assert paths.render_dir == out
    v2 = paths.version(2)
    assert (v2.folder, v2.name, v2.stem) == (out / "v002", "v002", "s01_v002")
    assert (v2.metrics_json, v2.report_html, v2.report_json, v2.publish_json) == (
        out / "v002" / "metrics.json", out / "v002" / "report.html",
        out / "v002" / "report.json", out / "v002" / "publish.json")
    assert v2.report_images_dir == out / "v002" / "report"
    assert v2.thumbnail == out / "v002" / "s01_v002_thumb.jpg"
    assert (v2.frames_dir, v2.exr_dir) == (out / "v002" / "frames", out / "v002" / "exr")
    assert paths.version(1000).folder == out / "v1000"
    # the metrics stage writes into the work area; each version holds a copy
    assert paths.metrics_json == tmp_path / "work" / "s01" / "metrics" / "metrics.json"


def test_todays_names_are_the_links_to_the_newest_version(tmp_path):
    paths = _paths(tmp_path)
    out = tmp_path / "renders" / "s01"
    names = paths.newest_names()
    assert set(names) == set(paths.version(1).files())  # one name per kind of file
    assert sorted(p.name for p in names.values()) == [
        "exr", "frames", "metrics.json", "publish.json", "report", "report.html",
        "report.json", "s01_styled.mov", "s01_styled.mp4"]
    assert all(p.parent == out for p in names.values())
    assert (paths.unversioned_dir, paths.latest_view_dir) == (
        out / "v000_unversioned", out / ".latest")


def test_movies_are_those_the_output_section_asks_for(tmp_path):
    v1 = _paths(tmp_path).version(1)
    out = tmp_path / "renders" / "s01" / "v001"
    assert v1.movie_paths(OutputConfig()) == {"mov": out / "s01_v001.mov",
                                              "mp4": out / "s01_v001.mp4"}
    assert v1.movie_paths(OutputConfig(mov=False)) == {"mp4": out / "s01_v001.mp4"}
    assert v1.movie_paths(OutputConfig(mov=False, mp4=False)) == {}


def test_the_encode_stage_delivers_the_movies_frames_and_exr_in_that_order(tmp_path):
    v3 = _paths(tmp_path).version(3)
    out = tmp_path / "renders" / "s01" / "v003"
    assert list(v3.encode_outputs(OutputConfig(), True).items()) == [
        ("mov", out / "s01_v003.mov"), ("mp4", out / "s01_v003.mp4"),
        ("frames", out / "frames"), ("exr", out / "exr")]
    assert v3.encode_outputs(OutputConfig(mov=False, mp4=False), False) == {
        "frames": out / "frames"}
    assert v3.report_outputs() == {"html": out / "report.html", "json": out / "report.json",
                                   "publish": out / "publish.json"}


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


def _laid_out(shot: str, work: Path, renders: Path) -> ShotPaths:
    return ShotPaths(shot, PipelineConfig(work_root=work, render_root=renders))


def test_roots_that_are_one_folder_are_refused(tmp_path):
    with pytest.raises(ConfigError) as err:
        _laid_out("s01", tmp_path / "show", tmp_path / "x" / ".." / "show").check_inside_roots()
    assert str(err.value) == (
        f"the work root and the render root are one folder, {tmp_path / 'show'}: set "
        f"render_root (or $SHOTSTYLE_RENDER_ROOT) to another folder, e.g. "
        f"{tmp_path / 'show' / 'renders'}")


def test_one_root_inside_the_other_refuses_only_the_shot_named_as_its_folder(tmp_path):
    """work/renders: shot 'renders' would have the render root as its work area, and
    rerun would delete other shots' deliverables; renders/work likewise."""
    work, inner = tmp_path / "work", tmp_path / "work" / "renders"
    _laid_out("s01", work, inner).check_inside_roots()
    with pytest.raises(ConfigError) as err:
        _laid_out("renders", work, inner).check_inside_roots()
    assert str(err.value) == (f"shot name 'renders': its folder {inner} holds the render root "
                              f"{inner}; rename the shot or move that root")
    renders, inner = tmp_path / "renders", tmp_path / "renders" / "work"
    _laid_out("s01", inner, renders).check_inside_roots()
    with pytest.raises(ConfigError) as err:
        _laid_out("work", inner, renders).check_inside_roots()
    assert str(err.value) == (f"shot name 'work': its folder {inner} holds the work root "
                              f"{inner}; rename the shot or move that root")
