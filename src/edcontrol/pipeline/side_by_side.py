"""Run two parts of an analysis at the same time, on the two cores a worker has: the face track beside the
audio track, and inside the audio track ASR beside diarization and the reading of voices.

Why threads and not processes: every model call (TFLite, ONNX Runtime, CTranslate2) and the PyAV decoder
release the GIL, so two threads keep two cores busy without copying the lesson's audio or frames between
processes. The sides share nothing but the progress callback, which is serialised here.

Errors and cancellation: the first side to fail makes the other side stop at its next progress call, and
its own error is raised (a ``JobCancelled`` from the job's callback, an ``InputError`` from a bad file,
...), so a failure is never hidden behind the other side's still-running work. A progress call that raises
(a deleted job) counts as a failure before the lock is let go, so no call queued behind it reaches the job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from edcontrol.pipeline.progress import Progress

A = TypeVar("A")
B = TypeVar("B")


class OtherSideFailed(Exception):
    """Raised inside one track when the other one has failed: stop, the other error is the one that counts."""


def side_by_side(
    first: Callable[[Progress], A], second: Callable[[Progress], B], progress: Progress, parallel: bool = True
) -> tuple[A, B]:
    """``first(progress)`` in a worker thread and ``second(progress)`` here; both results, or the first error.

    ``parallel=False`` runs them one after the other (same results; for comparison and debugging).
    """
    if not parallel:
        return first(progress), second(progress)
    failed = threading.Event()
    lock = threading.Lock()

    def guarded(stage: str, fraction: float) -> None:
        with lock:  # the CLI bar and the job's database writes are not thread-safe
            if failed.is_set():  # checked under the lock: a call that waited for it must not go through
                raise OtherSideFailed
            try:
                progress(stage, fraction)
            except BaseException:
                failed.set()  # still under the lock: the next caller stops (a cancelled job, a closed bar)
                raise

    def run(side: Callable[[Progress], A | B]) -> A | B:
        try:
            return side(guarded)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(1, thread_name_prefix="edcontrol-face-track") as pool:
        future = pool.submit(run, first)
        try:
            b = run(second)
        except OtherSideFailed:
            future.result()  # raises the first side's error
            raise
        except BaseException:
            try:
                future.result()  # let it stop; its OtherSideFailed (or a late error of its own) is not the news
            except BaseException:
                pass
            raise
        return future.result(), b  # type: ignore[return-value]
