"""Training a style: the `train` section is validated, and training images are checked."""
import cv2
import numpy as np
import pytest
import yaml

from helpers import keyframe_project, write_yaml
from pipeline.config import load_style_config
from pipeline.errors import ConfigError, ShotstyleError


def test_train_section_is_validated(project, tmp_path):
    project.add_shot("s1", tmp_path / "s1.mov")
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


def _style(project, tmp_path, **train):
    """Style 'learned' of shot t10 (its source need not exist: nothing here decodes it)."""
    project.add_shot("t10", tmp_path / "in.mov", style="learned")
    key = tmp_path / "keys" / "t10.1001.png"
    key.parent.mkdir(exist_ok=True)
    cv2.imwrite(str(key), np.zeros((48, 64, 3), np.uint8))
    return write_yaml(project.configs / "styles" / "learned.yaml", {
        "checkpoint": "../../styles/learned.pt",
        "train": {"method": "keyframes", "shot": "t10", "keyframes": {1001: str(key)},
                  "steps": 2, "patch_size": 32, "batch_size": 4,
                  "generator_kwargs": {"base_channels": 4, "levels": 2}, **train}})


@pytest.mark.parametrize("train, line", [
    ({"generator_kwargs": {"base_channels": 65536}}, "key 'train.generator_kwargs': generator "
     "'fewshot_unet': base_channels must be an integer from 1 to 1024, not 65536"),
    ({"generator_kwargs": {"out_channels": 1}}, "key 'train.generator_kwargs': generator "
     "'fewshot_unet': out_channels must be 3 (frames are RGB), not 1"),
    ({"generator": "unet"}, "key 'train.generator': unknown generator architecture 'unet' "
     "(known: animeganv2, cyclegan_resnet, cyclegan_unet, fast_neural_style, fewshot_unet)"),
    ({"generator_kwargs": {"base_channels": 4, "levels": 2, "width": 3}},
     "key 'train.generator_kwargs': generator 'fewshot_unet': bad arguments {'base_channels': "
     "4, 'levels': 2, 'width': 3}: FewShotUNet.__init__() got an unexpected keyword argument "
     "'width'"),
    ({"discriminator_kwargs": {"base_channels": 10 ** 9}}, "key 'train.discriminator_kwargs': "
     "discriminator 'patchgan': base_channels must be an integer from 1 to 1024, not "
     "1000000000"),
    ({"discriminator_kwargs": {"in_channels": 3}}, "key 'train.discriminator_kwargs': "
     "in_channels is set by the training method: 6 (the plate and the output side by side), "
     "not 3"),
    ({"patch_size": 16}, "key 'train.patch_size': a 16x16 patch is too small for the "
     "discriminator (the default) (Calculated padded input size per channel: (3 x 3). Kernel "
     "size: (4 x 4). Kernel size can't be greater than actual input size): use larger patches "
     "or fewer discriminator layers"),
    ({"generator": "cyclegan_unet", "generator_kwargs": {"ngf": 4}}, "key 'train.patch_size': "
     "generator 'cyclegan_unet' {'ngf': 4} cannot take a 32x32 patch: Calculated padded input "
     "size per channel: (3 x 3). Kernel size: (4 x 4). Kernel size can't be greater than "
     "actual input size"),
    ({"batch_size": 4096, "patch_size": 1024}, "key 'train.batch_size': 4096 patches of "
     "1024x1024 pixels are 4,294,967,296 pixels a step, more than 16,777,216: use fewer or "
     "smaller patches"),
])
def test_a_training_setting_the_nets_cannot_take_is_one_line_naming_the_file_and_key(
        project, tmp_path, train, line):
    from pipeline.stages import train as stage
    from pipeline.workarea.plan import StylePlan
    path = _style(project, tmp_path, **train)
    with pytest.raises(ConfigError) as err:
        stage.run(StylePlan.load("learned"))  # before any plate is read: none was decoded
    assert str(err.value) == f"{path}: {line}"
    assert not (project.root / "styles" / "learned.pt").exists()


def test_training_images_that_cannot_train_name_the_file_and_key(project, tmp_path):
    from pipeline.graph.table import PLATES, PROBE
    from pipeline.stages import train as stage
    from pipeline.stages.registry import run_stage
    from pipeline.workarea.plan import ShotPlan, StylePlan
    keyframe_project(project, tmp_path)
    plan = ShotPlan.load("t10")
    run_stage(plan, PROBE)
    run_stage(plan, PLATES)
    path = project.configs / "styles" / "learned.yaml"
    style = yaml.safe_load(path.read_text())
    key = style["train"]["keyframes"][1001]

    def refused(**train) -> str:
        write_yaml(path, {**style, "train": {**style["train"], **train}})
        with pytest.raises(ShotstyleError) as err:
            stage.run(StylePlan.load("learned"))
        return str(err.value)

    assert refused(keyframes={1001: key, 9999: key}) == (
        f"{path}: key 'train.keyframes.9999': frame 9999 is outside shot t10 (1001-1006)")
    assert refused(patch_size=64) == (
        f"{path}: key 'train.patch_size': a 64x64 patch does not fit the 64x48 plates of shot "
        f"t10: expected at most 48")
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture")
    assert refused(keyframes={1001: str(notes)}) == (
        f"{notes}: cannot read image (corrupt or not an image)")
    art = tmp_path / "art"
    art.mkdir()
    (art / "readme.txt").write_text("the paintings are on the server")
    (art / "folder.png").mkdir()
    unpaired = {"method": "unpaired", "style_images": str(art), "keyframes": None}
    assert refused(**unpaired) == (
        f"{path}: key 'train.style_images': {art} holds no images (expected .bmp, .exr, .jpeg, "
        f".jpg, .png, .tif, .tiff, .webp files)")
    (art / "cut.png").write_bytes(cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1][:20])
    assert refused(**unpaired) == f"{art / 'cut.png'}: cannot read image (corrupt or not an image)"
    assert not (project.root / "styles" / "learned.pt").exists()
