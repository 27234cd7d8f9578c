"""Jobs for the farm manager: `python -m pipeline submit openjd --bundle` writes a
job bundle for a shot with a 60-character name: a template with no path of this
host in it that `openjd check` accepts, and its parameter values. `openjd run`
(the reference runtime, on this machine), started from another folder with no
SHOTSTYLE_* variable, no luigi.cfg and no luigi on PATH, runs it to the end with
those values: the shot lands in the roots in force at submit time (or where a
path mapping rule moves them), the tasks print the farm monitor's progress
lines, and the frames are RenderShot's."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import OPENJD, REPO, ffprobe_video, long_name, make_clip, read_frames

pytestmark = pytest.mark.slow


def _farm_env(project) -> dict:
    """A worker's environment: none of this host's shotstyle settings, and
    luigi only through the job's PythonEnv (this code on PYTHONPATH)."""
    env = {k: v for k, v in project.env().items()
           if not k.startswith("SHOTSTYLE_") and k != "LUIGI_CONFIG_PATH"}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    return env


def test_a_job_bundle_travels_checks_runs_and_matches_render_shot(project, tmp_path):
    shot = long_name(60, "j")
    clip = make_clip(tmp_path / "farm.mov", 48, 32, frames=8, fps="24")
    for name in (shot, "ref"):
        project.add_shot(name, clip)
    # device auto: the model's step asks the farm for a GPU host (here it runs on the CPU)
    pipeline_yaml = project.configs / "pipeline.yaml"
    pipeline_yaml.write_text(yaml.safe_dump({**yaml.safe_load(pipeline_yaml.read_text()),
                                             "device": "auto"}))
    farm_work, farm_renders = tmp_path / "farm" / "work", tmp_path / "farm" / "renders"
    python_env = Path(sys.executable).parent.parent  # the venv (or conda env) with luigi
    bundle = tmp_path / "jobs" / "b60"
    sub = subprocess.run(  # the Python environment: submit's own, by default
        [sys.executable, "-m", "pipeline", "submit", "openjd", shot, "--bundle", str(bundle)],
        cwd=project.root, capture_output=True, text=True,
        env=project.env(SHOTSTYLE_WORK_ROOT=str(farm_work),
                        SHOTSTYLE_RENDER_ROOT=str(farm_renders)), timeout=120)
    assert sub.returncode == 0, sub.stderr

    text = (bundle / "template.yaml").read_text()
    for host_path in (tmp_path, project.root, REPO, python_env):
        assert str(host_path) not in text, host_path
    template = yaml.safe_load(text)
    steps = {s["name"]: s for s in template["steps"]}
    label = next(iter(steps)).split(" ")[0]
    assert len(label) < len(shot) and label.startswith(shot[:20])
    # one step per stage, one task per chunk (8 frames in chunks of 4), smoothing
    # chained chunk by chunk, the model's step on a GPU host; every name <= 64
    assert list(steps) == [f"{label} {node}" for node in (
        "probe", "plates", "flow", "styled", "final 1001-1004", "final 1005-1008", "encode",
        "metrics", "report")]
    assert steps[f"{label} styled"]["description"] == f"shot {shot}: styled"
    assert steps[f"{label} styled"]["hostRequirements"] == {
        "amounts": [{"name": "amount.worker.gpu", "min": 1}]}
    check = subprocess.run([OPENJD, "check", str(bundle / "template.yaml")],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr

    # the values of parameter_values.yaml, as `submit` says to run them
    document = yaml.safe_load((bundle / "parameter_values.yaml").read_text())
    values = {p["name"]: p["value"] for p in document["parameterValues"]}
    assert values["WorkRoot"] == str(farm_work) and values["RenderRoot"] == str(farm_renders)
    assert values["PythonEnv"] == os.path.abspath(python_env)
    run_args = ["run", str(bundle / "template.yaml")]
    for name, value in values.items():
        run_args += ["-p", f"{name}={value}"]
    printed = next(line for line in sub.stdout.splitlines() if "run it here:" in line)
    assert shlex.split(printed.split("run it here:", 1)[1]) == ["openjd", *run_args]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # a worker that mounts the work root elsewhere: path mapping applies to the PATHs
    mapped = tmp_path / "mounted" / "work"
    rules = json.dumps({"version": "pathmapping-1.0", "path_mapping_rules": [{
        "source_path_format": "POSIX", "source_path": str(farm_work),
        "destination_path": str(mapped)}]})
    probe = subprocess.run([OPENJD, *run_args, "--step", f"{label} probe",
                            "--path-mapping-rules", rules], cwd=elsewhere,
                           env=_farm_env(project), capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stdout[-3000:] + probe.stderr[-2000:]
    assert (mapped / shot).is_dir() and not farm_work.exists()
    run = subprocess.run([OPENJD, *run_args], cwd=elsewhere, env=_farm_env(project),
                         capture_output=True, text=True, timeout=300)  # every step
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    # probe, plates, 2 flow, 2 styled, 2 final, encode, metrics, report
    assert "Chunks run: 11" in run.stdout, run.stdout[-2000:]
    assert f"shotstyle: tasks run {python_env}/bin/luigi" in run.stdout
    assert run.stdout.count("openjd_progress: ") >= 11
    assert f"openjd_status: {shot} final 1005-1008: done" in run.stdout

    # into the roots given at submit time, none into pipeline.yaml's
    assert not (project.work / shot).exists() and not (project.renders / shot).exists()
    assert not (farm_work / shot / "render.lock").exists()  # released by the last task
    project.render("ref")
    reference = {k.split(".", 1)[1]: v
                 for k, v in read_frames(project.renders / "ref" / "frames").items()}
    out = farm_renders / shot
    frames = {k.split(".", 1)[1]: v for k, v in read_frames(out / "frames").items()}
    assert frames.keys() == reference.keys() and len(frames) == 8
    for name, frame in frames.items():
        assert (frame == reference[name]).all(), name
    assert ffprobe_video(out / f"{shot}_styled.mov")["frames"] == 8
    assert (out / "publish.json").is_file() and (out / "report.html").is_file()
