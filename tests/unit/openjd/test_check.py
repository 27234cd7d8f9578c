"""pipeline.openjd.check: openjd-model (for real) checks a job before it is
written; what it refuses is one line: the first reason and how many more."""
from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.openjd.check import check_job, summary


def _job(*step_names: str, **template) -> dict:
    return {"specificationVersion": "jobtemplate-2023-09", "name": "j",
            "steps": [{"name": n, "script": {"actions": {"onRun": {"command": "true"}}}}
                      for n in step_names], **template}


def test_a_job_openjd_takes_passes(tmp_path):
    check_job(_job("a", "b"), {}, tmp_path)
    with_path = _job("a", parameterDefinitions=[
        {"name": "Root", "type": "PATH", "objectType": "DIRECTORY", "dataFlow": "OUT"}])
    check_job(with_path, {"Root": "/farm/renders"}, tmp_path)


def test_step_names_over_64_characters_are_one_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        check_job(_job("x" * 65, "y" * 70, "z"), {}, tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("the job is not one Open Job Description takes (openjd-model ")
    assert message.endswith("2 validation errors for JobTemplate: steps[0] -> name: name must "
                            "be at most 64 characters long (and 1 more)")


def test_a_missing_parameter_value_or_a_long_job_name_is_refused(tmp_path):
    path = _job("a", parameterDefinitions=[{"name": "Root", "type": "PATH"}])
    with pytest.raises(ConfigError, match="Root"):
        check_job(path, {}, tmp_path)
    with pytest.raises(ConfigError, match="at most 128 characters"):
        check_job(_job("a", name="n" * 129), {}, tmp_path)


def test_the_summary_of_a_message_of_one_line_or_none():
    assert summary("Values for job parameters are missing: Root") == \
        "Values for job parameters are missing: Root"
    assert summary("") == "no reason given"
    assert summary("1 validation errors for JobTemplate\nname:\n\ttoo long") == \
        "1 validation errors for JobTemplate: name: too long"
