"""The `shotstyle` command (tasks/cli.py) and what it shows while stages run
(tasks/progress.py): help, version, the entry point, one-line errors (roots,
shot configs, unknown commands), Ctrl-C, the progress lines, and stage events
from forked task processes."""
from __future__ import annotations

import configparser
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time

import luigi

from helpers import REPO, make_clip
from tasks import progress
from tasks.progress import PlainDisplay, TtyDisplay, listening

COMMANDS = ("render", "batch", "status", "rerun", "keyframe", "shots-from-edit", "submit")


def _shotstyle(*args: str, env=None, **kwargs) -> subprocess.CompletedProcess:
    env = {**(env or os.environ), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "tasks.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120, **kwargs)


def test_help_lists_every_command_examples_and_exit_codes():
    proc = _shotstyle("--help")
    assert proc.returncode == 0 and proc.stderr == ""
    listed = re.findall(r"^    (\S+)", proc.stdout, flags=re.M)
    assert set(COMMANDS) <= set(listed), listed
    assert "examples:\n  shotstyle render s01 --local-scheduler" in proc.stdout
    codes = re.findall(r"^  (\d+)  ", proc.stdout.split("exit codes")[1], flags=re.M)
    assert codes == ["0", "2", "10", "20", "25", "30", "35", "40"]
    assert "\n  130 interrupted (Ctrl-C): finished stages are kept\n" in proc.stdout


def test_render_help_names_its_options():
    proc = _shotstyle("render", "--help")
    assert proc.returncode == 0
    for option in ("SHOT", "--workers", "--local-scheduler", "--scheduler-host", "--verbose",
                   "--plain", "exit codes"):
        assert option in proc.stdout, option


def test_version_is_the_package_s():
    from importlib.metadata import PackageNotFoundError, version
    try:
        expected = version("shotstyle")
    except PackageNotFoundError:
        from pipeline import __version__
        expected = f"{__version__} (not installed)"
    proc = _shotstyle("--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"shotstyle {expected}\n", "")


def test_setup_cfg_declares_the_command_and_keeps_shotstyle_batch():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    scripts = dict(line.split(" = ") for line in
                   cfg["options.entry_points"]["console_scripts"].strip().splitlines())
    assert scripts == {"shotstyle": "tasks.cli:main", "shotstyle-batch": "tasks.batch:main"}


def test_a_delegated_command_with_an_unknown_option_says_so(project):
    proc = _shotstyle("status", "--bogus")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("usage: shotstyle [-h] [--version] COMMAND ...\n"
                           "shotstyle: error: unrecognized arguments: --bogus\n")


def test_a_delegated_command_s_user_error_is_one_line(project):
    proc = _shotstyle("rerun", "nope", "--stage", "styled")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"shotstyle: error: {project.configs / 'shots' / 'nope.yaml'}: "
                           f"no config for shot 'nope'\n")


def test_status_is_python_m_pipeline_s(project):
    ours = _shotstyle("status")
    theirs = subprocess.run([sys.executable, "-m", "pipeline", "status"], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert (ours.returncode, ours.stdout, ours.stderr) == \
        (theirs.returncode, theirs.stdout, theirs.stderr)
    assert ours.stderr == f"shotstyle: error: no shots in {project.configs / 'shots'}\n"


# ---------------------------------------------------------------- the display

def _said(display_cls, events):
    read_fd, write_fd = os.pipe()
    display = display_cls(write_fd)
    for i, msg in enumerate(events):
        display.event(msg, 100.0 + i)
    display.close()
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as out:
        return out.read().decode()


def _msg(event, stage="styled", first=1001, last=1012, **extra):
    return {"event": event, "id": f"{stage}-{first}", "shot": "s01", "style": None,
            "stage": stage, "first": first, "last": last, **extra}


FAILED = dict(error="disk full writing /w/x.png", user_error=True, condition="disk full: /w",
              log="/w/logs/styled.log")


def test_plain_lines_say_start_and_finish_once_each():
    text = _said(PlainDisplay, [
        _msg("start"), *[_msg("progress", done=d, total=12, message="stylising") for d in
                         range(1, 13)], _msg("done"),
        _msg("start", "encode", None, None), _msg("waiting", "encode", None, None)])
    lines = [line[10:] for line in text.splitlines()]  # after the HH:MM:SS time
    assert lines == ["s01  styled 1001-1012  started",
                     "s01  styled 1001-1012  done in 13 s (12 frames)",
                     "s01  encode  started", "s01  encode  waits for its chunks"]
    assert "\r" not in text and "\x1b" not in text


def test_a_failure_is_one_error_line_per_condition():
    text = _said(PlainDisplay, [_msg("start"), _msg("failed", **FAILED),
                                _msg("start", first=1013, last=1024),
                                _msg("failed", first=1013, last=1024, **FAILED)])
    assert text.count("shotstyle: error: disk full writing /w/x.png\n") == 1
    assert [line[10:] for line in text.splitlines() if "FAILED" in line] == [
        "s01  styled 1001-1012  FAILED in 1.0 s", "s01  styled 1013-1024  FAILED in 1.0 s"]


def test_an_unexpected_error_names_the_stage_and_its_log():
    text = _said(PlainDisplay, [_msg("start"), _msg(
        "failed", error="ValueError: boom", user_error=False, condition="ValueError: boom",
        log="/w/s01/logs/styled.1001-1012.log")])
    assert ("shotstyle: error: s01 styled 1001-1012 failed: ValueError: boom (traceback in "
            "/w/s01/logs/styled.1001-1012.log)\n") in text


def test_the_terminal_shows_a_progress_line_redrawn_in_place():
    read_fd, write_fd = os.pipe()
    display = TtyDisplay(write_fd)
    display.event(_msg("start"), 100.0)
    display.event(_msg("progress", done=1, total=12, message="stylising"), 101.0)
    display.event(_msg("progress", done=8, total=12, message="stylising"), 102.0)
    display.tick(102.0)
    display.event(_msg("start", "flow", 1001, 1012), 102.0)
    display.tick(102.5)
    display.event(_msg("done"), 103.0)
    display.event(_msg("done", "flow", 1001, 1012), 103.0)
    display.close()
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as out:
        text = out.read().decode()
    assert "s01  styled 1001-1012  [########....]  8/12  7.0 frames/s  0:01 left" in text
    # two stages: two lines, both cleared at the end (nothing failed: nothing is left)
    assert "s01  styled 1001-1012  [########....]  8/12  4.7 frames/s  0:01 left\n" \
           "s01  flow 1001-1012  starting  0:01" in text
    assert text.endswith("\r\x1b[1A\x1b[J")


class _Stage(luigi.Task):
    """A stand-in task with a stage's attributes (events are what is tested)."""
    shot = luigi.Parameter()
    stage_name = "styled"


def _stage_process(shot: str) -> None:
    task = _Stage(shot=shot)
    task.trigger_event(luigi.Event.START, task)
    for done in (1, 2, 3):
        task.trigger_event(luigi.Event.PROGRESS, task, done, 3, "stylising")
    task.trigger_event(luigi.Event.SUCCESS, task)
    os._exit(0)  # as a forked Luigi task process ends, without this process's clean-up


def test_events_from_forked_task_processes_reach_the_display():
    class Recorder(PlainDisplay):
        seen: list = []

        def event(self, msg, now):
            self.seen.append((msg["shot"], msg["event"], msg.get("done")))

    fork = multiprocessing.get_context("fork")
    with listening(Recorder()) as display:
        children = [fork.Process(target=_stage_process, args=(f"s0{i}",)) for i in (1, 2, 3)]
        for child in children:
            child.start()
        for child in children:
            child.join(30)
        time.sleep(0.5)
    for shot in ("s01", "s02", "s03"):
        assert [e for e in display.seen if e[0] == shot] == [
            (shot, "start", None), (shot, "progress", 1), (shot, "progress", 2),
            (shot, "progress", 3), (shot, "done", None)]
    assert progress._write_fd is None


def test_an_option_luigi_does_not_take_is_one_line(project):
    project.add_shot("s01", project.root / "s01.mov")  # not read: nothing runs
    proc = _shotstyle("render", "s01", "--local-scheduler", "--no-lock", "--bogus")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == "shotstyle: error: Luigi: unrecognized arguments: --bogus\n"


# ---------------------------------------------------------------- what the command refuses

def test_render_into_a_work_root_that_is_a_file_is_one_line_before_luigi_runs(project, tmp_path):
    project.add_shot("s01", tmp_path / "s01.mov")
    (tmp_path / "afile").write_text("x")
    proc = _shotstyle("render", "s01", "--local-scheduler",
                      env={**project.env(), "SHOTSTYLE_WORK_ROOT": str(tmp_path / "afile")})
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"shotstyle: error: work root {tmp_path / 'afile'} (set by "
                           f"$SHOTSTYLE_WORK_ROOT) is a file, not a folder: move it aside, or "
                           f"set $SHOTSTYLE_WORK_ROOT to a folder\n")


def test_render_refuses_a_shot_config_that_is_a_folder_and_roots_in_one_folder(project,
                                                                               tmp_path):
    (project.configs / "shots" / "s02.yaml").mkdir()
    proc = _shotstyle("render", "s02", env=project.env())
    assert (proc.returncode, proc.stdout) == (2, "")
    config = project.configs / "shots" / "s02.yaml"
    assert proc.stderr == f"shotstyle: error: shot 's02': {config} is a folder, not a shot config\n"
    project.add_shot("s01", tmp_path / "s01.mov")
    proc = _shotstyle("render", "s01", env={**project.env(), "SHOTSTYLE_WORK_ROOT": str(
        project.renders)})
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"shotstyle: error: the work root and the render root are one folder, "
                           f"{project.renders}: set render_root (or $SHOTSTYLE_RENDER_ROOT) to "
                           f"another folder, e.g. {project.renders / 'renders'}\n")


