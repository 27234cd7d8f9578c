"""models.formats: the one list of checkpoint formats: the style config takes
exactly these, and reading the list loads no torch."""
from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import REPO
from models.formats import CHECKPOINT_FORMATS, FORMAT_OPTIONS
from pipeline.config import load_style_config
from pipeline.errors import ConfigError


def test_the_formats_are_distinct_names():
    assert len(set(CHECKPOINT_FORMATS)) == len(CHECKPOINT_FORMATS)
    assert CHECKPOINT_FORMATS[0] == "shotstyle"  # shotstyle's own, the default
    assert all(name.isidentifier() and name == name.lower() for name in CHECKPOINT_FORMATS)


def test_a_style_config_takes_these_formats_and_names_them_when_refusing(project):
    path = project.configs / "styles" / "odd.yaml"
    checkpoint = project.root / "styles" / "tiny.pt"
    path.write_text(f"checkpoint: {checkpoint}\nformat: shotstyle\n")
    assert load_style_config("odd").format == "shotstyle"
    path.write_text(f"checkpoint: {checkpoint}\nformat: onnx\n")
    with pytest.raises(ConfigError) as err:
        load_style_config("odd")
    assert "onnx" in str(err.value)
    for name in CHECKPOINT_FORMATS:
        assert name in str(err.value)


def test_reading_the_list_loads_no_torch():
    code = "import sys, models.formats; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"


def test_each_format_has_its_options_and_a_style_naming_another_is_refused_on_load(project):
    assert set(FORMAT_OPTIONS) == set(CHECKPOINT_FORMATS)
    path = project.configs / "styles" / "odd.yaml"
    checkpoint = project.root / "styles" / "tiny.pt"
    path.write_text(f"checkpoint: {checkpoint}\nformat: cyclegan\nmodel: {{netg: resnet_9blocks}}\n")
    with pytest.raises(ConfigError) as err:
        load_style_config("odd")
    assert str(err.value) == (f"{path}: key 'model.netg': unknown option for format 'cyclegan' "
                              f"(expected one of: netG, norm, ngf, use_dropout, input_nc, "
                              f"output_nc)")
    path.write_text(f"checkpoint: {checkpoint}\nmodel: {{levels: 2}}\n")
    with pytest.raises(ConfigError) as err:
        load_style_config("odd")
    assert str(err.value) == (f"{path}: key 'model.levels': unknown option for format "
                              f"'shotstyle' (expected none)")
