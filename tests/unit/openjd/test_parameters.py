"""pipeline.openjd.parameters: a bundle's parameters are PATHs with their object
type and data flow and no default (but PythonEnv's empty one); their values
are the paths in force at submit time: the configs, luigi.cfg, the roots from
pipeline.yaml or from SHOTSTYLE_*_ROOT, absolute."""
from __future__ import annotations

import pytest

from helpers import REPO
from pipeline.errors import ConfigError
from pipeline.openjd.parameters import (PYTHON_ENV, bundle_parameters, luigi_config,
                                        root_variables, single_file_parameters)


@pytest.fixture
def here(project, monkeypatch):
    monkeypatch.chdir(REPO)  # where luigi.cfg is
    monkeypatch.delenv("LUIGI_CONFIG_PATH", raising=False)
    return project


def test_a_bundle_s_paths_are_path_parameters_without_a_default(here):
    definitions = {p.name: p.definition() for p in bundle_parameters(None)}
    kinds = {name: (d["type"], d.get("objectType"), d.get("dataFlow"))
             for name, d in definitions.items()}
    assert kinds == {PYTHON_ENV: ("PATH", "DIRECTORY", "NONE"),
                     "ConfigDir": ("PATH", "DIRECTORY", "IN"),
                     "LuigiConfig": ("PATH", "FILE", "IN"),
                     "WorkRoot": ("PATH", "DIRECTORY", "INOUT"),
                     "RenderRoot": ("PATH", "DIRECTORY", "OUT"),
                     "RenderId": ("STRING", None, None)}
    assert [n for n, d in definitions.items() if "default" in d] == [PYTHON_ENV]
    assert definitions[PYTHON_ENV]["default"] == ""
    assert all(d["description"] for d in definitions.values())


def test_a_bundle_s_values_are_the_paths_in_force_here(here):
    values = {p.name: p.value for p in bundle_parameters("/opt/shotstyle/venv")}
    assert values == {PYTHON_ENV: "/opt/shotstyle/venv", "ConfigDir": str(here.configs),
                      "LuigiConfig": str(REPO / "luigi.cfg"), "WorkRoot": str(here.work),
                      "RenderRoot": str(here.renders), "RenderId": values["RenderId"]}
    assert len(values["RenderId"]) == 32
    assert {p.name: p.value for p in bundle_parameters(None)}[PYTHON_ENV] is None


def test_roots_set_by_the_variables_go_with_the_bundle(here, monkeypatch, tmp_path):
    monkeypatch.setenv("SHOTSTYLE_WORK_ROOT", str(tmp_path / "farm" / "work"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LUIGI_CONFIG_PATH", str(REPO / "luigi.cfg"))
    monkeypatch.setenv("SHOTSTYLE_RENDER_ROOT", "rel/renders")  # from the current folder
    values = {p.name: p.value for p in bundle_parameters(None)}
    assert values["WorkRoot"] == str(tmp_path / "farm" / "work")
    assert values["RenderRoot"] == str(tmp_path / "rel" / "renders")
    assert root_variables(bundle_parameters(None)) == {
        "SHOTSTYLE_WORK_ROOT": "{{Param.WorkRoot}}",
        "SHOTSTYLE_RENDER_ROOT": "{{Param.RenderRoot}}"}


def test_a_single_file_carries_only_the_roots_a_variable_sets(here, monkeypatch, tmp_path):
    assert root_variables(single_file_parameters()) == {}
    monkeypatch.setenv("SHOTSTYLE_WORK_ROOT", str(tmp_path / "w"))
    assert root_variables(single_file_parameters()) == {"SHOTSTYLE_WORK_ROOT": "{{Param.WorkRoot}}"}


def test_without_luigi_cfg_there_are_no_parameters(project, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LUIGI_CONFIG_PATH", raising=False)
    with pytest.raises(ConfigError, match=r"luigi\.cfg not found"):
        bundle_parameters(None)
    monkeypatch.setenv("LUIGI_CONFIG_PATH", str(REPO / "luigi.cfg"))
    assert luigi_config() == REPO / "luigi.cfg"
