"""Versions (#22): a render, a style change and a third, unchanged render give v001
(untouched by the second render, byte for byte), v002 (files named with it, its
publish record says version 2 and what changed) with renders/<shot>/'s names
pointing at it, and no v003."""
import json
import os
import re
import subprocess
import sys

import pytest

from helpers import REPO, make_clip, tiny_checkpoint, write_yaml

pytestmark = pytest.mark.slow


def _snapshot(folder):
    """Every file under ``folder`` (links as their text): bytes and mtime."""
    found = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            found[rel] = ("link", os.readlink(p))
        elif p.is_file():
            found[rel] = (p.read_bytes(), p.stat().st_mtime_ns)
    return found


def test_a_style_change_makes_v002_and_an_unchanged_render_makes_no_v003(project, tmp_path):
    clip = make_clip(tmp_path / "in.mov", 32, 18, frames=6, audio=False)
    project.add_shot("v01", clip)
    project.render("v01")
    out = project.renders / "v01"
    v001 = _snapshot(out / "v001")
    assert {"v01_v001.mov", "v01_v001.mp4", "frames/v01_v001.1001.png", "publish.json",
            "report.html", "metrics.json", "v01_v001_thumb.jpg"} <= set(v001)

    tiny_checkpoint(project.root / "styles" / "other.pt", seed=1)
    write_yaml(project.configs / "styles" / "other.yaml", {"checkpoint": "../../styles/other.pt"})
    project.add_shot("v01", clip, style="other")
    project.render("v01")
    assert _snapshot(out / "v001") == v001  # a published version never changes

    v002 = out / "v002"
    assert sorted(p.name for p in (v002 / "frames").iterdir()) == [
        f"v01_v002.{f}.png" for f in range(1001, 1007)]
    assert (v002 / "v01_v002.mov").is_file() and (v002 / "v01_v002.mp4").is_file()
    record = json.loads((v002 / "publish.json").read_text())
    assert (record["version"], record["version_name"], record["previous_version"]) == (
        2, "v002", 1)
    assert [c["stage"] for c in record["changes"]] == [
        "styled", "final", "encode", "metrics", "report"]
    first = json.loads((out / "v001" / "publish.json").read_text())
    assert [c["was"] for c in record["changes"]] == [first["keys"][c["stage"]]
                                                     for c in record["changes"]]
    assert first["changes"] is None and first["style"]["name"] == "tiny"
    assert record["context"] == {"shot": "v01", "cut_in": None, "cut_out": None, "handles": None}
    mov = next(d for d in record["deliverables"] if d["kind"] == "mov")
    assert (mov["path"], mov["url"]) == (str(v002 / "v01_v002.mov"),
                                         (v002 / "v01_v002.mov").as_uri())

    # today's names: relative links to the newest version
    assert os.readlink(out / "v01_styled.mov") == "v002/v01_v002.mov"
    assert (out / "v01_styled.mp4").resolve() == (v002 / "v01_v002.mp4").resolve()
    assert (out / "frames" / "v01.1001.png").resolve() == (
        v002 / "frames" / "v01_v002.1001.png").resolve()
    assert json.loads((out / "publish.json").read_text())["version"] == 2
    assert "Changed since v001: styled, final, encode, metrics, report." in (
        out / "report.html").read_text()

    v002_files = _snapshot(v002)
    proc = project.render("v01")
    assert "Did not run any tasks" in proc.stderr
    assert sorted(p.name for p in out.iterdir() if re.fullmatch(r"v\d+", p.name)) == [
        "v001", "v002"]
    assert _snapshot(v002) == v002_files and _snapshot(out / "v001") == v001

    status = subprocess.run([sys.executable, "-m", "pipeline", "status", "v01"], cwd=REPO,
                            env=project.env(), capture_output=True, text=True)
    lines = status.stdout.splitlines()
    versions = lines[lines.index("  versions:") + 1:]
    assert [line.split()[0] for line in versions] == ["v002", "v001"], status.stdout
    assert versions[0].endswith("changed: styled, final, encode, metrics, report")
    assert versions[1].endswith("first version")
