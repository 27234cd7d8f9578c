"""A ready ``Stylizer`` for a style checkpoint, in one call.

``ready_stylizer`` makes the choices in the order a render needs them: the
device, the autocast dtype, the CPU threads (before OpenVINO compiles for
them), the checkpoint, the backend (OpenVINO or PyTorch), then the Stylizer
(an automatic backend falls back to PyTorch when OpenVINO cannot compile the
network). It returns the Stylizer and a ``StylizerSetup`` saying what was
chosen and why, for the log and the stage's manifest.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch

from models.inference import (Stylizer, make_stylizer, precision_reason, select_backend,
                              select_device, select_dtype, set_cpu_threads)
from models.loaders import load_style_model


@dataclass(frozen=True)
class StylizerSetup:
    """What ``ready_stylizer`` chose."""

    device: torch.device
    dtype: Optional[torch.dtype]   # the autocast dtype; None: float32
    backend: str                   # what runs the network: 'torch' or 'openvino'
    threads: Optional[int]         # intra-op CPU threads; None on CUDA
    precision_reason: str          # the dtype and why, e.g. "float32 (precision: fp32)"
    arch: str                      # the generator's registered architecture
    format: str                    # the checkpoint format it was loaded as

    @property
    def backend_name(self) -> str:
        """'OpenVINO' or 'PyTorch', as the log names it."""
        return "OpenVINO" if self.backend == "openvino" else "PyTorch"


def ready_stylizer(checkpoint, fmt: str = "shotstyle", kwargs: Optional[dict[str, Any]] = None,
                   *, device: str = "auto", precision: str = "auto", backend: str = "auto",
                   tile_size: int = 0, tile_overlap: int = 64,
                   threads: int = 0,
                   openvino_cache: Optional[Path] = None) -> tuple[Stylizer, StylizerSetup]:
    """Load ``checkpoint`` (format ``fmt``, loader ``kwargs``) and make its Stylizer.

    ``device``: auto | cpu | cuda (``select_device``); ``precision``: auto |
    fp32 | bf16 | fp16 (``select_dtype``); ``backend``: auto | torch | openvino
    (``select_backend``; only 'auto' falls back to PyTorch when OpenVINO cannot
    compile the network); ``threads``: CPU intra-op threads, 0 for one per
    usable core (set only on the CPU); ``tile_size`` / ``tile_overlap``: see
    ``Stylizer``; ``openvino_cache``: the folder where OpenVINO's converted
    models are kept across processes (``models.openvino_net``). Errors: DeviceError, CheckpointError.
    """
    dev = select_device(device)
    dtype = select_dtype(dev, precision)
    used_threads = set_cpu_threads(threads) if dev.type == "cpu" else None
    loaded = load_style_model(checkpoint, fmt, kwargs)
    chosen = select_backend(dev, backend, loaded.model)
    stylizer = make_stylizer(loaded.model, dev, loaded.input_range, dtype, loaded.size_multiple,
                             tile_size, tile_overlap, chosen, fall_back=backend == "auto",
                             source=str(checkpoint), openvino_cache=openvino_cache)
    setup = StylizerSetup(dev, dtype, stylizer.backend, used_threads,
                          precision_reason(dev, precision, dtype), loaded.arch, loaded.format)
    return stylizer, setup
