"""models.errors: one-line user errors shared by models and pipeline; importing
them (as the pipeline's configs and scheduler do) loads no torch."""
from __future__ import annotations

import subprocess
import sys

from helpers import REPO
from models.errors import CheckpointError, DeviceError, ShotstyleError
from pipeline import errors as pipeline_errors


def test_every_kind_is_a_user_error_whose_condition_is_its_line():
    for kind in (CheckpointError, DeviceError):
        err = kind("style.pt: checkpoint not found")
        assert isinstance(err, ShotstyleError) and isinstance(err, Exception)
        assert str(err) == err.condition == "style.pt: checkpoint not found"


def test_the_pipeline_raises_the_same_classes():
    assert pipeline_errors.ShotstyleError is ShotstyleError
    assert pipeline_errors.CheckpointError is CheckpointError
    assert pipeline_errors.DeviceError is DeviceError
    assert issubclass(pipeline_errors.MediaError, ShotstyleError)


def test_importing_the_errors_loads_no_torch():
    code = ("import sys, models.errors, pipeline.errors; "
            "print(sorted(m for m in ('torch', 'numpy.random', 'cv2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_line_stays_one_line_whatever_the_names_in_it_hold():
    err = CheckpointError("/show/new\nkey: 1/\x1bstyle\u2028.pt: checkpoint not found")
    assert str(err) == err.condition == ("/show/new\\nkey: 1/\\x1bstyle\\u2028.pt: checkpoint "
                                         "not found")
    assert str(CheckpointError("café.pt: not found")) == "café.pt: not found"
