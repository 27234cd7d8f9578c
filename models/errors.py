"""Errors with one clear, user-facing line.

``ShotstyleError`` is the base of every error a user can cause, in ``models``
and in ``pipeline`` alike (``pipeline.errors`` adds its own kinds): str(err)
is the whole message, and the command line and the Luigi failure handler
print exactly that line. This module imports nothing of the project, so
``pipeline`` can import it without loading torch.
"""
import unicodedata


def one_line(text: str) -> str:
    """``text`` with control characters and line or paragraph separators written
    as escapes (``\\n``, ``\\x1b``, ``\\u2028``): a file name, a clip name or an
    OS message cannot start a new line in a message, nor a new key after a ``#``
    comment in YAML."""
    return "".join(_escaped(char) for char in str(text))


def _escaped(char: str) -> str:
    if unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp"):
        return char.encode("unicode_escape", "backslashreplace").decode("ascii")
    return char


class ShotstyleError(Exception):
    """Base class: str(err) is a single line meant for the user, whatever the
    names in it hold (``one_line``)."""

    def __str__(self) -> str:
        return one_line(super().__str__())

    @property
    def condition(self) -> str:
        """What the error is about: tasks failing for the same condition print
        their line once (per worker process)."""
        return str(self)


class CheckpointError(ShotstyleError):
    """A model checkpoint is unreadable or does not match its architecture."""


class DeviceError(ShotstyleError):
    """The requested compute device is not available."""


class SettingsError(ShotstyleError):
    """A training setting the trainer cannot use. ``key`` names it (a field of
    ``models.train_settings.TrainSettings``), so whoever read the settings from a
    file can say which file and key (``pipeline.stages.train``)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
