"""A ready ``Stylizer`` for a style checkpoint, in one call.

``ready_stylizer`` makes the choices in the order a render needs them: the
device, the autocast dtype, the CPU threads (before OpenVINO compiles for
them), the checkpoint, the backend (OpenVINO or PyTorch), then the Stylizer
(an automatic backend falls back to PyTorch when OpenVINO cannot compile the
network). It returns the Stylizer and a ``StylizerSetup`` saying what was
chosen and why, for the log and the stage's manifest.

With ``keep`` the ready Stylizer is kept in this process and handed out again
(``restart``-ed) to a later call with the same arguments while the checkpoint
file is the same file, unchanged (``checkpoint_identity``): loading, reading
the converted OpenVINO model and compiling it cost 0.4-0.5 s, once per chunk
of a render otherwise (issue #23). ``KEEP`` Stylizers at most are kept, so
memory stays that of one network. The memo is this process's: forked
processes make their own; and one caller at a time uses a Stylizer.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Hashable, Optional

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
    kept: bool = False             # the Stylizer was kept from an earlier call (``keep``)

    @property
    def backend_name(self) -> str:
        """'OpenVINO' or 'PyTorch', as the log names it."""
        return "OpenVINO" if self.backend == "openvino" else "PyTorch"


#: How many ready Stylizers ``ready_stylizer(..., keep=True)`` keeps (one: a
#: render stylises with one style; each holds a network and its compiled model).
KEEP = 1


@dataclass(frozen=True)
class _Made:
    """A ready Stylizer and what ``StylizerSetup`` says of its checkpoint."""

    stylizer: Stylizer
    arch: str
    format: str


_kept: "OrderedDict[Hashable, _Made]" = OrderedDict()


def checkpoint_identity(checkpoint) -> Optional[tuple]:
    """The checkpoint file as found now: resolved path, device, inode, size and
    mtime (ns). A file retrained (rewritten or renamed into place) differs in one
    of them. None when it cannot be read (then nothing is kept: loading says why)."""
    try:
        path = Path(checkpoint).resolve()
        found = path.stat()
    except OSError:
        return None
    return str(path), found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


def ready_stylizer(checkpoint, fmt: str = "shotstyle", kwargs: Optional[dict[str, Any]] = None,
                   *, device: str = "auto", precision: str = "auto", backend: str = "auto",
                   tile_size: int = 0, tile_overlap: int = 64,
                   threads: int = 0,
                   openvino_cache: Optional[Path] = None,
                   keep: bool = False) -> tuple[Stylizer, StylizerSetup]:
    """Load ``checkpoint`` (format ``fmt``, loader ``kwargs``) and make its Stylizer.

    ``device``: auto | cpu | cuda (``select_device``); ``precision``: auto |
    fp32 | bf16 | fp16 (``select_dtype``); ``backend``: auto | torch | openvino
    (``select_backend``; only 'auto' falls back to PyTorch when OpenVINO cannot
    compile the network); ``threads``: CPU intra-op threads, 0 for one per
    usable core (set only on the CPU); ``tile_size`` / ``tile_overlap``: see
    ``Stylizer``; ``openvino_cache``: the folder where OpenVINO's converted
    models are kept across processes (``models.openvino_net``); ``keep``: keep
    the Stylizer for a later call, or hand out the one kept (module doc).
    Errors: DeviceError, CheckpointError.
    """
    dev = select_device(device)
    dtype = select_dtype(dev, precision)
    used_threads = set_cpu_threads(threads) if dev.type == "cpu" else None
    key = _key(checkpoint, fmt, kwargs, device, precision, backend, tile_size, tile_overlap,
               threads, openvino_cache, dev, dtype, used_threads) if keep else None
    made = _kept.get(key) if key is not None else None
    kept = made is not None
    if kept:
        made.stylizer.restart()
    else:
        if key is not None:
            _make_room()
        made = _make(checkpoint, fmt, kwargs, dev, dtype, backend, tile_size, tile_overlap,
                     openvino_cache)
        if key is not None:
            _kept[key] = made
    setup = StylizerSetup(dev, dtype, made.stylizer.backend, used_threads,
                          precision_reason(dev, precision, dtype), made.arch, made.format, kept)
    return made.stylizer, setup


def _key(checkpoint, *settings: Any) -> Optional[tuple]:
    """What a kept Stylizer is found by: the checkpoint file's identity, and every
    argument of ``ready_stylizer`` with what this process resolved them to (the
    device, dtype and threads; OpenVINO compiles for the threads). None when
    the checkpoint cannot be read: nothing is kept."""
    identity = checkpoint_identity(checkpoint)
    if identity is None:
        return None
    return (identity, str(checkpoint)) + tuple(repr(value) for value in settings)


def _make_room() -> None:
    """Drop the oldest kept Stylizers down to ``KEEP`` - 1, before loading another:
    never more than ``KEEP`` networks in memory."""
    while len(_kept) >= KEEP:
        _kept.popitem(last=False)


def _make(checkpoint, fmt: str, kwargs: Optional[dict[str, Any]], dev: torch.device,
          dtype: Optional[torch.dtype], backend: str, tile_size: int, tile_overlap: int,
          openvino_cache: Optional[Path]) -> _Made:
    """Load the checkpoint, choose the backend and make the Stylizer (``ready_stylizer``)."""
    loaded = load_style_model(checkpoint, fmt, kwargs)
    chosen = select_backend(dev, backend, loaded.model)
    stylizer = make_stylizer(loaded.model, dev, loaded.input_range, dtype, loaded.size_multiple,
                             tile_size, tile_overlap, chosen, fall_back=backend == "auto",
                             source=str(checkpoint), openvino_cache=openvino_cache)
    return _Made(stylizer, loaded.arch, loaded.format)
