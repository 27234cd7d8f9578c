"""A generator compiled by OpenVINO for the CPU: the fastest CPU path measured here.

On the sample style at 720x405 (bench/bench_style.py, precision section) OpenVINO
runs the network about 1.7x faster than PyTorch at the same precision (bf16 on a
CPU with native bf16, fp32 elsewhere). The PyTorch module is traced and
converted (OpenVINO's PyTorch frontend, about 1 s for the shipped
style) with a dynamic batch and frame size, and compiled for the CPU with the
precision asked for. It takes and returns NCHW float32 tensors, as the module does.

With a ``cache_dir`` (the caller's: ``models`` knows no file layout) the
converted model is kept there as ``<key>.xml``/``.bin`` (``ov.save_model``,
weights kept float32), keyed by a hash of the module's architecture, weights,
trace size and OpenVINO's version, and read back by later chunks and renders
instead of converting again; ``compiled/`` under it is OpenVINO's own cache of
compiled blobs (``CACHE_DIR``). Entries are written under temporary names and
renamed into place, so processes sharing the folder never see half an entry;
an entry that cannot be read is converted again (one warning) and replaced.

Telemetry: ``import openvino`` sends anonymous usage data to Google Analytics
from a forked process and writes ``~/intel/`` unless the user opted out
(``opt_in_out --opt_out``) or the process runs in CI. A render must not phone
home from farm nodes, so OpenVINO is imported here with the telemetry library's
own CI switch set (``CI=true``, for the import only), and models are converted
with the frontend directly rather than ``openvino.convert_model``, which would
start telemetry again.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import os
import uuid
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Optional

import cv2
import numpy as np
import torch
from torch import nn

#: The size the module is traced at; the compiled model takes any size (and batch).
_EXAMPLE_SIZE = 64

log = logging.getLogger("shotstyle")


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
    """``model`` compiled for the CPU; call it like the module (NCHW float32).
    ``cache_dir``: where converted models are kept across processes (module doc)."""

    def __init__(self, model: nn.Module, dtype: Optional[torch.dtype], threads: int,
                 size_multiple: int = 1, cache_dir: Optional[Path] = None):
        ov = _openvino()
        # traced at a size the network takes (a deep U-Net needs 256 px)
        side = max(_EXAMPLE_SIZE, -(-_EXAMPLE_SIZE // size_multiple) * size_multiple)
        model = model.eval().float()
        converted = (_convert(model, side) if cache_dir is None
                     else _cached_conversion(model, side, Path(cache_dir)))
        hint = {torch.bfloat16: "bf16", torch.float16: "f16"}.get(dtype, "f32")
        self.precision = hint
        core = ov.Core()
        if cache_dir is not None:
            core.set_property({"CACHE_DIR": str(Path(cache_dir) / "compiled")})
        self._core, self._converted = core, converted
        self._config = {"INFERENCE_PRECISION_HINT": hint, "INFERENCE_NUM_THREADS": int(threads)}
        self.compiled = core.compile_model(converted, "CPU", self._config)
        self._request = self.compiled.create_infer_request()
        self._nhwc_request = None  # made on the first ``pictures`` call

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        result = self._request.infer({0: x.float().contiguous().numpy()})
        return torch.from_numpy(result[self.compiled.output(0)].copy())

    def pictures(self, frames: np.ndarray, input_range: tuple[float, float]) -> np.ndarray:
        """N x H x W x 3 uint8 (or uint16) pictures in, the network's N x H x W x C
        pictures of the same type out.

        The arithmetic of the float path (``x / 255``, or ``/ 65535``, mapped onto
        ``input_range``; the output mapped back, clipped and rounded) in float32
        with NumPy and OpenCV on NHWC arrays, and the layout changes inside the
        compiled model (``_nhwc``), so the frames never exist as float32 NCHW
        tensors in Python (bench/RESULTS.md, "Stylise: pictures in and out of
        OpenVINO"). The arithmetic stays outside the model: in it, it would run
        at the model's precision (bf16 cannot hold 0-255 in steps of one)."""
        if self._nhwc_request is None:
            compiled = self._core.compile_model(_nhwc(self._converted), "CPU", self._config)
            self._nhwc_request = compiled.create_infer_request()
        lo, hi = float(input_range[0]), float(input_range[1])
        peak = float(np.iinfo(frames.dtype).max)  # 255 or 65535
        # x / peak * (hi - lo) + lo in float32, as the float path computes it
        x = np.divide(frames, np.float32(peak), dtype=np.float32)
        x *= np.float32(hi - lo)
        x += np.float32(lo)
        y = next(iter(self._nhwc_request.infer({0: x}).values()))
        scale = peak / (hi - lo)
        out = np.empty(y.shape, frames.dtype)
        for picture, target in zip(y, out):
            if frames.dtype == np.uint8:
                # clipped to [lo, hi] first: convertScaleAbs takes |v| after scaling
                np.clip(picture, lo, hi, out=picture)
                cv2.convertScaleAbs(picture, target, scale, -lo * scale)
            else:
                # one pass, saturated to [0, 65535] and rounded (a value on a
                # half may round the other way than the float path's: one level)
                cv2.addWeighted(picture, scale, picture, 0.0, -lo * scale, target,
                                dtype=cv2.CV_16U)
        return out


def _nhwc(converted):
    """A copy of ``converted`` that takes and returns NHWC float32 (OpenVINO's
    pre/post-processing changes the layouts inside the compiled model)."""
    ov = _openvino()
    from openvino.preprocess import PrePostProcessor

    ppp = PrePostProcessor(converted.clone())
    inp = ppp.input()
    inp.tensor().set_element_type(ov.Type.f32).set_layout(ov.Layout("NHWC"))
    inp.model().set_layout(ov.Layout("NCHW"))
    out = ppp.output()
    out.model().set_layout(ov.Layout("NCHW"))
    out.tensor().set_layout(ov.Layout("NHWC")).set_element_type(ov.Type.f32)
    return ppp.build()


def _convert(model: nn.Module, side: int):
    """``model`` (float32, eval) as an ``ov.Model`` taking any batch and frame size."""
    ov = _openvino()
    from openvino.frontend import FrontEndManager
    from openvino.frontend.pytorch.ts_decoder import TorchScriptPythonDecoder

    with torch.no_grad():
        decoder = TorchScriptPythonDecoder(model, example_input=(torch.zeros(1, 3, side, side),))
    frontend = FrontEndManager().load_by_framework("pytorch")
    converted = frontend.convert(frontend.load(decoder))
    converted.reshape({converted.input(0): ov.PartialShape([-1, 3, -1, -1])})
    return converted


def conversion_key(model: nn.Module, side: int) -> str:
    """What the converted model depends on: the module's class and structure, its
    weights, the trace size and OpenVINO's version (not the precision: that is
    chosen when compiling, and OpenVINO's own cache keys it)."""
    h = hashlib.sha256()
    kind = type(model)
    h.update(f"{kind.__module__}.{kind.__qualname__}\n{model!r}\n{side}\n"
             f"{_openvino().__version__}\n".encode())
    for name, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)}\n".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:32]


