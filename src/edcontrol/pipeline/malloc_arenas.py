"""Cap glibc's malloc arenas, so the threads of one analysis share freed memory instead of each keeping its own,
and fix the size from which blocks are mapped apart, so big freed blocks go back to the system.

Why: glibc gives every thread that allocates its own arena (up to 8 per core) and an arena keeps the blocks
freed in it for reuse by that arena only. An analysis runs the face track, diarization with speech emotion,
and ASR in parallel threads, and each of them frees and reallocates tens of megabytes per model call; with
one arena each, those freed blocks add up. Measured on the 10-minute sample lesson with ASR
(benchmarks/lesson_bench.py, 2026-12-06): peak RSS 1224 MB with the default arenas, 1083 MB with two, same
speed. Where the C library is not glibc (musl, macOS) there is nothing to cap and this does nothing.

Why a fixed mmap threshold: glibc raises it (up to 32 MB) each time a mapped block is freed, after which
blocks of that size come from the arenas, and freed ones stay there, fragmented among the threads' other
blocks, and so does the heap top below 2x the threshold. Fixed at 16 MB, the model activations of a few to
16 MB still reuse arena memory (at 1-4 MB the extra page faults cost 10% of the wall time) while larger
ones are handed back on free and the heap is trimmed at glibc's default. Same 10-minute lesson with ASR
(2026-12-06, third session, set for the whole process with GLIBC_TUNABLES): 1215 MB -> 1094 MB, 61.0 s
-> 61.1 s; 1 MB: 922 MB but 68.1 s; 4 MB: 969 MB, 66.4 s. Both settings hold for the whole process from the
first analysis on (mallopt has no per-thread form); nothing else a worker runs was measured worse for it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

M_ARENA_MAX = -8  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
ARENAS = 2  # one per core a worker has
MMAP_THRESHOLD = 16 * 2**20
TRIM_EVERY_S = 5.0


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, looked up once per process (``find_library`` runs ``ldconfig``: twice per analysis)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def cap_malloc_arenas(arenas: int = ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas and a fixed ``mmap_threshold``; True when it took both."""
    libc = _libc()
    try:
        return bool(libc and libc.mallopt(M_ARENA_MAX, arenas) and libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold))
    except AttributeError:  # no mallopt: not glibc
        return False


@contextmanager
def trimming(every_s: float = TRIM_EVERY_S) -> Iterator[bool]:
    """While inside, hand the arenas' free pages back to the system every ``every_s`` (glibc's
    ``malloc_trim``); yields whether it can. Why: free only returns memory from the top of the heap, so
    the pages freed below blocks that are still in use stay resident however long they stay unused, and
    over a long lesson such pages pile up between the few blocks that live on."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        yield False
        return
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            trim(0)

    worker = threading.Thread(target=run, name="edcontrol-malloc-trim", daemon=True)
    worker.start()
    try:
        yield True
    finally:
        stop.set()
        worker.join()
