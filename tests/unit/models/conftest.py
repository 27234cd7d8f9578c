"""Fixtures of the models tests."""
from __future__ import annotations

import pytest
import torch

import models.registry


@pytest.fixture
def builds(monkeypatch) -> list[str]:
    """The device type of every network built from a Registry from now on (each
    build's default device): "meta" for parameters only counted, "cpu" for a
    network built with real memory."""
    built: list[str] = []
    real_build = models.registry.Registry.build
    monkeypatch.setattr(models.registry.Registry, "build",
                        lambda self, name, **kw: built.append(torch.empty(0).device.type)
                        or real_build(self, name, **kw))
    return built
