"""The steps of a job: per shot, one step per row of the stage table
(``pipeline/graph/table.py``), in the table's order, each after the steps that
run its nodes' inputs in the shot's graph (``pipeline.graph.nodes.ShotGraph``,
chunks laid out from the probed length):

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
Step names are ``pipeline.openjd.names``'s.
"""
from __future__ import annotations

from typing import Optional

from pipeline.graph.chunks import Chunk
from pipeline.graph.nodes import Node, ShotGraph
from pipeline.graph.table import PLATES, STAGES, Stage
from pipeline.media.probe import probe_source, with_range
from pipeline.openjd.names import (shot_step_name, step_description, train_step_name)
from pipeline.workarea.plan import ShotPlan

GPU_AMOUNT = "amount.worker.gpu"

#: Luigi's exit codes, given on each task's command line: with them a failed task
#: fails on the farm even where the workers do not find luigi.cfg (Luigi's
#: defaults exit 0 after a failed task).
RETCODES = ("--retcode-already-running", "10", "--retcode-missing-data", "20",
            "--retcode-not-run", "25", "--retcode-task-failed", "30",
            "--retcode-scheduling-error", "35", "--retcode-unhandled-exception", "40")


def _action(command: str, task: str, shot: Optional[str], *args: str) -> dict:
    target = ["--shot", shot] if shot else []
    return {"actions": {"onRun": {
        "command": command,
        "args": ["--module", "tasks", task, *target, *args, "--local-scheduler", *RETCODES]}}}


def frame_chunks(plan: ShotPlan) -> list[Chunk]:
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


def shot_steps(plan: ShotPlan, trained: set[str], job_shots: set[str], command: str) -> list[dict]:
    """The steps of one shot, in the stage table's order, each after the steps of
    its nodes' inputs in the shot's graph (``job_shots``: every shot of the job;
    a style trains on one shot's plates); each task runs ``command`` (luigi)."""
    shot = plan.shot
    graph = ShotGraph(plan, chunks=frame_chunks(plan))

    def step_node(node: Node) -> Node:  # the node that names the step running ``node``
        return node if _runs_per_chunk(graph, node.row) else Node(node.stage)

    def step_of(node: Node) -> str:
        return shot_step_name(shot, step_node(node))

    def after(nodes: list[Node]) -> tuple[list[str], list[str]]:
        """Steps of the nodes' inputs: other stages', then earlier chunks of their own."""
        inputs = [(node, n) for node in nodes for n in graph.inputs(node)]
        return ([step_of(n) for node, n in inputs if n.stage != node.stage],
                [step_of(n) for node, n in inputs if n.stage == node.stage])

    def step(node: Node, script: dict, needs: list[str], st: Stage) -> dict:
        return _step(step_of(node), step_description("shot", shot, step_node(node).name),
                     script, needs, plan, st)

    steps: list[dict] = []
    for st in STAGES:
        nodes = graph.stage_nodes(st.name)
        train = []
        if st.runs_model and plan.style.train is not None:
            style = plan.cfg.style
            train = [train_step_name(style)]
            if style not in trained:
                trained.add(style)
                source = plan.style.train.shot  # whose plates it trains on
                steps.append(_step(
                    train[0], step_description("style", style, "train"),
                    _action(command, "TrainStyle", None, "--style", style),
                    [shot_step_name(source, Node(PLATES))] if source in job_shots else [],
                    plan, st))
        if not st.chunked:
            upstream, _ = after(nodes)
            steps.append(step(nodes[0], _action(command, st.task, shot), upstream + train, st))
        elif _runs_per_chunk(graph, st):
            for node in nodes:
                upstream, earlier = after([node])
                steps.append(step(node, _action(
                    command, st.task, shot, "--first", str(node.chunk.first), "--last",
                    str(node.chunk.last)), upstream + train + earlier, st))
        else:
            upstream, _ = after(nodes)
            chunked = step(nodes[0], _action(
                command, st.task, shot, "--first", "{{Task.Param.First}}", "--last",
                "{{Task.Param.Last}}"), upstream + train, st)
            chunked["parameterSpace"] = {
                "taskParameterDefinitions": [
                    {"name": "First", "type": "INT", "range": [n.chunk.first for n in nodes]},
                    {"name": "Last", "type": "INT", "range": [n.chunk.last for n in nodes]}],
                "combination": "(First, Last)"}
            steps.append(chunked)
    return steps


def _gpu(plan: ShotPlan, st: Stage) -> dict:
    if not _needs_gpu(plan, st):
        return {}
    return {"hostRequirements": {"amounts": [{"name": GPU_AMOUNT, "min": 1}]}}


def _step(name: str, description: Optional[str], script: dict, after: list[str],
          plan: ShotPlan, st: Stage) -> dict:
    step = {"name": name, **({"description": description} if description else {}),
            "script": script, **_gpu(plan, st)}
    if after:
        step["dependencies"] = [{"dependsOn": n} for n in dict.fromkeys(after)]
    return step
