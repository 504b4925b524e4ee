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
from edcontrol.pipeline.timeline import Series, brow_change

FACE_NEGATIVE = ("anger", "disgust", "fear", "sadness")  # contempt: no model here outputs it
BROW_LOWERING = ("anger", "disgust")  # both lower the brows (AU4), which the mesh measures
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
    brow_lowering: float | None = None  # 0..1 at the peak, when the brows backed the reading


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


def brow_lowering(series: Series, config: FaceTrackConfig) -> np.ndarray | None:
    """0..1 per second: brows lowered against this person's median brow (``brow_lower_full`` = certain)."""
    change = brow_change(series.brow_height)
    return None if change is None else np.clip(-change / config.brow_lower_full, 0.0, 1.0)


def relative_rise(p: np.ndarray, baseline: float, config: FaceTrackConfig) -> np.ndarray:
    """0..1: how many times the person's usual probability this is, on a log scale from
    ``relative_rise_min`` x (0) to ``relative_rise_full`` x (1).

    Why: the nets often read a real frown as another class (anger as happiness) and leave the true class
    at a few per cent; a tenfold rise of that few per cent over the person's own usual is still clear.
    """
    ratio = np.log(np.maximum(np.nan_to_num(p), 1e-3) / max(baseline, 0.01))
    lo, hi = np.log(config.relative_rise_min), np.log(config.relative_rise_full)
    return np.clip((ratio - lo) / max(hi - lo, 1e-9), 0.0, 1.0)


def corroborated_rise(
    series: Series, base: dict[str, float], lowered: np.ndarray | None, config: FaceTrackConfig
) -> dict[str, np.ndarray]:
    """Per brow-lowering emotion: its relative rise where the brows are down too (``lowered``: brow_lowering)."""
    if lowered is None or series.expression is None:
        return {}
    return {
        e: relative_rise(series.expression[:, EXPRESSIONS.index(e)], base[e], config) * lowered
        for e in BROW_LOWERING
        if e in base
    }


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
    return [(a, b) for a, b in _spans(rise >= min(off, on), merge_gap) if np.any(rise[a : b + 1] >= on)]


def find_moments(series: Series, config: FaceTrackConfig) -> list[Moment]:
    """Negative facial moments: a clear rise of a negative class above the person's baseline, or, for anger
    and disgust, a strong relative rise of the class backed by lowered brows (see ``corroborated_rise``)."""
    if series.expression is None:
        return []
    base = baselines(series)
    inten = intensity_series(series, base)
    lowered = brow_lowering(series, config)
    backed = corroborated_rise(series, base, lowered, config)
    frontal = np.clip(1.0 - np.abs(np.nan_to_num(series.yaw, nan=45.0)) / 90.0, 0.0, 1.0)
    moments = []
    for emotion, rise in inten.items():
        p = series.expression[:, EXPRESSIONS.index(emotion)]
        by_brow = backed.get(emotion, np.zeros(len(rise)))
        total = np.maximum(np.nan_to_num(rise), by_brow)
        for a, b in hysteresis_spans(total, config.min_intensity, config.offset_intensity, int(config.merge_gap_s)):
            duration = b - a + 1
            seg = np.nan_to_num(p[a : b + 1])
            k = a + int(np.argmax(total[a : b + 1]))
            read = float(seg.max()) >= config.min_peak_probability  # the nets say so themselves
            if duration < config.min_moment_duration_s or not (read or by_brow[k] >= config.min_intensity):
                continue
            sure = float(np.clip(seg.max(), 0, 1)) if read else config.corroborated_confidence * float(by_brow[k])
            coverage = float(np.mean(series.presence[a : b + 1]))
            confidence = float(
                sure
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
                    float(total[k]),
                    round(confidence, 4),
                    float(np.nan_to_num(p[k])),
                    base[emotion],
                    None if read or lowered is None else round(float(lowered[k]), 4),
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
