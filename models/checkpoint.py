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
import re
import struct
import uuid
import warnings
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
    """``torch.load`` with ``weights_only=True``; errors become one line.

    Nothing is allocated beyond what the file holds: a zip archive's records
    must fit in the file (torch.save stores them uncompressed, and torch checks
    each tensor's data against its record), and an old non-zip file, whose
    loader allocates every storage it declares before reading it, is first
    loaded with fake tensors (shapes only) to check what it declares."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: a folder, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    size = path.stat().st_size
    head = _head(path)
    if len(head) == 9 and head[8:] == b"{" and int.from_bytes(head[:8], "little") < size:
        raise CheckpointError(f"{path}: cannot read checkpoint: a safetensors file, which no "
                              f"checkpoint format here reads (save its state_dict with "
                              f"torch.save)")
    if zipfile.is_zipfile(path):
        _check_archive(path)
    elif head[:1] == b"\x80":  # very old files are a raw pickle
        from torch._subclasses.fake_tensor import FakeTensorMode
        with FakeTensorMode():
            declared = _storage_bytes(_torch_load(path))
        if max(declared, default=0) > size or sum(declared) > _VIEWS * size:
            raise CheckpointError(f"{path}: refused: its tensors declare {sum(declared):,} "
                                  f"bytes, more than the {size:,}-byte file holds (a corrupt "
                                  f"or hostile file)")
    elif head[:4] == b"PK\x03\x04":  # a zip's first record, but no directory at its end
        raise CheckpointError(f"{path}: cannot read checkpoint: a zip archive cut short "
                              f"(truncated or corrupt file)")
    else:
        raise CheckpointError(f"{path}: cannot read checkpoint: not a PyTorch file")
    return _torch_load(path)


#: An old file's tensors may be views of one storage, each counted whole: what
#: they declare together may be this many times the file's size
_VIEWS = 4


def _torch_load(path: Path) -> Any:
    """torch.load of the open file: a file object, so that torch reads it as a
    torch file whatever its name (it takes a path ending in .safetensors for
    one, read by the safetensors package where it is installed)."""
    try:
        with open(path, "rb") as fh, warnings.catch_warnings():
            # torch's warnings about a file (its pickle protocol, ...) are lines more:
            # what is wrong with the file is the one line below
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(fh, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"GLOBAL ([\w.]+)", str(exc))
        why = (f"it asks for {found.group(1)}, which loading weights does not run" if found
               else "it holds more than tensors and plain containers")
        raise CheckpointError(f"{path}: refused: not a plain weights file ({why})") from None
    except (RuntimeError, EOFError, ValueError, OSError, KeyError, TypeError,
            AttributeError, IndexError, struct.error) as exc:
        raise CheckpointError(f"{path}: cannot read checkpoint: {_why(exc)}") from None


_TORCHSCRIPT = "a TorchScript archive: give the style format 'torchscript'"
#: torch's words for a broken file -> what they mean to whoever holds it
_TORCH_SAYS = {
    "Trying to resize storage that is not resizable":
        "a tensor reaches past its stored data (truncated or corrupt file)",
    "PytorchStreamReader failed locating file data.pkl":
        "the archive has no data.pkl (truncated, or not a torch.save file)",
    "Cannot use ``weights_only=True`` with TorchScript archives": _TORCHSCRIPT,
}


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    for says, means in _TORCH_SAYS.items():
        if says in text:
            return means
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:200]


#: What a zip archive's records may unpack to beyond its own size: torch.save
#: stores records uncompressed, a TorchScript archive deflates only its code
ARCHIVE_SLACK = 64 << 20


def check_archive_size(path: Path) -> list[str]:
    """The names of a zip archive's records; CheckpointError, before anything is
    read, when they unpack to more than the file's size plus ARCHIVE_SLACK
    (a "zip bomb": a few kilobytes that inflate to gigabytes)."""
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            records = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CheckpointError(f"{path}: cannot read checkpoint: {_why(exc)}") from None
    unpacked = sum(r.file_size for r in records)
    if unpacked > size + ARCHIVE_SLACK:
        raise CheckpointError(f"{path}: refused: its records unpack to {unpacked:,} bytes from "
                              f"a {size:,}-byte file (a zip bomb?)")
    return [r.filename for r in records]


def _check_archive(path: Path) -> None:
    """A torch.save zip: bounded (check_archive_size), and has the data.pkl torch.load reads."""
    names = check_archive_size(path)
    if any(n.endswith("/constants.pkl") for n in names):
        raise CheckpointError(f"{path}: cannot read checkpoint: {_TORCHSCRIPT}")
    if not any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        raise CheckpointError(f"{path}: cannot read checkpoint: the archive has no data.pkl "
                              f"(truncated, or not a torch.save file)")


def _storage_bytes(obj: Any, depth: int = 0) -> list[int]:
    """The bytes each tensor's storage declares, in plain containers."""
    if depth > 100:
        return []
    if isinstance(obj, torch.Tensor):
        return [obj.untyped_storage().nbytes()]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        return [n for item in obj for n in _storage_bytes(item, depth + 1)]
    return []


def _head(path: Path) -> bytes:
    """The first 9 bytes: a raw pickle's 0x80, or a safetensors header's length and '{'."""
    with open(path, "rb") as fh:
        return fh.read(9)


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
    broken = [k for k, v in state.items() if v.is_floating_point() and not bool(v.isfinite().all())]
    if broken:
        shown = ", ".join(broken[:4]) + (f" (+{len(broken) - 4} more)" if len(broken) > 4 else "")
        raise CheckpointError(f"{where}: weights that are NaN or infinite in {shown}: every "
                              f"frame would come out black or grey (a training that diverged?)")
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
