"""Style training through the real Luigi CLI: TrainStyle before stylising,
resume after SIGKILL, and config validation of the `train` section."""
import os
import re
import signal
import subprocess
import time

import cv2
import numpy as np
import pytest

from helpers import make_clip, write_yaml
from pipeline.config import load_style_config
from pipeline.errors import ConfigError

TINY = {"base_channels": 4, "levels": 2}


def _keyframe_project(project, tmp_path, steps=8, **train):
    clip = make_clip(tmp_path / "in.mov", 64, 48, frames=6, audio=False)
    project.add_shot("t10", clip, style="learned")
    # The 'painting': an inverted copy of plate 1001, made from the source PNG
    # (same pixels as the decoded plate up to codec loss).
    src = cv2.imread(str(tmp_path / ".in_src" / "src.0001.png"))
    keys = tmp_path / "keys"
    keys.mkdir()
    cv2.imwrite(str(keys / "t10.1001.png"), 255 - src)
    write_yaml(project.configs / "styles" / "learned.yaml", {
        "checkpoint": "../../styles/learned.pt",
        "train": {"method": "keyframes", "shot": "t10", "keyframes": {1001: str(keys / "t10.1001.png")},
                  "steps": steps, "patch_size": 32, "batch_size": 4, "generator_kwargs": TINY,
                  **train}})
    return project.root / "styles" / "learned.pt"


@pytest.mark.slow
def test_render_trains_missing_style_first(project, tmp_path):
    ckpt = _keyframe_project(project, tmp_path)
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


@pytest.mark.slow
def test_killed_training_resumes_from_saved_state(project, tmp_path):
    ckpt = _keyframe_project(project, tmp_path, steps=100000, minutes=0.6, save_every_s=0.5)
    state = project.work / "_styles" / "learned" / "train.state"
    cmd = project.luigi_cmd("TrainStyle", "--style", "learned")
    proc = subprocess.Popen(cmd, cwd=project.root, env=project.env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        end = time.monotonic() + 120
        while not state.exists() and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(1.0)  # a few more saves
        assert proc.poll() is None and state.exists(), "training ended before the kill"
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


def test_train_section_is_validated(project, tmp_path):
    base = {"checkpoint": "x.pt", "train": {"method": "keyframes", "shot": "s1"}}
    path = write_yaml(project.configs / "styles" / "v.yaml", base)
    with pytest.raises(ConfigError, match=r"v.yaml: key 'train.keyframes': method 'keyframes' needs"):
        load_style_config("v")
    base["train"]["keyframes"] = {1001: "missing.png"}
    write_yaml(path, base)
    with pytest.raises(ConfigError, match=r"key 'train.keyframes.1001': file not found"):
        load_style_config("v")
    base["train"] = {"method": "unpaired", "shot": "s1"}
    write_yaml(path, base)
    with pytest.raises(ConfigError, match=r"key 'train.style_images': method 'unpaired' needs"):
        load_style_config("v")
    base["train"] = {"method": "keyframes", "shot": "s1", "steps": "many"}
    write_yaml(path, base)
    with pytest.raises(ConfigError, match=r"key 'train.steps': expected an integer, got 'many'"):
        load_style_config("v")
    write_yaml(path, {"checkpoint": "x.pt"})
    with pytest.raises(ConfigError, match="file not found.*no 'train' section"):
        load_style_config("v")


def test_painted_keyframe_must_match_plate_size(project, tmp_path):
    from pipeline.stages import plates, probe, train
    from pipeline.errors import MediaError
    from pipeline.workarea.plan import ShotPlan, StylePlan
    _keyframe_project(project, tmp_path)
    key = next((tmp_path / "keys").iterdir())
    cv2.imwrite(str(key), np.zeros((10, 10, 3), np.uint8))
    plan = ShotPlan.load("t10")
    probe.run(plan)
    plates.run(plan)
    with pytest.raises(MediaError, match=r"painted keyframe is 10x10 but plate 1001 of t10 is 64x48"):
        train.run(StylePlan.load("learned"))


def test_unpaired_training_runs_and_resumes(tmp_path):
    from models.checkpoint import load_generator
    import dataclasses

    from models.train_settings import TrainSettings
    from models.unpaired import train_unpaired
    rng = np.random.RandomState(0)
    content = [rng.randint(0, 255, (40, 50, 3), dtype=np.uint8) for _ in range(2)]
    style = [rng.randint(0, 255, (20, 30, 3), dtype=np.uint8)]  # smaller than a patch: upscaled
    s = TrainSettings(generator_kwargs=TINY, steps=3, patch_size=24, batch_size=2, log_every=1)
    assert train_unpaired(content, style, s, tmp_path / "u.pt", tmp_path / "u.state")["steps"] == 3
    s = dataclasses.replace(s, steps=5)
    assert train_unpaired(content, style, s, tmp_path / "u.pt", tmp_path / "u.state")["steps"] == 5
    model, info = load_generator(tmp_path / "u.pt")
    assert info["meta"]["method"] == "unpaired" and info["meta"]["steps"] == 5


def test_perceptual_loss_reads_torchvision_vgg_layout(tmp_path):
    import torch

    from models.perceptual import VGGPerceptualLoss
    # torchvision vgg16 `features` conv indices and channel counts, classifier keys too.
    convs = [(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256),
             (14, 256, 256), (17, 256, 512), (19, 512, 512), (21, 512, 512), (24, 512, 512),
             (26, 512, 512), (28, 512, 512)]
    sd = {}
    for i, cin, cout in convs:
        sd[f"features.{i}.weight"] = torch.randn(cout, cin, 3, 3) * 0.01
        sd[f"features.{i}.bias"] = torch.zeros(cout)
    sd["classifier.0.weight"] = torch.zeros(4, 4)
    torch.save(sd, tmp_path / "vgg16.pth")
    loss = VGGPerceptualLoss(tmp_path / "vgg16.pth")
    assert loss.arch == "vgg16"
    a = torch.rand(1, 3, 32, 32) * 2 - 1
    assert float(loss(a, a)) == 0.0 and float(loss(a, -a)) > 0
