"""`shotstyle render` and `shotstyle batch` end to end: Luigi in the command's
process, real ffmpeg, tiny frames; piped (plain lines), under a pseudo-terminal
(a progress line redrawn in place), a bad shot, a failing stage."""
from __future__ import annotations

import errno
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from helpers import ffprobe_video, make_clip, tiny_checkpoint

pytestmark = pytest.mark.slow

CLOCK = r"\d\d:\d\d:\d\d"
PLAIN_LINE = re.compile(rf"^{CLOCK}  s01  (probe|plates|encode|metrics|report|"
                        r"(styled|flow|final) \d{4}-\d{4})  "
                        r"(started|done in \d+(\.\d)? s( \(\d+ (frames|steps)\))?"
                        r"|waits for its chunks)$")


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tasks.cli", *args, "--local-scheduler", "--no-lock"]


def _run(project, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(_cmd(*args), cwd=project.root, env=project.env(**(env or {})),
                          capture_output=True, text=True, timeout=300)


def _shot(project, tmp_path, shot="s01", frames=12, size=(64, 36)):
    project.add_shot(shot, make_clip(tmp_path / f"{shot}.mov", *size, frames=frames,
                                     audio=False))


def _transcript(stdout: str):
    found = re.findall(r"^  Luigi's lines: (\S+)$", stdout, flags=re.M)
    assert len(found) == 1, stdout
    return Path(found[0])


def test_render_piped_plain_lines_summary_and_deliverables(project, tmp_path):
    _shot(project, tmp_path)
    proc = _run(project, "render", "s01")
    assert proc.returncode == 0, proc.stderr

    # stderr: a line per stage start and finish, nothing else, no redraws
    lines = proc.stderr.splitlines()
    assert [line for line in lines if not PLAIN_LINE.match(line)] == []
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr
    # 5 stages and 3 x 3 chunks; encode and metrics wait for their chunks and start again
    assert sum(" done in " in line for line in lines) == 14
    assert sum(line.endswith("  started") for line in lines) == 16
    assert sum(line.endswith("  waits for its chunks") for line in lines) == 2
    assert lines[-1].endswith("s01  report  done in " + lines[-1].split("done in ")[1])

    # stdout: the summary, and where Luigi's lines went
    out = project.renders / "s01"
    transcript = _transcript(proc.stdout)
    assert re.fullmatch(
        rf"shotstyle: 1 shot in \S+ s, exit 0\n"
        rf"  s01  complete \(14 stages ran\)\n"
        rf"      {re.escape(str(out / 'v001'))}/: frames/, metrics.json, publish.json, report/, "
        rf"report.html, report.json, s01_v001.mov, s01_v001.mp4, s01_v001_thumb.jpg\n"
        rf"  Luigi's lines: {re.escape(str(project.work / '_logs'))}/shotstyle-render-\S+\.log\n",
        proc.stdout), proc.stdout
    luigi_lines = transcript.read_text().splitlines()
    assert "===== Luigi Execution Summary =====" in luigi_lines
    assert len(lines) + len(proc.stdout.splitlines()) < len(luigi_lines) / 4

    for name in ("s01_styled.mov", "s01_styled.mp4"):
        assert ffprobe_video(out / name)["frames"] == 12
    assert len(list((out / "frames").glob("*.png"))) == 12

    # again: nothing to do, nothing said on stderr
    again = _run(project, "render", "s01")
    assert (again.returncode, again.stderr) == (0, "")
    assert "  s01  complete (nothing to do)\n" in again.stdout


def test_render_an_unknown_shot_is_one_line(project, tmp_path):
    _shot(project, tmp_path, "s01", frames=2)
    proc = _run(project, "render", "s1")
    assert (proc.returncode, proc.stdout) == (2, "")
    config = project.configs / "shots" / "s1.yaml"
    assert proc.stderr == f"shotstyle: error: no shot 's1': {config} does not exist (shots: s01)\n"
    assert not project.work.exists()


def test_render_a_failing_stage_exits_30_with_its_one_error_line(project, tmp_path):
    project.add_shot("bad", make_clip(tmp_path / "bad.mov", 32, 18, frames=2, audio=False),
                     style="nostyle")
    proc = _run(project, "render", "bad")
    assert proc.returncode == 30
    error = (f"{project.configs / 'styles' / 'nostyle.yaml'}: unknown style 'nostyle' "
             f"(known styles: tiny)")
    stderr = re.sub(rf"^{CLOCK}  ", "HH:MM:SS  ", proc.stderr, flags=re.M)
    assert re.sub(r"FAILED in \d+\.\d s", "FAILED in T", stderr) == (
        "HH:MM:SS  bad  probe  started\n"
        f"shotstyle: error: {error}\n"
        "HH:MM:SS  bad  probe  FAILED in T\n")
    transcript = _transcript(proc.stdout)
    assert re.sub(r"in \S+ s, exit", "in T, exit", proc.stdout) == (
        "shotstyle: 1 shot in T, exit 30\n"
        f"  bad  failed (0 stages ran): {error}\n"
        f"  Luigi's lines: {transcript}\n")
    assert "This progress looks :( because there were failed tasks" in transcript.read_text()


def _run_in_pty(cmd, cwd, env, timeout=300) -> tuple[int, str]:
    """``cmd`` with a pseudo-terminal as stdin, stdout and stderr: its exit code
    and everything it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError as exc:  # EIO: the command ended and closed the terminal
            if exc.errno != errno.EIO:
                raise
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")


def test_render_on_a_terminal_draws_a_progress_line_and_the_summary(project, tmp_path):
    # The line is redrawn every 0.1-0.25 s: a chunk's bar shows only while a chunk is
    # between its first frame and its last. Chunks of 8 frames of 480x270 through a
    # bigger net take some 0.3 s of frames each on an idle 2-core machine (4 frames
    # of 64x36 took 20 ms there, and often no bar was drawn at all).
    tiny_checkpoint(project.root / "styles" / "tiny.pt", base_channels=16, levels=4)
    pipeline_yaml = project.configs / "pipeline.yaml"
    pipeline_yaml.write_text(yaml.safe_dump({**yaml.safe_load(pipeline_yaml.read_text()),
                                             "chunk_size": 8}))
    _shot(project, tmp_path, frames=24, size=(480, 270))
    env = project.env()
    env.pop("CI", None)
    env["TERM"] = "xterm"
    code, text = _run_in_pty(_cmd("render", "s01"), project.root, env)
    assert code == 0, text
    # a chunk's bar (which chunk shows one depends on timing: two tasks run at once)
    assert re.search(r"s01  (flow|styled|final) 1\d{3}-1\d{3}  \[[#.]{12}\]  \d/8", text), text
    assert "\r\x1b[J" in text  # redrawn in place
    assert not re.search(rf"^{CLOCK}  s01", text, flags=re.M)  # no plain lines
    assert "INFO:" not in text and "Luigi Execution Summary" not in text
    summary = text[text.index("shotstyle: 1 shot in"):].replace("\r\n", "\n")
    assert re.match(r"shotstyle: 1 shot in \S+ s, exit 0\n  s01  complete \(14 stages ran\)\n",
                    summary), summary


def test_batch_with_two_workers_renders_the_good_shot_and_exits_30(project, tmp_path):
    _shot(project, tmp_path, "s01", frames=6)
    project.add_shot("bad", tmp_path / "missing.mov")
    proc = _run(project, "batch", "--workers", "2", "--rounds", "1")
    assert proc.returncode == 30, proc.stderr
    missing = tmp_path / "missing.mov"
    assert proc.stderr.count(f"shotstyle: error: {missing}: source not found\n") == 1
    assert f"\nshotstyle: error: batch incomplete: 1 of 2 shots not complete: bad (failed: " \
           f"probe: MediaError: {missing}: source not found)\n" in proc.stderr
    assert re.search(rf"^{CLOCK}  s01  report  done in ", proc.stderr, flags=re.M)
    assert re.search(r"^  bad  failed \(0 stages ran\): probe: ", proc.stdout, flags=re.M)
    assert "  s01  complete (11 stages ran)\n" in proc.stdout, proc.stdout  # 5 + 3 x 2 chunks
    assert ffprobe_video(project.renders / "s01" / "s01_styled.mov")["frames"] == 6


def test_batch_against_luigid_with_two_workers(project, tmp_path):
    from scheduler import Luigid
    _shot(project, tmp_path, "s01", frames=6)
    _shot(project, tmp_path, "s02", frames=5)
    server = Luigid(tmp_path / "luigid").start()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tasks.cli", "batch", "--scheduler-host", "127.0.0.1",
             "--scheduler-port", str(server.port), "--workers", "2", "--round-wait", "1"],
            cwd=project.root, env=project.env(LUIGI_CONFIG_PATH=str(server.config)),
            capture_output=True, text=True, timeout=300)
        done = server.tasks("DONE")
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[-1] == "shotstyle: INFO: batch complete: 2 of 2 shots"
    assert "  s01  complete (11 stages ran)\n  " in proc.stdout
    assert "  s02  complete (11 stages ran)\n  " in proc.stdout
    assert sorted(t.split("_")[1] for t in done if t.startswith("ShotReport_")) == ["s01", "s02"]
    for shot in ("s01", "s02"):
        assert (project.renders / shot / f"{shot}_styled.mov").is_file()


@pytest.mark.parametrize("command", [("render", "bad"), ("batch", "--rounds", "1")])
def test_a_failed_shot_exits_30_also_where_no_luigi_cfg_is_found(project, tmp_path, command):
    # Luigi's own [retcode] defaults are 0: the luigi command would exit 0 here
    project.add_shot("bad", tmp_path / "missing.mov")
    empty = tmp_path / "empty.cfg"
    empty.write_text("")
    proc = _run(project, *command, env={"LUIGI_CONFIG_PATH": str(empty)})
    assert proc.returncode == 30, proc.stderr
    assert f"shotstyle: error: {tmp_path / 'missing.mov'}: source not found\n" in proc.stderr
