"""The diarization artefact every later stage reads: who spoke when, turns that may overlap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Turn:
    speaker: int
    start: float
    end: float


@dataclass
class Diarization:
    turns: list[Turn]  # sorted by start; turns of different speakers may overlap (two people at once)
    overlaps: list[tuple[float, float]]  # spans where two or more speakers talk at once
    n_speakers: int
    centroids: np.ndarray  # (n_speakers, embedding dim), unit length


def empty_diarization(dim: int = 192) -> Diarization:
    return Diarization([], [], 0, np.zeros((0, dim), np.float32))


def overlap_spans(turns: list[Turn], min_s: float = 0.0) -> list[tuple[float, float]]:
    """Spans covered by turns of two or more different speakers (sweep over turn edges)."""
    edges = sorted([(t.start, 1, t.speaker) for t in turns] + [(t.end, -1, t.speaker) for t in turns])
    active: dict[int, int] = {}
    out: list[tuple[float, float]] = []
    opened: float | None = None
    for time, kind, speaker in edges:
        active[speaker] = active.get(speaker, 0) + kind
        talking = sum(1 for v in active.values() if v > 0)
        if talking >= 2 and opened is None:
            opened = time
        elif talking < 2 and opened is not None:
            if time - opened > min_s:
                out.append((opened, time))
            opened = None
    return out
