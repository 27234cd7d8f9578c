import os
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


#: the most pytest-xdist workers ``-n auto`` (setup.cfg) starts: each runs ffmpeg,
#: luigi and torch processes of its own
MAX_WORKERS = 4


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker per CPU this process may run on, at most MAX_WORKERS
    (on 2 cores a third worker made the run slower, bench/RESULTS.md).
    $PYTEST_XDIST_AUTO_NUM_WORKERS, where set, decides instead."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def pytest_collection_modifyitems(config, items):
    """The tests marked ``slow`` (the end-to-end renders) first, the rest after,
    each in the order collected. pytest-xdist's workers take tests in this order
    (``--dist loadgroup``, setup.cfg), one or two at a time, so the long renders
    are spread over the workers from the start and the many short unit tests
    fill in at the end: no long test is left to run alone on one worker."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    proj = Project(tmp_path / "proj")
    monkeypatch.setenv("SHOTSTYLE_CONFIG_DIR", str(proj.configs))
    monkeypatch.delenv("SHOTSTYLE_WORK_ROOT", raising=False)
    monkeypatch.delenv("SHOTSTYLE_RENDER_ROOT", raising=False)
    monkeypatch.delenv("OCIO", raising=False)  # the pipeline's built-in config unless a test sets one
    return proj
