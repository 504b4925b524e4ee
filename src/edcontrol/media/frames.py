"""Streamed frame sampling with exact presentation timestamps.

Why this shape: a 90-minute lesson must never sit in memory, and decoding is the floor of our cost.
We decode packet by packet, convert only the frames we keep (colour conversion of dropped frames is
skipped), and when the sampling rate is well below the stream's rate we ask the decoder to skip
non-reference frames, which are never needed to reconstruct the frames after them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import av
import numpy as np

from edcontrol.errors import InputError
from edcontrol.media.probe import open_container

MAX_DECODE_ERRORS = 200  # after this many bad packets in a row the file is judged unreadable


@dataclass(frozen=True)
class SampledFrame:
    """One kept frame: seconds from the lesson start, an RGB image (H, W, 3, uint8)."""

    t: float
    image: np.ndarray


@dataclass
class DecodeStats:
    """What happened while decoding, for warnings in the report and for benchmarks."""

    decoded: int = 0
    kept: int = 0
    corrupt_packets: int = 0
    rotation: int = 0
    last_t: float = 0.0
    warnings: list[str] = field(default_factory=list)


def rotate_display(image: np.ndarray, rotation: int) -> np.ndarray:
    """Apply display rotation (degrees counter-clockwise, as FFmpeg's display matrix reports it)."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=k)) if k else image


def target_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def iter_frames(
    path: str | os.PathLike[str],
    fps: float = 2.0,
    max_side: int | None = 1280,
    stats: DecodeStats | None = None,
    skip_nonref: bool = True,
    on_time: Callable[[float], None] | None = None,
) -> Iterator[SampledFrame]:
    """Yield frames sampled at ``fps`` (one per 1/fps slot, the first frame at or after the slot).

    Timestamps are presentation times relative to the stream's first frame, so variable frame rate and
    a non-zero container start time come out right. ``max_side`` bounds the kept image size (faces in a
    call are far larger than the detector needs at 720p). Corrupt packets are counted and skipped.
    """
    if fps <= 0:
        raise ValueError("fps must be positive")
    stats = stats if stats is not None else DecodeStats()
    with open_container(path) as container:
        if not container.streams.video:
            raise InputError("no video stream: the file has audio only")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        if skip_nonref and rate >= 3 * fps:
            stream.codec_context.skip_frame = "NONREF"
        # The lesson timeline starts at the container's start (the earliest stream), so a camera that
        # starts late keeps its true offset against the audio; fall back to the first frame's time.
        origin: float | None = container.start_time / av.time_base if container.start_time is not None else None
        next_slot = 0.0
        step = 1.0 / fps
        errors_in_row = 0
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
                errors_in_row = 0
            except av.error.FFmpegError:
                stats.corrupt_packets += 1
                errors_in_row += 1
                if errors_in_row >= MAX_DECODE_ERRORS:
                    raise InputError("video stream is unreadable: too many corrupt packets") from None
                continue
            for frame in frames:
                stats.decoded += 1
                if frame.pts is None or frame.time is None:
                    continue
                if stats.decoded == 1:
                    stats.rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                if origin is None:
                    origin = float(frame.time)
                t = max(0.0, float(frame.time) - origin)
                stats.last_t = max(stats.last_t, t)
                if on_time is not None:
                    on_time(t)
                if t + 1e-6 < next_slot:
                    continue
                while next_slot <= t + 1e-6:
                    next_slot += step
                w, h = target_size(frame.width, frame.height, max_side)
                image = frame.to_ndarray(format="rgb24", width=w, height=h)
                stats.kept += 1
                yield SampledFrame(t=round(t, 4), image=rotate_display(image, stats.rotation))
        if stats.corrupt_packets:
            stats.warnings.append(
                f"{stats.corrupt_packets} corrupt video packet(s) were skipped; results near them may be missing"
            )
        if stats.decoded == 0:
            raise InputError("the video stream contains no decodable frames")


def decode_only(path: str | os.PathLike[str]) -> DecodeStats:
    """Decode every video frame and nothing else: the baseline cost that benchmarks compare with."""
    stats = DecodeStats()
    with open_container(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            stats.decoded += 1
            if frame.time is not None:
                stats.last_t = float(frame.time)
    return stats
