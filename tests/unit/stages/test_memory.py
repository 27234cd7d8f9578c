"""pipeline.stages.memory: each stage's malloc policy put in force once, switched
when a process runs another stage (a no-op off glibc)."""
from __future__ import annotations

import ctypes
import sys

import pytest

from pipeline.graph.table import ENCODE, FINAL, FLOW, STYLED
from pipeline.stages import memory


@pytest.fixture
def calls(monkeypatch):
    """The real libc, its mallopt calls recorded."""
    real = ctypes.CDLL("libc.so.6")
    seen = []

    class Recording:
        def mallopt(self, option, value):
            seen.append((option, value))
            return real.mallopt(option, value)

    monkeypatch.setattr(memory, "_applied", [None])
    monkeypatch.setattr(ctypes, "CDLL", lambda name, *a, **k: Recording())
    return seen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_each_stage_s_policy_is_set_once_and_switched_between_stages(calls):
    assert memory.settle_malloc(STYLED) is True
    assert calls == list(memory.POLICY[STYLED])
    assert memory.settle_malloc(STYLED) is True and len(calls) == 1  # already in force
    assert memory.settle_malloc(FLOW) is True
    assert calls[1:] == list(memory.POLICY[FLOW])
    assert memory.settle_malloc(FINAL) is True  # the same settings as the flow's
    assert calls[1:] == list(memory.POLICY[FLOW])
    assert memory.settle_malloc(ENCODE) is False  # no policy: left as it is
    assert memory.settle_malloc(STYLED) is True
    assert calls[-1] == memory.POLICY[STYLED][0]


def test_off_linux_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(memory, "_applied", [None])
    monkeypatch.setattr(sys, "platform", "darwin")
    assert memory.settle_malloc(STYLED) is False
    assert memory._applied == [None]


def test_a_libc_that_cannot_be_loaded_is_a_no_op(monkeypatch):
    monkeypatch.setattr(memory, "_applied", [None])
    monkeypatch.setattr(sys, "platform", "linux")

    def missing(name, *args, **kwargs):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", missing)
    assert memory.settle_malloc(FLOW) is False
