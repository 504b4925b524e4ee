"""Negative facial moments: spans where a negative emotion rises above the person's own baseline.

Why relative: the packaged nets lean to "sad" on many neutral faces and some people simply look
stern; an absolute threshold would flag them all lesson long. We take each person's median
probability of each negative emotion as their baseline and flag only clear, sustained rises.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.timeline import Series

FACE_NEGATIVE = ("anger", "disgust", "fear", "sadness")  # contempt: no model here outputs it
MIN_BASELINE_SECONDS = 10  # below this a person's median is too noisy: use a prior instead
PRIOR_BASELINE = 0.15


@dataclass(frozen=True)
class Moment:
    emotion: str
    start: float
    end: float
    peak: float
    intensity: float
    confidence: float
    peak_probability: float
    baseline: float


def baselines(series: Series) -> dict[str, float]:
    if series.expression is None:
        return {}
    out = {}
    for emotion in FACE_NEGATIVE:
        p = series.expression[:, EXPRESSIONS.index(emotion)]
        p = p[~np.isnan(p)]
        out[emotion] = float(np.median(p)) if len(p) >= MIN_BASELINE_SECONDS else PRIOR_BASELINE
    return out


def intensity_series(series: Series, base: dict[str, float]) -> dict[str, np.ndarray]:
    """Rise above baseline, scaled to the room left above it: 0 = usual for this person, 1 = certain."""
    out = {}
    for emotion, b in base.items():
        p = series.expression[:, EXPRESSIONS.index(emotion)]  # type: ignore[index]
        out[emotion] = np.clip((p - b) / max(1.0 - b, 1e-6), 0.0, 1.0)
    return out


def _spans(active: np.ndarray, merge_gap: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i in np.flatnonzero(active):
        if spans and i - spans[-1][1] <= merge_gap + 1:
            spans[-1] = (spans[-1][0], int(i))
        else:
            spans.append((int(i), int(i)))
    return spans


def hysteresis_spans(rise: np.ndarray, on: float, off: float, merge_gap: int) -> list[tuple[int, int]]:
    """Spans that start where ``rise`` reaches ``on`` and last while it stays at ``off`` or above.

    Why two levels: one threshold cuts a held expression into pieces where it dips for a second and
    makes the moment shorter than what was seen; the lower offset keeps it whole, the higher onset
    keeps a face that only hovers near the offset from ever starting a moment.
    """
    rise = np.nan_to_num(rise)
    spans = [(a, b) for a, b in _spans(rise >= min(off, on), merge_gap) if np.any(rise[a : b + 1] >= on)]
    return spans


def find_moments(series: Series, config: FaceTrackConfig) -> list[Moment]:
    if series.expression is None:
        return []
    base = baselines(series)
    inten = intensity_series(series, base)
    frontal = np.clip(1.0 - np.abs(np.nan_to_num(series.yaw, nan=45.0)) / 90.0, 0.0, 1.0)
    moments = []
    for emotion, rise in inten.items():
        p = series.expression[:, EXPRESSIONS.index(emotion)]
        for a, b in hysteresis_spans(rise, config.min_intensity, config.offset_intensity, int(config.merge_gap_s)):
            duration = b - a + 1
            seg = np.nan_to_num(p[a : b + 1])
            k = a + int(np.argmax(seg))
            if duration < config.min_moment_duration_s or p[k] < config.min_peak_probability:
                continue
            coverage = float(np.mean(series.presence[a : b + 1]))
            confidence = float(
                np.clip(p[k], 0, 1)
                * (0.5 + 0.5 * coverage)
                * (0.5 + 0.5 * np.nanmean(frontal[a : b + 1]))
                * min(1.0, duration / (2 * config.min_moment_duration_s)) ** 0.5
            )
            moments.append(
                Moment(
                    emotion,
                    float(a),
                    float(b + 1),
                    float(k) + 0.5,
                    float(rise[k]),
                    round(confidence, 4),
                    float(p[k]),
                    base[emotion],
                )
            )
    return sorted(moments, key=lambda m: m.start)


def find_smiles(series: Series, config: FaceTrackConfig) -> list[tuple[float, float, float]]:
    """(start, end, score) of smiles: happiness clearly above this person's usual, held a while. The
    positive side of the ledger, measured the same person-relative way as the negative moments."""
    if series.expression is None:
        return []
    p = series.expression[:, EXPRESSIONS.index("happiness")]
    seen = p[~np.isnan(p)]
    base = float(np.median(seen)) if len(seen) >= MIN_BASELINE_SECONDS else PRIOR_BASELINE
    rise = np.clip((np.nan_to_num(p) - base) / max(1.0 - base, 1e-6), 0.0, 1.0)
    out = []
    for a, b in _spans(rise >= config.smile_min_rise, int(config.merge_gap_s)):
        peak = float(np.nanmax(p[a : b + 1]))
        if b - a + 1 >= config.min_moment_duration_s and peak >= config.smile_min_probability:
            out.append((float(a), float(b + 1), peak))
    return out
