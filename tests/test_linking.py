"""Voice-to-face linking and the teacher heuristic on synthetic per-second signals."""

from __future__ import annotations

import numpy as np

from edcontrol.pipeline.linking import link_speakers, teacher_speaker


def test_voices_link_to_the_faces_whose_lips_move_with_them():
    rng = np.random.default_rng(0)
    a_talks = (np.arange(120) // 10) % 2 == 0
    lips = {
        "P1": np.where(a_talks, 0.03, 0.004) + rng.normal(0, 0.003, 120),
        "P2": np.where(~a_talks, 0.03, 0.004) + rng.normal(0, 0.003, 120),
    }
    speaking = {"S1": (~a_talks).astype(float), "S2": a_talks.astype(float)}
    assert link_speakers(lips, speaking) == {"S1": "P2", "S2": "P1"}


def test_unrelated_voice_stays_unlinked():
    rng = np.random.default_rng(1)
    lips = {"P1": rng.normal(0.02, 0.005, 120)}
    speaking = {"S1": (rng.random(120) > 0.5).astype(float)}
    assert link_speakers(lips, speaking) == {}


def test_face_seen_too_briefly_is_not_linked():
    lips = {"P1": np.r_[np.full(5, 0.03), np.full(115, np.nan)]}
    speaking = {"S1": np.r_[np.ones(5), np.zeros(115)]}
    assert link_speakers(lips, speaking) == {}


def test_teacher_talks_most_and_asks():
    assert teacher_speaker({"S1": 0.45, "S2": 0.55}, {"S1": 6, "S2": 0}, "S1") == "S1"
    assert teacher_speaker({"S1": 0.2, "S2": 0.8}, {"S1": 1, "S2": 1}, "S1") == "S2"
    assert teacher_speaker({"S1": 1.0}, {"S1": 3}, "S1") is None


def test_a_rejoined_call_gives_one_face_two_voices():
    """P1 talks as S1 for the first half and, after re-joining, as S3; the two voices are never heard at
    once, both follow P1's lips, so both are P1's. S2 stays P2's."""
    rng = np.random.default_rng(2)
    n = 240
    a_talks = (np.arange(n) // 10) % 2 == 0
    lips = {
        "P1": np.where(a_talks, 0.03, 0.004) + rng.normal(0, 0.003, n),
        "P2": np.where(~a_talks, 0.03, 0.004) + rng.normal(0, 0.003, n),
    }
    first = np.arange(n) < n // 2
    speaking = {
        "S1": (a_talks & first).astype(float),
        "S2": (~a_talks).astype(float),
        "S3": (a_talks & ~first).astype(float),
    }
    assert link_speakers(lips, speaking) == {"S1": "P1", "S2": "P2", "S3": "P1"}


def test_a_second_voice_heard_together_with_the_first_is_not_the_same_face():
    rng = np.random.default_rng(3)
    n = 240
    a_talks = (np.arange(n) // 10) % 2 == 0
    lips = {"P1": np.where(a_talks, 0.03, 0.004) + rng.normal(0, 0.003, n)}
    speaking = {"S1": a_talks.astype(float), "S2": (a_talks & (rng.random(n) > 0.3)).astype(float)}
    assert link_speakers(lips, speaking) == {"S1": "P1"}
