"""Jobs for the farm manager: `python -m pipeline submit openjd` writes an Open Job
Description template that `openjd check` accepts and `openjd run` (the reference
runtime, on this machine) runs to the end, giving the same frames as RenderShot."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import ffprobe_video, make_clip, read_frames

pytestmark = pytest.mark.slow

OPENJD = str(Path(sys.executable).parent / "openjd")


def test_openjd_job_checks_runs_and_matches_render_shot(project, tmp_path):
    clip = make_clip(tmp_path / "farm.mov", 64, 36, frames=10, fps="24")
    for shot in ("j01", "j02", "ref"):
        project.add_shot(shot, clip)
    # device auto: the model's steps ask the farm for a GPU host (here they run on the CPU)
    pipeline_yaml = project.configs / "pipeline.yaml"
    pipeline_yaml.write_text(yaml.safe_dump({**yaml.safe_load(pipeline_yaml.read_text()),
                                             "device": "auto"}))
    env = project.env()
    job = tmp_path / "jobs" / "job.yaml"
    job.parent.mkdir()
    sub = subprocess.run([sys.executable, "-m", "pipeline", "submit", "openjd", "j01", "j02",
                          "--output", str(job)], cwd=project.root, env=env,
                         capture_output=True, text=True, timeout=120)
    assert sub.returncode == 0, sub.stderr
    template = yaml.safe_load(job.read_text())
    assert template["specificationVersion"] == "jobtemplate-2023-09"
    steps = {s["name"]: s for s in template["steps"]}
    # one step per stage, one task per chunk (10 frames in chunks of 4), smoothing
    # chained chunk by chunk, the model's step on a GPU host
    assert [n for n in steps if n.startswith("j01 ")] == [
        "j01 probe", "j01 plates", "j01 flow", "j01 styled", "j01 final 1001-1004",
        "j01 final 1005-1008", "j01 final 1009-1010", "j01 encode", "j01 metrics", "j01 report"]
    styled = steps["j01 styled"]
    assert styled["parameterSpace"]["taskParameterDefinitions"] == [
        {"name": "First", "type": "INT", "range": [1001, 1005, 1009]},
        {"name": "Last", "type": "INT", "range": [1004, 1008, 1010]}]
    assert styled["hostRequirements"] == {"amounts": [{"name": "amount.worker.gpu", "min": 1}]}
    assert "hostRequirements" not in steps["j01 flow"]
    assert [d["dependsOn"] for d in steps["j01 final 1005-1008"]["dependencies"]] == [
        "j01 styled", "j01 flow", "j01 final 1001-1004"]

    check = subprocess.run([OPENJD, "check", str(job)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    run = subprocess.run([OPENJD, "run", str(job)], cwd=project.root, env=env,
                         capture_output=True, text=True, timeout=600)  # every step
    assert run.returncode == 0, run.stdout[:3000] + run.stderr[-2000:]
    # per shot: probe, plates, 3 flow, 3 styled, 3 final, encode, metrics, report
    assert "Chunks run: 28" in run.stdout, run.stdout[-2000:]

    project.render("ref")
    reference = {k.split(".", 1)[1]: v for k, v in read_frames(project.renders / "ref" / "frames").items()}
    for shot in ("j01", "j02"):
        out = project.renders / shot
        frames = {k.split(".", 1)[1]: v for k, v in read_frames(out / "frames").items()}
        assert frames.keys() == reference.keys() and len(frames) == 10
        for name, frame in frames.items():
            assert (frame == reference[name]).all(), (shot, name)
        assert ffprobe_video(out / f"{shot}_styled.mov")["frames"] == 10
        assert (out / "publish.json").is_file() and (out / "report.html").is_file()
        assert not (project.work / shot / "render.lock").exists()  # released by the last task
