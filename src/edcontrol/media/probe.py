"""Read container metadata without decoding, and turn PyAV failures into clear input errors."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from edcontrol.errors import InputError


@dataclass(frozen=True)
class MediaInfo:
    """What the container says about a recording (before any decoding)."""

    path: Path
    size_bytes: int
    container: str
    duration_s: float | None
    start_time_s: float
    has_video: bool
    has_audio: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    rotation: int = 0
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None


@contextlib.contextmanager
def open_container(path: str | os.PathLike[str]) -> Iterator[av.container.InputContainer]:
    """Open a media file for reading, mapping every way it can fail to an ``InputError``."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"file not found: {p}")
    if not p.is_file():
        raise InputError(f"not a regular file: {p}")
    if p.stat().st_size == 0:
        raise InputError(f"file is empty (0 bytes): {p.name}")
    try:
        container = av.open(str(p), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise InputError(f"not a readable audio/video file ({exc.strerror or exc}): {p.name}") from exc
    try:
        yield container
    finally:
        container.close()


def _rotation_of(stream: av.video.stream.VideoStream) -> int:
    """Rotation tag of old muxers; frames carry the display matrix and win while decoding."""
    tag = stream.metadata.get("rotate")
    if tag is not None:
        with contextlib.suppress(ValueError):
            return int(tag) % 360
    return 0


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a recording; raise ``InputError`` when it has neither video nor audio."""
    p = Path(path)
    with open_container(p) as c:
        video = c.streams.video[0] if c.streams.video else None
        audio = c.streams.audio[0] if c.streams.audio else None
        if video is None and audio is None:
            raise InputError(f"no video or audio stream found: {p.name}")
        duration = float(c.duration / av.time_base) if c.duration else None
        if duration is None:
            for s in (video, audio):
                if s is not None and s.duration and s.time_base:
                    duration = float(s.duration * s.time_base)
                    break
        start = float(c.start_time / av.time_base) if c.start_time else 0.0
        info = dict(
            path=p,
            size_bytes=p.stat().st_size,
            container=c.format.name,
            duration_s=duration,
            start_time_s=start,
            has_video=video is not None,
            has_audio=audio is not None,
        )
        if video is not None:
            rate = video.average_rate or video.guessed_rate or video.base_rate
            info.update(
                width=video.codec_context.width or None,
                height=video.codec_context.height or None,
                fps=float(rate) if rate else None,
                video_codec=video.codec_context.name,
                rotation=_rotation_of(video),
            )
        if audio is not None:
            info.update(
                audio_codec=audio.codec_context.name,
                audio_sample_rate=audio.codec_context.sample_rate or None,
                audio_channels=audio.codec_context.channels or None,
            )
        return MediaInfo(**info)
