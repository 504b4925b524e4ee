"""Fusion of faces and voices: which face person each speaker is (lip motion against voice activity),
and who is the teacher.

Why lip motion: in a call recording each tile's mouth moves when, and only when, that person talks,
which ties a voice cluster to a face without any identity model; a speaker whose talk never lines up
with a face (camera off, phone) simply stays unlinked.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from edcontrol.pipeline.observations import FaceObservation

MIN_CORRELATION = 0.2
MIN_SHARED_SECONDS = 10


def lip_activity(observations: list[FaceObservation], n_sec: int) -> np.ndarray:
    """Mean |change of mouth opening| between consecutive samples, per second (NaN where unseen)."""
    total, count = np.zeros(n_sec), np.zeros(n_sec)
    prev: FaceObservation | None = None
    for o in sorted(observations, key=lambda o: o.t):
        if o.geometry is not None and prev is not None and prev.geometry is not None and o.t - prev.t <= 0.75:
            i = min(int(o.t), n_sec - 1)
            total[i] += abs(o.geometry.mouth_open - prev.geometry.mouth_open)
            count[i] += 1
        prev = o
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def link_speakers(lips: dict[str, np.ndarray], speaking: dict[str, np.ndarray]) -> dict[str, str]:
    """speaker id -> person id, one-to-one, by the correlation of lip activity and speaking share."""
    persons, speakers = list(lips), list(speaking)
    if not persons or not speakers:
        return {}
    corr = np.full((len(speakers), len(persons)), -1.0)
    for i, s in enumerate(speakers):
        for j, p in enumerate(persons):
            ok = np.isfinite(lips[p]) & np.isfinite(speaking[s])
            if ok.sum() < MIN_SHARED_SECONDS:
                continue
            a, b = lips[p][ok], speaking[s][ok]
            if a.std() < 1e-9 or b.std() < 1e-9:
                continue
            corr[i, j] = float(np.corrcoef(a, b)[0, 1])
    rows, cols = linear_sum_assignment(-corr)
    return {speakers[r]: persons[c] for r, c in zip(rows, cols, strict=True) if corr[r, c] >= MIN_CORRELATION}


def teacher_speaker(talk_share: dict[str, float], questions: dict[str, int], first: str | None) -> str | None:
    """The teacher usually talks most, asks the questions and opens the lesson."""
    if len(talk_share) < 2:
        return None
    total_q = max(sum(questions.values()), 1)
    score = {s: talk_share[s] + 0.3 * questions.get(s, 0) / total_q + (0.1 if s == first else 0.0) for s in talk_share}
    return max(score, key=score.__getitem__)
