"""Jobs for the farm manager: Open Job Description (``jobtemplate-2023-09``,
what AWS Deadline Cloud runs) for one or more shots, ``python -m pipeline
submit openjd``.

- ``steps.py``: per shot, a step per stage-table row, a task per chunk;
- ``names.py``: step and job names within OpenJD's limits (long shot names
  shortened, the whole name in the step's description);
- ``parameters.py``: the job's parameters and their values at submit time;
- ``environment.py``: the job environment (the variables the tasks get, the
  Python environment put on PATH);
- ``template.py``: the template, and the single file (``--output``);
- ``bundle.py``: the job bundle (``--bundle``): template.yaml and
  parameter_values.yaml;
- ``check.py``: openjd-model's checks, before anything is written.

The tasks' side: ``tasks/openjd_progress.py`` (the farm monitor's progress
lines) and ``tasks/session.py`` (the locks a job's tasks share).
"""
