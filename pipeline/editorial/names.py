"""Shot names from clip names: a shot name (the rule of ``check_shot_name``)
made of the clip's name, else of the cut's and the clip's number, unique in
the cut also where the file system ignores case."""
from __future__ import annotations

import re
from pathlib import Path

from pipeline.config import SHOT_NAME_MAX, check_shot_name


def _name_base(text: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)
    base = re.sub(r"\.{2,}", ".", base).strip("._-")
    return base[: SHOT_NAME_MAX - 8].strip("._-")


def shot_name(clip_name: str, index: int, stem: str, taken: set[str]) -> str:
    """A shot name from the clip's name (else the cut's and the clip's number),
    unique also where the file system ignores case."""
    base = (_name_base(Path(clip_name or "").stem) or _name_base(f"{stem}_{index:03d}")
            or f"clip_{index:03d}")
    name, n = base, 2
    while name.casefold() in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name.casefold())
    return check_shot_name(name)
