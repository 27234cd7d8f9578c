"""pipeline.temporal.torch_path: the one place the smoothing path is chosen. CUDA (the
pipeline's device setting, as the generator's) routes to the torch path; the CPU
keeps the OpenCV path and never imports torch for it. No GPU here: only
``torch.cuda.is_available`` and the driver probe are replaced, and the CUDA
smoother is built, not run."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import REPO
from pipeline.temporal import torch_path
from pipeline.temporal.metrics import FrameMetrics
from pipeline.temporal.smoother import FlowSmoother


@pytest.fixture
def cuda_here(monkeypatch):
    """A host where the driver is present and torch sees a GPU (both replaced)."""
    import torch
    monkeypatch.setattr(torch_path, "nvidia_driver_present", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


@pytest.mark.parametrize("requested", ["auto", "cuda"])
def test_cuda_routes_to_the_torch_path_on_the_gpu(cuda_here, requested):
    from pipeline.temporal.torch_smoother import TorchFlowSmoother, TorchFrameMetrics
    smoother, metrics = torch_path.smoothing_for(0.8, "flow", requested)
    assert isinstance(smoother, TorchFlowSmoother) and isinstance(metrics, TorchFrameMetrics)
    assert smoother.device.type == "cuda" and metrics.frames is smoother.frames  # one upload each
    assert (smoother.strength, smoother.method) == (0.8, "flow")
    assert torch_path.path_name(smoother) == "torch cuda"


def test_the_cpu_keeps_the_opencv_path(cuda_here):
    smoother, metrics = torch_path.smoothing_for(0.9, "adaptive", "cpu")
    assert type(smoother) is FlowSmoother and type(metrics) is FrameMetrics
    assert torch_path.path_name(smoother) == "opencv"


def test_auto_without_a_gpu_keeps_the_opencv_path(monkeypatch):
    import torch
    monkeypatch.setattr(torch_path, "nvidia_driver_present", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert torch_path.torch_device("auto") is None
    assert type(torch_path.smoothing_for(0.9, "adaptive", "auto")[0]) is FlowSmoother


def test_cuda_without_a_gpu_is_the_styled_stage_s_error(monkeypatch):
    import torch

    from models.errors import DeviceError
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="device 'cuda' requested but no CUDA GPU"):
        torch_path.smoothing_for(0.9, "adaptive", "cuda")


def test_a_cpu_host_smooths_without_importing_torch():
    """device cpu, and auto where no NVIDIA driver shows: torch's import (over a
    second a process) is not paid by the smoothing chunks of a CPU host."""
    code = ("import sys; from pipeline.temporal import torch_path as tp; "
            "tp.NVIDIA_DRIVER = ('/nonexistent/nvidia',); "
            "print([type(tp.smoothing_for(0.9, 'adaptive', d)[0]).__name__ for d in "
            "('cpu', 'auto')], 'torch' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "['FlowSmoother', 'FlowSmoother'] False"


def test_the_driver_probe_looks_at_the_driver_s_files(monkeypatch, tmp_path):
    monkeypatch.setattr(torch_path, "NVIDIA_DRIVER", (str(tmp_path / "nvidiactl"),))
    assert not torch_path.nvidia_driver_present()
    (tmp_path / "nvidiactl").touch()
    assert torch_path.nvidia_driver_present()
