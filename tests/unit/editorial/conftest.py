"""The editorial tests' cut: a real take with a start timecode (made once), a
copy of it in the cut's folder, the EDL ``reel_a.edl`` cut from it, and a
config folder with one style, 'oil'."""
from __future__ import annotations

import shutil

import pytest

from helpers import make_clip

EDL = """TITLE: reel_a
FCM: NON-DROP FRAME

001  AX       V     C        01:00:00:10 01:00:00:20 00:00:00:00 00:00:00:10
* FROM CLIP NAME: take1.mov

002  AX       V     C        01:00:00:02 01:00:00:05 00:00:00:10 00:00:00:13
* FROM CLIP NAME: take1.mov

003  AX       V     C        01:00:00:00 01:00:00:04 00:00:00:13 00:00:00:17
* FROM CLIP NAME: gone.mov

004  AX       V     C        01:00:01:20 01:00:02:04 00:00:00:17 00:00:01:01
* FROM CLIP NAME: take1.mov
"""


@pytest.fixture(scope="package")
def take_file(tmp_path_factory):
    """take1.mov: 48 frames at 24 fps from 01:00:00:00, made once."""
    folder = tmp_path_factory.mktemp("take")
    return make_clip(folder / "take1.mov", 32, 24, frames=48, audio=False,
                     timecode="01:00:00:00")


@pytest.fixture
def edit(tmp_path, take_file):
    """The cut's folder, with a copy of the take in it."""
    folder = tmp_path / "edit"
    folder.mkdir()
    shutil.copy(take_file, folder / "take1.mov")
    return folder


@pytest.fixture
def cut(edit):
    (edit / "reel_a.edl").write_text(EDL)
    return edit / "reel_a.edl"


@pytest.fixture
def configs(tmp_path, monkeypatch):
    """A config folder with one style, 'oil', that the CLI reads."""
    cfg = tmp_path / "configs"
    (cfg / "styles").mkdir(parents=True)
    (cfg / "styles" / "oil.pt").write_bytes(b"")
    (cfg / "styles" / "oil.yaml").write_text("checkpoint: oil.pt\n")
    monkeypatch.setenv("SHOTSTYLE_CONFIG_DIR", str(cfg))
    return cfg
