"""Fear or surprise: raised brows with lips stretched wider than the person's usual read as fear."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.fear_face import lip_stretch, read_fear
from edcontrol.pipeline.moments import find_moments
from edcontrol.pipeline.timeline import Series

CFG = FaceTrackConfig()
S, F, N = EXPRESSIONS.index("surprise"), EXPRESSIONS.index("fear"), EXPRESSIONS.index("neutral")


def face(n: int, surprise: np.ndarray, brow: np.ndarray, width: np.ndarray) -> Series:
    expr = np.zeros((n, len(EXPRESSIONS)))
    expr[:, S], expr[:, F], expr[:, N] = surprise, 0.02, 0.98 - surprise
    nan = np.full(n, np.nan)
    return Series(np.arange(n, dtype=float), np.ones(n), expr, np.zeros(n), nan, nan, nan, nan, nan, brow, width)


def lesson(episode_width: float) -> Series:
    """60 s of a calm face, then 6 s the nets read as surprise with raised brows and the given mouth width."""
    n = 80
    surprise, brow, width = np.full(n, 0.05), np.full(n, 0.25), np.full(n, 0.9)
    surprise[60:66], brow[60:66], width[60:66] = 0.8, 0.25 * (1 + CFG.brow_raise_full), episode_width
    return face(n, surprise, brow, width)


def test_raised_brows_and_stretched_lips_are_fear_and_a_moment():
    out = read_fear(lesson(0.9 * (1 + CFG.lip_stretch_full)), CFG)
    assert out.expression[60:66, F] == pytest.approx(0.82)  # all the surprise moved to fear
    assert out.expression[:60, S] == pytest.approx(0.05)  # brows at the usual: the nets' reading stands
    assert out.expression.sum(axis=1) == pytest.approx(np.ones(80))
    moments = find_moments(out, CFG)
    assert [(m.emotion, m.start, m.end) for m in moments] == [("fear", 60.0, 66.0)]


def test_raised_brows_with_a_relaxed_or_rounded_mouth_stay_surprise():
    for width in (0.9, 0.8):  # the person's usual, and narrower (a dropped jaw)
        out = read_fear(lesson(width), CFG)
        assert out.expression[60:66, S] == pytest.approx(0.8)
        assert find_moments(out, CFG) == []


def test_half_the_stretch_moves_half_and_too_little_evidence_moves_nothing():
    out = read_fear(lesson(0.9 * (1 + CFG.lip_stretch_full / 2)), CFG)
    assert out.expression[60:66, F] == pytest.approx(0.02 + 0.4)
    short = face(5, np.full(5, 0.8), np.full(5, 0.3), np.full(5, 1.0))
    assert read_fear(short, CFG) is short  # five seconds: no usual brow or mouth to compare with
    assert lip_stretch(np.full(5, 1.0), CFG) is None
    series = lesson(1.2)
    assert read_fear(series, replace(CFG, fear_from_surprise=0.0)) is series
