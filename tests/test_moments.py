"""Timeline smoothing and negative moments on synthetic per-second signals."""

from __future__ import annotations

import numpy as np
import pytest

from edcontrol.models.types import EXPRESSIONS, Box
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.moments import find_moments
from edcontrol.pipeline.observations import FaceObservation
from edcontrol.pipeline.timeline import build_series, smooth

CFG = FaceTrackConfig()


def probs(**kw: float) -> np.ndarray:
    p = np.zeros(len(EXPRESSIONS))
    for k, v in kw.items():
        p[EXPRESSIONS.index(k)] = v
    p[EXPRESSIONS.index("neutral")] += 1 - p.sum()
    return p


def lesson(seconds: int, anger_at: dict[int, float], sad_level: float = 0.1) -> list[FaceObservation]:
    out = []
    for i in range(seconds * 2):
        t = i / 2
        p = probs(anger=anger_at.get(int(t), 0.05), sadness=sad_level)
        out.append(FaceObservation(t, Box(0, 0, 100, 100), 0.9, None, ((30, 40), (70, 40)), expression=p))
    return out


def series(obs, seconds):
    return build_series(obs, np.full(seconds, 2), CFG)


def test_sustained_anger_is_one_moment_with_times_and_intensity():
    s = series(lesson(120, {t: 0.8 for t in range(40, 48)}), 120)
    moments = find_moments(s, CFG)
    assert len(moments) == 1
    m = moments[0]
    assert m.emotion == "anger"
    assert 38 <= m.start <= 41 and 47 <= m.end <= 50
    assert 40 <= m.peak <= 48
    assert m.intensity > 0.6 and 0 < m.confidence <= 1
    assert m.baseline == pytest.approx(0.05, abs=0.02)


def test_one_second_blip_is_not_a_moment():
    s = series(lesson(120, {60: 0.9}), 120)
    assert find_moments(s, CFG) == []


def test_a_person_who_always_looks_sad_has_no_sad_moment():
    s = series(lesson(120, {}, sad_level=0.6), 120)
    assert find_moments(s, CFG) == []


def test_presence_and_missing_seconds():
    obs = [o for o in lesson(20, {}) if not 5 <= o.t < 10]
    s = series(obs, 20)
    assert s.presence[0] == 1.0 and s.presence[6] == 0.0
    assert np.isnan(s.expression[6]).all() and not np.isnan(s.expression[0]).any()


def test_smooth_ignores_missing_seconds():
    v = np.array([1.0, np.nan, 3.0, 3.0])
    w = np.array([1.0, 0.0, 1.0, 1.0])
    out = smooth(v, w, 3)
    assert out[0] == pytest.approx(1.0) and np.isnan(out[1]) and out[2] == pytest.approx(3.0)


def flicker_lesson(seconds: int, at: float, length_s: float, level: float = 0.9) -> list[FaceObservation]:
    """Samples every 0.5 s; anger at ``level`` for ``length_s`` from ``at`` (sub-second: one sample)."""
    out = []
    for i in range(seconds * 2):
        t = i / 2
        p = probs(anger=level if at <= t < at + max(length_s, 0.5) else 0.05, sadness=0.1)
        out.append(FaceObservation(t, Box(0, 0, 100, 100), 0.9, None, ((30, 40), (70, 40)), expression=p))
    return out


@pytest.mark.parametrize("length_s", [3.0, 3.5, 4.0])
def test_a_held_three_to_four_second_expression_is_caught_whole(length_s):
    s = series(flicker_lesson(120, 50.0, length_s), 120)
    moments = find_moments(s, CFG)
    assert len(moments) == 1 and moments[0].emotion == "anger"
    # hysteresis: the moment spans what was seen (give or take the 3 s smoothing), not a clipped core
    assert moments[0].start <= 50.0 and moments[0].end >= 50.0 + length_s


def test_a_half_second_flicker_is_not_a_moment():
    s = series(flicker_lesson(120, 50.0, 0.5, level=0.95), 120)
    assert find_moments(s, CFG) == []


def test_hysteresis_keeps_a_dip_inside_and_needs_the_onset():
    from edcontrol.pipeline.moments import hysteresis_spans

    rise = np.array([0, 0.3, 0.18, 0.3, 0.3, 0, 0, 0.2, 0.2, 0.2, 0])
    assert hysteresis_spans(rise, on=0.25, off=0.15, merge_gap=0) == [(1, 4)]  # 7-9 never reaches the onset


def frown_series(anger_peak: float, brow_drop: float, n: int = 90, at: int = 40, length: int = 4):
    """A person whose nets read anger at 1% (neutral face) and, for ``length`` s, ``anger_peak`` while the
    brows drop by ``brow_drop`` (relative): how MEAD-like frowns look to the packaged nets."""
    from edcontrol.pipeline.timeline import Series

    expr = np.tile(probs(anger=0.01, sadness=0.05, happiness=0.1), (n, 1))
    brow = np.full(n, 0.25)
    expr[at : at + length] = probs(anger=anger_peak, sadness=0.05, happiness=0.4)
    brow[at : at + length] *= 1 - brow_drop
    nan = np.full(n, np.nan)
    return Series(np.arange(n, dtype=float), np.ones(n), expr, np.zeros(n), nan, nan, nan, nan, nan, brow)


def test_a_frown_the_nets_under_read_is_found_when_the_brows_back_it():
    moments = find_moments(frown_series(anger_peak=0.12, brow_drop=0.06), CFG)
    assert [m.emotion for m in moments] == ["anger"]
    m = moments[0]
    assert 39 <= m.start <= 40 and 44 <= m.end <= 46 and m.brow_lowering == pytest.approx(1.0)
    assert 0 < m.confidence <= CFG.corroborated_confidence


@pytest.mark.parametrize(("peak", "drop"), [(0.12, 0.0), (0.02, 0.08), (0.03, 0.06)])
def test_neither_a_small_rise_nor_lowered_brows_alone_make_a_moment(peak, drop):
    # a 12x rise with still brows; brows down 8% (a talker's emphasis) with the nets unmoved; a 3x rise
    assert find_moments(frown_series(anger_peak=peak, brow_drop=drop), CFG) == []
