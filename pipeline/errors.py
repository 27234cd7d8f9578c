"""Exceptions that carry one clear, user-facing line.

Every error a user can cause (bad config, bad footage, bad checkpoint, missing
GPU) is raised as a ShotstyleError subclass whose str() is the whole message:
the CLI and the Luigi failure handler print exactly that line.
"""


class ShotstyleError(Exception):
    """Base class: str(err) is a single line meant for the user."""

    # True where the condition is the machine's, not the task's (a full disk):
    # the line is printed for the first task it stops, not again for each one.
    once_per_run = False


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

    once_per_run = True
