"""NightlyBatch on a real luigid (127.0.0.1, free port) with real worker processes:
three tiny shots and two workers, a worker SIGKILLed mid-stage, a scheduler
restarted mid-batch, `rerun` of one stage, `status`."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from helpers import ffprobe_video, make_clip, read_frames, write_pngs
from scheduler import Luigid

pytestmark = pytest.mark.slow

STAGE_FILES = ("probe/manifest.json", "plates/manifest.json", "encode/manifest.json",
               "metrics/manifest.json", "report/manifest.json")


@pytest.fixture
def luigid(tmp_path):
    server = Luigid(tmp_path / "luigid").start()
    yield server
    server.stop()


def _env(project, luigid):
    env = project.env(LUIGI_CONFIG_PATH=str(luigid.config))
    return env


def _shots(project, tmp_path):
    movie = make_clip(tmp_path / "b01.mov", 64, 36, frames=10, fps="25")
    write_pngs(tmp_path / "seq", 40, 30, 6, name="b02", start=1)
    odd = make_clip(tmp_path / "b03.mov", 65, 37, frames=7, fps="24", audio=False,
                    vcodec="prores_ks", pix_fmt="yuv422p10le")
    project.add_shot("b01", movie)
    project.add_shot("b02", tmp_path / "seq" / "b02.####.png", fps="25")
    project.add_shot("b03", odd)
    return {"b01": 10, "b02": 6, "b03": 7}


def _manifests(project):
    return {p.relative_to(project.work).as_posix(): p.stat().st_mtime_ns
            for p in project.work.rglob("*.json") if "/logs/" not in p.as_posix()}


def _check_rendered(project, shot, frames):
    out = project.renders / shot
    assert len(list((out / "frames").glob("*.png"))) == frames
    for movie in (f"{shot}_styled.mov", f"{shot}_styled.mp4"):
        assert ffprobe_video(out / movie)["frames"] == frames
    for name in ("metrics.json", "report.json", "report.html"):
        assert (out / name).is_file(), name
    # every stage's work was done once: one "done" per stage log (a task with
    # dynamic dependencies logs "start" again when Luigi resumes it)
    for log in (project.work / shot / "logs").glob("*.log"):
        done = [ln for ln in log.read_text().splitlines() if f"{shot}: done " in ln]
        assert len(done) == 1, (log, done)


def test_nightly_batch_two_workers_then_rerun_one_stage(project, tmp_path, luigid):
    shots = _shots(project, tmp_path)
    env = _env(project, luigid)
    # Two worker processes (two "hosts") with two workers each, same batch.
    # (--no-lock: two hosts do not share Luigi's per-machine process lock)
    procs = [subprocess.Popen(luigid.batch_cmd("--no-lock", workers=2, keep_alive=True),
                              cwd=project.root,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    # Luigi alone exits 10 or 25 on a host whose last tasks the other host ran; the
    # batch command looks at the shots: both hosts exit 0, the work is done.
    assert [p.returncode for p in procs] == [0, 0], "\n".join(
        f"rc={p.returncode}\n" + o[-4000:] for p, o in zip(procs, outs))
    for out in outs:
        assert "shotstyle: INFO: batch complete: 3 of 3 shots" in out.splitlines(), out[-3000:]
    for shot, frames in shots.items():
        _check_rendered(project, shot, frames)

    # the web UI's view: every stage task reached 100 %, chunked ones said how far
    done = luigid.tasks("DONE")
    stages = {tid: t for tid, t in done.items()
              if not tid.startswith(("NightlyBatch", "RenderShot"))}
    assert len(stages) >= 3 * 8, sorted(done)
    assert all(t["progress_percentage"] == 100 for t in stages.values()), stages
    for tid, t in stages.items():
        if tid.startswith(("StylizeChunk", "FlowChunk", "SmoothChunk")):
            assert re.search(r"\d+-\d+: (\d+)/\1$", t["status_message"] or ""), (tid, t)

    status = subprocess.run([sys.executable, "-m", "pipeline", "status"], cwd=project.root,
                            env=env, capture_output=True, text=True)
    assert status.returncode == 0, status.stdout + status.stderr
    stage_rows = [ln for ln in status.stdout.splitlines()  # not the versions listed after them
                  if ln.startswith("  ") and not ln.startswith("   ") and ln != "  versions:"]
    assert [ln.split()[1] for ln in stage_rows] == ["done"] * (3 * 8), status.stdout
    assert status.stdout.count("    v001  ") == 3, status.stdout

    # rerun one chunk of one stage: only it and what follows it run again.
    before = _manifests(project)
    frames_before = read_frames(project.work / "b02" / "final")
    cli = subprocess.run([sys.executable, "-m", "pipeline", "rerun", "b02", "--stage",
                          "stylize", "--frames", "1001-1003"], cwd=project.root, env=env,
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert "removed styled 1001-1004, final 1001-1004, final 1005-1006, encode, metrics, " \
           "report" in cli.stdout
    status = subprocess.run([sys.executable, "-m", "pipeline", "status", "b02"],
                            cwd=project.root, env=env, capture_output=True, text=True)
    assert "styled   missing  1/2 chunks done" in status.stdout, status.stdout
    proc = subprocess.run(luigid.worker_cmd("NightlyBatch", "--shots", "b01,b02,b03"),
                          cwd=project.root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = _manifests(project)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"b02/styled/chunks/1001-1004.json", "b02/final/chunks/1001-1004.json",
                       "b02/final/chunks/1005-1006.json", "b02/encode/manifest.json",
                       "b02/metrics/manifest.json", "b02/metrics/metrics.json",
                       "b02/report/manifest.json"}, changed
    for name, frame in read_frames(project.work / "b02" / "final").items():
        assert np.array_equal(frame, frames_before[name]), name


def _wait_for_log(folder, prefix, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for log in folder.glob(f"{prefix}*.log") if folder.is_dir() else []:
            if ": start " in log.read_text():
                return log
        time.sleep(0.05)
    raise AssertionError(f"no {prefix} stage started in {folder}")


def test_killed_worker_and_restarted_scheduler(project, tmp_path, luigid):
    clip = make_clip(tmp_path / "k.mov", 64, 36, frames=12, fps="25")
    for shot in ("r01", "r02", "r03"):
        project.add_shot(shot, clip)
    env = _env(project, luigid)
    # reference: an undisturbed render
    ref = subprocess.run(luigid.worker_cmd("NightlyBatch", "--shots", "r01"), cwd=project.root,
                         env=env, capture_output=True, text=True, timeout=600)
    assert ref.returncode == 0, ref.stderr[-3000:]

    # SIGKILL a worker while it stylises
    worker = subprocess.Popen(luigid.worker_cmd("NightlyBatch", "--shots", "r02"),
                              cwd=project.root, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_for_log(project.work / "r02" / "logs", "styled.")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    # The scheduler hands the dead worker's task to another worker once it has
    # missed worker_disconnect_delay (2 s here, 60 s by default) plus retry_delay.
    again = subprocess.run(luigid.worker_cmd("NightlyBatch", "--shots", "r02", keep_alive=True),
                           cwd=project.root, env=env, capture_output=True, text=True,
                           timeout=600)
    # 10 = already_running: the killed worker's task was still held when this
    # worker started; it then ran it once the scheduler released it.
    assert again.returncode in (0, 10), again.stderr[-3000:]
    assert "failed" not in again.stderr.split("===== Luigi Execution Summary")[-1]
    status = subprocess.run([sys.executable, "-m", "pipeline", "status", "r02"],
                            cwd=project.root, env=env, capture_output=True, text=True)
    assert status.returncode == 0 and "missing" not in status.stdout, status.stdout

    # restart the scheduler while a worker renders r03
    worker = subprocess.Popen(luigid.worker_cmd("NightlyBatch", "--shots", "r03"),
                              cwd=project.root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    _wait_for_log(project.work / "r03" / "logs", "styled.")
    luigid.restart()
    out = worker.communicate(timeout=600)[0]
    assert worker.returncode == 0, out[-3000:]

    reference = {k.split(".", 1)[1]: v for k, v in read_frames(project.work / "r01" / "final").items()}
    for shot in ("r02", "r03"):
        final = {k.split(".", 1)[1]: v for k, v in read_frames(project.work / shot / "final").items()}
        assert final.keys() == reference.keys()
        for name in reference:
            assert np.array_equal(final[name], reference[name]), (shot, name)
        assert ffprobe_video(project.renders / shot / f"{shot}_styled.mov")["frames"] == 12
        summary = json.loads((project.renders / shot / "metrics.json").read_text())["summary"]
        assert summary["frames"] == 12


def _batch_lines(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if "batch " in ln and ln.startswith("shotstyle: ")]


def test_batch_finishes_the_night_after_luigid_is_killed_and_restarted(project, tmp_path,
                                                                         luigid):
    """luigid SIGKILLed mid-batch (every task it knew is lost) and started again a
    few seconds later: the workers reconnect, the batch runs what was left and
    exits 0 only because every shot is complete."""
    clip = make_clip(tmp_path / "n.mov", 64, 36, frames=10, fps="25")
    for shot in ("n01", "n02", "n03"):
        project.add_shot(shot, clip)
    batch = subprocess.Popen(luigid.batch_cmd(), cwd=project.root, env=_env(project, luigid),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_for_log(project.work / "n01" / "logs", "styled.")
    luigid.kill()
    time.sleep(3)
    luigid.start()
    out = batch.communicate(timeout=600)[0]
    assert batch.returncode == 0, out[-4000:]
    assert _batch_lines(out)[-1] == "shotstyle: INFO: batch complete: 3 of 3 shots", out[-4000:]
    for shot in ("n01", "n02", "n03"):
        _check_rendered(project, shot, 10)


def test_batch_with_its_scheduler_gone_exits_non_zero_naming_the_shots(project, tmp_path,
                                                                         luigid):
    """luigid killed for good: Luigi alone would exit 25 (or 40); the batch
    command says which shots are not complete and exits 35, never 0, 10 or 25."""
    clip = make_clip(tmp_path / "g.mov", 64, 36, frames=10, fps="25")
    for shot in ("g01", "g02"):
        project.add_shot(shot, clip)
    config = luigid.root / "impatient.cfg"  # give up on the scheduler after 2 x 1 s
    config.write_text(luigid.config.read_text().replace("rpc_retry_attempts = 20",
                                                        "rpc_retry_attempts = 2"))
    env = project.env(LUIGI_CONFIG_PATH=str(config))
    batch = subprocess.Popen(luigid.batch_cmd("--rounds", "2"), cwd=project.root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_for_log(project.work / "g01" / "logs", "styled.")
    luigid.kill()
    out = batch.communicate(timeout=600)[0]
    assert batch.returncode == 35, out[-4000:]  # luigi.cfg [retcode] scheduling_error
    # g01 was being stylised when luigid went; the worker may have finished g02 first
    unrun = [s for s in ("g01", "g02") if not (project.renders / s / "report.html").exists()]
    assert "g01" in unrun
    lines = _batch_lines(out)
    assert len(lines) == 2, out[-4000:]
    assert re.fullmatch(rf"shotstyle: WARNING: batch round 1 of 2 ended \(luigi exit \d+\) "
                        rf"with {len(unrun)} shot\(s\) not run: {', '.join(unrun)}; running "
                        rf"them again in 1 s", lines[0]), lines
    assert lines[1] == (f"shotstyle: error: batch incomplete: {len(unrun)} of 2 shots not "
                        f"complete: " + "; ".join(f"{s} (not run)" for s in unrun)), lines


def test_scheduling_never_imports_torch(project, tmp_path):
    """Luigi checks complete() and requires() in the worker's parent process, which
    then forks one process per task (--workers N): torch (and so CUDA) must be
    loaded only by the tasks that run a model, never by the scheduling."""
    _shots(project, tmp_path)
    code = """
import sys
import luigi
import tasks
seen, todo = set(), [tasks.NightlyBatch()]
while todo:
    task = todo.pop()
    if task.task_id in seen:
        continue
    seen.add(task.task_id)
    task.complete()
    todo.extend(luigi.task.flatten(task.requires()))
print(len(seen), 'torch' in sys.modules)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=project.root, env=project.env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split()[-1] == "False", proc.stdout
    assert int(proc.stdout.split()[-2]) > 3 * 5  # every shot's static graph was walked
