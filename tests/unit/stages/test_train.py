"""Training a style: the `train` section is validated, and training images are checked."""
import cv2
import numpy as np
import pytest

from helpers import keyframe_project, write_yaml
from pipeline.config import load_style_config
from pipeline.errors import ConfigError


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
    from pipeline.graph.table import PLATES, PROBE
    from pipeline.stages import train
    from pipeline.stages.registry import run_stage
    from pipeline.errors import MediaError
    from pipeline.workarea.plan import ShotPlan, StylePlan
    keyframe_project(project, tmp_path)
    key = next((tmp_path / "keys").iterdir())
    cv2.imwrite(str(key), np.zeros((10, 10, 3), np.uint8))
    plan = ShotPlan.load("t10")
    run_stage(plan, PROBE)
    run_stage(plan, PLATES)
    with pytest.raises(MediaError, match=r"painted keyframe is 10x10 but plate 1001 of t10 is 64x48"):
        train.run(StylePlan.load("learned"))
