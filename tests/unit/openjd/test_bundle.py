"""pipeline.openjd.bundle: the job bundle of a shot with a 60-character name, as
Deadline Cloud takes it: template.yaml with no path of this host in it (no
configs, luigi.cfg, roots, venv, repository) that `openjd check` passes, and
parameter_values.yaml holding them; written whole or not at all, an existing
bundle replaced only when asked, a folder holding anything else never."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import OPENJD, REPO
from pipeline.errors import ConfigError
from pipeline.openjd.bundle import (PARAMETER_VALUES, TEMPLATE, check_bundle_folder,
                                    read_parameter_values, run_command, write_bundle)
from pipeline.openjd.parameters import PYTHON_ENV


def _strings(document) -> list[str]:
    """Every string of a YAML document, keys and values."""
    if isinstance(document, dict):
        return [s for k, v in document.items() for s in _strings(k) + _strings(v)]
    if isinstance(document, list):
        return [s for item in document for s in _strings(item)]
    return [document] if isinstance(document, str) else []


@pytest.fixture
def long_shot(add_long_shot):
    return add_long_shot(60)


def test_the_bundle_holds_the_paths_in_its_values_not_in_its_template(long_shot, project,
                                                                      tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTSTYLE_RENDER_ROOT", str(tmp_path / "farm" / "renders"))
    folder = tmp_path / "jobs" / "b60"
    job = write_bundle([long_shot], folder, python_env=str(tmp_path / "venv"))
    assert sorted(p.name for p in folder.iterdir()) == [PARAMETER_VALUES, TEMPLATE]
    text = (folder / TEMPLATE).read_text()
    for host_path in (tmp_path, project.root, REPO, sys.prefix, Path.home()):
        assert str(host_path) not in text, host_path
    assert not [value for value in _strings(yaml.safe_load(text)) if value.startswith("/")]
    assert yaml.safe_load(text) == job.template
    values = read_parameter_values(folder)
    assert values == job.values == {
        PYTHON_ENV: str(tmp_path / "venv"), "ConfigDir": str(project.configs),
        "LuigiConfig": str(REPO / "luigi.cfg"), "WorkRoot": str(project.work),
        "RenderRoot": str(tmp_path / "farm" / "renders"), "RenderId": values["RenderId"]}
    document = yaml.safe_load((folder / PARAMETER_VALUES).read_text())
    assert list(document) == ["parameterValues"]
    assert document["parameterValues"][0] == {"name": PYTHON_ENV, "value": str(tmp_path / "venv")}


@pytest.mark.skipif(not Path(OPENJD).exists(), reason="openjd-cli not installed")
def test_openjd_check_passes_the_bundle_of_a_60_character_shot(long_shot, tmp_path):
    write_bundle([long_shot], tmp_path / "b")
    check = subprocess.run([OPENJD, "check", str(tmp_path / "b" / TEMPLATE)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_python_env_is_this_python_s_unless_given_relative_or_empty(long_shot, tmp_path,
                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LUIGI_CONFIG_PATH", str(REPO / "luigi.cfg"))
    here = Path(sys.executable).parent.parent  # the venv of the tests' luigi
    assert write_bundle([long_shot], "b0").values[PYTHON_ENV] == os.path.abspath(here)
    assert write_bundle([long_shot], "b1", python_env="venvs/ss").values[PYTHON_ENV] == \
        str(tmp_path / "venvs" / "ss")
    assert PYTHON_ENV not in write_bundle([long_shot], "b2", python_env="").values
    assert "value: ''" not in (tmp_path / "b2" / PARAMETER_VALUES).read_text()


def test_an_existing_bundle_is_replaced_only_with_overwrite(long_shot, tmp_path):
    folder = tmp_path / "b"
    first = write_bundle([long_shot], folder).values["RenderId"]
    with pytest.raises(ConfigError, match=r"holds a job bundle already; --overwrite replaces it"):
        write_bundle([long_shot], folder)
    assert read_parameter_values(folder)["RenderId"] == first
    second = write_bundle([long_shot], folder, overwrite=True).values["RenderId"]
    assert read_parameter_values(folder)["RenderId"] == second != first
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []  # no staging left


def test_a_folder_holding_other_files_or_a_file_is_never_written(long_shot, tmp_path):
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError) as err:
        write_bundle([long_shot], folder, overwrite=True)
    assert str(err.value) == (f"--bundle {folder}: holds other files than a job bundle's "
                              f"(notes.txt); give a new or empty folder")
    assert (folder / "notes.txt").read_text() == "mine"
    with pytest.raises(ConfigError, match="is a file; --bundle is the job bundle's folder"):
        check_bundle_folder(folder / "notes.txt", overwrite=True)
    (tmp_path / "empty").mkdir()
    write_bundle([long_shot], tmp_path / "empty")  # an empty folder takes it
    assert (tmp_path / "empty" / TEMPLATE).is_file()


def test_a_job_openjd_refuses_writes_nothing(long_shot, tmp_path):
    with pytest.raises(ConfigError, match=r"name must be at most 128 characters long"):
        write_bundle([long_shot], tmp_path / "jobs" / "b", name="n" * 129)
    assert not (tmp_path / "jobs").exists()


def test_the_run_command_gives_every_value():
    values = {"ConfigDir": "/show/my configs", "RenderId": "7"}
    assert run_command(Path("jobs/b"), values) == (
        "openjd run jobs/b/template.yaml -p 'ConfigDir=/show/my configs' -p RenderId=7")
