"""Every line a cut gives is one line: names from the edit (the cut's file
name, clip names, media paths) have their control characters and line
separators escaped, in a refused input's error (``one_line_error``, exit 2) and
in a refused clip's warning (``ClipRefused``, its reason after the clip's label)."""
from __future__ import annotations

from pipeline.errors import ConfigError, one_line  # noqa: F401 - one_line is this package's too


class ClipRefused(Exception):
    """A clip that cannot become a shot; its str() is the reason."""


def one_line_error(text: str) -> ConfigError:
    """The error of an input the command refuses (exit 2), its text one line."""
    return ConfigError(one_line(text))
