import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import Project  # noqa: E402


def pytest_configure(config):
    missing = [t for t in ("ffmpeg", "ffprobe") if shutil.which(t) is None]
    if missing:
        raise pytest.UsageError(f"tests need {', '.join(missing)} on PATH (make test installs them)")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    proj = Project(tmp_path / "proj")
    monkeypatch.setenv("SHOTSTYLE_CONFIG_DIR", str(proj.configs))
    monkeypatch.delenv("SHOTSTYLE_WORK_ROOT", raising=False)
    monkeypatch.delenv("SHOTSTYLE_RENDER_ROOT", raising=False)
    monkeypatch.delenv("OCIO", raising=False)  # the pipeline's built-in config unless a test sets one
    return proj
