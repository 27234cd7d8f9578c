"""The job template (``jobtemplate-2023-09``, what AWS Deadline Cloud runs) of
one or more shots: the shots' steps (``pipeline.openjd.steps``), the job's
parameters (``pipeline.openjd.parameters``) and its environment
(``pipeline.openjd.environment``).

``python -m pipeline submit openjd SHOT... --output job.yaml`` writes it as one
file whose parameters default to this host's paths; ``--bundle DIR`` writes a
job bundle (``pipeline.openjd.bundle``). Either is checked with openjd-model
(``pipeline.openjd.check``) before anything is written. The shots' frame counts
come from probing their sources (no file is written).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from pipeline.errors import ConfigError
from pipeline.media.atomic import write_bytes
from pipeline.openjd.check import check_job
from pipeline.openjd.environment import job_environment
from pipeline.openjd.names import job_name
from pipeline.openjd.parameters import (PYTHON_ENV, VARIABLES, Parameter, bundle_parameters,
                                        root_variables, single_file_parameters)
from pipeline.openjd.steps import shot_steps
from pipeline.workarea.plan import ShotPlan

SPECIFICATION = "jobtemplate-2023-09"
#: what a bundle's tasks run: ``luigi`` on PATH (after PythonEnv's bin/)
BUNDLE_COMMAND = "luigi"


@dataclass(frozen=True)
class Job:
    """A job template and the values of its parameters that it does not hold
    (a bundle's ``parameter_values.yaml``; none for a single file)."""
    template: dict
    values: dict[str, str]


def _steps(shots: list[str], command: str) -> list[dict]:
    plans = [ShotPlan.load(s) for s in shots]
    trained: set[str] = set()
    return [step for plan in plans for step in shot_steps(plan, trained, set(shots), command)]


def _template(name: str, params: list[Parameter], definitions: list[dict],
              python_env: Optional[str], steps: list[dict]) -> dict:
    variables = {variable: f"{{{{Param.{param}}}}}" for variable, param in VARIABLES.items()}
    return {
        "specificationVersion": SPECIFICATION,
        "name": name,
        "parameterDefinitions": definitions,
        "jobEnvironments": [job_environment({**variables, **root_variables(params)},
                                            python_env)],
        "steps": steps,
    }


def job_template(shots: list[str], name: Optional[str] = None) -> dict:
    """The single-file job template (a dict ready for YAML) rendering ``shots``:
    its parameters are STRINGs defaulting to this host's paths (OpenJD's PATH
    defaults must lie inside the template's folder): on a farm whose hosts
    mount the show elsewhere, give them per job (``-p ConfigDir=...``), or
    write a bundle."""
    steps = _steps(shots, "{{Param.Luigi}}")
    params = single_file_parameters()
    return _template(name or job_name(shots), params, [p.with_default() for p in params],
                     None, steps)


def bundle_job(shots: list[str], name: Optional[str] = None,
               python_env: Optional[str] = None) -> Job:
    """The job of a bundle: a template with no path of this host in it, and the
    parameter values (the roots in force here, the configs, luigi.cfg,
    ``python_env`` where given)."""
    steps = _steps(shots, BUNDLE_COMMAND)
    params = bundle_parameters(python_env)
    template = _template(name or job_name(shots), params, [p.definition() for p in params],
                         PYTHON_ENV, steps)
    return Job(template, {p.name: p.value for p in params if p.value is not None})


class _Dumper(yaml.SafeDumper):
    """yaml.safe_dump's, with multi-line strings (a script) as literal blocks."""


def _string(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text,
                                   style="|" if "\n" in text else None)


_Dumper.add_representer(str, _string)


def to_yaml(document: dict) -> bytes:
    """``document`` as YAML, in the order given (a script as a literal block)."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=100).encode("utf-8")


def check_output_file(output: str | Path) -> None:
    """ConfigError where ``--output`` is a folder (or written as one, with a
    trailing '/'): the job template is one file, named by the user (a folder is
    a bundle: ``--bundle``)."""
    if Path(output).is_dir() or str(output).endswith(("/", os.sep)):
        raise ConfigError(f"--output {output}: is a folder; --output is the job template's "
                          f"file path, e.g. {Path(output) / 'job.yaml'}")


def write_job_template(shots: list[str], output: str | Path, name: Optional[str] = None) -> Path:
    """Write the job template of ``shots`` to the file ``output`` (its folder made
    where missing); checked before the shots are probed, and with openjd-model
    before it is written."""
    check_output_file(output)
    output = Path(output)
    template = job_template(shots, name)
    check_job(template, {}, output.parent)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(output, to_yaml(template))
    return output
