"""Every line a cut gives is one line: names from the edit (the cut's file
name, clip names, media paths) have their control characters and line
separators escaped, in a refused input's error (``one_line_error``, exit 2) and
in a refused clip's warning (``ClipRefused``, its reason after the clip's label)."""
from __future__ import annotations

import unicodedata

from pipeline.errors import ConfigError


class ClipRefused(Exception):
    """A clip that cannot become a shot; its str() is the reason."""


def one_line(text: str) -> str:
    """``text`` with control characters and line or paragraph separators written
    as escapes (``\\n``, ``\\x1b``, ``\\u2028``): a file or clip name cannot start
    a new line in a message, nor a new key after a ``#`` comment in YAML."""
    return "".join(_escaped(char) for char in str(text))


def _escaped(char: str) -> str:
    if unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp"):
        return char.encode("unicode_escape", "backslashreplace").decode("ascii")
    return char


def one_line_error(text: str) -> ConfigError:
    """The error of an input the command refuses (exit 2), its text one line."""
    return ConfigError(one_line(text))
