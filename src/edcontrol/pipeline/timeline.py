"""Per-person 1 Hz timeline: presence, smoothed expressions and attention proxies."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.observations import FaceObservation


@dataclass
class Series:
    """Dense per-second arrays; NaN where the person was not seen in that second."""

    t: np.ndarray
    presence: np.ndarray
    expression: np.ndarray | None  # (seconds, 7), smoothed
    yaw: np.ndarray
    pitch: np.ndarray
    eye_open: np.ndarray
    mouth_open: np.ndarray
    looking_away: np.ndarray
    eyes_closed: np.ndarray
    brow_height: np.ndarray | None = None  # mesh brow height per second (speech-aware faces read it)
    mouth_width: np.ndarray | None = None  # mesh mouth width per second (fear stretches the lips)


def seconds_of(duration_s: float) -> int:
    return max(1, math.ceil(duration_s - 1e-6))


def _centred_sum(values: np.ndarray, k: int) -> np.ndarray:
    """Sum over a centred window of ``k`` seconds, same length as ``values`` (columns for 2-D input).

    ``np.convolve(mode="same")`` returns max(len, k) values, so a clip shorter than the window came
    back longer than itself; slicing the full convolution keeps the length whatever the clip.
    """
    kernel = np.ones(k)
    start = (k - 1) // 2
    n = len(values)
    if values.ndim == 1:
        return np.convolve(values, kernel, mode="full")[start : start + n]
    return np.stack(
        [np.convolve(values[:, j], kernel, mode="full")[start : start + n] for j in range(values.shape[1])], axis=1
    )


def smooth(values: np.ndarray, weights: np.ndarray, window_s: float) -> np.ndarray:
    """Centred moving average that ignores missing seconds (weights 0); stays NaN where none seen."""
    k = max(1, round(window_s))
    v = np.nan_to_num(values) * (weights[:, None] if values.ndim == 2 else weights)
    num = _centred_sum(v, k)
    den = _centred_sum(weights, k)
    if values.ndim == 2:
        den = den[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[weights <= 0] = np.nan
    return out


# FaceGeometry measures the mesh may not have for a face (NaN): averaged over the values it has
SPARSE_MEASURES = ("brow_height", "mouth_width")
MIN_BROW_SECONDS = 10  # a person's usual brow from fewer seconds is too noisy to judge a change by


def brow_change(brow: np.ndarray | None) -> np.ndarray | None:
    """Per second, the brow height relative to this person's median over the lesson (+0.1 = 10% higher);
    0 where unseen; None when the person was seen too briefly to know their usual brow."""
    return relative_change(brow)


def relative_change(values: np.ndarray | None) -> np.ndarray | None:
    """Per second, a mesh measure relative to this person's median over the lesson (+0.1 = 10% above);
    0 where unseen; None when the person was seen too briefly to know their usual."""
    if values is None:
        return None
    seen = values[np.isfinite(values)]
    if len(seen) < MIN_BROW_SECONDS:
        return None
    rest = float(np.median(seen))
    return (np.nan_to_num(values, nan=rest) - rest) / max(rest, 1e-9)


def build_series(observations: list[FaceObservation], sample_counts: np.ndarray, config: FaceTrackConfig) -> Series:
    """``sample_counts[i]`` = frames sampled in second i (presence is observations / samples)."""
    n = len(sample_counts)
    seen = np.zeros(n)
    expr_sum = np.zeros((n, len(EXPRESSIONS)))
    expr_n = np.zeros(n)
    cols = {k: np.zeros(n) for k in ("yaw", "pitch", "eye", "mouth", "away", "closed")}
    sparse = {k: (np.zeros(n), np.zeros(n)) for k in SPARSE_MEASURES}  # per measure: sum, count of finite values
    geo_n = np.zeros(n)
    for o in observations:
        i = min(int(o.t), n - 1)
        seen[i] += 1
        if o.expression is not None:
            expr_sum[i] += o.expression
            expr_n[i] += 1
        g = o.geometry
        if g is not None:
            geo_n[i] += 1
            cols["yaw"][i] += g.yaw
            cols["pitch"][i] += g.pitch
            cols["eye"][i] += g.eye_open
            cols["mouth"][i] += g.mouth_open
            cols["away"][i] += abs(g.yaw) > config.looking_away_yaw_deg or g.pitch > config.looking_away_pitch_deg
            cols["closed"][i] += g.eye_open < config.eyes_closed_ratio
            for attribute, (total, count) in sparse.items():
                value = getattr(g, attribute)
                if math.isfinite(value):
                    total[i] += value
                    count[i] += 1
    presence = np.minimum(1.0, seen / np.maximum(sample_counts, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = {k: np.where(geo_n > 0, v / geo_n, np.nan) for k, v in cols.items()}
        mean |= {k: np.where(count > 0, total / count, np.nan) for k, (total, count) in sparse.items()}
        expr = np.where(expr_n[:, None] > 0, expr_sum / expr_n[:, None], np.nan)
    expression = smooth(expr, expr_n.astype(float), config.smoothing_window_s) if expr_n.any() else None
    return Series(
        t=np.arange(n, dtype=float),
        presence=presence,
        expression=expression,
        yaw=mean["yaw"],
        pitch=mean["pitch"],
        eye_open=mean["eye"],
        mouth_open=mean["mouth"],
        looking_away=mean["away"],
        eyes_closed=mean["closed"],
        brow_height=mean["brow_height"],
        mouth_width=mean["mouth_width"],
    )
