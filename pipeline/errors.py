"""Exceptions that carry one clear, user-facing line.

Every error a user can cause (bad config, bad footage, bad checkpoint, missing
GPU) is raised as a ShotstyleError subclass whose str() is the whole message:
the CLI and the Luigi failure handler print exactly that line.
"""


class ShotstyleError(Exception):
    """Base class: str(err) is a single line meant for the user."""


class ConfigError(ShotstyleError):
    """A YAML file is missing, malformed or has a wrong key/value."""


class MediaError(ShotstyleError):
    """Footage cannot be probed, decoded or encoded."""


class CheckpointError(ShotstyleError):
    """A model checkpoint is unreadable or does not match its architecture."""


class DeviceError(ShotstyleError):
    """The requested compute device is not available."""
