"""Stages of one analysis and their share of the work: one table for the CLI bar, the API and the dashboard.

Each stage reports ``progress(stage, fraction)`` with the fraction of its own work done; the overall
percentage is the stage's start plus its share times that fraction, so it never sits still for long.
Shares are rough wall-time shares on the bundled sample with Whisper base on 2 cores.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float], None]

# stage -> (start %, share %) in the order the analysis runs them
STAGES: dict[str, tuple[float, float]] = {
    "decode": (0.0, 2.0),
    "faces": (2.0, 58.0),
    "voice": (60.0, 3.0),
    "diarization": (63.0, 7.0),
    "transcript": (70.0, 20.0),
    "emotion": (90.0, 4.0),
    "tone": (94.0, 2.0),
    "fusion": (96.0, 3.0),
    "report": (99.0, 1.0),
}


def overall_percent(stage: str, fraction: float) -> float | None:
    """0..100 for a known stage, None for one this table does not know (the caller keeps its last value)."""
    if stage not in STAGES:
        return None
    start, share = STAGES[stage]
    return start + share * min(1.0, max(0.0, fraction))


def no_progress(stage: str, fraction: float) -> None:
    return None
