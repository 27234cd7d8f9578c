"""The job's parameters and their values at submit time, in the two forms a job
is written in:

- a single template file (``--output``): STRING parameters whose defaults are
  this host's paths (``Luigi``, ``ConfigDir``, ``LuigiConfig``, and ``WorkRoot``
  / ``RenderRoot`` where ``SHOTSTYLE_WORK_ROOT`` / ``SHOTSTYLE_RENDER_ROOT`` set
  them), for a farm that sees the show where this host does;
- a job bundle (``--bundle``): PATH parameters (``objectType``, ``dataFlow``),
  so that a farm's path mapping and Deadline Cloud's job attachments apply,
  with no default: their values are the bundle's ``parameter_values.yaml``.
  Both roots in force at submit time travel (``SHOTSTYLE_*_ROOT`` or
  pipeline.yaml's), and ``PythonEnv`` says where shotstyle's Python is on the
  workers (empty: ``luigi`` on their PATH).

``RenderId`` is written fresh each time: the tasks of one job share their
shots' locks (``pipeline.openjd.environment``).
"""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline.config import RENDER_ROOT, WORK_ROOT, RootSetting, config_dir, load_pipeline_config
from pipeline.errors import ConfigError

#: the parameter naming shotstyle's Python environment on the workers (bundles)
PYTHON_ENV = "PythonEnv"
#: the roots: the job's parameter, the setting (and its variable), its data flow
ROOT_PARAMETERS = (("WorkRoot", WORK_ROOT, "INOUT"), ("RenderRoot", RENDER_ROOT, "OUT"))
#: job variable -> parameter, for the job environment
VARIABLES = {"SHOTSTYLE_CONFIG_DIR": "ConfigDir", "LUIGI_CONFIG_PATH": "LuigiConfig"}


@dataclass(frozen=True)
class Parameter:
    """One job parameter. ``object_type`` (DIRECTORY, FILE) makes it a PATH in a
    bundle, with its ``data_flow`` (IN, OUT, INOUT, NONE)."""
    name: str
    description: str
    value: Optional[str]  # None: not given (the definition's default holds)
    object_type: Optional[str] = None
    data_flow: Optional[str] = None
    default: Optional[str] = None  # a bundle's, never a path of this host

    def with_default(self) -> dict:
        """A single file's STRING definition, the value its default."""
        return {"name": self.name, "type": "STRING", "default": self.value,
                "description": self.description}

    def definition(self) -> dict:
        """A bundle's definition: a PATH where it names a file or folder."""
        kind = {"type": "STRING"} if self.object_type is None else {
            "type": "PATH", "objectType": self.object_type, "dataFlow": self.data_flow}
        default = {} if self.default is None else {"default": self.default}
        return {"name": self.name, **kind, **default, "description": self.description}


def _luigi_beside_python() -> Optional[Path]:
    beside = Path(sys.executable).parent / "luigi"
    return beside if beside.exists() else None


def luigi_command() -> str:
    """The ``luigi`` command of this environment (beside this Python), else on PATH."""
    beside = _luigi_beside_python()
    return str(beside) if beside else (shutil.which("luigi") or "luigi")


def python_environment() -> Optional[str]:
    """This Python's environment, a venv or conda environment: the folder whose
    ``bin/`` holds this Python and its ``luigi`` (None where luigi is not beside it)."""
    beside = _luigi_beside_python()
    return _absolute(beside.parent.parent) if beside else None


def luigi_config() -> Path:
    """The luigi.cfg the tasks read: ``$LUIGI_CONFIG_PATH`` or ./luigi.cfg."""
    path = Path(os.environ.get("LUIGI_CONFIG_PATH") or "luigi.cfg")
    if not path.is_file():
        raise ConfigError(f"{path.absolute()}: luigi.cfg not found (run from the repository "
                          f"root or set LUIGI_CONFIG_PATH)")
    return path.absolute()


def _render_id() -> Parameter:
    return Parameter("RenderId", "the tasks of one job share their shots' locks; give each "
                                 "job of these parameters its own (-p RenderId=...)",
                     uuid.uuid4().hex)


def single_file_parameters() -> list[Parameter]:
    """A single template's parameters: this host's paths as STRING defaults."""
    roots = [Parameter(param, f"{setting.variable} where the job was written",
                       str(Path(os.environ[setting.variable]).resolve()))
             for param, setting, _ in ROOT_PARAMETERS
             if os.environ.get(setting.variable)]  # as load_pipeline_config resolves it
    return [
        Parameter("Luigi", "the luigi command of shotstyle's environment on the workers",
                  luigi_command()),
        Parameter("ConfigDir", "the show's configs/ (its work and render roots are in "
                               "pipeline.yaml)", str(config_dir().absolute())),
        Parameter("LuigiConfig", "luigi.cfg", str(luigi_config())),
        _render_id(),
        *roots,
    ]


def _absolute(path: str | Path) -> str:
    """``path`` absolute, '..' taken out, links kept (the names a farm's path
    mapping knows, not the volumes they resolve to)."""
    return os.path.abspath(path)


def _root(param: str, setting: RootSetting, flow: str) -> Parameter:
    return Parameter(param, f"the {setting.label} in force where the job was written, set "
                            f"on the workers as {setting.variable}",
                     _absolute(getattr(load_pipeline_config(), setting.key)), "DIRECTORY", flow)


def bundle_parameters(python_env: Optional[str]) -> list[Parameter]:
    """A bundle's parameters: paths as PATH parameters, values for
    ``parameter_values.yaml``; ``python_env``: a venv or conda environment's
    folder on the workers (None: no value, ``luigi`` on their PATH)."""
    return [
        Parameter(PYTHON_ENV, "shotstyle's Python environment on the workers: a venv or a "
                              "conda environment's folder, its bin/ put first on PATH; "
                              "empty: the luigi on the workers' PATH",
                  python_env, "DIRECTORY", "NONE", default=""),
        Parameter("ConfigDir", "the show's configs/ (shots, styles, pipeline.yaml)",
                  _absolute(config_dir()), "DIRECTORY", "IN"),
        Parameter("LuigiConfig", "luigi.cfg", _absolute(luigi_config()), "FILE", "IN"),
        *(_root(param, setting, flow) for param, setting, flow in ROOT_PARAMETERS),
        _render_id(),
    ]


def root_variables(params: list[Parameter]) -> dict[str, str]:
    """The job variables of the roots among ``params``: ``SHOTSTYLE_WORK_ROOT:
    {{Param.WorkRoot}}``."""
    names = {p.name for p in params}
    return {setting.variable: f"{{{{Param.{param}}}}}"
            for param, setting, _ in ROOT_PARAMETERS if param in names}
