"""Real model code on tiny sizes: registry, checkpoints, inference, training."""

import dataclasses
import os

import numpy as np
import pytest
import torch
from torch import nn

import models  # noqa: F401
from helpers import REPO, textured_frame, tiny_checkpoint
from models.checkpoint import load_generator
from models.inference import Stylizer, select_device, select_dtype
from models.build import build_generator
from models.registry import GENERATORS
from models.train_settings import TrainSettings
from models.training import train_keyframes
from pipeline.errors import CheckpointError, DeviceError


def test_registry_builds_from_kwargs():
    assert "fewshot_unet" in GENERATORS
    g = build_generator("fewshot_unet", base_channels=4, levels=3)
    assert g.size_multiple == 4
    with pytest.raises(CheckpointError, match="unknown generator architecture 'nope'"):
        build_generator("nope")


def test_checkpoint_round_trip_is_exact(tmp_path):
    path = tiny_checkpoint(tmp_path / "g.pt", seed=3)
    loaded = load_generator(path)
    model = loaded.model
    assert loaded.arch == "fewshot_unet" and loaded.kwargs["base_channels"] == 4
    assert loaded.input_range == (-1.0, 1.0) and loaded.format == "shotstyle"
    again = load_generator(path).model
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    assert torch.equal(model(x), again(x))


def test_checkpoint_for_another_architecture_names_keys(tmp_path):
    path = tiny_checkpoint(tmp_path / "g.pt")
    data = torch.load(path, weights_only=True)
    data["kwargs"] = {"base_channels": 4, "levels": 3}  # claims a deeper net
    torch.save(data, tmp_path / "wrong.pt")
    with pytest.raises(CheckpointError) as err:
        load_generator(tmp_path / "wrong.pt")
    msg = str(err.value)
    assert "does not match architecture 'fewshot_unet'" in msg and "missing keys: " in msg
    assert "\n" not in msg


