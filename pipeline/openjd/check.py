"""A job checked as the farm will check it, before anything is written:
openjd-model (the library ``openjd check`` and Deadline Cloud's client use)
decodes the template (names within their limits, steps and dependencies that
exist, no extension asked for) and creates the job from the parameter values,
as ``openjd run`` and a farm do. A refusal is one ``ConfigError`` line: the
first reason and how many more.
"""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.errors import ConfigError


def check_job(template: dict, values: dict[str, str], template_dir: Path) -> None:
    """ConfigError where openjd-model refuses ``template`` or the job it makes
    with ``values`` (PATH defaults are taken from ``template_dir``)."""
    try:
        from openjd.model import (DecodeValidationError, create_job, decode_job_template,
                                  preprocess_job_parameters)
    except ImportError as exc:  # pragma: no cover - an install without its requirements
        raise ConfigError(f"submit openjd needs openjd-model, a requirement of shotstyle "
                          f"(pip install openjd-model): {exc}") from None
    try:
        job_template = decode_job_template(template=template)
        parameters = preprocess_job_parameters(
            job_template=job_template, job_parameter_values=values,
            job_template_dir=Path(os.path.abspath(template_dir)),
            current_working_dir=Path.cwd())
        create_job(job_template=job_template, job_parameter_values=parameters)
    except (DecodeValidationError, ValueError) as exc:
        raise ConfigError(f"the job is not one Open Job Description takes (openjd-model "
                          f"{_version()}): {summary(str(exc))}") from None


def summary(message: str) -> str:
    """openjd-model's message on one line: ``3 validation errors for
    JobTemplate: steps[0] -> name: name must be at most 64 characters long (and
    2 more)``."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "no reason given"
    head, rest = lines[0].rstrip(":"), lines[1:]
    reasons, i = [], 0
    while i < len(rest):  # "steps[0] -> name:" then its reason
        if rest[i].endswith(":") and i + 1 < len(rest):
            reasons.append(f"{rest[i]} {rest[i + 1]}")
            i += 2
        else:
            reasons.append(rest[i])
            i += 1
    if not reasons:
        return head
    more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
    return f"{head}: {reasons[0]}{more}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("openjd-model")
    except PackageNotFoundError:  # pragma: no cover
        return "?"
