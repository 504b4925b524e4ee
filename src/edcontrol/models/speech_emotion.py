"""Speech emotion from the Whisper base encoder: the speaker's speech packed into 30 s windows, the encoder's
states pooled over each segment, z-scored against the same speaker's other segments, then multinomial
logistic regression.

Why Whisper states: the encoder was trained on 680 k hours of speech in ~100 languages, so what it keeps of
*how* something is said carries across languages far better than hand-made prosodic statistics fitted to five
German actors (those read angry English speech as happiness). Why packing: the encoder always sees 30 s
(3000 feature frames); encoding a 3 s segment alone either wastes 27 s of padding (17x the cost) or feeds it
inputs shorter than it was trained on (measured worse: `scripts/probe_whisper_ser.py`). Packing one speaker's
segments back to back, with short pauses between them, fills every window with that speaker's speech, the
way Whisper decodes a lesson, at ~0.015 s of encoder time per second of speech on 2 cores. Why speaker
normalisation: the states also say who is speaking; what marks anger is a change from *that person's* usual
voice.

Trained only on ../shared/eval/ser_de_emodb_2s_22k by scripts/train_speech_emotion.py, with the same
packing (model card: weights/MODEL_CARD.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
from faster_whisper import WhisperModel

SAMPLE_RATE = 16_000
EMOTIONS = ("anger", "boredom", "disgust", "fear", "happiness", "neutral", "sadness")
WEIGHTS = "speech_emotion.npz"
WINDOW = 30 * SAMPLE_RATE  # the encoder's fixed input
HOP = 160  # feature frame: 10 ms
STATE = 2 * HOP  # encoder state: 20 ms
FRAMES = WINDOW // HOP
GAP = int(0.3 * SAMPLE_RATE)  # silence between packed segments, like a pause between turns
MAX_SEGMENT = WINDOW - GAP  # longer segments are cut (callers chunk turns into a few seconds)
BATCH = 1  # windows per encoder call: its attention needs ~70 MB per window per layer
STATE_DIM = 512  # Whisper base's encoder width
_SILENCE = np.zeros(GAP, np.float32)
_ROWS = 512  # segments normalised and classified at a time


@dataclass(frozen=True)
class _Placed:
    """Where one segment sits: window index, first and last+1 encoder state."""

    window: int
    first: int
    last: int


def layout(segments: Sequence[np.ndarray]) -> list[_Placed]:
    """Where each segment goes when laid back to back into 30 s windows (order kept), a ``GAP`` after each."""
    placed: list[_Placed] = []
    window, used = 0, 0
    for seg in segments:
        n = min(len(seg), MAX_SEGMENT)
        if used + n > WINDOW:
            window, used = window + 1, 0
        first = used // STATE
        placed.append(_Placed(window, first, max(first + 1, (used + n) // STATE)))
        used += n + GAP
    return placed


def _window(segments: Sequence[np.ndarray], members: list[int]) -> np.ndarray:
    parts = [p for i in members for p in (np.asarray(segments[i], dtype=np.float32)[:MAX_SEGMENT], _SILENCE)]
    return np.concatenate(parts)[:WINDOW] if parts else np.zeros(0, np.float32)


def pack(segments: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[_Placed]]:
    """Every window's audio and where each segment sits in it."""
    placed = layout(segments)
    return [_window(segments, m) for m in _members(placed)], placed


def _members(placed: list[_Placed]) -> list[list[int]]:
    members: list[list[int]] = [[] for _ in range(placed[-1].window + 1 if placed else 1)]
    for i, p in enumerate(placed):
        members[p.window].append(i)
    return members


