"""Unit tests mirror the code (issue #20, point 7): a module has its test file at
the same place under tests/unit, kornia style (kornia/filters/median.py <->
tests/filters/test_median.py).

The mapping, one rule for every package:

* the modules are every ``.py`` file under ``pipeline/``, ``tasks/`` and
  ``models/`` except ``__init__.py`` and ``__main__.py``;
* ``pipeline/<sub>/<module>.py`` mirrors to ``tests/unit/<sub>/test_<module>.py``
  (the ``pipeline`` level is dropped: tests/unit/media mirrors pipeline/media,
  tests/unit/stages pipeline/stages, tests/unit/workarea pipeline/workarea, ...);
  a top-level ``pipeline/<module>.py`` mirrors to ``tests/unit/test_<module>.py``
  (pipeline/config.py <-> tests/unit/test_config.py);
* ``models/<...>/<module>.py`` and ``tasks/<...>/<module>.py`` keep their package
  folder: ``tests/unit/models/test_<module>.py``, ``tests/unit/tasks/test_<module>.py``.

A module counts as mirrored when that file exists. Mirrored names repeat
(tests/unit/media/test_probe.py and tests/unit/stages/test_probe.py,
tests/unit/openjd/test_names.py and tests/unit/editorial/test_names.py), so tests/unit and
every folder under it is a package (``__init__.py``): pytest then imports
``unit.media.test_probe`` and ``unit.stages.test_probe``, not two ``test_probe``. Run this file with ``-s`` or
``python tests/unit/test_layout.py`` to print the share and the unmirrored modules.
"""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "tests" / "unit"
PACKAGES = ("pipeline", "tasks", "models")
NOT_MODULES = {"__init__.py", "__main__.py"}
REQUIRED_SHARE = 0.60


def modules(repo: Path = REPO) -> list[Path]:
    """Every module of the three packages, relative to the repository."""
    return sorted(p.relative_to(repo) for pkg in PACKAGES for p in (repo / pkg).rglob("*.py")
                  if p.name not in NOT_MODULES and "__pycache__" not in p.parts)


def mirror(module: Path) -> Path:
    """The test file (relative to the repository) that mirrors ``module``."""
    parts = module.parts
    folder = parts[1:-1] if parts[0] == "pipeline" else parts[:-1]
    return Path("tests", "unit", *folder, f"test_{module.stem}.py")


def unmirrored(repo: Path = REPO) -> list[Path]:
    return [m for m in modules(repo) if not (repo / mirror(m)).is_file()]


def share(repo: Path = REPO) -> float:
    mods = modules(repo)
    return 1 - len(unmirrored(repo)) / len(mods)


def report(repo: Path = REPO) -> str:
    mods, missing = modules(repo), unmirrored(repo)
    lines = [f"{len(mods) - len(missing)} of {len(mods)} modules mirrored "
             f"({share(repo):.0%}); unmirrored:"]
    lines += [f"  {m}  (-> {mirror(m)})" for m in missing]
    return "\n".join(lines)


def test_the_mapping_drops_pipeline_and_keeps_the_other_packages():
    assert mirror(Path("pipeline/media/exr.py")) == Path("tests/unit/media/test_exr.py")
    assert mirror(Path("pipeline/config.py")) == Path("tests/unit/test_config.py")
    assert mirror(Path("models/tiling.py")) == Path("tests/unit/models/test_tiling.py")
    assert mirror(Path("tasks/base.py")) == Path("tests/unit/tasks/test_base.py")
    assert mirror(Path("pipeline/graph/table.py")) == Path("tests/unit/graph/test_table.py")


def test_modules_leave_out_package_files_and_count_the_three_packages(tmp_path):
    for rel in ("pipeline/__init__.py", "pipeline/cli.py", "pipeline/media/__init__.py",
                "pipeline/media/exr.py", "tasks/__main__.py", "tasks/base.py",
                "models/tiling.py", "scripts/tool.py", "tests/unit/media/test_exr.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert [str(m) for m in modules(tmp_path)] == [
        "models/tiling.py", "pipeline/cli.py", "pipeline/media/exr.py", "tasks/base.py"]
    assert [str(m) for m in unmirrored(tmp_path)] == [
        "models/tiling.py", "pipeline/cli.py", "tasks/base.py"]
    assert share(tmp_path) == 0.25


def test_every_test_folder_is_a_package():
    folders = {p.parent for p in UNIT.rglob("test_*.py") if "__pycache__" not in p.parts}
    missing = sorted(str(f.relative_to(REPO)) for f in folders if not (f / "__init__.py").is_file())
    assert not missing, f"add an __init__.py to: {', '.join(missing)}"


def test_unit_tests_mirror_most_modules():
    assert share() >= REQUIRED_SHARE, report()


if __name__ == "__main__":
    print(report())
