"""tasks.batch: the shots of a batch, NightlyBatch's requirements, and the batch
command's exit: 0 only when every shot is complete, else one line naming each
incomplete shot (the luigi command run for real, refused at its command line so
that nothing renders)."""
from __future__ import annotations

import subprocess
import sys

import luigi
import pytest

from tasks.batch import NightlyBatch, main, run_batch, shot_list


def test_a_shot_list_is_the_named_shots_or_every_configured_one(project):
    assert shot_list(" s01, ,s02 ,") == ["s01", "s02"]
    assert shot_list("") == []
    for name in ("b02", "a01"):
        project.add_shot(name, project.root / f"{name}.mov")
    assert shot_list("  ") == ["a01", "b02"]


def test_nightly_batch_renders_each_shot(project):
    project.add_shot("a01", project.root / "a01.mov")
    project.add_shot("b02", project.root / "b02.mov")
    assert [t.shot for t in NightlyBatch().requires()] == ["a01", "b02"]
    assert [t.shot for t in NightlyBatch(shots="b02").requires()] == ["b02"]
    assert isinstance(NightlyBatch(), luigi.WrapperTask)


def test_a_batch_without_shots_is_a_usage_error(project, capsys):
    assert main([]) == 2
    assert capsys.readouterr().err == \
        "shotstyle: error: no shots to render: configs/shots/ has no *.yaml\n"


def test_a_round_luigi_refuses_is_not_repeated_and_its_shots_are_named(project, capsys):
    project.add_shot("a01", project.root / "a01.mov")
    code = run_batch(["a01"], ["--no-such-luigi-option"], rounds=3, round_wait=60)
    codes = luigi.retcodes.retcode()
    assert code == codes.scheduling_error  # left unrun, none failed (35 with luigi.cfg)
    err = capsys.readouterr().err
    assert "running them again" not in err  # a usage error: no second round, no wait
    assert err.endswith("shotstyle: error: batch incomplete: 1 of 1 shots not complete: "
                        "a01 (not run)\n")


def test_an_incomplete_batch_fails_even_where_luigi_cfg_is_not_found(project, tmp_path):
    project.add_shot("a01", project.root / "a01.mov")
    env = project.env()
    env.pop("LUIGI_CONFIG_PATH")
    proc = subprocess.run([sys.executable, "-c", "import sys; from tasks.batch import main; "
                           "sys.exit(main(['--rounds', '1', '--no-such-luigi-option']))"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "batch incomplete: 1 of 1 shots not complete: a01" in proc.stderr
    assert proc.returncode == 35  # luigi.cfg's scheduling_error as shipped, not Luigi's 0