def pooled_states(encoder: WhisperModel, segments: Sequence[np.ndarray]) -> np.ndarray:
    """Mean and deviation of the encoder states over each packed segment: (n segments, 1024). Shared by the
    model and its training script, so both see segments in the same context. Windows are built, encoded and
    pooled ``BATCH`` at a time: an hour of one speaker's talk is ~120 windows of 3 MB of states each, which
    held together would grow with the lesson. The rows are float32, as the encoder's states are (float64 rows
    held the same numbers in twice the memory: 24 MB for a teacher's three hours of 3 s chunks)."""
    placed = layout(segments)
    members = _members(placed)
    rows = np.zeros((len(segments), 2 * STATE_DIM), np.float32)
    for i in range(0, len(members) if placed else 0, BATCH):
        group = members[i : i + BATCH]
        states = np.asarray(encoder.encode(np.stack([_log_mel(encoder, _window(segments, m)) for m in group])))
        for window_states, m in zip(states, group, strict=True):
            for k in m:
                s = window_states[placed[k].first : placed[k].last]
                rows[k] = np.concatenate([s.mean(axis=0), s.std(axis=0)])
    return rows


def _log_mel(encoder: WhisperModel, window: np.ndarray) -> np.ndarray:
    feats = encoder.feature_extractor(window)[:, :FRAMES]
    return np.pad(feats, ((0, 0), (0, FRAMES - feats.shape[1]))).astype(np.float32)


def load_encoder(threads: int) -> WhisperModel:
    """The packaged Whisper base (the ASR's model) for its encoder alone: the model and its training script
    load it the same way."""
    from edcontrol.models.transcriber import joined_base_model

    return WhisperModel(str(joined_base_model()), device="cpu", compute_type="int8", cpu_threads=threads)


def speaker_normalise(features: np.ndarray) -> np.ndarray:
    """z-score each feature across one speaker's segments (rows), in float64."""
    mu, sd = _speaker_stats(features)
    return (features - mu) / sd


def _speaker_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and deviation (1 where a feature does not vary) of each feature over the rows, in float64."""
    mu = features.mean(axis=0, keepdims=True, dtype=np.float64)
    sd = features.std(axis=0, keepdims=True, dtype=np.float64)
    return mu, np.where(sd > 1e-9, sd, 1.0)


class SpeechEmotion:
    """Segments of ONE speaker in, emotion probabilities per segment out (``EMOTIONS`` order).

    ``encoder``: a loaded faster-whisper base model to share (the transcriber's), else one is loaded with
    ``threads`` intra-op threads. Needs several segments of the speaker (their own baseline); with fewer than 3
    it returns ``None`` rather than guess against a baseline it does not have.
    """

    name = "edcontrol-speech-emotion"
    version = "2.0 (Whisper base encoder states, packed 30 s windows, speaker-normalised, logistic regression; EmoDB)"
    min_segments = 3

    def __init__(self, encoder: WhisperModel | None = None, threads: int = 1) -> None:
        self._encoder = encoder if encoder is not None else load_encoder(threads)
        with np.load(str(resources.files("edcontrol.models") / "weights" / WEIGHTS)) as d:
            self._coef, self._intercept = d["coef"], d["intercept"]
            self.classes = tuple(str(c) for c in d["classes"])
            self.recipe = (float(d["C"]), int(d["orders"]))  # how it was fitted: C, packings per speaker
        assert self.classes == EMOTIONS, self.classes

    @property
    def encoder(self) -> WhisperModel:
        return self._encoder

    def features(self, segments: Sequence[np.ndarray]) -> np.ndarray:
        return pooled_states(self._encoder, segments)

    def predict_speaker(self, segments: Sequence[np.ndarray]) -> np.ndarray | None:
        if len(segments) < self.min_segments:
            return None
        features = self.features(segments)
        mu, sd = _speaker_stats(features)
        rows = range(0, len(features), _ROWS)  # normalised a block at a time: no float64 copy of every row
        return np.concatenate([self.predict_normalised((features[r : r + _ROWS] - mu) / sd) for r in rows])

    def predict_normalised(self, x: np.ndarray) -> np.ndarray:
        z = x @ self._coef.T + self._intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
