"""Shot names: a clip's marker names its shot (made a shot name, with a
warning, where it is not one); the other clips are named by the ``--name``
pattern (``{clip}``, the clip's name made a shot name, by default); every name
follows the rule of ``check_shot_name`` and is unique in the cut, also where
the file system ignores case: a second clip of one marker gets a warning and a
suffix, a pattern's repeats a suffix."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.config import SHOT_NAME_MAX, check_shot_name
from pipeline.editorial.lines import one_line_error

#: ``--name``'s default: the clip's name (today's names: ``city_s01``, ``city_s01_2``).
DEFAULT_NAME_PATTERN = "{clip}"
#: The fields of a ``--name`` pattern and what each holds.
NAME_FIELDS = {"clip": "the clip's name, made a shot name",
               "index": "the clip's number in the cut, from 1",
               "cut": "the cut's file name without its extension"}
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def _name_base(text: str) -> str:
    """``text`` made a shot name: other characters become '_', '..' a '.', no
    leading or trailing '.', '_' or '-'; room left for a suffix."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)
    base = re.sub(r"\.{2,}", ".", base).strip("._-")
    return base[: SHOT_NAME_MAX - 8].strip("._-")


# --------------------------------------------------------------------------- #
# --name PATTERN
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class NamePattern:
    """A checked ``--name`` pattern: Python format fields ``{clip}``,
    ``{index}``, ``{cut}``, each with an optional format spec
    (``sq010_sh{index:03d}0``), between characters of shot names."""
    text: str = DEFAULT_NAME_PATTERN

    def name(self, clip_name: str, index: int, cut_stem: str) -> str:
        """The shot name of clip ``index`` (before it is made unique)."""
        number = _name_base(f"{cut_stem}_{index:03d}") or f"clip_{index:03d}"
        clip = _name_base(Path(clip_name or "").stem) or number
        return _name_base(self.text.format(clip=clip, index=index,
                                           cut=_name_base(cut_stem) or "cut")) or number


def _pattern_error(text: str, why: str):
    fields = ", ".join(f"{{{name}}} ({what})" for name, what in NAME_FIELDS.items())
    return one_line_error(f"--name {text!r}: {why}; the fields are {fields}, e.g. "
                          f"sq010_sh{{index:03d}}0")


def parse_name_pattern(text: str) -> NamePattern:
    """``--name`` checked before anything is read: known fields only, format
    specs that format, characters of shot names around them."""
    if not text:
        raise _pattern_error(text, "empty")
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:  # a lone '{' or '}'
        raise _pattern_error(text, f"not a format pattern ({exc})") from None
    for literal, name, spec, conversion in parts:
        bad = _NAME_CHARS.search(literal)
        if bad:
            raise _pattern_error(text, f"{bad.group()!r} cannot be in a shot name (letters, "
                                       f"digits, '_', '-' and '.')")
        if name is None:
            continue
        if name not in NAME_FIELDS:
            raise _pattern_error(text, f"unknown field {{{name}}}")
        if conversion or "{" in (spec or ""):
            raise _pattern_error(text, f"field {{{name}}} takes a format spec only (such as "
                                       f"{{index:03d}}), no conversion (!r) or nested field")
        if any(int(width) > SHOT_NAME_MAX for width in re.findall(r"\d+", spec or "")):
            raise _pattern_error(text, f"{{{name}:{spec}}} is wider than a shot name "
                                       f"({SHOT_NAME_MAX} characters at most)")
    try:
        text.format(clip="take1", index=1, cut="reel_a")
    except (ValueError, TypeError) as exc:  # a spec that does not fit the field
        raise _pattern_error(text, f"{exc} ({{clip}} and {{cut}} are text, {{index}} a "
                                   f"number)") from None
    return NamePattern(text)


# --------------------------------------------------------------------------- #
# Unique names
# --------------------------------------------------------------------------- #
@dataclass
class ShotNamer:
    """Names the shots of one cut: markers first (the editor's names keep
    theirs), then the pattern, each unique also where case is ignored."""
    pattern: NamePattern
    cut_stem: str
    taken: dict[str, str] = field(default_factory=dict)  # casefolded name -> the clip's label

    def from_marker(self, text: str, label: str) -> tuple[Optional[str], list[str]]:
        """The name a clip's marker gives (None where it makes no name), and
        a line for each way it differs from the marker."""
        base = _name_base(text)
        if not base:
            return None, [f"its marker {text!r} makes no shot name: it is named by --name "
                          f"instead"]
        lines = [] if base == text else [
            f"its marker {text!r} is not a shot name (letters, digits, '_', '-' and '.'): "
            f"the shot is named {base!r}"]
        owner = self.taken.get(base.casefold())
        name = self._unique(base, label)
        if owner is not None:
            lines.append(f"its marker {text!r} names {owner}'s shot too: this shot is "
                         f"named {name!r}")
        return name, lines

    def from_pattern(self, clip_name: str, index: int, label: str) -> str:
        return self._unique(self.pattern.name(clip_name, index, self.cut_stem), label)

    def _unique(self, base: str, label: str) -> str:
        name, n = base, 2
        while name.casefold() in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken[name.casefold()] = label
        return check_shot_name(name)
