"""Audio extraction resampled to 16 kHz mono float32, the rate every speech model here expects: whole in
memory (``read_audio``, for clips) or spooled to a temporary file and read a slice at a time
(``spool_audio``, for lessons)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

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
        # PyAV 16's resample() keeps ~80 bytes for good on every call (14 MB over three hours of AAC frames
        # of 64 ms): decoded frames gather in a FIFO and are resampled about a second at a time.
        fifo, second = av.AudioFifo(), None
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in frames:
                frame.pts = None  # the samples in order are what counts, not gaps in the timestamps
                fifo.write(frame)
                second = second or frame.sample_rate
                while fifo.samples >= second:
                    yield from _resampled(resampler, fifo.read(second))
        if fifo.samples:
            yield from _resampled(resampler, fifo.read())
        yield from _resampled(resampler, None)


def _resampled(resampler: av.AudioResampler, frame: av.AudioFrame | None) -> Iterator[np.ndarray]:
    for out in resampler.resample(frame):
        yield _mono(out)


def _mono(frame: av.AudioFrame) -> np.ndarray:
    # FFmpeg's downmix sums channels with gains, which can exceed full scale: clip to [-1, 1].
    return np.clip(frame.to_ndarray().reshape(-1), -1.0, 1.0).astype(np.float32, copy=False)


def read_audio(path: str | os.PathLike[str], sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole audio track in memory (16 kHz float32: 230 MB for 1 hour, fine for speech models)."""
    chunks = list(iter_audio(path, sample_rate))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


class LessonAudio:
    """A lesson's 16 kHz mono float32 samples in an unlinked temporary file, read by slices.

    Why: in memory the samples take 230 MB an hour (690 MB for three hours) through the whole analysis,
    the one part of a worker's memory that grew with the lesson. Every audio stage reads blocks or windows
    (``audio[a:b]``), so those are read from the file (the kernel's page cache, not this process) when
    needed. Reads are positional (``preadv``), so threads may read at once. The file has no name on disk:
    it goes away when closed, or with the process.
    """

    dtype = np.dtype(np.float32)
    ndim = 1

    def __init__(self, file: Any, n_samples: int) -> None:
        self._file, self._n = file, n_samples

    def __len__(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int]:
        return (self._n,)

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError("LessonAudio is read by slices: audio[a:b]")
        start, stop, step = key.indices(self._n)
        if step != 1:
            raise ValueError("LessonAudio slices have no step")
        out = np.empty(max(0, stop - start), np.float32)
        view, at = memoryview(out).cast("B"), start * 4
        while len(view):
            got = os.preadv(self._file.fileno(), [view], at)
            if got <= 0:
                raise OSError("the spooled audio file ended early")
            view, at = view[got:], at + got
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """Every sample at once: for callers that need the whole signal (memory as ``read_audio``)."""
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> LessonAudio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def spool_audio(path: str | os.PathLike[str], sample_rate: int = SAMPLE_RATE) -> LessonAudio:
    """Decode the audio track into a temporary file (TMPDIR), chunk by chunk: memory stays flat however long
    the lesson; the disk holds 4 bytes per sample (230 MB an hour) while the analysis runs."""
    file = tempfile.TemporaryFile(prefix="edcontrol-audio-")
    n = 0
    try:
        for chunk in iter_audio(path, sample_rate):
            file.write(chunk.tobytes())
            n += len(chunk)
        file.flush()
    except BaseException:
        file.close()
        raise
    return LessonAudio(file, n)


Samples = np.ndarray | LessonAudio  # what the audio stages take: a clip in memory or a spooled lesson


def samples(audio: Samples, start: int, stop: int) -> np.ndarray | AudioSpan:
    """``audio[start:stop]``, lazily for a spooled lesson: an ``AudioSpan`` that is read when used, so a list
    of a speaker's many turns does not hold all their audio at once."""
    return audio[start:stop] if isinstance(audio, np.ndarray) else AudioSpan(audio, start, stop)


class AudioSpan:
    """A stretch of a ``LessonAudio``, read when converted to an array."""

    def __init__(self, audio: LessonAudio, start: int, stop: int) -> None:
        self.audio, self.start, self.stop = audio, max(0, start), min(len(audio), max(start, stop))

    def __len__(self) -> int:
        return self.stop - self.start

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        part = self.audio[self.start : self.stop]
        return part if dtype is None else part.astype(dtype)
