"""Audio extraction resampled to 16 kHz mono float32, the rate every speech model here expects."""

from __future__ import annotations

import os
from collections.abc import Iterator

import av
import numpy as np

from edcontrol.errors import InputError
from edcontrol.media.probe import open_container

SAMPLE_RATE = 16_000


def iter_audio(path: str | os.PathLike[str], sample_rate: int = SAMPLE_RATE) -> Iterator[np.ndarray]:
    """Yield consecutive mono float32 chunks at ``sample_rate``; corrupt packets are skipped."""
    with open_container(path) as container:
        if not container.streams.audio:
            raise InputError("no audio stream in the file")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in frames:
                for out in resampler.resample(frame):
                    yield _mono(out)
        for out in resampler.resample(None):
            yield _mono(out)


def _mono(frame: av.AudioFrame) -> np.ndarray:
    # FFmpeg's downmix sums channels with gains, which can exceed full scale: clip to [-1, 1].
    return np.clip(frame.to_ndarray().reshape(-1), -1.0, 1.0).astype(np.float32, copy=False)


def read_audio(path: str | os.PathLike[str], sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole audio track in memory (16 kHz float32: 230 MB for 1 hour, fine for speech models)."""
    chunks = list(iter_audio(path, sample_rate))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
