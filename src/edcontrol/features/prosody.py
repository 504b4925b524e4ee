"""Frame-level loudness and pitch (20 ms hop): the raw material of vocal arousal and speech emotion.

Pitch is a normalised-autocorrelation estimate computed in chunks with FFTs, so an hour of audio
takes seconds and never a large array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
HOP = 320  # 20 ms
WIN = 640  # 40 ms: two periods of 50 Hz
F0_MIN, F0_MAX = 70.0, 400.0
VOICING = 0.45


@dataclass
class Prosody:
    t: np.ndarray  # frame centres, seconds
    loudness_db: np.ndarray  # RMS in dBFS
    f0: np.ndarray  # Hz, NaN where unvoiced
    voicing: np.ndarray  # autocorrelation peak 0..1


def frame_signal(audio: np.ndarray) -> np.ndarray:
    n = max(0, 1 + (len(audio) - WIN) // HOP)
    if n == 0:
        return np.zeros((0, WIN), np.float32)
    idx = np.arange(WIN)[None, :] + HOP * np.arange(n)[:, None]
    return audio[idx]


def prosody(audio: np.ndarray, chunk: int = 1024) -> Prosody:
    """Loudness, pitch and voicing per 20 ms frame, ``chunk`` frames at a time: a chunk's FFT arrays (float64)
    take ~60 KB per frame, so 1024 frames keep them near 50 MB; 8192 needed 500 MB and were slower."""
    lo, hi = int(SAMPLE_RATE / F0_MAX), int(SAMPLE_RATE / F0_MIN)
    window = np.hanning(WIN).astype(np.float32)
    loud, f0, voicing = [], [], []
    n_frames = max(0, 1 + (len(audio) - WIN) // HOP)
    for c0 in range(0, n_frames, chunk):
        seg = audio[c0 * HOP : (c0 + chunk - 1) * HOP + WIN]
        frames = frame_signal(seg).astype(np.float32)
        rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
        loud.append((20 * np.log10(np.maximum(rms, 1e-6))).astype(np.float32))  # float32: 4 B a frame kept
        x = (frames - frames.mean(axis=1, keepdims=True)) * window
        spec = np.fft.rfft(x, n=2 * WIN, axis=1)
        ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, : hi + 1]
        ac = ac / np.maximum(ac[:, :1], 1e-12)
        lag = lo + np.argmax(ac[:, lo : hi + 1], axis=1)
        peak = ac[np.arange(len(ac)), lag]
        voiced = (peak >= VOICING) & (rms > 1e-3)
        f0.append(np.where(voiced, SAMPLE_RATE / lag, np.nan).astype(np.float32))
        voicing.append(np.clip(peak, 0, 1).astype(np.float32))
    if not loud:
        empty = np.zeros(0)
        return Prosody(empty, empty, empty, empty)
    loud_a = np.concatenate(loud)
    return Prosody(
        t=(np.arange(len(loud_a)) * HOP + WIN / 2) / SAMPLE_RATE,
        loudness_db=loud_a,
        f0=np.concatenate(f0),
        voicing=np.concatenate(voicing),
    )
