"""A shot's versions: ``renders/<shot>/v001/``, ``v002/``, ... and which one a render
delivers into.

A version folder is *published* once its ``publish.json`` exists: the report
stage writes it last, and nothing writes into a published folder again. The
record holds the keys of every stage (``keys``), so the next render can tell
whether anything changed since.

Which version a render delivers into (``ShotVersions.target``), in this order:

1. the newest version folder, when it is not published: a render that stopped
   before publishing it (or is still writing it) is resumed or replaced there;
2. the newest published version, when the stage keys computed now are the keys
   it recorded: nothing changed, there is nothing to write (the delivering
   stages are done while its files are where the plan puts them);
3. a new number, one above every ``vNNN`` in the folder (never an existing one).

A stage that must write while the target is published (a ``rerun``, a deleted
file: keys equal, but the stage runs) writes a new version
(``number_to_write``). This module reads; the stages write.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

from pipeline.graph.table import STAGES
from pipeline.workarea.keys import StageKeys
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.paths import ShotPaths, VersionPaths

#: ``v001`` ... ``v999``, ``v1000`` ...; ``v000_unversioned`` is not a version
_VERSION_NAME = re.compile(r"v(\d{3,})")


def version_number(name: str) -> Optional[int]:
    """The number of a version folder's name (``v002`` -> 2), or None; v000 is no version."""
    found = _VERSION_NAME.fullmatch(name)
    if found is None or int(found.group(1)) == 0:
        return None
    return int(found.group(1))


@dataclass
class Version:
    """One ``vNNN`` folder of a render folder, and its publish record when published."""
    paths: VersionPaths
    published: bool

    @cached_property
    def record(self) -> Optional[dict]:
        """publish.json as read (None: not published, or not readable JSON); read
        when first asked for."""
        return read_manifest(self.paths.publish_json) if self.published else None

    @property
    def number(self) -> int:
        return self.paths.number

    @property
    def name(self) -> str:
        return self.paths.name

    @property
    def keys(self) -> Optional[dict]:
        keys = (self.record or {}).get("keys")
        return keys if isinstance(keys, dict) else None


def stage_keys(keys: StageKeys) -> dict[str, str]:
    """Every stage's key now, in the table's order: what a version records."""
    return {st.name: keys.key(st.name) for st in STAGES}


def key_changes(previous: Optional[dict], now: dict[str, str]) -> list[dict]:
    """The stages whose key differs from the ``previous`` version's, in the table's
    order, each ``{"stage", "was", "now"}`` (``was`` None: the previous version had
    no such stage). An empty list: nothing changed (a re-render)."""
    previous = previous or {}
    return [{"stage": name, "was": previous.get(name), "now": key}
            for name, key in now.items() if previous.get(name) != key]


class ShotVersions:
    """The versions in ``renders/<shot>/``, read afresh at every call (a render
    makes new ones while the plan lives)."""

    def __init__(self, paths: ShotPaths, keys: StageKeys):
        self.paths = paths
        self.keys = keys

    def all(self) -> list[Version]:
        """Every ``vNNN`` folder, oldest first."""
        try:
            entries = list(self.paths.render_dir.iterdir())
        except OSError:
            return []
        found = []
        for entry in entries:
            number = version_number(entry.name)
            if number is None or not entry.is_dir():
                continue
            version = self.paths.version(number)
            found.append(Version(version, version.publish_json.exists()))
        return sorted(found, key=lambda v: v.number)

    def _taken(self) -> int:
        """The highest number any ``vNNN`` entry (a file too) takes; 0: none."""
        try:
            names = [p.name for p in self.paths.render_dir.iterdir()]
        except OSError:
            return 0
        return max((n for n in map(version_number, names) if n is not None), default=0)

    def newest_published(self, below: Optional[int] = None) -> Optional[Version]:
        """The newest published version (below number ``below``, when given)."""
        published = [v for v in self.all() if v.published
                     and (below is None or v.number < below)]
        return published[-1] if published else None

    def target(self) -> int:
        """The version a render delivers into (the module's three rules)."""
        versions = self.all()
        newest = versions[-1] if versions else None
        if newest is not None and not newest.published:
            return newest.number
        latest = self.newest_published()
        if latest is not None and latest.keys == stage_keys(self.keys):
            return latest.number
        return self._taken() + 1

    def is_published(self, number: int) -> bool:
        return self.paths.version(number).publish_json.exists()

    def number_to_write(self) -> int:
        """The version a stage that runs writes into: the target, unless it is
        published (then a new number)."""
        number = self.target()
        return self._taken() + 1 if self.is_published(number) else number

    def about(self, number: int) -> dict:
        """What version ``number`` records of itself: its number and name, the
        version before it (the newest published below it), the stage keys now and
        what changed since that version (None for a first version)."""
        previous = self.newest_published(below=number)
        now = stage_keys(self.keys)
        return {"version": number, "version_name": self.paths.version(number).name,
                "previous_version": previous.number if previous else None,
                "previous_version_name": previous.name if previous else None,
                "changes": key_changes(previous.keys, now) if previous else None,
                "keys": now}
