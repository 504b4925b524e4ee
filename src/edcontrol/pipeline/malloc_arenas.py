"""Cap glibc's malloc arenas, so the threads of one analysis share freed memory instead of each keeping its own.

Why: glibc gives every thread that allocates its own arena (up to 8 per core) and an arena keeps the blocks
freed in it for reuse by that arena only. An analysis runs the face track, diarization with speech emotion,
and ASR in parallel threads, and each of them frees and reallocates tens of megabytes per model call; with
one arena each, those freed blocks add up. Measured on the 10-minute sample lesson with ASR
(benchmarks/lesson_bench.py, 2026-12-06): peak RSS 1224 MB with the default arenas, 1083 MB with two, same
speed. Where the C library is not glibc (musl, macOS) there is nothing to cap and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
ARENAS = 2  # one per core a worker has


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas; True when it took the setting."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # no mallopt: not glibc
        return False
