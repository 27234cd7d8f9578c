"""Jobs for the farm manager: an Open Job Description job template
(``jobtemplate-2023-09``, what AWS Deadline Cloud runs) for one or more shots.

``python -m pipeline submit openjd SHOT... --output job.yaml`` writes, per shot,
one step per row of the stage table (``pipeline/graph/table.py``), in the
table's order, each after the steps that run its nodes' inputs in the shot's
graph (``pipeline.graph.nodes.ShotGraph``, chunks laid out from the probed length):

- a whole stage is a step with one task;
- a chunked stage is a step with one task per chunk (task parameters ``First``
  and ``Last``, associated pairwise: ``combination: (First, Last)``);
- a chunked stage that runs along time (smoothing: chunk N starts from chunk
  N-1's last frame) is one step per chunk, each depending on the one before,
  because the tasks of one step may run in any order;
- a style that is trained before use gets a training step first.

Every task runs the matching Luigi task (``luigi --module tasks StylizeChunk
--shot s01 --first 1001 --last 1048 --local-scheduler``) on the shared work
area, so done-checks and re-runs work as in ``RenderShot``: a re-queued task
redoes only what is not done. Stages that run a model ask for a GPU
(``amount.worker.gpu``) where the pipeline's device is ``cuda`` or ``auto``.
All tasks of one job share the shots' locks (``SHOTSTYLE_RENDER_SESSION``, set
by the job environment to the job's ``RenderId``), so they do not refuse each
other, while any other render of those shots is refused.

A work or render root set by ``SHOTSTYLE_WORK_ROOT`` / ``SHOTSTYLE_RENDER_ROOT``
where the job is written is carried into it (parameters ``WorkRoot`` /
``RenderRoot``, set as the same variables on the workers): the tasks deliver
where a local render would, not into pipeline.yaml's roots.

The shots' frame counts come from probing their sources (no file is written).
"""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Optional

import yaml

from pipeline.config import RENDER_ROOT, WORK_ROOT, config_dir
from pipeline.errors import ConfigError
from pipeline.graph.chunks import Chunk
from pipeline.graph.nodes import Node, ShotGraph
from pipeline.graph.table import PLATES, STAGES, Stage
from pipeline.media.atomic import write_bytes
from pipeline.media.probe import probe_source, with_range
from pipeline.workarea.plan import ShotPlan

SPECIFICATION = "jobtemplate-2023-09"
GPU_AMOUNT = "amount.worker.gpu"
SESSION_VARIABLE = "SHOTSTYLE_RENDER_SESSION"
#: the roots an environment variable overrides (``load_pipeline_config``): the
#: job's parameter and the variable
ROOT_VARIABLES = (("WorkRoot", WORK_ROOT.variable), ("RenderRoot", RENDER_ROOT.variable))


def luigi_command() -> str:
    """The ``luigi`` command of this environment (beside this Python), else on PATH."""
    beside = Path(sys.executable).parent / "luigi"
    return str(beside) if beside.exists() else (shutil.which("luigi") or "luigi")


def _step_name(shot: str, node: Node) -> str:
    return f"{shot} {node.name}"


#: Luigi's exit codes, given on each task's command line: with them a failed task
#: fails on the farm even where the workers do not find luigi.cfg (Luigi's
#: defaults exit 0 after a failed task).
RETCODES = ("--retcode-already-running", "10", "--retcode-missing-data", "20",
            "--retcode-not-run", "25", "--retcode-task-failed", "30",
            "--retcode-scheduling-error", "35", "--retcode-unhandled-exception", "40")


def _action(task: str, shot: Optional[str], *args: str) -> dict:
    target = ["--shot", shot] if shot else []
    return {"actions": {"onRun": {
        "command": "{{Param.Luigi}}",
        "args": ["--module", "tasks", task, *target, *args, "--local-scheduler", *RETCODES]}}}


def _frame_chunks(plan: ShotPlan) -> list[Chunk]:
    """The shot's chunks, from its source's frame count (as the plates will be)."""
    info = probe_source(plan.cfg.source, plan.settings.fps_override)
    cut = plan.cfg.source_range
    if cut is not None:
        info = with_range(info, cut.start, cut.duration)
    first = plan.cfg.first_frame
    return plan.frames.chunks((first, first + info.frame_count - 1))


def _needs_gpu(plan: ShotPlan, st: Stage) -> bool:
    return st.runs_model and plan.pipeline.device in ("cuda", "auto")


def _runs_per_chunk(graph: ShotGraph, st: Stage) -> bool:
    """A step per chunk: the tasks of one step may run in any order."""
    return st.chunked and st.continues_previous_chunk(graph.uses_flow)


