"""Keep peak memory flat across the many chunks one worker process runs.

glibc raises its mmap threshold after large blocks are freed, after which big
tensors come from the heap and fragment it: measured here, a stylise worker's
peak RSS crept from 831 to 955 MiB over 8 chunks of 720x405 frames. Fixing the
threshold at 1 MiB sends every large tensor to mmap and back to the OS when
freed: the same run stays at 797-799 MiB, with no loss of speed (see
bench/RESULTS.md).
"""
from __future__ import annotations

import ctypes
import sys

_M_MMAP_THRESHOLD = -3
_done = False


def fix_malloc_mmap_threshold(threshold: int = 1 << 20) -> bool:
    """Pin glibc's mmap threshold; a no-op (False) off glibc."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        # Not ctypes.util.find_library: it runs ldconfig/gcc in a subprocess.
        libc = ctypes.CDLL("libc.so.6")
        _done = bool(libc.mallopt(_M_MMAP_THRESHOLD, int(threshold)))
    except (OSError, AttributeError):
        return False
    return _done