def _cached_conversion(model: nn.Module, side: int, cache_dir: Path):
    """The converted model from ``cache_dir`` when an entry is there and readable;
    else converted and saved there (a failure to save is a warning only)."""
    xml = cache_dir / f"{conversion_key(model, side)}.xml"
    if xml.is_file():
        try:
            return _openvino().Core().read_model(str(xml))
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and others
            log.warning("OpenVINO model cache: cannot read %s (%s); converting the model again",
                        xml, (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200])
    converted = _convert(model, side)
    try:
        _save(converted, xml)
    except Exception as exc:  # noqa: BLE001 - a full or read-only cache costs time only
        log.warning("OpenVINO model cache: cannot write %s (%s)", xml, exc)
    return converted


def _save(converted, xml: Path) -> None:
    """``converted`` as ``xml`` and its ``.bin``, each written under a name of this
    process's own and renamed into place, the weights first: a reader finding
    the .xml finds its weights; two writers of one entry write the same bytes."""
    xml.parent.mkdir(parents=True, exist_ok=True)
    tmp = xml.with_name(f".{xml.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.xml")
    try:
        _openvino().save_model(converted, str(tmp), compress_to_fp16=False)
        os.replace(tmp.with_suffix(".bin"), xml.with_suffix(".bin"))
        os.replace(tmp, xml)
    finally:
        for leftover in (tmp, tmp.with_suffix(".bin")):
            leftover.unlink(missing_ok=True)
