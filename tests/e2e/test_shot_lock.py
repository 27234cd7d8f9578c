"""One render per shot: the same shot started twice at once with different flags
(one is refused with one line naming the holder, the other completes), other
shots going on meanwhile, and a killed render's lock taken over."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from helpers import LUIGI_SUMMARY, ffprobe_video, lines_to_read, make_clip

pytestmark = pytest.mark.slow

def _wait_for(path, timeout=120):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _start(project, shot, *args):
    return subprocess.Popen(project.luigi_cmd("RenderShot", "--shot", shot, *args),
                            cwd=project.root, env=project.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_second_render_of_a_shot_is_refused_while_other_shots_go_on(project, tmp_path):
    clip = make_clip(tmp_path / "l.mov", 64, 36, frames=24, fps="25")
    project.add_shot("l01", clip)
    project.add_shot("l02", clip)
    first = _start(project, "l01")
    _wait_for(project.work / "l01" / "render.lock")
    pid = first.pid
    second = project.render("l01", "--workers", "2", check=False)
    other = project.render("l02")  # another shot renders meanwhile
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-3000:]
    assert other.returncode == 0

    assert second.returncode == 30, second.stderr[-3000:]
    assert second.stdout == ""
    lines = lines_to_read(second.stderr.split(LUIGI_SUMMARY)[0])
    assert len(lines) == 1, second.stderr[-3000:]
    assert lines[0].startswith("shotstyle: error: l01: another render holds this shot: "
                               "'luigi --module tasks RenderShot --shot l01 --local-scheduler "
                               f"--no-lock' on {os.uname().nodename} (pid {pid}) since "), lines
    assert lines[0].endswith("; wait for it to finish, or stop it, then re-run (the lock is "
                             f"{project.work / 'l01' / 'render.lock'})"), lines
    # the refused render wrote nothing into the shot: each stage was done once, and
    # its log has no error (a task with dynamic dependencies logs "start" again
    # when Luigi resumes it)
    for log in (project.work / "l01" / "logs").glob("*.log"):
        text = log.read_text()
        assert text.count("l01: done ") == 1 and " ERROR " not in text, (log, text)
    assert ffprobe_video(project.renders / "l01" / "l01_styled.mov")["frames"] == 24
    assert not (project.work / "l01" / "render.lock").exists()  # released at the end


def test_a_killed_render_s_lock_is_taken_over(project, tmp_path):
    clip = make_clip(tmp_path / "k.mov", 64, 36, frames=24, fps="25")
    project.add_shot("k01", clip)
    first = _start(project, "k01")
    _wait_for(project.work / "k01" / "render.lock")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert (project.work / "k01" / "render.lock").exists()  # nobody released it
    again = project.render("k01", "--workers", "2")
    assert again.returncode == 0
    assert ffprobe_video(project.renders / "k01" / "k01_styled.mov")["frames"] == 24
