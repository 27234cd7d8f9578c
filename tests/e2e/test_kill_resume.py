"""SIGKILL a real render mid-stylise; the re-run completes with identical frames."""
import os
import signal
import subprocess
import time

import numpy as np
import pytest

from helpers import make_clip, read_frames, tiny_checkpoint

pytestmark = pytest.mark.slow


def _wait_for(pred, proc, timeout=120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    return False


def test_kill_mid_stylise_then_rerun_gives_identical_frames(project, tmp_path):
    # Big enough frames and a real-size net so stylising takes a few seconds.
    tiny_checkpoint(project.root / "styles" / "tiny.pt", base_channels=16, levels=4)
    clip = make_clip(tmp_path / "in.mov", 320, 180, frames=24, audio=True)
    project.add_shot("k01", clip)
    chunks = project.work / "k01" / "styled" / "chunks"
    styled = project.work / "k01" / "styled"

    proc = subprocess.Popen(project.luigi_cmd("RenderShot", "--shot", "k01"), cwd=project.root,
                            env=project.env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Kill once one chunk is done and the next one has started writing frames.
        def mid_chunk():
            done = list(chunks.glob("*.json")) if chunks.is_dir() else []
            return len(done) >= 1 and len(list(styled.glob("k01.*.png"))) > 4 * len(done)
        assert _wait_for(mid_chunk, proc), "render finished or failed before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    done_before = {p.name: p.stat().st_mtime_ns for p in chunks.glob("*.json")}
    assert 1 <= len(done_before) < 6, "the kill must land mid-stylise"
    assert not (project.renders / "k01" / "k01_styled.mov").exists()

    project.render("k01")
    # Chunks finished before the kill were not redone.
    for name, mtime in done_before.items():
        assert (chunks / name).stat().st_mtime_ns == mtime

    # Same frames as an uninterrupted render of the same shot.
    ref = tmp_path / "ref"
    env_ref = {"SHOTSTYLE_WORK_ROOT": str(ref / "work"), "SHOTSTYLE_RENDER_ROOT": str(ref / "renders")}
    subprocess.run(project.luigi_cmd("RenderShot", "--shot", "k01"), cwd=project.root,
                   env=project.env(**env_ref), check=True, capture_output=True)
    got = read_frames(project.renders / "k01" / "frames")
    want = read_frames(ref / "renders" / "k01" / "frames")
    assert len(got) == 24 and got.keys() == want.keys()
    for name in want:
        assert np.array_equal(got[name], want[name]), name
