"""Shots probed for real for the job's tests: o01 (10 frames), and shots with
long names (``add_long_shot``)."""
from __future__ import annotations

import pytest

from helpers import REPO, long_name, make_clip


@pytest.fixture
def shot(project, tmp_path, monkeypatch):
    """o01: a 10-frame take; chunks of 4: 1001-1004, 1005-1008, 1009-1010."""
    monkeypatch.chdir(REPO)  # where luigi.cfg is
    monkeypatch.delenv("LUIGI_CONFIG_PATH", raising=False)
    project.add_shot("o01", make_clip(tmp_path / "o01.mov", 32, 24, frames=10, audio=False))
    return "o01"


@pytest.fixture
def add_long_shot(shot, project, tmp_path):
    """Add a shot of the given name length on o01's take: its name."""
    def add(length: int, start: str = "s") -> str:
        name = long_name(length, start)
        project.add_shot(name, tmp_path / "o01.mov")
        return name
    return add
