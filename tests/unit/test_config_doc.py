"""docs/CONFIG.md is generated from the config classes and must be current."""
import dataclasses
import typing

import pytest

from pipeline import config_doc
from pipeline.config import PipelineConfig, ShotConfig, StyleConfig


def test_config_md_is_current():
    committed = config_doc.DOC_PATH.read_text(encoding="utf-8")
    assert committed == config_doc.render(), (
        f"docs/CONFIG.md is not current: run `{config_doc.COMMAND}` and commit it")


def _all_fields(cls, prefix=""):
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        yield f"{prefix}{f.name}", f
        tp = hints[f.name]
        args = [a for a in getattr(tp, "__args__", ()) if dataclasses.is_dataclass(a)]
        inner = tp if dataclasses.is_dataclass(tp) else (args[0] if args else None)
        if inner is not None:
            yield from _all_fields(inner, f"{prefix}{f.name}.")


@pytest.mark.parametrize("cls", [PipelineConfig, ShotConfig, StyleConfig])
def test_every_key_has_help_text_and_a_row(cls):
    text = config_doc.DOC_PATH.read_text(encoding="utf-8")
    for key, f in _all_fields(cls):
        assert f.metadata.get("help"), f"{cls.__name__} {key}: no help text"
        assert f"| `{key}` |" in text, f"{key}: no row in docs/CONFIG.md"


def test_check_mode_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "CONFIG.md"
    stale.write_text("old\n", encoding="utf-8")
    assert config_doc.main(["--check", "--output", str(stale)]) == 1
    assert config_doc.COMMAND in capsys.readouterr().err
    assert config_doc.main(["--output", str(stale)]) == 0
    assert config_doc.main(["--check", "--output", str(stale)]) == 0