def test_not_a_shotstyle_checkpoint(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a shotstyle generator checkpoint"):
        load_generator(tmp_path / "other.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_generator(tmp_path / "junk.pt")


class _Evil:
    """Unpickling this would create a file: the loader must never do it."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_malicious_pickle_is_refused_not_executed(tmp_path):
    # the marker in this test's own folder: not a path other tests (or test
    # processes running at the same time) share
    marker = tmp_path / "pwned"
    torch.save({"format": "shotstyle.generator/1", "payload": _Evil(str(marker))},
               tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="refused: not a plain weights file"):
        load_generator(tmp_path / "evil.pt")
    assert not marker.exists()


def test_batch_independence_and_odd_sizes():
    torch.manual_seed(0)
    g = build_generator("fewshot_unet", base_channels=4, levels=3)
    st = Stylizer(g, torch.device("cpu"))
    frames = np.stack([textured_frame(37, 23, i) for i in range(4)])
    together = st(frames)
    assert together.shape == (4, 23, 37, 3) and together.dtype == np.uint8
    for i in range(4):
        alone = st(frames[i:i + 1])[0]
        assert np.abs(alone.astype(int) - together[i].astype(int)).max() <= 1


def test_device_selection_without_gpu():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert select_device("auto").type == "cpu"
    with pytest.raises(DeviceError, match="device 'cuda' requested but no CUDA GPU"):
        select_device("cuda")
    assert select_dtype(torch.device("cpu"), "fp32") is None
    assert select_dtype(torch.device("cpu"), "bf16") == torch.bfloat16


def test_auto_precision_follows_the_hardware(monkeypatch):
    """bf16 where the CPU or GPU runs it natively, fp32 elsewhere; the hardware
    checks are replaced (no GPU here, and one CPU), the choice is not."""
    from models import inference
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(inference, "cpu_has_fast_bf16", lambda: True)
    assert select_dtype(cpu) == torch.bfloat16
    assert inference.precision_reason(cpu, "auto", torch.bfloat16) == (
        "bfloat16 (precision: auto; this CPU has native bf16)")
    monkeypatch.setattr(inference, "cpu_has_fast_bf16", lambda: False)
    assert select_dtype(cpu) is None
    assert inference.precision_reason(cpu, "auto", None) == (
        "float32 (precision: auto; this CPU has no native bf16)")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert select_dtype(cuda) == torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert select_dtype(cuda) == torch.float16  # pre-Ampere GPUs
    assert inference.precision_reason(cpu, "fp32", None) == "float32 (precision: fp32)"


def test_bf16_keeps_the_input_layer_in_fp32_and_stays_close_to_fp32():
    from models.generators import FewShotUNet
    from models.inference import Stylizer, _FullPrecision
    torch.manual_seed(0)
    frames = np.stack([textured_frame(64, 48, i) for i in range(2)])
    fp32 = Stylizer(FewShotUNet(), torch.device("cpu"), dtype=None)(frames)
    bf16 = Stylizer(FewShotUNet(), torch.device("cpu"), dtype=torch.bfloat16)
    assert isinstance(bf16.model.stem[0], _FullPrecision)
    torch.manual_seed(0)
    out = Stylizer(FewShotUNet(), torch.device("cpu"), dtype=torch.bfloat16)(frames)
    assert out.dtype == np.uint8 and np.abs(out.astype(int) - fp32).max() <= 3


def test_training_learns_and_resumes(tmp_path):
    rng = np.random.RandomState(0)
    plate = rng.randint(0, 255, (40, 48, 3), dtype=np.uint8)
    key = 255 - plate  # an easy 'style': invert
    s = TrainSettings(generator_kwargs={"base_channels": 4, "levels": 2}, steps=6,
                      patch_size=24, batch_size=4, log_every=3, lr=2e-3)
    first = train_keyframes([(plate, key)], s, tmp_path / "g.pt", tmp_path / "g.state")
    assert first["steps"] == 6
    s = dataclasses.replace(s, steps=10)
    second = train_keyframes([(plate, key)], s, tmp_path / "g.pt", tmp_path / "g.state")
    assert second["steps"] == 10  # 4 more steps, not 10 from scratch
    assert load_generator(tmp_path / "g.pt").meta["steps"] == 10


def test_openvino_sends_no_telemetry(tmp_path):
    """Importing and compiling with OpenVINO forks no sender and writes nothing to ~."""
    import subprocess
    import sys
    script = ("import os, torch; from models.generators import FewShotUNet; "
              "from models.openvino_net import OpenVINONet; "
              "OpenVINONet(FewShotUNet(), torch.bfloat16, 1); "
              "print(os.popen(f'ps --ppid {os.getpid()} -o comm=').read().split())")
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("CI", None)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    # the only child is the shell that runs ps
    assert out.stdout.strip() == "['sh']" and list(tmp_path.iterdir()) == []


def test_cpu_backend_choice():
    from models.generators import FewShotUNet
    from models.inference import select_backend
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    net = FewShotUNet()
    assert select_backend(cpu, "auto", net) == "openvino"  # installed with the project
    traced = torch.jit.trace(net, torch.zeros(1, 3, 16, 16))
    assert select_backend(cpu, "auto", traced) == "torch"  # TorchScript files
    assert select_backend(cuda, "auto", net) == "torch"
    assert select_backend(cpu, "torch", net) == "torch"
    with pytest.raises(DeviceError, match="cpu_backend 'openvino' runs on the CPU only"):
        select_backend(cuda, "openvino", net)


@pytest.mark.parametrize("dtype, levels", [(None, 1), (torch.bfloat16, 4)])
def test_openvino_runs_the_same_network(dtype, levels):
    """OpenVINO (compiled once, any frame size) against PyTorch fp32, tiled too."""
    from models.generators import FewShotUNet
    torch.manual_seed(0)
    net = FewShotUNet()
    frames = np.stack([textured_frame(72, 40, i) for i in range(3)])
    expected = Stylizer(net, torch.device("cpu"))(frames)
    ov = Stylizer(net, torch.device("cpu"), dtype=dtype, backend="openvino")
    assert np.abs(ov(frames).astype(int) - expected).max() <= levels
    assert ov(frames[:1]).shape == (1, 40, 72, 3)  # another batch size, same compiled model
    tiled = Stylizer(net, torch.device("cpu"), dtype=dtype, backend="openvino", tile_size=32,
                     tile_overlap=8)
    reference = Stylizer(net, torch.device("cpu"), tile_size=32, tile_overlap=8)(frames)
    assert np.abs(tiled(frames).astype(int) - reference).max() <= levels


def test_automatic_openvino_falls_back_to_pytorch(caplog):
    from models.inference import make_stylizer

    class Untraceable(nn.Module):
        """A network OpenVINO's frontend cannot trace (it refuses the trace size)."""

        def forward(self, x):
            if x.shape[-1] == 64:
                raise RuntimeError("not at this size")
            return x

    frames = np.stack([textured_frame(40, 24, 0)])
    with caplog.at_level("WARNING", logger="shotstyle"):
        st = make_stylizer(Untraceable(), torch.device("cpu"), (-1.0, 1.0), None, 1, 0, 0,
                           "openvino", fall_back=True)
    assert st.backend == "torch" and np.array_equal(st(frames), frames)
    assert caplog.messages == ["OpenVINO cannot run this network (Couldn't get TorchScript "
                               "module by tracing.); running it with PyTorch"]
    with pytest.raises(Exception, match="tracing"):  # asked for by name: no fallback
        make_stylizer(Untraceable(), torch.device("cpu"), (-1.0, 1.0), None, 1, 0, 0,
                      "openvino", fall_back=False)


def test_openvino_converts_a_deep_unet_at_a_size_it_takes():
    """A CycleGAN U-Net with 8 levels needs 256 px: it is traced at its size multiple."""
    from models.public_archs import CycleGANUnetGenerator
    torch.manual_seed(0)
    net = CycleGANUnetGenerator(num_downs=8, ngf=4).eval()
    frames = np.stack([textured_frame(256, 256, 0)])
    expected = Stylizer(net, torch.device("cpu"))(frames)
    ov = Stylizer(net, torch.device("cpu"), backend="openvino")
    assert ov.backend == "openvino" and np.abs(ov(frames).astype(int) - expected).max() <= 1