def shot_steps(plan: ShotPlan, trained: set[str], job_shots: set[str]) -> list[dict]:
    """The steps of one shot, in the stage table's order, each after the steps of
    its nodes' inputs in the shot's graph (``job_shots``: every shot of the job;
    a style trains on one shot's plates)."""
    shot = plan.shot
    graph = ShotGraph(plan, chunks=_frame_chunks(plan))

    def step_of(node: Node) -> str:  # the step that runs ``node``
        per_chunk = _runs_per_chunk(graph, node.row)
        return _step_name(shot, node if per_chunk else Node(node.stage))

    def after(nodes: list[Node]) -> tuple[list[str], list[str]]:
        """Steps of the nodes' inputs: other stages', then earlier chunks of their own."""
        inputs = [(node, n) for node in nodes for n in graph.inputs(node)]
        return ([step_of(n) for node, n in inputs if n.stage != node.stage],
                [step_of(n) for node, n in inputs if n.stage == node.stage])

    steps: list[dict] = []
    for st in STAGES:
        nodes = graph.stage_nodes(st.name)
        train = []
        if st.runs_model and plan.style.train is not None:
            train = [f"style {plan.cfg.style} train"]
            if plan.cfg.style not in trained:
                trained.add(plan.cfg.style)
                source = plan.style.train.shot  # whose plates it trains on
                steps.append(_step(train[0], _action("TrainStyle", None, "--style", plan.cfg.style),
                                   [_step_name(source, Node(PLATES))] if source in job_shots
                                   else [], plan, st))
        if not st.chunked:
            upstream, _ = after(nodes)
            steps.append(_step(step_of(nodes[0]), _action(st.task, shot), upstream + train,
                               plan, st))
        elif _runs_per_chunk(graph, st):
            for node in nodes:
                upstream, earlier = after([node])
                steps.append(_step(step_of(node), _action(
                    st.task, shot, "--first", str(node.chunk.first), "--last",
                    str(node.chunk.last)), upstream + train + earlier, plan, st))
        else:
            upstream, _ = after(nodes)
            step = _step(step_of(nodes[0]), _action(
                st.task, shot, "--first", "{{Task.Param.First}}", "--last",
                "{{Task.Param.Last}}"), upstream + train, plan, st)
            step["parameterSpace"] = {
                "taskParameterDefinitions": [
                    {"name": "First", "type": "INT", "range": [n.chunk.first for n in nodes]},
                    {"name": "Last", "type": "INT", "range": [n.chunk.last for n in nodes]}],
                "combination": "(First, Last)"}
            steps.append(step)
    return steps


def _gpu(plan: ShotPlan, st: Stage) -> dict:
    if not _needs_gpu(plan, st):
        return {}
    return {"hostRequirements": {"amounts": [{"name": GPU_AMOUNT, "min": 1}]}}


def _step(name: str, script: dict, after: list[str], plan: ShotPlan, st: Stage) -> dict:
    step = {"name": name, "script": script, **_gpu(plan, st)}
    if after:
        step["dependencies"] = [{"dependsOn": n} for n in dict.fromkeys(after)]
    return step


def job_template(shots: list[str], name: Optional[str] = None) -> dict:
    """The job template (a dict ready for YAML) rendering ``shots``. The folders
    are STRING parameters with absolute defaults (OpenJD's PATH defaults must lie
    inside the template's folder): on a farm whose hosts mount the show
    elsewhere, give them per job (``-p ConfigDir=...``)."""
    plans = [ShotPlan.load(s) for s in shots]
    trained: set[str] = set()
    steps = [step for plan in plans for step in shot_steps(plan, trained, set(shots))]
    luigi_cfg = os.environ.get("LUIGI_CONFIG_PATH") or "luigi.cfg"
    if not Path(luigi_cfg).is_file():
        raise ConfigError(f"{Path(luigi_cfg).absolute()}: luigi.cfg not found (run from the "
                          f"repository root or set LUIGI_CONFIG_PATH)")

    params, variables = [], {}
    for param, env in ROOT_VARIABLES:
        if os.environ.get(env):  # as load_pipeline_config resolves it
            params.append({"name": param, "type": "STRING",
                           "default": str(Path(os.environ[env]).resolve()),
                           "description": f"{env} where the job was written"})
            variables[env] = f"{{{{Param.{param}}}}}"
    return {
        "specificationVersion": SPECIFICATION,
        "name": name or f"shotstyle {' '.join(shots)}",
        "parameterDefinitions": [
            {"name": "Luigi", "type": "STRING", "default": luigi_command(),
             "description": "the luigi command of shotstyle's environment on the workers"},
            {"name": "ConfigDir", "type": "STRING", "default": str(Path(config_dir()).absolute()),
             "description": "the show's configs/ (its work and render roots are in "
                            "pipeline.yaml)"},
            {"name": "LuigiConfig", "type": "STRING", "default": str(Path(luigi_cfg).absolute()),
             "description": "luigi.cfg"},
            {"name": "RenderId", "type": "STRING", "default": uuid.uuid4().hex,
             "description": "the tasks of one job share their shots' locks; give each "
                            "job of this file its own (-p RenderId=...)"},
            *params,
        ],
        "jobEnvironments": [{"name": "shotstyle", "variables": {
            "SHOTSTYLE_CONFIG_DIR": "{{Param.ConfigDir}}",
            "LUIGI_CONFIG_PATH": "{{Param.LuigiConfig}}",
            SESSION_VARIABLE: "farm job {{Param.RenderId}}", **variables}}],
        "steps": steps,
    }


def check_output_file(output: str | Path) -> None:
    """ConfigError where ``--output`` is a folder (or written as one, with a
    trailing '/'): the job template is one file, named by the user (a folder
    could later mean an OpenJD job bundle)."""
    if Path(output).is_dir() or str(output).endswith(("/", os.sep)):
        raise ConfigError(f"--output {output}: is a folder; --output is the job template's "
                          f"file path, e.g. {Path(output) / 'job.yaml'}")


def write_job_template(shots: list[str], output: str | Path, name: Optional[str] = None) -> Path:
    """Write the job template of ``shots`` to the file ``output`` (its folder made
    where missing); checked before the shots are probed."""
    check_output_file(output)
    output = Path(output)
    text = yaml.safe_dump(job_template(shots, name), sort_keys=False, width=100)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(output, text.encode("utf-8"))
    return output

