"""A generator compiled by OpenVINO for the CPU: the fastest CPU path measured here.

On the sample style at 720x405 (bench/bench_style.py, precision section) OpenVINO
runs the network about 1.7x faster than PyTorch at the same precision (bf16 on a
CPU with native bf16, fp32 elsewhere). The PyTorch module is traced and
converted once per chunk (OpenVINO's PyTorch frontend, about 1 s for the shipped
style) with a dynamic batch and frame size, and compiled for the CPU with the
precision asked for. It takes and returns NCHW float32 tensors, as the module does.

Telemetry: ``import openvino`` sends anonymous usage data to Google Analytics
from a forked process and writes ``~/intel/`` unless the user opted out
(``opt_in_out --opt_out``) or the process runs in CI. A render must not phone
home from farm nodes, so OpenVINO is imported here with the telemetry library's
own CI switch set (``CI=true``, for the import only), and models are converted
with the frontend directly rather than ``openvino.convert_model``, which would
start telemetry again.
"""
from __future__ import annotations

import importlib
import os
from functools import lru_cache
from types import ModuleType
from typing import Optional

import torch
from torch import nn

#: The size the module is traced at; the compiled model takes any size (and batch).
_EXAMPLE_SIZE = 64


@lru_cache(maxsize=1)
def _openvino() -> Optional[ModuleType]:
    """The ``openvino`` module with its telemetry declined, or None if not installed."""
    saved = os.environ.get("CI")
    os.environ["CI"] = "true"  # read once, when openvino's telemetry starts
    try:
        return importlib.import_module("openvino")
    except Exception:  # noqa: BLE001 - missing, or a broken install (OSError, RuntimeError)
        return None
    finally:
        if saved is None:
            del os.environ["CI"]
        else:
            os.environ["CI"] = saved


def openvino_available() -> bool:
    return _openvino() is not None


class OpenVINONet:
    """``model`` compiled for the CPU; call it like the module (NCHW float32)."""

    def __init__(self, model: nn.Module, dtype: Optional[torch.dtype], threads: int,
                 size_multiple: int = 1):
        ov = _openvino()
        from openvino.frontend import FrontEndManager
        from openvino.frontend.pytorch.ts_decoder import TorchScriptPythonDecoder

        # traced at a size the network takes (a deep U-Net needs 256 px)
        side = max(_EXAMPLE_SIZE, -(-_EXAMPLE_SIZE // size_multiple) * size_multiple)
        example = torch.zeros(1, 3, side, side)
        with torch.no_grad():
            decoder = TorchScriptPythonDecoder(model.eval().float(), example_input=(example,))
        frontend = FrontEndManager().load_by_framework("pytorch")
        converted = frontend.convert(frontend.load(decoder))
        converted.reshape({converted.input(0): ov.PartialShape([-1, 3, -1, -1])})
        hint = {torch.bfloat16: "bf16", torch.float16: "f16"}.get(dtype, "f32")
        self.precision = hint
        self.compiled = ov.Core().compile_model(converted, "CPU", {
            "INFERENCE_PRECISION_HINT": hint, "INFERENCE_NUM_THREADS": int(threads)})
        self._request = self.compiled.create_infer_request()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        result = self._request.infer({0: x.float().contiguous().numpy()})
        return torch.from_numpy(result[self.compiled.output(0)].copy())
