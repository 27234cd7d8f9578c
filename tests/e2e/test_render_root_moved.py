"""A render root moved between two renders (#21): the deliverables follow it, the
work area is reused."""
import json
import os

import pytest

from helpers import make_clip

pytestmark = pytest.mark.slow

DELIVERABLES = ("m01_styled.mov", "m01_styled.mp4", "frames", "metrics.json", "report.html",
                "report.json", "publish.json")


def _mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.png"))}


def test_a_moved_render_root_gets_every_deliverable_without_restylising(project, tmp_path):
    clip = make_clip(tmp_path / "in.mov", 32, 18, frames=6, audio=False)
    project.add_shot("m01", clip)
    a, b = tmp_path / "a", tmp_path / "b"
    project.render("m01", env={"SHOTSTYLE_RENDER_ROOT": str(a)})
    for name in DELIVERABLES:
        assert (a / "m01" / name).exists(), name
    styled = _mtimes(project.work / "m01" / "styled")
    final = _mtimes(project.work / "m01" / "final")
    assert len(styled) == 6

    proc = project.render("m01", env={"SHOTSTYLE_RENDER_ROOT": str(b)})
    assert proc.returncode == 0
    assert "Did not run any tasks" not in proc.stderr
    for name in DELIVERABLES:
        assert (b / "m01" / name).exists(), name
    assert sorted(p.name for p in (b / "m01" / "frames").iterdir()) == [
        f"m01.{f}.png" for f in range(1001, 1007)]
    record = json.loads((b / "m01" / "publish.json").read_text())
    assert all(d["path"].startswith(str(b)) for d in record["deliverables"]), record
    # the new root's first version; the old root's stays as it was
    assert record["version"] == 1 and os.readlink(b / "m01" / "m01_styled.mov") == \
        "v001/m01_v001.mov"
    assert json.loads((a / "m01" / "v001" / "publish.json").read_text())["deliverables"][0][
        "path"].startswith(str(a))
    # the work area was reused: nothing restylised or resmoothed
    assert _mtimes(project.work / "m01" / "styled") == styled
    assert _mtimes(project.work / "m01" / "final") == final
    assert not list((b / "m01").glob(".*tmp-*"))  # no staging folder left behind
