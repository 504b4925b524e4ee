"""Linking faces and voices: which face person each speaker is (lip motion against voice activity),
and who is the teacher.

Why lip motion: in a call recording each tile's mouth moves when, and only when, that person talks,
which ties a voice cluster to a face without any identity model; a speaker whose talk never lines up
with a face (camera off, phone) simply stays unlinked. A face may own two voices (a re-joined call, or
one voice the diarizer heard as two) when the second voice follows its lips as well and the two voices
are never heard at once.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from edcontrol.pipeline.observations import FaceObservation
from edcontrol.report import schema as rs

MIN_CORRELATION = 0.2
MIN_SHARED_SECONDS = 10
MAX_SHARED_TALK = 0.1  # two voices of one face: at most this share of the second voice's talk at once


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


def _correlations(lips: dict[str, np.ndarray], speaking: dict[str, np.ndarray]) -> np.ndarray:
    """(speakers, persons) correlation of lip activity and speaking share; -1 where too little is shared."""
    corr = np.full((len(speaking), len(lips)), -1.0)
    for i, s in enumerate(speaking):
        for j, p in enumerate(lips):
            n = min(len(lips[p]), len(speaking[s]))
            a, b = lips[p][:n], speaking[s][:n]
            ok = np.isfinite(a) & np.isfinite(b)
            if ok.sum() < MIN_SHARED_SECONDS or a[ok].std() < 1e-9 or b[ok].std() < 1e-9:
                continue
            corr[i, j] = float(np.corrcoef(a[ok], b[ok])[0, 1])
    return corr


def _talk_at_once(a: np.ndarray, b: np.ndarray) -> float:
    """Share of voice ``b``'s talk during which voice ``a`` talks too."""
    n = min(len(a), len(b))
    both = np.minimum(np.nan_to_num(a[:n]), np.nan_to_num(b[:n])).sum()
    return float(both / max(np.nan_to_num(b[:n]).sum(), 1e-9))


def link_speakers(lips: dict[str, np.ndarray], speaking: dict[str, np.ndarray]) -> dict[str, str]:
    """speaker id -> person id by the correlation of lip activity and speaking share: first one voice per
    face (optimal assignment), then any further voice to the face it follows best, if it is never heard
    together with that face's voice."""
    persons, speakers = list(lips), list(speaking)
    if not persons or not speakers:
        return {}
    corr = _correlations(lips, speaking)
    rows, cols = linear_sum_assignment(-corr)
    links = {speakers[r]: persons[c] for r, c in zip(rows, cols, strict=True) if corr[r, c] >= MIN_CORRELATION}
    for i, s in enumerate(speakers):
        if s in links:
            continue
        j = int(np.argmax(corr[i]))
        owned = [v for v, p in links.items() if p == persons[j]]
        if corr[i, j] >= MIN_CORRELATION and all(
            _talk_at_once(speaking[v], speaking[s]) <= MAX_SHARED_TALK for v in owned
        ):
            links[s] = persons[j]
    return links


def teacher_speaker(talk_share: dict[str, float], questions: dict[str, int], first: str | None) -> str | None:
    """The teacher usually talks most, asks the questions and opens the lesson."""
    if len(talk_share) < 2:
        return None
    total_q = max(sum(questions.values()), 1)
    score = {s: talk_share[s] + 0.3 * questions.get(s, 0) / total_q + (0.1 if s == first else 0.0) for s in talk_share}
    return max(score, key=score.__getitem__)


def link_people(persons: list[rs.Person], audio: rs.AudioInfo, lips: dict[str, np.ndarray]) -> None:
    """Link voices to faces and set roles on both sides of each link (in place)."""
    speaking = {s.id: np.asarray(s.timeline.speaking, dtype=float) for s in audio.speakers}
    links = link_speakers(lips, speaking)
    by_id = {p.id: p for p in persons}
    for s in audio.speakers:
        s.person_id = links.get(s.id)
        if s.person_id:
            by_id[s.person_id].speaker_ids = sorted({*by_id[s.person_id].speaker_ids, s.id})
    teacher = teacher_speaker(
        {s.id: s.metrics.talk_share for s in audio.speakers},
        {s.id: s.metrics.questions for s in audio.speakers},
        audio.turns[0].speaker_id if audio.turns else None,
    )
    if teacher is None:
        return
    teacher_face = by_id[links[teacher]].id if teacher in links else None
    for s in audio.speakers:  # every voice of the teacher's face is the teacher's (a re-joined call)
        s.role = "teacher" if s.id == teacher or (teacher_face and s.person_id == teacher_face) else "student"
    for p in persons:
        if p.id == teacher_face:
            p.role = "teacher"
        elif p.speaker_ids or teacher_face:  # a face with a student's voice, or anyone once the teacher is seen
            p.role = "student"
