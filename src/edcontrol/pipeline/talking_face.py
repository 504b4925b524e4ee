"""Speech-aware faces: while a person talks, an open mouth is speech, not surprise or fear.

Why: the expression nets look at the whole face, and a talking face opens and closes its mouth, which
they read as surprise (and fear) most of the time. Real surprise and fear also raise the brows (the
upper face), which talking does not. So in each second the person's lips clearly move, the surprise and
fear probability goes to neutral, except for the part the person's own brow raise backs up. Both cues
are relative or scale-free: lip motion is the mouth opening's change per sample divided by the mouth's
width, and brow raise is the brow height against this person's median brow height over the lesson.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.timeline import Series, brow_change

MOUTH_DRIVEN = ("surprise", "fear")


def talking_weight(lips: np.ndarray, config: FaceTrackConfig) -> np.ndarray:
    """0..1 per second: 0 = lips still (below ``talk_lips_low``), 1 = clearly talking (``talk_lips_high``)."""
    span = max(config.talk_lips_high - config.talk_lips_low, 1e-9)
    return np.clip((np.nan_to_num(lips, nan=0.0) - config.talk_lips_low) / span, 0.0, 1.0)


def brow_raise(brow: np.ndarray | None, config: FaceTrackConfig) -> np.ndarray | None:
    """0..1 per second: how far the brows are above this person's usual, ``brow_raise_full`` = certain."""
    change = brow_change(brow)
    return None if change is None else np.clip(change / config.brow_raise_full, 0.0, 1.0)


def discount_talking(series: Series, lips: np.ndarray, config: FaceTrackConfig) -> Series:
    """The series with mouth-driven expressions moved to neutral while the lips talk (raised brows keep theirs).

    Without brow evidence (a short clip, no mesh) the discount applies in full while talking.
    """
    if series.expression is None or config.talking_discount <= 0:
        return series
    n = len(series.expression)
    talk = talking_weight(lips[:n], config)
    if len(talk) < n:
        talk = np.pad(talk, (0, n - len(talk)))
    return replace(
        series, expression=speech_aware(series.expression, talk, brow_raise(series.brow_height, config), config)
    )


def speech_aware(
    expression: np.ndarray, talk: np.ndarray, raised: np.ndarray | None, config: FaceTrackConfig
) -> np.ndarray:
    """Rows of 7 probabilities with ``talking_discount x talk x (1 - raised)`` of surprise and fear moved to
    neutral (``talk`` and ``raised`` 0..1 per row; no brow evidence = nothing kept)."""
    keep = raised if raised is not None else np.zeros(len(expression))
    moved_share = config.talking_discount * talk * (1.0 - keep)
    out = expression.copy()
    neutral = EXPRESSIONS.index("neutral")
    for name in MOUTH_DRIVEN:
        j = EXPRESSIONS.index(name)
        moved = np.nan_to_num(out[:, j]) * moved_share
        out[:, j] -= moved
        out[:, neutral] += moved
    return out
