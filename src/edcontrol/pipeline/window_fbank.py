"""Kaldi fbank of the diarizer's overlapping windows, computed once per stretch of lesson instead of once per window.

Why: windows are 10 s long and start every 2.5 s, so each second of speech sits in four windows, and computing
the fbank of each window alone did that work four times (~4 CPU-s per 10 minutes of lesson). Kaldi's fbank is
computed frame by frame (25 ms frames every 10 ms, each frame on its own samples only: no dither, no state
between frames), so the frames of a window whose start lies on the 10 ms grid of a longer stretch are exactly
those of the stretch from that point: the same numbers, bit for bit. Windows are grouped into stretches
(``blocks``): consecutive windows that overlap, start on a common 10 ms grid and lie wholly inside the audio,
up to ``max_block_s`` of lesson per stretch (memory: ~3 MB of frames per minute). Any other window (the last
one, flush with the lesson's end; one that runs past it and is padded) is a stretch of its own, computed as
before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from edcontrol.models.campplus_embedding import FBANK_LENGTH_S, FBANK_SHIFT_S, SAMPLE_RATE, fbank

HOP = round(FBANK_SHIFT_S * SAMPLE_RATE)  # samples between fbank frames (160)
FRAME = round(FBANK_LENGTH_S * SAMPLE_RATE)  # samples per fbank frame (400)


def frames_in(n_samples: int) -> int:
    """Fbank frames Kaldi computes from ``n_samples`` (edges snipped: only whole frames)."""
    return 0 if n_samples < FRAME else 1 + (n_samples - FRAME) // HOP


def padded(audio: np.ndarray, start: int, n: int) -> np.ndarray:
    """``n`` samples of ``audio`` from ``start``, zero-padded where the audio ends first."""
    w = audio[start : start + n]
    return np.pad(w, (0, n - len(w))) if len(w) < n else w


def blocks(
    window_starts: Sequence[int], windows: Sequence[int], window_samples: int, n_audio: int, max_block_s: float = 60.0
) -> list[list[int]]:
    """``windows`` (indices into ``window_starts``, in samples, ascending) grouped into stretches whose fbank
    is computed once: a window joins the stretch before it when it overlaps the previous window, starts a
    whole number of fbank hops after the stretch's first window, ends inside the audio, and keeps the stretch
    within ``max_block_s``."""
    out: list[list[int]] = []
    limit = int(max_block_s * SAMPLE_RATE)
    for w in windows:
        a = window_starts[w]
        if out:
            first, prev = window_starts[out[-1][0]], window_starts[out[-1][-1]]
            joins = (
                a - prev < window_samples
                and (a - first) % HOP == 0
                and a + window_samples <= n_audio
                and a + window_samples - first <= limit
            )
            if joins:
                out[-1].append(w)
                continue
        out.append([w])
    return out


def block_fbanks(
    audio: np.ndarray, window_starts: Sequence[int], block: Sequence[int], window_samples: int
) -> Iterator[tuple[int, np.ndarray]]:
    """(window, its fbank frames) for each window of one stretch from ``blocks``; a window that runs past
    the audio is zero-padded to ``window_samples`` first, as the segmentation model hears it."""
    first = window_starts[block[0]]
    if len(block) == 1:
        yield block[0], fbank(padded(audio, first, window_samples))
        return
    feats = fbank(audio[first : window_starts[block[-1]] + window_samples])
    n = frames_in(window_samples)
    for w in block:
        k = (window_starts[w] - first) // HOP
        yield w, feats[k : k + n]
