"""How glibc's malloc serves a stage's large arrays: one policy per stage, set
once per process before the stage runs (``run_stage``); a no-op off glibc.

* The styled stage returns large blocks to the system: glibc raises its mmap
  threshold after large blocks are freed, after which big tensors come from the
  heap and fragment it; measured here, a stylise worker's peak RSS crept from 831
  to 955 MiB over 8 chunks of 720x405 frames. Fixing the threshold at 1 MiB sends
  every large tensor to mmap and back to the OS when freed: the same run stays
  at 797-799 MiB, with no loss of speed (see bench/RESULTS.md).
* The flow and smoothing stages keep them: their per-frame arrays (frames,
  flows, masks: the same sizes frame after frame) come from the heap and are
  reused, instead of being mapped and zeroed by the kernel for every frame. On
  720x405 chunks this takes their page faults from about 4,800 to 600 a frame
  and halves their system time (bench/RESULTS.md, "Throughput II"); what the
  heap holds is one frame's working set, so the peak does not grow with the
  shot.
"""
from __future__ import annotations

import ctypes
import sys

from pipeline.graph.table import FINAL, FLOW, STYLED

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MiB = 1 << 20

#: stage -> the mallopt settings it runs with (stages not named: glibc's defaults)
POLICY: dict[str, tuple[tuple[int, int], ...]] = {
    STYLED: ((_M_MMAP_THRESHOLD, 1 * _MiB),),
    FLOW: ((_M_MMAP_THRESHOLD, 256 * _MiB), (_M_TRIM_THRESHOLD, 512 * _MiB),
           (_M_TOP_PAD, 64 * _MiB)),
    FINAL: ((_M_MMAP_THRESHOLD, 256 * _MiB), (_M_TRIM_THRESHOLD, 512 * _MiB),
            (_M_TOP_PAD, 64 * _MiB)),
}

_applied: list = [None]  # the settings now in force in this process (set by us)


def settle_malloc(stage: str) -> bool:
    """Put ``stage``'s malloc policy (``POLICY``) in force in this process (a
    process that runs several stages switches as it goes); False off glibc, or
    for a stage without one (glibc's settings stay as they are)."""
    settings = POLICY.get(stage)
    if not settings or not sys.platform.startswith("linux"):
        return False
    if _applied[0] == settings:
        return True
    try:
        # Not ctypes.util.find_library: it runs ldconfig/gcc in a subprocess.
        libc = ctypes.CDLL("libc.so.6")
        ok = all(libc.mallopt(option, int(value)) for option, value in settings)
    except (OSError, AttributeError):
        return False
    _applied[0] = settings if ok else None
    return ok
