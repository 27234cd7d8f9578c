"""Style training through the real Luigi CLI: TrainStyle before stylising,
resume after SIGKILL."""
import os
import re
import signal
import subprocess
import time

import pytest

from helpers import keyframe_project


@pytest.mark.slow
def test_render_trains_missing_style_first(project, tmp_path):
    ckpt = keyframe_project(project, tmp_path)
    assert not ckpt.exists()
    proc = project.render("t10")
    assert ckpt.is_file()
    assert "TrainStyle(style=learned)" in proc.stderr
    log = project.work / "_styles" / "learned" / "logs" / "train.log"
    assert "training: step 8/8" in log.read_text()
    assert (project.renders / "t10" / "t10_styled.mov").is_file()
    # Present checkpoint: nothing is trained again.
    again = project.render("t10")
    assert "TrainStyle" not in " ".join(ln for ln in again.stderr.splitlines() if "running" in ln)


def _saved(state) -> tuple | None:
    """Which save of the training state is on disk (each is a new file, renamed in)."""
    try:
        st = state.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


@pytest.mark.slow
def test_killed_training_resumes_from_saved_state(project, tmp_path):
    # 6 s of training (wall clock, counted across the resume), the state saved
    # every 0.5 s: killed once a second save is seen (about 1 s in), the rerun
    # resumes from that state and trains the rest.
    ckpt = keyframe_project(project, tmp_path, steps=100000, minutes=0.1, save_every_s=0.5)
    state = project.work / "_styles" / "learned" / "train.state"
    cmd = project.luigi_cmd("TrainStyle", "--style", "learned")
    proc = subprocess.Popen(cmd, cwd=project.root, env=project.env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        end, saves = time.monotonic() + 120, set()
        while len(saves) < 2 and time.monotonic() < end and proc.poll() is None:
            if (save := _saved(state)) is not None:
                saves.add(save)
            time.sleep(0.02)
        assert proc.poll() is None and len(saves) >= 2, "training ended before the kill"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert not ckpt.exists()
    out = subprocess.run(cmd, cwd=project.root, env=project.env(), capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    log = (project.work / "_styles" / "learned" / "logs" / "train.log").read_text()
    m = re.search(r"training: resumed at step (\d+)", log)
    assert m and int(m.group(1)) > 0
    assert ckpt.is_file()
