"""pipeline.stages.memory: glibc's mmap threshold pinned once (a no-op off glibc)."""
from __future__ import annotations

import ctypes
import sys

import pytest

from pipeline.stages import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_on_linux_the_threshold_is_pinned_and_later_calls_are_free(monkeypatch):
    monkeypatch.setattr(memory, "_done", False)
    assert memory.fix_malloc_mmap_threshold() is True
    assert memory._done is True

    def no_libc(*args, **kwargs):
        raise AssertionError("libc loaded again")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert memory.fix_malloc_mmap_threshold() is True  # done once per process


def test_off_linux_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory.fix_malloc_mmap_threshold() is False
    assert memory._done is False


def test_a_libc_that_cannot_be_loaded_is_a_no_op(monkeypatch):
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.setattr(sys, "platform", "linux")

    def missing(name, *args, **kwargs):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", missing)
    assert memory.fix_malloc_mmap_threshold() is False
