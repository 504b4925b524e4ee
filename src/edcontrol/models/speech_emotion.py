"""Speech emotion: our own small model — prosodic and spectral statistics of a speech segment,
z-scored against the same speaker's other segments, then multinomial logistic regression.

Trained only on ../shared/eval/ser_de_emodb_2s_22k with speaker-wise cross-validation by
scripts/train_speech_emotion.py (model card: weights/MODEL_CARD.md). Why speaker normalisation:
what marks anger is a voice louder, higher and brighter than *that person's* usual voice; absolute
levels mostly encode who is speaking and how far the microphone is.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
from scipy.fft import dct

from edcontrol.features.mel import mel_frames
from edcontrol.features.prosody import prosody

SAMPLE_RATE = 16_000
EMOTIONS = ("anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness")
NEGATIVE_SPEECH = ("anger", "disgust", "fear", "sadness")
WEIGHTS = "speech_emotion.npz"


def _stats(v: np.ndarray) -> list[float]:
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return [0.0, 0.0, 0.0, 0.0, 0.0]
    p10, p90 = np.percentile(v, [10, 90])
    return [float(v.mean()), float(v.std()), float(p10), float(p90), float(p90 - p10)]


def segment_features(audio: np.ndarray) -> np.ndarray:
    """~60 numbers describing how a stretch of speech sounds (not what is said)."""
    audio = audio.astype(np.float32)
    if len(audio) < SAMPLE_RATE // 4:
        audio = np.pad(audio, (0, SAMPLE_RATE // 4 - len(audio)))
    mel = mel_frames(audio)
    logmel = np.log(mel + 1e-8)
    energy = logmel.mean(axis=1)
    active = energy > np.percentile(energy, 30)  # drop pauses and padding
    mfcc = dct(logmel[active], type=2, norm="ortho", axis=1)[:, :13]
    delta = np.diff(mfcc, axis=0) if len(mfcc) > 1 else np.zeros((1, 13))
    freqs = np.linspace(0, SAMPLE_RATE / 2, mel.shape[1])
    spec = mel[active] + 1e-10
    centroid = (spec * freqs).sum(axis=1) / spec.sum(axis=1)
    flatness = np.exp(np.log(spec).mean(axis=1)) / spec.mean(axis=1)
    pros = prosody(audio)
    loud = pros.loudness_db[pros.loudness_db > pros.loudness_db.max() - 40] if len(pros.loudness_db) else np.zeros(1)
    voiced = np.isfinite(pros.f0)
    logf0 = np.log(pros.f0[voiced]) if voiced.any() else np.zeros(0)
    # syllable-rate proxy: peaks of the smoothed loudness contour per second
    contour = (
        np.convolve(pros.loudness_db, np.ones(5) / 5, mode="same") if len(pros.loudness_db) > 5 else pros.loudness_db
    )
    peaks = (
        int(
            np.sum(
                (contour[1:-1] > contour[:-2]) & (contour[1:-1] >= contour[2:]) & (contour[1:-1] > contour.max() - 15)
            )
        )
        if len(contour) > 2
        else 0
    )
    seconds = len(audio) / SAMPLE_RATE
    return np.array(
        [
            *mfcc.mean(axis=0),
            *mfcc.std(axis=0),
            *np.abs(delta).mean(axis=0),
            *_stats(loud),
            *_stats(logf0),
            float(voiced.mean()) if len(voiced) else 0.0,
            float(centroid.mean()),
            float(centroid.std()),
            float(flatness.mean()),
            float(flatness.std()),
            peaks / max(seconds, 1e-3),
        ],
        dtype=np.float64,
    )


def speaker_normalise(features: np.ndarray) -> np.ndarray:
    """z-score each feature across one speaker's segments (rows)."""
    mu = features.mean(axis=0, keepdims=True)
    sd = features.std(axis=0, keepdims=True)
    return (features - mu) / np.where(sd > 1e-9, sd, 1.0)


@dataclass(frozen=True)
class _Weights:
    coef: np.ndarray
    intercept: np.ndarray
    classes: tuple[str, ...]


class SpeechEmotion:
    """Segments of ONE speaker in, emotion probabilities per segment out (``EMOTIONS`` order).

    Needs several segments of the speaker (their own baseline); with fewer than 3 it returns
    ``None`` rather than guess against a baseline it does not have.
    """

    name = "edcontrol-speech-emotion"
    version = "1.0 (prosodic/spectral statistics, speaker-normalised, logistic regression; EmoDB)"
    min_segments = 3

    def __init__(self) -> None:
        with np.load(str(resources.files("edcontrol.models") / "weights" / WEIGHTS)) as d:
            self._w = _Weights(d["coef"], d["intercept"], tuple(str(c) for c in d["classes"]))
        assert self._w.classes == EMOTIONS, self._w.classes

    def predict_speaker(self, segments: list[np.ndarray]) -> np.ndarray | None:
        if len(segments) < self.min_segments:
            return None
        x = speaker_normalise(np.stack([segment_features(s) for s in segments]))
        return self.predict_normalised(x)

    def predict_normalised(self, x: np.ndarray) -> np.ndarray:
        z = x @ self._w.coef.T + self._w.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
