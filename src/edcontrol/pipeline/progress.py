"""Stages of one analysis and their share of the work: one table for the CLI bar, the API and the dashboard.

Each stage reports ``progress(stage, fraction)`` with the fraction of its own work done. The face track
and the audio track run at the same time, so their calls interleave: ``OverallProgress`` keeps each
stage's own fraction and sums share x fraction, and a stage's first call marks the stages before it on
its own track (and, for the shared stages, on every track) as done. Shares are rough shares of the work
on the bundled sample with Whisper base on 2 cores.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float], None]

# stage -> share % of the work, in the order a one-track-after-the-other run reports them (measured on
# the sample looped to 10 minutes: benchmarks/lesson_bench.py)
STAGES: dict[str, float] = {
    "decode": 1.0,
    "faces": 22.0,
    "voice": 2.0,
    "diarization": 27.0,
    "transcript": 40.0,
    "emotion": 4.0,
    "tone": 1.0,
    "fusion": 2.0,
    "report": 1.0,
}


# which track a stage belongs to; stages on no track are shared (before or after both tracks)
TRACK: dict[str, str] = {
    "faces": "video",
    "voice": "audio",
    "diarization": "audio",
    "transcript": "audio",
    "emotion": "audio",
    "tone": "audio",
}


class OverallProgress:
    """The lesson's overall percentage from interleaved ``(stage, fraction)`` calls; never goes back."""

    def __init__(self) -> None:
        self.done: dict[str, float] = {}
        self.percent = 0.0

    def update(self, stage: str, fraction: float) -> float | None:
        """0..100 for a known stage, None for one this table does not know (the caller keeps its last value)."""
        if stage not in STAGES:
            return None
        track = TRACK.get(stage)
        for earlier in list(STAGES)[: list(STAGES).index(stage)]:
            if track is None or TRACK.get(earlier) in (None, track):
                self.done[earlier] = 1.0
        self.done[stage] = max(self.done.get(stage, 0.0), min(1.0, max(0.0, fraction)))
        self.percent = max(self.percent, sum(STAGES[s] * f for s, f in self.done.items()))
        return self.percent


def no_progress(stage: str, fraction: float) -> None:
    return None
