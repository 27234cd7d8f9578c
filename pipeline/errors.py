"""Exceptions that carry one clear, user-facing line.

Every error a user can cause (bad config, bad footage, bad checkpoint, missing
GPU) is raised as a ShotstyleError subclass whose str() is the whole message:
the CLI and the Luigi failure handler print exactly that line.
"""


class ShotstyleError(Exception):
    """Base class: str(err) is a single line meant for the user."""

    @property
    def condition(self) -> str:
        """What the error is about: tasks failing for the same condition print
        their line once (per worker process)."""
        return str(self)


class ConfigError(ShotstyleError):
    """A YAML file is missing, malformed or has a wrong key/value."""


class MediaError(ShotstyleError):
    """Footage cannot be probed, decoded or encoded."""


class CheckpointError(ShotstyleError):
    """A model checkpoint is unreadable or does not match its architecture."""


class DeviceError(ShotstyleError):
    """The requested compute device is not available."""


class DiskFullError(ShotstyleError):
    """A write failed because the volume (or the user's quota) is full."""

    def __init__(self, message: str, folder: str = ""):
        super().__init__(message)
        self.folder = folder

    @property
    def condition(self) -> str:
        return f"disk full: {self.folder}" if self.folder else str(self)
