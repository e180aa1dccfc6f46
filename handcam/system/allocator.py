"""Keep the C heap from creeping in a window that runs for hours.

Each frame allocates and frees buffers of about a megabyte (640x480 BGR frames, RGB
copies, crops) on two threads: the frame grabber and the recognition worker. glibc's
malloc gives each thread its own arena and, after the first large free, raises its
mmap threshold so that later megabyte buffers come from those arenas instead of from
mmap; freed space then sits fragmented in the arenas and the resident size climbs in
steps for an hour. ``tune_allocator()`` fixes the mmap threshold (large buffers go back
to the system when freed) and caps the number of arenas.

Only glibc (Linux) has these knobs; elsewhere, or when ``HANDCAM_MALLOC_TUNING=0``, it
does nothing. Call it once at start-up, before the capture and worker threads start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

log = logging.getLogger(__name__)

# mallopt parameters from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD_BYTES = 256 * 1024
TRIM_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018 (musl has no such symbol)
        return libc if hasattr(libc, "mallopt") else None
    except (OSError, AttributeError):
        return None


def tune_allocator(libc: ctypes.CDLL | None = None) -> dict[str, int]:
    """Apply the settings above; returns those that glibc accepted (empty if none)."""
    if os.environ.get("HANDCAM_MALLOC_TUNING") == "0":
        return {}
    libc = libc if libc is not None else _glibc()
    if libc is None:
        return {}
    wanted = {
        "M_MMAP_THRESHOLD": (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
        "M_TRIM_THRESHOLD": (M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
        "M_ARENA_MAX": (M_ARENA_MAX, ARENA_MAX),
    }
    applied: dict[str, int] = {}
    for name, (param, value) in wanted.items():
        if libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)) == 1:
            applied[name] = value
        else:
            log.info("mallopt(%s, %d) was refused", name, value)
    return applied
