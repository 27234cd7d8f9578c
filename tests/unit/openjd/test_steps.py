"""pipeline.openjd.steps: the steps of shots with long names (60 and 128
characters, the limit) on a take probed for real: every step name within
OpenJD's 64 characters and unique, the dependencies naming those steps, the
whole shot name in each step's description and on each task's command line;
openjd-model takes the job."""
from __future__ import annotations

import pytest

from pipeline.openjd.check import check_job
from pipeline.openjd.names import STEP_NAME_MAX
from pipeline.openjd.steps import shot_steps
from pipeline.openjd.template import bundle_job, job_template
from pipeline.workarea.plan import ShotPlan


def needs(step: dict) -> list[str]:
    return [d["dependsOn"] for d in step.get("dependencies", [])]


@pytest.mark.parametrize("length", [60, 128])
def test_a_long_shot_name_gives_short_unique_steps_that_keep_the_whole_name(add_long_shot,
                                                                             length, tmp_path):
    shot = add_long_shot(length)
    steps = shot_steps(ShotPlan.load(shot), set(), {shot}, "luigi")
    names = [s["name"] for s in steps]
    assert len(set(names)) == len(names) and max(map(len, names)) <= STEP_NAME_MAX
    label = names[0].split(" ")[0]
    assert label != shot and all(n.startswith(f"{label} ") for n in names)
    for step in steps:
        assert set(needs(step)) <= set(names)
        node = step["name"][len(label) + 1:]
        assert step["description"] == f"shot {shot}: {node}"
        args = step["script"]["actions"]["onRun"]["args"]
        assert args[3:5] == ["--shot", shot]  # Luigi gets the whole name
    job = bundle_job([shot])
    check_job(job.template, job.values, tmp_path)  # openjd-model takes it, and the single file
    check_job(job_template([shot]), {}, tmp_path)


def test_two_long_names_that_share_their_beginning_stay_apart(add_long_shot, project, tmp_path):
    first = add_long_shot(60)
    twin = first[:-1] + "Z"
    project.add_shot(twin, tmp_path / "o01.mov")
    job = bundle_job([first, twin])
    labels = {s["name"].split(" ")[0] for s in job.template["steps"]}
    assert len(labels) == 2 and all(label.startswith(first[:30]) for label in labels)
    check_job(job.template, job.values, tmp_path)
