"""models.registry: one Registry type for architectures and checkpoint loaders;
models.build: building by name; no import loop between them."""
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import models
import models.loaders  # noqa: F401  (registers the loaders)
from models.build import build_discriminator, build_generator
from models.discriminators import PatchGAN
from models.errors import CheckpointError
from models.formats import CHECKPOINT_FORMATS
from models.generators import FewShotUNet
from models.registry import DISCRIMINATORS, GENERATORS, LOADERS, Registry

REPO = Path(models.__file__).resolve().parents[1]


class _Tiny(nn.Module):
    def __init__(self, width: int = 2):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 1)


def test_register_get_build_and_name_attr():
    reg = Registry("widget", "architecture", name_attr="arch_name")
    assert reg.register("tiny")(_Tiny) is _Tiny
    assert _Tiny.arch_name == "tiny"
    assert reg.get("tiny") is _Tiny and "tiny" in reg and list(reg) == ["tiny"] == reg.names()
    assert len(reg) == 1
    net = reg.build("tiny", width=5)
    assert isinstance(net, _Tiny) and net.conv.out_channels == 5
    reg.register("tiny")(_Tiny)  # the same object again (a module reloaded) is fine
    with pytest.raises(ValueError, match="'tiny' registered twice"):
        reg.register("tiny")(nn.Identity)


def test_unknown_name_is_one_line_naming_the_known_ones():
    reg = Registry("widget", "architecture")
    with pytest.raises(CheckpointError) as err:
        reg.get("x")
    assert str(err.value) == "unknown widget architecture 'x' (known: none)"
    reg.register("b")(_Tiny)
    reg.register("a")(nn.Identity)
    with pytest.raises(CheckpointError) as err:
        reg.build("c")
    assert str(err.value) == "unknown widget architecture 'c' (known: a, b)"


def test_bad_arguments_are_a_checkpoint_error():
    with pytest.raises(CheckpointError) as err:
        build_generator("fewshot_unet", levels=3, colour=True)
    assert str(err.value).startswith("generator 'fewshot_unet': bad arguments "
                                     "{'levels': 3, 'colour': True}: ")
    with pytest.raises(CheckpointError) as err:
        build_generator("fewshot_unet", levels=0)  # below the depth bound
    assert str(err.value) == "generator 'fewshot_unet': levels must be an integer from 1 to 16, not 0"


def test_a_registry_without_name_attr_leaves_functions_alone():
    reg = Registry("checkpoint", "format")

    @reg.register("fmt")
    def load(path):
        return path

    assert reg.get("fmt") is load and not hasattr(load, "arch_name")


def test_architectures_are_registered_and_build_by_name():
    assert {"fewshot_unet", "cyclegan_resnet", "cyclegan_unet", "fast_neural_style",
            "animeganv2"} <= set(GENERATORS)
    assert set(DISCRIMINATORS) == {"patchgan"}
    assert GENERATORS.get("fewshot_unet") is FewShotUNet and FewShotUNet.arch_name == "fewshot_unet"
    g = build_generator("fewshot_unet", base_channels=4, levels=2)
    d = build_discriminator("patchgan", base_channels=4, layers=2)
    assert isinstance(g, FewShotUNet) and isinstance(d, PatchGAN) and d.arch_name == "patchgan"
    assert g(torch.zeros(1, 3, 8, 8)).shape == (1, 3, 8, 8)
    with pytest.raises(CheckpointError, match=r"unknown discriminator architecture 'nope' "
                                              r"\(known: patchgan\)"):
        build_discriminator("nope")


def test_every_format_has_its_loader_and_every_loader_a_format():
    assert sorted(LOADERS) == sorted(CHECKPOINT_FORMATS)
    assert all(callable(LOADERS.get(fmt)) for fmt in CHECKPOINT_FORMATS)


def test_no_globals_lookup_or_import_module_of_project_code():
    for path in (REPO / "models").glob("*.py"):
        text = path.read_text()
        assert "globals()" not in text, path.name
        if path.name != "openvino_net.py":  # imports the optional openvino package by name
            assert "import_module" not in text, path.name


def _registering_modules() -> list[str]:
    """The modules of models/ that take part in registration: the registry, and
    every module that imports it or models.build."""
    names = []
    for m in pkgutil.iter_modules([str(REPO / "models")]):
        text = (REPO / "models" / f"{m.name}.py").read_text()
        if m.name == "registry" or "models.registry" in text or "models.build" in text:
            names.append(f"models.{m.name}")
    return sorted(names)


def _fresh(code: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_registry_alone_imports_no_torch_and_no_architecture():
    proc = _fresh("import sys, models.registry; print(sorted("
                  "m for m in sys.modules if m == 'torch' or m.startswith('models.')))")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert out.split("\n")[0] == "['models.errors', 'models.registry']"


def test_each_registering_module_imports_first_in_a_fresh_interpreter():
    """No import loop: whichever of them a process imports first, it imports (and
    building by name then finds the architectures)."""
    names = _registering_modules()
    assert {"models.registry", "models.build", "models.loaders", "models.generators",
            "models.discriminators", "models.public_archs", "models.checkpoint"} <= set(names)
    check = ("import sys; import {0}; from models.build import build_generator; "
             "build_generator('fewshot_unet', base_channels=2, levels=1); print('ok')")
    procs = {name: _fresh(check.format(name)) for name in names}
    failed = {}
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0 or out.strip().splitlines()[-1:] != ["ok"]:
            failed[name] = out.strip().splitlines()[-1:]
    assert not failed
