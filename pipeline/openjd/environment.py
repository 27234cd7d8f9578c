"""What a job sets on the workers: its job environment (``jobEnvironments``),
entered once per session before the first task runs.

Its variables point the tasks at the show (``SHOTSTYLE_CONFIG_DIR``,
``LUIGI_CONFIG_PATH``, the roots where carried), share the shots' locks among
the job's tasks (``SESSION_VARIABLE``) and turn on the farm's progress lines
(``PROGRESS_VARIABLE``: ``tasks/openjd_progress.py``). A job bundle's
environment also puts the ``PythonEnv`` parameter's ``bin/`` first on PATH (a
venv or a conda environment's folder): its ``onEnter`` prints
``openjd_env: PATH=...``, which the runtime applies to the session. Left empty,
the tasks run the ``luigi`` on the worker's PATH (a Deadline Cloud queue
environment, a rez or conda activation done by the farm).
"""
from __future__ import annotations

from typing import Optional

ENVIRONMENT_NAME = "shotstyle"
#: the tasks of one job share their shots' locks (``tasks/session.py``)
SESSION_VARIABLE = "SHOTSTYLE_RENDER_SESSION"
#: set to "1": the tasks print ``openjd_progress`` / ``openjd_status`` lines
PROGRESS_VARIABLE = "SHOTSTYLE_OPENJD_PROGRESS"
#: the ``PythonEnv`` parameter, for the environment's onEnter script
PYTHON_ENV_VARIABLE = "SHOTSTYLE_PYTHON_ENV"

#: onEnter of a bundle's environment (run by the workers' ``bash``; no path in
#: it): ``bin/`` of $SHOTSTYLE_PYTHON_ENV first on PATH where it is set; either
#: way, ``luigi`` must be found
ENTER_SCRIPT = f"""set -eu
env_dir="${{{PYTHON_ENV_VARIABLE}:-}}"
if [ -n "$env_dir" ]; then
  if [ ! -d "$env_dir/bin" ]; then
    echo "shotstyle: error: PythonEnv $env_dir: no bin/ folder in it (give a venv or a conda environment's folder)"
    exit 1
  fi
  PATH="$env_dir/bin:$PATH"
  echo "openjd_env: PATH=$PATH"
fi
if ! command -v luigi >/dev/null; then
  echo "shotstyle: error: no luigi on PATH ($PATH): give the job parameter PythonEnv (shotstyle's venv or conda environment) or install shotstyle on the workers"
  exit 1
fi
echo "shotstyle: tasks run $(command -v luigi)"
"""


def job_environment(variables: dict[str, str], python_env: Optional[str]) -> dict:
    """The job environment: ``variables`` (values may be ``{{Param.X}}``), the
    session and progress variables, and where ``python_env`` (a parameter's
    name) is given, the onEnter script that puts its ``bin/`` on PATH."""
    env: dict = {"name": ENVIRONMENT_NAME}
    if python_env is not None:
        env["script"] = {
            "actions": {"onEnter": {"command": "bash", "args": ["{{Env.File.Enter}}"]}},
            "embeddedFiles": [{"name": "Enter", "type": "TEXT", "data": ENTER_SCRIPT}]}
        variables = {**variables, PYTHON_ENV_VARIABLE: f"{{{{Param.{python_env}}}}}"}
    env["variables"] = {**variables, SESSION_VARIABLE: "farm job {{Param.RenderId}}",
                        PROGRESS_VARIABLE: "1"}
    return env
