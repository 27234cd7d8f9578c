"""pipeline.cli (`python -m pipeline ...`), run in-process on tiny real shots:
status, keyframe, metrics, shots-from-edit and submit, each a user error in one
line (exit 2)."""
from __future__ import annotations

import getpass
import os

import cv2
import numpy as np
import pytest

from helpers import REPO, make_clip
from pipeline.cli import main
from pipeline.workarea import lock
from pipeline.workarea.plan import ShotPlan


@pytest.fixture
def shot(project, tmp_path):
    project.add_shot("k01", make_clip(tmp_path / "k01.mov", 32, 24, frames=5, audio=False,
                                      pix_fmt="yuv444p", extra=("-qp", "0")))
    return "k01"


def test_status_without_shots_is_one_line(project, capsys):
    assert main(["status"]) == 2
    assert capsys.readouterr().err == \
        f"shotstyle: error: no shots in {project.configs / 'shots'}\n"


def test_status_lists_every_stage_and_a_broken_config(shot, project, capsys):
    (project.configs / "shots" / "bad.yaml").write_text("source: [unclosed\n")
    assert main(["status"]) == 1  # a shot is in error
    out = capsys.readouterr().out
    blocks = out.split("\nk01\n")
    assert blocks[0].startswith("bad\n  config   error    ")
    rows = blocks[1].splitlines()
    assert rows[0].split()[:2] == ["probe", "missing"] and rows[1].split()[:2] == ["plates", "missing"]
    assert all(row.split()[1] == "missing" for row in rows)
    assert main(["status", shot]) == 0


def test_status_names_a_render_that_holds_the_shot(shot, capsys):
    plan = ShotPlan.load(shot)
    holder = lock.local_session("luigi --module tasks RenderShot --shot k01", os.getpid())
    lock.take(plan.paths.root, holder, shot)
    assert main(["status", shot]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"rendering now: {holder.describe()}")


