"""Speech-aware faces: a talking neutral face is not surprised; raised brows keep a real surprise."""

from __future__ import annotations

import numpy as np
import pytest

from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.talking_face import brow_raise, discount_talking, talking_weight
from edcontrol.pipeline.timeline import Series

CFG = FaceTrackConfig()
S, N = EXPRESSIONS.index("surprise"), EXPRESSIONS.index("neutral")


def talking_series(n: int, surprise: float, brow: np.ndarray) -> Series:
    expr = np.zeros((n, len(EXPRESSIONS)))
    expr[:, S], expr[:, N] = surprise, 1 - surprise
    nan = np.full(n, np.nan)
    return Series(np.arange(n, dtype=float), np.ones(n), expr, nan, nan, nan, nan, nan, nan, brow)


def test_lip_motion_scales_the_talking_weight():
    w = talking_weight(np.array([np.nan, 0.0, CFG.talk_lips_low, CFG.talk_lips_high, 0.5]), CFG)
    assert w.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_a_talking_neutral_face_reads_neutral_and_a_still_one_is_left_alone():
    n = 60
    lips = np.where(np.arange(n) < 30, 0.1, 0.0)  # talks for 30 s, then listens
    out = discount_talking(talking_series(n, 0.6, np.full(n, 0.5)), lips, CFG)
    assert np.argmax(out.expression[:30], axis=1).tolist() == [N] * 30
    assert out.expression[:30, S] == pytest.approx(0.6 * (1 - CFG.talking_discount))
    assert out.expression[30:, S] == pytest.approx(0.6)  # not talking: the nets' reading stands
    assert out.expression.sum(axis=1) == pytest.approx(np.ones(n))  # probabilities moved, not lost


def test_raised_brows_keep_the_surprise_while_talking():
    n = 60
    brow = np.full(n, 0.5)
    brow[40:45] = 0.5 * (1 + CFG.brow_raise_full)  # brows up, relative to this person's usual
    out = discount_talking(talking_series(n, 0.7, brow), np.full(n, 0.1), CFG)
    assert out.expression[40:45, S] == pytest.approx(0.7)
    assert (out.expression[10:20, S] < 0.1).all()
    assert brow_raise(brow[:5], CFG) is None  # too few seconds to know this person's usual brow


def test_off_switch_and_unseen_seconds():
    n = 20
    series = talking_series(n, 0.6, np.full(n, 0.5))
    series.expression[5] = np.nan
    out = discount_talking(series, np.full(n, 0.1), FaceTrackConfig(talking_discount=0.0))
    assert out is series
    out = discount_talking(series, np.full(n, 0.1), CFG)
    assert np.isnan(out.expression[5]).all()  # an unseen second stays unseen
