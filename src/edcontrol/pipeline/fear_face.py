"""Fear or surprise: both raise the brows; the lower face tells them apart.

Why: the expression nets read a frightened face as surprised almost every time (both open the eyes and
raise the brows), so fear, a negative state a manager must see, never reached a moment. The facial
action coding of the two differs in the mouth: fear stretches the lips sideways (AU20, with the brows
also drawn together), surprise drops the jaw with relaxed lips, which if anything narrows the mouth.
So in each second where this person's brows are above their usual AND their mouth is wider than their
usual, the nets' surprise is read as fear, in proportion to both. Both cues are relative to the person
(median over the lesson), so a wide mouth or high brows by nature change nothing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.talking_face import brow_raise
from edcontrol.pipeline.timeline import Series, relative_change


def lip_stretch(width: np.ndarray | None, config: FaceTrackConfig) -> np.ndarray | None:
    """0..1 per second: how far the mouth is wider than this person's usual (``lip_stretch_full`` = certain)."""
    change = relative_change(width)
    return None if change is None else np.clip(change / config.lip_stretch_full, 0.0, 1.0)


def read_fear(series: Series, config: FaceTrackConfig) -> Series:
    """The series with ``fear_from_surprise x brow raise x lip stretch`` of surprise moved to fear.

    Without brow or mouth evidence (a short clip, no mesh) nothing moves: the nets' reading stands.
    """
    if series.expression is None or config.fear_from_surprise <= 0:
        return series
    raised = brow_raise(series.brow_height, config)
    stretched = lip_stretch(series.mouth_width, config)
    if raised is None or stretched is None:
        return series
    return replace(series, expression=fear_or_surprise(series.expression, raised, stretched, config))


def fear_or_surprise(
    expression: np.ndarray, raised: np.ndarray, stretched: np.ndarray, config: FaceTrackConfig
) -> np.ndarray:
    """Rows of 7 probabilities with ``fear_from_surprise x raised x stretched`` of surprise moved to fear
    (``raised``, ``stretched``: 0..1 per row)."""
    out = expression.copy()
    surprise, fear = EXPRESSIONS.index("surprise"), EXPRESSIONS.index("fear")
    moved = np.nan_to_num(out[:, surprise]) * config.fear_from_surprise * raised * stretched
    out[:, surprise] -= moved
    out[:, fear] += moved
    return out
