"""tasks.style: TrainStyle, done when the style's checkpoint exists; it needs the
plates of the shot it learns from; a style without a 'train' section cannot be
trained. One tiny real training, built by an in-process Luigi."""
from __future__ import annotations

import luigi
import pytest

from helpers import keyframe_project
from models.checkpoint import load_generator
from pipeline.errors import ShotstyleError
from pipeline.workarea.plan import StylePlan
from tasks.style import TrainStyle


def test_a_style_with_a_checkpoint_and_no_training_is_done(project):
    task = TrainStyle(style="tiny")
    assert task.output().path == str(project.root / "styles" / "tiny.pt")
    assert task.complete() and task.requires() == []
    assert task.label == "style tiny" and task.resources == {"gpu": 1}


def test_a_missing_checkpoint_without_a_train_section_is_one_line(project):
    (project.root / "styles" / "tiny.pt").unlink()
    task = TrainStyle(style="tiny")
    assert not task.complete()  # not an exception: run() raises the one line
    with pytest.raises(ShotstyleError) as err:
        task.plan
    assert str(err.value) == (f"{project.configs / 'styles' / 'tiny.yaml'}: key 'checkpoint': "
                              f"file not found: {project.root / 'styles' / 'tiny.pt'} (and no "
                              f"'train' section to make it)")


def test_a_style_whose_config_is_broken_requires_nothing(project):
    (project.configs / "styles" / "broken.yaml").write_text("checkpoint: [unclosed\n")
    assert TrainStyle(style="broken").requires() == []


def test_a_keyframe_style_trains_after_its_shot_s_plates(project, tmp_path):
    checkpoint = keyframe_project(project, tmp_path, steps=2, discriminator_kwargs={"base_channels": 4})
    task = TrainStyle(style="learned")
    [plates] = task.requires()
    assert (plates.stage_name, plates.shot) == ("plates", "t10")
    assert luigi.build([task], local_scheduler=True, workers=1, log_level="CRITICAL")
    assert task.complete() and plates.complete()
    meta = load_generator(checkpoint).meta
    assert meta["method"] == "keyframes" and meta["steps"] == 2
    assert (StylePlan.load("learned").logs_dir / "train.log").is_file()


@pytest.mark.parametrize("name", ["abs", "../../x"])
def test_a_style_given_as_a_path_fails_in_one_line_and_writes_nothing_there(project, tmp_path,
                                                                              name):
    outside = tmp_path / "elsewhere"
    keyframe_project(project, tmp_path)
    learned = (project.configs / "styles" / "learned.yaml").read_text()
    (outside / "x.yaml").parent.mkdir()
    (outside / "x.yaml").write_text(learned.replace("../../styles/learned.pt", "x.pt"))
    style = str(outside / "x.yaml") if name == "abs" else name
    task = TrainStyle(style=style)
    assert task.requires() == [] and not task.complete()
    result = luigi.build([task], local_scheduler=True, workers=1, log_level="CRITICAL",
                         detailed_summary=True)
    assert result.status == luigi.execution_summary.LuigiStatusCode.FAILED
    with pytest.raises(ShotstyleError) as err:
        task.plan
    assert str(err.value) == (f"style {style!r}: expected the name of a style in "
                              f"{project.configs / 'styles'} (letters, digits, '_', '-' and "
                              f"'.', not a path); known styles: learned, tiny")
    assert sorted(p.name for p in outside.iterdir()) == ["x.yaml"]
    assert not (project.work / "_styles").exists() and not (project.root / "x.pt").exists()


def test_a_style_with_both_a_checkpoint_and_a_train_section_uses_the_file(project, tmp_path):
    from helpers import tiny_checkpoint
    checkpoint = keyframe_project(project, tmp_path)
    tiny_checkpoint(checkpoint, seed=5)
    before = checkpoint.read_bytes()
    task = TrainStyle(style="learned")
    assert task.complete()
    assert luigi.build([task], local_scheduler=True, workers=1, log_level="CRITICAL")
    assert checkpoint.read_bytes() == before  # not trained again: delete it for that
    assert not (project.work / "t10").exists()  # nor the plates of its shot decoded
