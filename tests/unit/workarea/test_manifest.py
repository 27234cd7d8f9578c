"""Manifests, the 'done' markers: keys, reading back, what a bad file reads as."""
from __future__ import annotations

import json
from pathlib import Path

from pipeline import __version__
from pipeline.workarea.manifest import (file_fingerprint, manifest_matches, read_manifest,
                                        stable_hash, write_manifest)


def test_stable_hash_is_order_free_for_mappings_and_typed_by_value():
    assert stable_hash("a", {"x": 1, "y": 2}) == stable_hash("a", {"y": 2, "x": 1})
    assert stable_hash("a", 1) != stable_hash("a", "1") != stable_hash("b", 1)
    assert stable_hash("a", Path("/p")) == stable_hash("a", "/p")  # paths hash as text
    assert len(stable_hash("a")) == 20


def test_write_then_read_back(tmp_path):
    path = tmp_path / "s" / "manifest.json"
    data = write_manifest(path, stage="plates", shot="s01", key="k1", frames=(1001, 1010),
                          count=10)
    assert read_manifest(path) == json.loads(path.read_text()) == data
    assert data["frames"] == [1001, 1010] and data["code_version"] == __version__
    assert {"host", "user", "written"} <= set(data)
    assert manifest_matches(path, "k1") and not manifest_matches(path, "k2")
    assert not [p for p in path.parent.iterdir() if p.name != "manifest.json"]  # no temporaries


def test_missing_corrupt_or_foreign_manifests_read_as_absent(tmp_path):
    assert read_manifest(tmp_path / "none.json") is None
    (tmp_path / "half.json").write_text('{"key": "k1", "fra')
    assert read_manifest(tmp_path / "half.json") is None
    (tmp_path / "list.json").write_text("[1, 2]")
    assert read_manifest(tmp_path / "list.json") is None
    assert not manifest_matches(tmp_path / "half.json", "k1")


def test_file_fingerprint_follows_size_and_mtime(tmp_path):
    f = tmp_path / "clip.mov"
    f.write_bytes(b"x")
    before = file_fingerprint(f)
    f.write_bytes(b"xy")
    assert file_fingerprint(f) != before and file_fingerprint(f)[0] == str(f)
