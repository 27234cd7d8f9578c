"""pipeline.openjd.template: the Open Job Description template for shots probed for real:
steps in the stage table's order with its dependencies, chunk tasks as paired
First/Last parameters, chunks along time chained, GPUs asked for by the stages
that run a model, a trained style's step once per job; `openjd check` takes it."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import OPENJD, REPO, keyframe_project, write_yaml
from pipeline.errors import ConfigError
from pipeline.openjd.environment import PROGRESS_VARIABLE, SESSION_VARIABLE
from pipeline.openjd.steps import GPU_AMOUNT, RETCODES
from pipeline.openjd.template import SPECIFICATION, job_template, write_job_template


def steps_by_name(template: dict) -> dict[str, dict]:
    return {step["name"]: step for step in template["steps"]}


def needs(step: dict) -> list[str]:
    return [d["dependsOn"] for d in step.get("dependencies", [])]


def test_the_job_s_parameters_and_environment(shot, project):
    job = job_template([shot])
    assert job["specificationVersion"] == SPECIFICATION and job["name"] == "shotstyle o01"
    params = {p["name"]: p["default"] for p in job["parameterDefinitions"]}
    assert params["ConfigDir"] == str(project.configs)
    assert params["LuigiConfig"] == str(REPO / "luigi.cfg")
    assert Path(params["Luigi"]).name == "luigi" and len(params["RenderId"]) == 32
    assert job_template([shot])["parameterDefinitions"][3]["default"] != params["RenderId"]
    [env] = job["jobEnvironments"]
    assert env["variables"] == {"SHOTSTYLE_CONFIG_DIR": "{{Param.ConfigDir}}",
                                "LUIGI_CONFIG_PATH": "{{Param.LuigiConfig}}",
                                SESSION_VARIABLE: "farm job {{Param.RenderId}}",
                                PROGRESS_VARIABLE: "1"}


def test_roots_set_by_the_environment_are_carried_into_the_job(shot, monkeypatch, tmp_path):
    monkeypatch.setenv("SHOTSTYLE_RENDER_ROOT", str(tmp_path / "b"))
    job = job_template([shot])
    params = {p["name"]: p["default"] for p in job["parameterDefinitions"]}
    assert params["RenderRoot"] == str((tmp_path / "b").resolve()) and "WorkRoot" not in params
    [env] = job["jobEnvironments"]
    assert env["variables"]["SHOTSTYLE_RENDER_ROOT"] == "{{Param.RenderRoot}}"
    assert "SHOTSTYLE_WORK_ROOT" not in env["variables"]


def test_steps_depend_only_on_earlier_steps_and_run_one_luigi_task(shot):
    seen = set()
    for step in job_template([shot])["steps"]:
        assert step["name"].startswith("o01 ")
        assert set(needs(step)) <= seen, step["name"]  # the table's order is an order
        assert len(needs(step)) == len(set(needs(step)))
        args = step["script"]["actions"]["onRun"]["args"]
        assert step["script"]["actions"]["onRun"]["command"] == "{{Param.Luigi}}"
        assert args[:2] == ["--module", "tasks"] and args[3:5] == ["--shot", "o01"]
        assert args[-len(RETCODES) - 1:] == ["--local-scheduler", *RETCODES]
        assert "hostRequirements" not in step  # device: cpu
        seen.add(step["name"])
    assert needs(steps_by_name(job_template([shot]))["o01 plates"]) == ["o01 probe"]


def test_a_chunked_stage_is_one_step_with_a_task_per_chunk(shot):
    chunked = [s for s in job_template([shot])["steps"] if "parameterSpace" in s]
    assert chunked, "no chunked step"
    for step in chunked:
        space = step["parameterSpace"]
        assert space["combination"] == "(First, Last)"
        assert space["taskParameterDefinitions"] == [
            {"name": "First", "type": "INT", "range": [1001, 1005, 1009]},
            {"name": "Last", "type": "INT", "range": [1004, 1008, 1010]}]
        args = step["script"]["actions"]["onRun"]["args"]
        assert args[5:9] == ["--first", "{{Task.Param.First}}", "--last", "{{Task.Param.Last}}"]


def test_chunks_along_time_are_steps_each_after_the_one_before(shot):
    names = [s["name"] for s in job_template([shot])["steps"]]
    along = [n for n in names if n.endswith(("1001-1004", "1005-1008", "1009-1010"))]
    assert len(along) == 3, names
    steps = steps_by_name(job_template([shot]))
    assert needs(steps[along[1]])[-1] == along[0] and needs(steps[along[2]])[-1] == along[1]
    assert not any(n.startswith(along[0].rsplit(" ", 1)[0]) for n in needs(steps[along[0]]))


def test_a_source_range_sets_the_chunks(shot, project, tmp_path):
    project.add_shot("o01", tmp_path / "o01.mov", source_range={"start": 2, "duration": 5})
    [step, *_] = [s for s in job_template([shot])["steps"] if "parameterSpace" in s]
    assert step["parameterSpace"]["taskParameterDefinitions"][0]["range"] == [1001, 1005]
    assert step["parameterSpace"]["taskParameterDefinitions"][1]["range"] == [1004, 1005]


def test_on_a_gpu_pipeline_only_the_stages_that_run_a_model_ask_for_one(shot, project):
    cfg = yaml.safe_load((project.configs / "pipeline.yaml").read_text())
    write_yaml(project.configs / "pipeline.yaml", {**cfg, "device": "auto"})
    gpu = [s["name"] for s in job_template([shot])["steps"] if "hostRequirements" in s]
    assert gpu == ["o01 styled"]
    step = steps_by_name(job_template([shot]))["o01 styled"]
    assert step["hostRequirements"] == {"amounts": [{"name": GPU_AMOUNT, "min": 1}]}


def test_a_trained_style_trains_once_after_its_shot_s_plates(project, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    keyframe_project(project, tmp_path)  # shot t10, style 'learned' trained on t10
    project.add_shot("t11", tmp_path / "in.mov", style="learned")
    steps = steps_by_name(job_template(["t10", "t11"]))
    train = steps["style learned train"]
    assert needs(train) == ["t10 plates"]
    assert train["script"]["actions"]["onRun"]["args"][2:5] == ["TrainStyle", "--style",
                                                                 "learned"]
    assert [n for n in steps if n.endswith(" train")] == ["style learned train"]
    assert "style learned train" in needs(steps["t10 styled"])
    assert "style learned train" in needs(steps["t11 styled"])
    # a job of t11 alone: the training step has no plates of t10 to wait for
    assert needs(steps_by_name(job_template(["t11"]))["style learned train"]) == []


def test_without_luigi_cfg_there_is_no_job(shot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"luigi\.cfg: luigi\.cfg not found \(run from the "
                                          r"repository root or set LUIGI_CONFIG_PATH\)"):
        job_template([shot])
    monkeypatch.setenv("LUIGI_CONFIG_PATH", str(REPO / "luigi.cfg"))
    assert job_template([shot])["steps"]


def test_the_written_template_is_one_openjd_accepts(shot, tmp_path):
    path = write_job_template([shot], tmp_path / "job.yaml", name="nightly o01")
    job = yaml.safe_load(path.read_text())
    assert job["name"] == "nightly o01" and len(job["steps"]) == len(job_template([shot])["steps"])
    if not Path(OPENJD).exists():
        pytest.skip("openjd-cli not installed")
    check = subprocess.run([OPENJD, "check", str(path)], capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
