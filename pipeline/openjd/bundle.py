"""A job bundle, as AWS Deadline Cloud's ``deadline bundle submit`` takes it: a
folder holding ``template.yaml`` (the job template, no path of this host in
it) and ``parameter_values.yaml`` (``parameterValues: [{name, value}, ...]``:
the configs, luigi.cfg, the roots in force at submit time, the Python
environment of the workers, the RenderId).

``openjd run`` (openjd-cli) reads a flat mapping from ``--job-param
file://...``, not that list: ``run_command`` is the ``openjd run`` command line
with the values as ``-p Name=value``.

The folder is written whole or not at all (written beside it, then renamed);
an existing bundle is replaced only with ``overwrite``, and a folder holding
anything else never.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Optional

import yaml

from pipeline.errors import ConfigError
from pipeline.media.atomic import temporary_path, write_bytes
from pipeline.openjd.check import check_job
from pipeline.openjd.parameters import python_environment
from pipeline.openjd.template import Job, bundle_job, to_yaml

TEMPLATE = "template.yaml"
PARAMETER_VALUES = "parameter_values.yaml"
BUNDLE_FILES = (TEMPLATE, PARAMETER_VALUES)


def check_bundle_folder(folder: str | Path, overwrite: bool) -> None:
    """ConfigError where ``folder`` cannot take the bundle: a file; a folder
    holding anything but a bundle; a bundle, without ``overwrite``."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--bundle {folder}: is a file; --bundle is the job bundle's folder "
                          f"(the single template file: --output)")
    entries = sorted(p.name for p in path.iterdir()) if path.is_dir() else []
    others = [name for name in entries if name not in BUNDLE_FILES]
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise ConfigError(f"--bundle {folder}: holds other files than a job bundle's ({shown}); "
                          f"give a new or empty folder")
    if entries and not overwrite:
        raise ConfigError(f"--bundle {folder}: holds a job bundle already; --overwrite "
                          f"replaces it")


def parameter_values(values: dict[str, str]) -> dict:
    """``parameter_values.yaml``'s document."""
    return {"parameterValues": [{"name": name, "value": value} for name, value in values.items()]}


def read_parameter_values(folder: str | Path) -> dict[str, str]:
    """The values of a bundle's ``parameter_values.yaml``, by name."""
    document = yaml.safe_load((Path(folder) / PARAMETER_VALUES).read_text(encoding="utf-8"))
    return {item["name"]: item["value"] for item in document["parameterValues"]}


def write_bundle(shots: list[str], folder: str | Path, name: Optional[str] = None,
                 python_env: Optional[str] = None, overwrite: bool = False) -> Job:
    """Write the job bundle of ``shots`` to ``folder`` (its parent made where
    missing): the folder is checked before the shots are probed, the job with
    openjd-model before anything is written. ``python_env``: shotstyle's venv
    or conda environment's folder on the workers; None: this Python's (where
    its luigi is beside it); "": none, the luigi on the workers' PATH."""
    check_bundle_folder(folder, overwrite)
    folder = Path(folder)
    if python_env is None:
        python_env = python_environment()
    job = bundle_job(shots, name, os.path.abspath(python_env) if python_env else None)
    check_job(job.template, job.values, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with temporary_path(folder) as staging:
        staging.mkdir()
        write_bytes(staging / TEMPLATE, to_yaml(job.template))
        write_bytes(staging / PARAMETER_VALUES, to_yaml(parameter_values(job.values)))
    return job


def run_command(folder: str | Path, values: dict[str, str]) -> str:
    """``openjd run <folder>/template.yaml -p Name=value ...``: the bundle run here."""
    args = ["openjd", "run", str(Path(folder) / TEMPLATE)]
    for name, value in values.items():
        args += ["-p", f"{name}={value}"]
    return shlex.join(args)
