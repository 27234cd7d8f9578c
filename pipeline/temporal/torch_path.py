"""Which path smooths a shot's frames and scores them: OpenCV/numpy or torch (issue #23).

The one place the choice is made. Smoothing runs where the generator runs: the
pipeline's ``device`` (``auto | cpu | cuda``), resolved by
``models.inference.select_device`` as the styled stage resolves it. On CUDA,
the torch path (``pipeline.temporal.torch_smoother``: the warps, the change
weight, the blend, luma SSIM, PSNR and the E_warps on the GPU, equal to the
OpenCV path within the tolerance stated there); anywhere else the OpenCV
path (``FlowSmoother``, ``FrameMetrics``), which is what ships and on a CPU
the faster of the two (bench/RESULTS.md, "Smoothing in torch").

torch is imported only where a GPU may be: ``device: cpu`` never imports it,
and ``auto`` first looks for an NVIDIA driver (``NVIDIA_DRIVER``), so a CPU
host's smoothing chunks do not pay torch's import (1.3 s a process on the
2-core test machine). A host whose GPU torch sees without any of those files
smooths on the CPU: the same frames within the tolerance, more slowly.
"""
from __future__ import annotations

import os
from typing import Optional

from pipeline.temporal.metrics import FrameMetrics
from pipeline.temporal.smoother import FlowSmoother

#: Where an NVIDIA driver shows itself (Linux, containers given a GPU, WSL 2).
NVIDIA_DRIVER = ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/dxg")


def nvidia_driver_present() -> bool:
    """Whether CUDA may be here at all (a cheap look, before importing torch)."""
    return any(os.path.exists(p) for p in NVIDIA_DRIVER)


def torch_device(requested: str) -> Optional[str]:
    """The CUDA device the torch path runs on for the pipeline's ``device`` setting,
    or None: the OpenCV path. ``cuda`` where there is none: ``DeviceError``
    (as the styled stage)."""
    if requested == "cpu" or (requested == "auto" and not nvidia_driver_present()):
        return None
    from models.inference import select_device  # imports torch
    device = select_device(requested)
    return str(device) if device.type == "cuda" else None


def smoothing_for(strength: float, method: str, requested_device: str
                  ) -> tuple[FlowSmoother, FrameMetrics]:
    """A smoother and the metrics it scores in passing, on the path ``requested_device``
    (the pipeline's ``device`` setting) takes (``torch_device``)."""
    device = torch_device(requested_device)
    if device is None:
        return FlowSmoother(strength, method), FrameMetrics()
    from pipeline.temporal.torch_ops import DeviceFrames
    from pipeline.temporal.torch_smoother import TorchFlowSmoother, TorchFrameMetrics
    frames = DeviceFrames(device)
    return TorchFlowSmoother(strength, method, frames=frames), TorchFrameMetrics(frames=frames)


def path_name(smoother: FlowSmoother) -> str:
    """What the stage's log and manifest say it smoothed with: 'opencv' or 'torch <device>'."""
    device = getattr(smoother, "device", None)
    return "opencv" if device is None else f"torch {device}"
