"""Name -> object registries: generators, discriminators, checkpoint loaders.

One type, ``Registry``, after BasicSR's (``basicsr/utils/registry.py``): an
object registers itself under a name with the ``register(name)`` decorator,
and configs and checkpoints refer to it by that name, so a checkpoint can be
rebuilt from its metadata. ``get(name)`` of an unknown name is a
CheckpointError that lists the known ones.

This module imports no architecture and no torch: each architecture module
imports it and registers its classes (``models.generators``,
``models.discriminators``, ``models.public_archs``); ``models.build`` imports
those modules, so building by name finds every architecture. Loaders register
in ``models.loaders``.
"""
from __future__ import annotations

from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

from models.errors import CheckpointError

T = TypeVar("T")


class Registry(Generic[T]):
    """Names -> objects of one kind.

    ``kind`` and ``what`` name the entries in messages: "unknown <kind> <what>
    'x' (known: ...)", "<kind> 'x': bad arguments ...". With ``name_attr``,
    ``register`` also sets that attribute of the registered object to its name
    (the architectures' ``arch_name``, which checkpoints record).
    """

    def __init__(self, kind: str, what: str, name_attr: Optional[str] = None):
        self.kind, self.what, self.name_attr = kind, what, name_attr
        self._table: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register the decorated class or function as ``name``."""
        def deco(obj: T) -> T:
            if name in self._table and self._table[name] is not obj:
                raise ValueError(f"{self.kind} {self.what} name {name!r} registered twice")
            self._table[name] = obj
            if self.name_attr:
                setattr(obj, self.name_attr, name)
            return obj
        return deco

    def get(self, name: str) -> T:
        if name not in self._table:
            raise CheckpointError(f"unknown {self.kind} {self.what} {name!r} "
                                  f"(known: {', '.join(sorted(self._table)) or 'none'})")
        return self._table[name]

    def build(self, name: str, **kwargs: Any) -> Any:
        """``get(name)(**kwargs)``; arguments it does not take are a CheckpointError."""
        cls = self.get(name)
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:  # ValueError: torch's own checks (padding_mode)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CheckpointError(f"{self.kind} {name!r}: bad arguments {kwargs}: {first}") from None

    def names(self) -> list[str]:
        """The registered names, in the order they were registered."""
        return list(self._table)

    def __contains__(self, name: object) -> bool:
        return name in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"Registry({self.kind} {self.what}: {', '.join(self._table)})"


#: generator architectures (``nn.Module`` classes), built by ``models.build``
GENERATORS: Registry[type] = Registry("generator", "architecture", name_attr="arch_name")
#: discriminator architectures (``nn.Module`` classes), built by ``models.build``
DISCRIMINATORS: Registry[type] = Registry("discriminator", "architecture", name_attr="arch_name")
#: checkpoint format (``models.formats.CHECKPOINT_FORMATS``) -> its loader in ``models.loaders``
LOADERS: Registry[Callable[..., Any]] = Registry("checkpoint", "format")
