"""models.train_settings: one frozen, keyword-only set of training settings, and its
record as plain values for a checkpoint's metadata (loadable with weights_only)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from models.train_settings import TrainSettings, settings_record


def test_settings_are_keyword_only_and_frozen():
    with pytest.raises(TypeError):
        TrainSettings("fewshot_unet")  # noqa - positional on purpose
    s = TrainSettings(steps=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.steps = 20
    assert dataclasses.replace(s, steps=20).steps == 20 and s.steps == 10


def test_each_settings_object_has_its_own_kwargs():
    a, b = TrainSettings(), TrainSettings()
    a.generator_kwargs["levels"] = 2
    assert b.generator_kwargs == {}


def test_the_record_is_every_field_as_a_plain_value(tmp_path):
    s = TrainSettings(vgg_weights=tmp_path / "vgg16.pth", steps=7,
                      generator_kwargs={"base_channels": 4})
    record = settings_record(s)
    assert list(record) == [f.name for f in dataclasses.fields(TrainSettings)]
    assert record["vgg_weights"] == str(tmp_path / "vgg16.pth")
    assert record["steps"] == 7 and record["generator_kwargs"] == {"base_channels": 4}
    assert settings_record(TrainSettings())["vgg_weights"] is None
    torch.save({"meta": record}, tmp_path / "m.pt")  # a checkpoint's metadata takes it
    assert torch.load(tmp_path / "m.pt", weights_only=True)["meta"] == record
    assert not any(isinstance(v, Path) for v in record.values())


def test_each_trainer_fills_in_its_own_learning_rate_and_schedule():
    from models.train_settings import METHOD_DEFAULTS, resolved

    s = TrainSettings()
    assert (s.lr, s.lr_schedule) == (None, None)  # left to the trainer
    keyframes, unpaired = resolved(s, "keyframes"), resolved(s, "unpaired")
    assert (keyframes.lr, keyframes.lr_schedule) == (1e-3, "cosine")
    assert (unpaired.lr, unpaired.lr_schedule) == (2e-4, "constant")
    assert set(METHOD_DEFAULTS) == {"keyframes", "unpaired"}
    given = TrainSettings(lr=5e-4, lr_schedule="constant")
    assert resolved(given, "keyframes") is given  # what a style gives is kept
    assert resolved(TrainSettings(lr=5e-4), "keyframes").lr_schedule == "cosine"
