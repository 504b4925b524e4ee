"""Moment fusion as pure functions: one event one moment, owners never mixed, agreement raises confidence,
a lone weak cue stays weak, and (property-based) merging is order-independent, deterministic, loses no
signal and keeps spans inside the lesson."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edcontrol.pipeline.moment_fusion import (
    MomentFusionConfig,
    Owner,
    fuse_moments,
    moment_confidence,
    stories,
    watch_first,
)
from edcontrol.report import schema as rs

CFG = MomentFusionConfig()
TEACHER = Owner("P1", "P1", ("S1",), "teacher", [0, 0, 100, 100])
STUDENT = Owner("P2", "P2", ("S2",), "student", [200, 0, 100, 100])
WHO = {"P1": TEACHER, "S1": TEACHER, "P2": STUDENT, "S2": STUDENT, "S3": Owner("S3", None, ("S3",))}


def sig(modality: str, kind: str, source: str, start: float, end: float, score=0.8, confidence=0.7) -> rs.MomentSignal:
    return rs.MomentSignal(
        modality=modality,
        kind=kind,
        source_id=source,
        start_s=start,
        end_s=end,
        peak_s=(start + end) / 2,
        score=score,
        confidence=confidence,
        box=[10, 10, 50, 50] if modality == "face" else None,
    )


def test_frown_and_raised_voice_at_once_are_one_moment_with_two_modalities():
    frown = sig("face", "anger", "P1", 40, 45, 0.7, 0.6)
    shout = sig("voice", "raised_voice", "S1", 41, 44, 0.9, 0.7)
    flicker = sig("face", "sadness", "P1", 90, 90.5, 0.3, 0.3)
    got = fuse_moments([frown, shout, flicker], WHO, 120).moments
    assert len(got) == 2
    both, lone = got
    assert {s.modality for s in both.modalities} == {"face", "voice"}
    assert both.kind == "anger" and both.person == "P1" and both.role == "teacher"
    assert both.confidence > max(frown.confidence, shout.confidence)
    assert both.thumbnail_s == frown.peak_s and both.face_box == frown.box  # the face shows it best
    assert lone.confidence < CFG.default_min_confidence and lone.confidence < flicker.confidence


def test_a_students_moment_never_merges_with_the_teachers_at_the_same_time():
    got = fuse_moments([sig("voice", "raised_voice", "S1", 10, 14), sig("face", "fear", "P2", 10, 14)], WHO, 60).moments
    assert sorted((m.person, m.role, m.kind) for m in got) == [
        ("P1", "teacher", "raised_voice"),
        ("P2", "student", "distress"),
    ]


def test_words_lead_the_headline_and_carry_the_excerpt():
    words = sig("text", "toxic_language", "S1", 26.5, 26.9, 0.94, 0.93).model_copy(
        update={"excerpt": "Are you stupid?"}
    )
    shout = sig("voice", "raised_voice", "S1", 24, 30, 1.0, 0.95)
    (m,) = fuse_moments([shout, words], WHO, 60).moments
    assert m.kind == "hostile_language" and m.transcript_excerpt == "Are you stupid?"
    assert (m.start_s, m.end_s) == (24, 30) and m.confidence > 0.95
    assert m.face_box == TEACHER.box  # heard only: the speaker's face for the thumbnail


def test_a_voice_without_a_face_is_a_person_too():
    (m,) = fuse_moments([sig("voice", "raised_voice", "S3", 5, 9)], WHO, 60).moments
    assert (m.person, m.person_id, m.speaker_ids, m.face_box) == ("S3", None, ["S3"], None)


def test_two_voices_of_one_person_share_their_moments():
    who = {**WHO, "S4": TEACHER}  # a re-joined call: S4 is P1's second voice
    got = fuse_moments(
        [sig("voice", "raised_voice", "S1", 10, 13), sig("text", "toxic_language", "S4", 13.5, 14)], who, 60
    )
    (m,) = got.moments
    assert m.person == "P1" and {s.source_id for s in m.modalities} == {"S1", "S4"}


def test_one_weak_second_stays_weak_and_a_strong_lone_cue_does_not():
    blip = [sig("voice", "raised_voice", "S1", 10, 11, 0.5, 0.5)]
    held = [sig("voice", "raised_voice", "S1", 10, 16, 0.9, 0.8)]
    assert moment_confidence(blip, CFG) == pytest.approx(0.5 * CFG.lone_weak_factor)
    assert moment_confidence(held, CFG) == pytest.approx(0.8)


def test_same_modality_twice_is_not_independent_evidence():
    voice = [sig("voice", "raised_voice", "S1", 10, 16, 0.9, 0.7), sig("voice", "angry_speech", "S1", 10, 16, 0.9, 0.6)]
    assert moment_confidence(voice, CFG) == pytest.approx(0.7)


def test_watch_first_takes_the_most_severe_sure_ones_one_per_15_s():
    signals = [
        sig("voice", "raised_voice", "S1", t, t + 6, 0.9, 0.9 - t / 1000) for t in (10, 18, 40, 70, 100, 130, 160)
    ]
    signals.append(sig("face", "sadness", "P2", 200, 201, 0.3, 0.3))  # below the shown confidence
    moments = fuse_moments(signals, WHO, 300).moments
    first = watch_first(moments, CFG)
    assert len(first) == 5
    chosen = [next(m for m in moments if m.id == i) for i in first]
    assert all(abs(a.peak_s - b.peak_s) >= 15 for a in chosen for b in chosen if a is not b)
    assert all(m.confidence >= CFG.default_min_confidence for m in chosen)
    assert [m.severity for m in chosen] == sorted((m.severity for m in chosen), reverse=True)


def test_stories_count_by_kind_and_share_of_the_lesson():
    moments = fuse_moments(
        [sig("voice", "raised_voice", "S1", 0, 10), sig("text", "toxic_language", "S1", 50, 51)], WHO, 100
    ).moments
    got = {s.person: s for s in stories(moments, [], WHO, 100)}
    assert got["P1"].moments == 2 and got["P1"].by_kind == {"hostile_language": 1, "raised_voice": 1}
    assert got["P1"].negative_share == pytest.approx(0.11) and got["P2"].moments == 0
    assert got["P1"].worst_moment_id in {m.id for m in moments}


def test_signals_of_nobody_or_outside_the_lesson_are_dropped_with_a_reason():
    got = fuse_moments([sig("voice", "raised_voice", "S9", 1, 3), sig("voice", "raised_voice", "S1", 70, 75)], WHO, 60)
    assert got.moments == [] and len(got.dropped) == 2 and all(reason for _, reason in got.dropped)


SOURCES = ("P1", "S1", "P2", "S2", "S3", "S9")
KINDS = {
    "face": ("anger", "sadness", "fear", "disgust"),
    "voice": ("raised_voice", "angry_speech"),
    "text": ("toxic_language",),
}


@st.composite
def signals(draw: st.DrawFn) -> list[rs.MomentSignal]:
    out = []
    for _ in range(draw(st.integers(0, 14))):
        modality = draw(st.sampled_from(("face", "voice", "text")))
        source = draw(st.sampled_from([s for s in SOURCES if (s[0] == "P") == (modality == "face")]))
        start = draw(st.floats(-5, 130, allow_nan=False))
        length = draw(st.floats(0.1, 20, allow_nan=False))
        score = draw(st.floats(0, 1))
        confidence = draw(st.floats(0, 1))
        out.append(
            sig(modality, draw(st.sampled_from(KINDS[modality])), source, start, start + length, score, confidence)
        )
    return out


def _canon(result) -> list:
    return [m.model_dump() for m in result.moments], sorted(repr(s) + r for s, r in result.dropped)


@settings(max_examples=200, deadline=None)
@given(signals(), st.randoms(use_true_random=False))
def test_fusion_is_order_independent_deterministic_and_loses_nothing(items, rnd):
    duration = 120.0
    a = fuse_moments(items, WHO, duration)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert _canon(fuse_moments(shuffled, WHO, duration)) == _canon(a)  # order-independent
    assert _canon(fuse_moments(items, WHO, duration)) == _canon(a)  # deterministic
    merged = sum(len(m.modalities) for m in a.moments)
    assert merged + len(a.dropped) == len(items)  # every signal in exactly one moment, or dropped with a reason
    for m in a.moments:
        assert 0 <= m.start_s <= m.peak_s <= m.end_s <= duration
        assert all(0 <= s.start_s <= s.end_s <= duration for s in m.modalities)
        assert len({WHO[s.source_id].person for s in m.modalities}) == 1  # one person per moment
        assert 0 <= m.confidence <= 1 and 0 <= m.intensity <= 1
    ids = [m.id for m in a.moments]
    assert ids == [f"M{i}" for i in range(1, len(ids) + 1)]