def test_keyframe_decodes_the_plates_first_and_writes_the_plate(shot, project, tmp_path, capsys):
    out = tmp_path / "paint" / "k01.1003.png"
    assert main(["keyframe", shot, "1003", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "k01: decoding the plates first\n"
    assert captured.out.splitlines()[0] == str(out)
    assert "frame 1003 of k01, display-referred (as the source shows it)" in captured.out
    src = cv2.imread(str(tmp_path / ".k01_src" / "src.0003.png"))
    assert np.abs(cv2.imread(str(out)).astype(int) - src).mean() < 1.5  # the third frame
    default = project.renders / shot / "keyframes" / "k01.1001.png"
    assert main(["keyframe", shot, "1001"]) == 0 and default.is_file()
    assert "decoding" not in capsys.readouterr().err  # the plates are current now


def test_a_keyframe_outside_the_shot_is_one_line(shot, capsys):
    assert main(["keyframe", shot, "1006"]) == 2
    assert capsys.readouterr().err.endswith(
        "shotstyle: error: k01: frame 1006 is outside the shot (1001-1005)\n")


def test_metrics_not_yet_computed_say_how_to_compute_them(shot, capsys):
    assert main(["metrics", shot]) == 2
    err = capsys.readouterr().err
    assert err.startswith("shotstyle: error: k01: metrics are not current (metrics: ")
    assert err.endswith("compute them with: luigi --module tasks ShotMetrics --shot k01 "
                        "--local-scheduler\n")


def test_shots_from_edit_warns_of_each_missing_clip(project, tmp_path, capsys):
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: cut\nFCM: NON-DROP FRAME\n\n"
                   "001  AX       V     C        01:00:00:00 01:00:00:04 00:00:00:00 00:00:00:04\n"
                   "* FROM CLIP NAME: gone.mov\n")
    assert main(["shots-from-edit", str(edl), "--style", "tiny", "--rate", "23.976"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"shotstyle: warning: {edl}: clip 1 (gone.mov): media not found")
    with pytest.raises(SystemExit):
        main(["shots-from-edit", str(edl)])  # --style is required: argparse's exit


def test_submit_writes_the_job_and_says_how_to_check_it(shot, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("LUIGI_CONFIG_PATH", raising=False)
    job = tmp_path / "job.yaml"
    assert main(["submit", "openjd", shot, "--output", str(job), "--name", "n"]) == 0
    assert job.is_file()
    assert capsys.readouterr().out.startswith(f"wrote {job}: check it with `openjd check {job}`")


def test_submit_bundle_writes_it_and_says_how_to_check_run_and_submit_it(shot, project, tmp_path,
                                                                       capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("LUIGI_CONFIG_PATH", raising=False)
    folder = tmp_path / "jobs" / "k01"
    assert main(["submit", "openjd", shot, "--bundle", str(folder), "--python-env",
                 "/opt/ss"]) == 0
    out = capsys.readouterr().out.splitlines()
    values = (folder / "parameter_values.yaml").read_text()
    render_id = values.split("name: RenderId\n  value: ")[1].strip()
    assert out == [
        f"wrote {folder}: template.yaml and parameter_values.yaml",
        f"  check it:     openjd check {folder}/template.yaml",
        f"  run it here:  openjd run {folder}/template.yaml -p PythonEnv=/opt/ss -p "
        f"ConfigDir={project.configs} -p LuigiConfig={REPO}/luigi.cfg -p WorkRoot={project.work} "
        f"-p RenderRoot={project.renders} -p RenderId={render_id}",
        f"  submit it:    deadline bundle submit {folder}"]
    assert main(["submit", "openjd", shot, "--bundle", str(folder)]) == 2
    assert capsys.readouterr() == ("", f"shotstyle: error: --bundle {folder}: holds a job bundle "
                                       f"already; --overwrite replaces it\n")
    assert main(["submit", "openjd", shot, "--bundle", str(folder), "--overwrite"]) == 0


def test_submit_options_of_a_bundle_without_one_are_one_line(shot, tmp_path, capsys):
    job = tmp_path / "job.yaml"
    for extra in (["--python-env", "/opt/ss"], ["--overwrite"]):
        assert main(["submit", "openjd", shot, "--output", str(job), *extra]) == 2
        assert capsys.readouterr().err == (
            "shotstyle: error: --python-env and --overwrite go with --bundle (a single template "
            "file names luigi in its Luigi parameter)\n")
    assert not job.exists()
    with pytest.raises(SystemExit):  # one or the other: argparse's usage error
        main(["submit", "openjd", shot, "--output", str(job), "--bundle", str(tmp_path / "b")])


# ---------------------------------------------------------------- status: what blocks a render

def test_status_says_a_lock_that_cannot_be_read_is_taken_for_a_live_render_s(shot, capsys):
    root = ShotPlan.load(shot).paths.root
    root.mkdir(parents=True)
    lock.lock_path(root).write_text('{"session": "local farm07 1", "since": "yesterday"}')
    assert main(["status", shot]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 10 and out[0] == shot, out  # the shot, its 8 stages, the lock
    assert out[-1].startswith(f"  lock: {lock.lock_path(root)} cannot be read (its 'host' is "
                              f"None); taken for a live render's until "), out


def test_status_says_a_lock_folder_or_a_work_area_file_blocks_every_render(shot, capsys):
    root = ShotPlan.load(shot).paths.root
    lock.lock_path(root).mkdir(parents=True)
    assert main(["status", shot]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"  lock: {lock.lock_path(root)} is a folder, not a lock file: renders of this shot "
        f"are refused until it is removed")
    lock.lock_path(root).rmdir()
    root.rmdir()
    root.write_text("not a folder")
    assert main(["status", shot]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.splitlines()[-1] == (
        f"  work area: {root} is a file, not a folder: move it aside; no stage of this shot "
        f"can run until then")


def test_status_says_a_work_root_that_is_a_file_blocks_the_shot(shot, tmp_path, monkeypatch,
                                                                capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    monkeypatch.setenv("SHOTSTYLE_WORK_ROOT", str(blocker))
    assert main(["status", shot]) == 1
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.splitlines()[-1] == (
        f"  work area: {blocker / shot}: {blocker} is a file, not a folder: move it aside; no "
        f"stage of this shot can run until then")


def test_metrics_of_an_unrendered_shot_or_a_damaged_file_is_one_line(shot, capsys):
    assert main(["metrics", shot, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("shotstyle: error: k01: metrics are not current (metrics: ")


# -------------------------------------------------------- keyframe: where and in what format

def test_keyframe_writes_the_format_its_extension_names_into_the_folder_it_names(shot, tmp_path,
                                                                                capsys):
    tif = tmp_path / "paint" / "k01.1002.tif"
    assert main(["keyframe", shot, "1002", "--out", str(tif)]) == 0
    assert tif.read_bytes()[:4] == b"II*\x00"  # a TIFF, not PNG bytes under a .tif name
    out = capsys.readouterr().out
    assert out.splitlines()[0] == str(tif)
    assert "display-referred (as the source shows it); paint over it" in out
    plate = cv2.imread(str(ShotPlan.load(shot).paths.frame_file("plates", 1002)))
    assert np.array_equal(cv2.imread(str(tif)), plate)  # lossless
    folder = tmp_path / "paint"  # an existing folder: the plate's own name in it
    assert main(["keyframe", shot, "1003", "--out", str(folder)]) == 0
    assert (folder / "k01.1003.png").read_bytes()[:4] == b"\x89PNG"
    new = f"{tmp_path / 'new'}/"  # a folder to make, written as one
    assert main(["keyframe", shot, "1004", "--out", new]) == 0
    assert (tmp_path / "new" / "k01.1004.png").is_file()


@pytest.mark.parametrize("name, why", [
    ("k.jpg", "a keyframe plate is written lossless at the plate's bit depth, and JPEG is "
              "lossy and 8-bit (its artefacts would be painted over and learnt by the style): "
              "name it .png, .tif, .tiff"),
    ("k.exr", "'.exr' is not a format for keyframe plates: name it .png, .tif, .tiff"),
    ("k", "no extension names a format for keyframe plates: name it .png, .tif, .tiff"),
])
def test_keyframe_refuses_a_format_it_would_not_write_before_decoding(shot, project, tmp_path,
                                                                      capsys, name, why):
    out = tmp_path / name
    assert main(["keyframe", shot, "1001", "--out", str(out)]) == 2
    assert capsys.readouterr() == ("", f"shotstyle: error: --out {out}: {why}\n")
    assert not out.exists() and not project.work.exists()  # nothing decoded


def test_submit_output_is_a_file_path_its_folder_made_where_missing(shot, tmp_path, capsys,
                                                                    monkeypatch):
    jobs = tmp_path / "jobs"
    for given, example in ((str(tmp_path), tmp_path / "job.yaml"),  # an existing folder
                           (f"{jobs}/", jobs / "job.yaml")):  # one written as a folder
        assert main(["submit", "openjd", shot, "--output", given]) == 2
        assert capsys.readouterr() == ("", f"shotstyle: error: --output {given}: is a folder; "
                                           f"--output is the job template's file path, e.g. "
                                           f"{example}\n")
    assert not jobs.exists()
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("LUIGI_CONFIG_PATH", raising=False)
    job = tmp_path / "farm" / "jobs" / "k01.yaml"
    assert main(["submit", "openjd", shot, "--output", str(job)]) == 0
    assert job.is_file() and capsys.readouterr().out.startswith(f"wrote {job}: ")


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="no sysfs")
def test_keyframe_into_a_folder_it_cannot_write_is_one_line(shot, capsys):
    """/sys/kernel refuses a new file even to root."""
    assert main(["keyframe", shot, "1001", "--out", "/sys/kernel/k01.1001.png"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "k01: decoding the plates first",
        f"shotstyle: error: /sys/kernel/k01.1001.png: /sys/kernel: permission denied for user "
        f"{getpass.getuser()} (EACCES): give that user write access to it, or choose another "
        f"folder"]


def test_a_missing_source_whose_name_holds_a_newline_is_one_line(project, tmp_path, capsys):
    project.add_shot("nl", tmp_path / "gone\nstyle: x.mov")
    assert main(["keyframe", "nl", "1001"]) == 2
    assert capsys.readouterr() == (
        "", f"nl: decoding the plates first\n"
            f"shotstyle: error: {tmp_path}/gone\\nstyle: x.mov: source not found\n")