def test_render_from_a_folder_without_configs_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SHOTSTYLE_CONFIG_DIR"}
    proc = _shotstyle("render", "s01", env=env, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (f"shotstyle: error: the config folder {tmp_path / 'configs'} does "
                           f"not exist: run shotstyle in the project's folder (./configs) or "
                           f"set $SHOTSTYLE_CONFIG_DIR\n")


def test_an_unknown_command_is_argparse_s_usage_and_one_line():
    proc = _shotstyle("rendr", "s01")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [
        "usage: shotstyle [-h] [--version] COMMAND ...",
        "shotstyle: error: argument COMMAND: invalid choice: 'rendr' (choose from 'render', "
        "'batch', 'status', 'rerun', 'metrics', 'keyframe', 'shots-from-edit', 'submit')"]


def test_ctrl_c_during_a_render_stops_it_with_one_line_and_exit_130(project, tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it, FFmpeg
    included) while the probe runs: Luigi swallows a KeyboardInterrupt raised in
    its event callbacks and FFmpeg fails its stage, yet the render stops there,
    with the one line, no error line and no failure record."""
    project.add_shot("s01", make_clip(tmp_path / "s01.mov", 32, 24, frames=3, audio=False))
    proc = subprocess.Popen([sys.executable, "-m", "tasks.cli", "render", "s01",
                             "--local-scheduler", "--no-lock"], cwd=project.root,
                            env=project.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    said = []
    for line in proc.stderr:
        said.append(line)
        if line.endswith("  s01  probe  started\n"):
            os.killpg(proc.pid, signal.SIGINT)
            break
    out, rest = proc.communicate(timeout=60)
    assert (proc.returncode, out) == (130, "")
    lines = ("".join(said) + rest).splitlines()
    assert [ln for ln in lines if not re.match(r"\d\d:\d\d:\d\d  s01  \w+  started$", ln)] == [
        "shotstyle: interrupted: finished stages are kept; run it again to go on"], lines
    assert not (project.work / "s01" / "logs" / "probe.failed.json").exists()
    assert not (project.renders / "s01").exists()
