"""Checkpoint files: ``state_dict`` plus a small metadata dict.

Layout (a plain dict, loadable with ``torch.load(..., weights_only=True)``)::

    {"format": "shotstyle.generator/1", "arch": "fewshot_unet",
     "kwargs": {...}, "input_range": [-1.0, 1.0], "meta": {...},
     "state_dict": {...}}

Nothing here unpickles arbitrary objects: a file that needs more than tensors
and plain containers is refused.
"""
from __future__ import annotations

import os
import pickle
import uuid
import zipfile
from pathlib import Path
from typing import Any, Optional

import torch
from torch import nn

from models.build import build_generator
from models.errors import CheckpointError
from models.loaded import LoadedStyle

FORMAT = "shotstyle.generator/1"


def save_generator(path: Path, model: nn.Module, kwargs: dict[str, Any],
                   meta: Optional[dict[str, Any]] = None) -> None:
    """Save atomically; ``kwargs`` rebuild the model with build_generator."""
    payload = {
        "format": FORMAT,
        "arch": model.arch_name,
        "kwargs": dict(kwargs),
        "input_range": list(getattr(model, "input_range", (-1.0, 1.0))),
        "meta": dict(meta or {}),
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
    }
    save_atomically(Path(path), payload)


def save_atomically(path: Path, payload: Any) -> None:
    """``torch.save`` under a temporary name beside ``path``, fsync, rename: a
    reader or a killed run never sees a half-written checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:  # a failed write names no file
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)  # the rename itself survives a power cut
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def load_file(path: Path) -> Any:
    """``torch.load`` with ``weights_only=True``; errors become one line."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    if not _looks_like_torch_file(path):
        raise CheckpointError(f"{path}: cannot read checkpoint: not a PyTorch file")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if "Unsupported" in ln]
        why = lines[0].split(". Please")[0] if lines else "it holds more than tensors and plain containers"
        raise CheckpointError(f"{path}: refused: not a plain weights file ({why[:200]})") from None
    except (RuntimeError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: cannot read checkpoint: {first[:200]}") from None


def _looks_like_torch_file(path: Path) -> bool:
    """torch.save writes a zip archive; very old files are a raw pickle (0x80)."""
    if zipfile.is_zipfile(path):
        return True
    with open(path, "rb") as fh:
        return fh.read(1) == b"\x80"


def load_state_dict_strict(model: nn.Module, state: dict, where: str) -> None:
    """load_state_dict(strict=True) with a one-line message naming bad keys."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{where}: state_dict is not a mapping of tensors")
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [k for k in own if k in state and own[k].shape != state[k].shape]
    if missing or unexpected or shapes:
        parts = []
        for label, keys in (("missing keys", missing), ("unexpected keys", unexpected),
                            ("wrong shapes", shapes)):
            if keys:
                shown = ", ".join(keys[:4]) + (f" (+{len(keys) - 4} more)" if len(keys) > 4 else "")
                parts.append(f"{label}: {shown}")
        raise CheckpointError(f"{where}: checkpoint does not match architecture "
                              f"{getattr(model, 'arch_name', type(model).__name__)!r}; "
                              + "; ".join(parts))
    model.load_state_dict(state, strict=True)


def load_generator(path: Path) -> LoadedStyle:
    """Rebuild a generator from a shotstyle checkpoint, in eval mode."""
    data = load_file(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a shotstyle generator checkpoint "
                              f"(expected format {FORMAT!r})")
    for key in ("arch", "kwargs", "state_dict"):
        if key not in data:
            raise CheckpointError(f"{path}: checkpoint metadata lacks {key!r}")
    _check_metadata(path, data)
    try:
        model = build_generator(data["arch"], **data["kwargs"])
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    load_state_dict_strict(model, data["state_dict"], str(path))
    model.eval()
    return LoadedStyle(model, "shotstyle", data["arch"], data["kwargs"],
                       input_range=tuple(data.get("input_range", (-1.0, 1.0))),
                       size_multiple=getattr(model, "size_multiple", 1), source=Path(path),
                       meta=data.get("meta", {}))


def _check_metadata(path: Path, data: dict) -> None:
    """The types of a checkpoint's metadata (``arch`` a name, ``kwargs`` and ``meta``
    mappings, ``input_range`` two numbers, low to high): one line when wrong."""
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    arch, kwargs, meta = data["arch"], data["kwargs"], data.get("meta", {})
    span = data.get("input_range", [-1.0, 1.0])
    if not isinstance(arch, str):
        raise CheckpointError(f"{path}: checkpoint metadata 'arch' must be an architecture "
                              f"name, not {arch!r}"[:300])
    if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
        raise CheckpointError(f"{path}: checkpoint metadata 'kwargs' must be a mapping of "
                              f"names, not {kwargs!r}"[:300])
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: checkpoint metadata 'meta' must be a mapping, "
                              f"not {meta!r}"[:300])
    if (not isinstance(span, (list, tuple)) or len(span) != 2 or not all(map(number, span))
            or not span[0] < span[1]):
        raise CheckpointError(f"{path}: checkpoint metadata 'input_range' must be two numbers, "
                              f"low then high, not {span!r}"[:300])
