"""pipeline.openjd.environment: the job environment's variables, and its onEnter
script run for real by bash: PythonEnv's bin/ first on PATH (as an
``openjd_env`` line the runtime applies), a PythonEnv with no bin/ or no luigi
anywhere is one error line and a failed session."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from pipeline.openjd.environment import (ENTER_SCRIPT, PROGRESS_VARIABLE, PYTHON_ENV_VARIABLE,
                                         SESSION_VARIABLE, job_environment)

BASH = shutil.which("bash")


def test_the_variables_and_the_session_and_progress_ones():
    env = job_environment({"SHOTSTYLE_CONFIG_DIR": "{{Param.ConfigDir}}"}, None)
    assert env == {"name": "shotstyle", "variables": {
        "SHOTSTYLE_CONFIG_DIR": "{{Param.ConfigDir}}",
        SESSION_VARIABLE: "farm job {{Param.RenderId}}", PROGRESS_VARIABLE: "1"}}
    env = job_environment({}, "PythonEnv")
    assert env["variables"][PYTHON_ENV_VARIABLE] == "{{Param.PythonEnv}}"
    assert env["script"]["actions"]["onEnter"] == {"command": "bash",
                                                   "args": ["{{Env.File.Enter}}"]}
    [enter] = env["script"]["embeddedFiles"]
    assert enter["name"] == "Enter" and enter["data"] == ENTER_SCRIPT


def _enter(tmp_path, python_env: str, path: str) -> subprocess.CompletedProcess:
    script = tmp_path / "enter.sh"
    script.write_text(ENTER_SCRIPT)
    return subprocess.run([BASH, str(script)], capture_output=True, text=True, timeout=30,
                          env={PYTHON_ENV_VARIABLE: python_env, "PATH": path})


@pytest.mark.skipif(BASH is None, reason="no bash")
def test_python_env_s_bin_goes_first_on_path(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "luigi").write_text("#!/bin/sh\n")
    (venv / "bin" / "luigi").chmod(0o755)
    path = os.defpath
    done = _enter(tmp_path, str(venv), path)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines() == [f"openjd_env: PATH={venv}/bin:{path}",
                                        f"shotstyle: tasks run {venv}/bin/luigi"]


@pytest.mark.skipif(BASH is None, reason="no bash")
def test_no_bin_folder_or_no_luigi_fails_the_session_in_one_line(tmp_path):
    done = _enter(tmp_path, str(tmp_path / "gone"), os.defpath)
    assert done.returncode == 1
    assert done.stdout == (f"shotstyle: error: PythonEnv {tmp_path / 'gone'}: no bin/ folder in "
                           f"it (give a venv or a conda environment's folder)\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _enter(tmp_path, "", str(empty))  # no PythonEnv, no luigi on PATH
    assert done.returncode == 1
    assert done.stdout.startswith(f"shotstyle: error: no luigi on PATH ({empty}): give the job "
                                  f"parameter PythonEnv")
