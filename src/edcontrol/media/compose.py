"""Write videos from frames with PyAV: the sample lesson, test corpora and benchmark lessons.

Why in the package: the sample lesson script, the benchmark and the tests all build real encoded
media (H.264, VP8/VP9, MPEG-1 ...) the same way, so the encoding details live in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from fractions import Fraction

import av
import numpy as np


def write_video(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    fps: float = 25.0,
    codec: str = "libx264",
    audio: np.ndarray | None = None,
    audio_rate: int = 16_000,
    audio_codec: str = "aac",
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
    times: Iterable[float] | None = None,
    pix_fmt: str = "yuv420p",
) -> None:
    """Encode RGB frames (H, W, 3 uint8; even sizes for yuv420p, any with yuv444p) and optional mono float
    audio into ``path``.

    ``times`` (seconds, one per frame) makes a variable-frame-rate stream, or one that starts late.
    """
    time_iter = iter(times) if times is not None else None
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), mode="w", options=container_options or {}) as out:
        vs = None
        as_ = out.add_stream(audio_codec, rate=audio_rate, layout="mono") if audio is not None else None
        for image in frames:
            if vs is None:
                vs = out.add_stream(codec, rate=rate)
                vs.height, vs.width = image.shape[:2]
                vs.pix_fmt = pix_fmt
                opts = {"preset": "veryfast", "crf": "26"} if codec == "libx264" else {}
                vs.options = {**opts, **(options or {})}
                if time_iter is not None:
                    vs.codec_context.time_base = Fraction(1, 1000)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            if time_iter is not None:
                frame.pts = round(next(time_iter) * 1000)
                frame.time_base = Fraction(1, 1000)
            for packet in vs.encode(frame):
                out.mux(packet)
        if vs is not None:
            for packet in vs.encode():
                out.mux(packet)
        if as_ is not None and audio is not None:
            _encode_audio(out, as_, audio, audio_rate)


def set_mp4_rotation(path: str | os.PathLike[str], clockwise_degrees: int) -> None:
    """Write a display matrix into the video track's ``tkhd`` box, as phones do for portrait clips.

    PyAV cannot attach display-matrix side data when muxing, so tests patch the 3x3 matrix in place:
    the pixels stay as the sensor stored them and players (and our decoder) must rotate them.
    """
    import math
    import struct

    data = bytearray(open(path, "rb").read())
    a = math.radians(clockwise_degrees)
    cos, sin = round(math.cos(a)), round(math.sin(a))
    fixed = [cos << 16, sin << 16, 0, (-sin) << 16, cos << 16, 0, 0, 0, 1 << 30]
    pos = 0
    while (pos := data.find(b"tkhd", pos + 1)) != -1:
        version = data[pos + 4]
        matrix_at = pos + 4 + (52 if version == 1 else 40)
        width, height = struct.unpack(">II", data[matrix_at + 36 : matrix_at + 44])
        if width and height:
            data[matrix_at : matrix_at + 36] = struct.pack(">9i", *fixed)
            open(path, "wb").write(bytes(data))
            return
    raise ValueError("no video track header (tkhd) found")


def _encode_audio(
    out: av.container.OutputContainer, stream: av.audio.stream.AudioStream, audio: np.ndarray, rate: int
) -> None:
    samples = np.clip(audio, -1.0, 1.0).astype(np.float32)
    chunk = 1024
    fmt = stream.codec_context.codec.audio_formats[0].name if stream.codec_context.codec.audio_formats else "fltp"
    resampler = av.AudioResampler(format=fmt, layout="mono", rate=rate)
    pts = 0
    for i in range(0, len(samples), chunk):
        piece = samples[i : i + chunk]
        frame = av.AudioFrame.from_ndarray(piece[None, :], format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = pts
        pts += len(piece)
        for f in resampler.resample(frame):
            for packet in stream.encode(f):
                out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)


def tile(images: list[np.ndarray], height: int | None = None) -> np.ndarray:
    """Place images side by side (a video-call gallery row), resized to a common even height."""
    import cv2

    h = height or min(im.shape[0] for im in images)
    h -= h % 2
    parts = [cv2.resize(im, (max(2, round(im.shape[1] * h / im.shape[0] / 2) * 2), h)) for im in images]
    return np.ascontiguousarray(np.hstack(parts))


def call_layout_frames(
    clips: list[list[np.ndarray]],
    seconds: float,
    fps: float = 25.0,
    size: tuple[int, int] = (1280, 720),
    swap_at: float | None = None,
    talking: Callable[[int, float], bool] | None = None,
) -> Iterable[np.ndarray]:
    """A gallery-view call: one tile per person's clip, looped ping-pong, on a dark canvas.

    ``swap_at`` (seconds) swaps the first two tiles' places from then on, as when a call app
    re-orders its gallery. ``talking(person, t)`` False freezes that person's tile (a listener
    whose lips do not move). Frames are generated lazily so hours-long lessons never sit in memory.
    """
    import cv2

    width, height = size
    n = len(clips)
    tile_w = (width // n) - ((width // n) % 2)
    tile_h = min(height, int(tile_w * clips[0][0].shape[0] / clips[0][0].shape[1])) // 2 * 2
    top = (height - tile_h) // 2
    resized = [[cv2.resize(f, (tile_w, tile_h), interpolation=cv2.INTER_LINEAR) for f in clip] for clip in clips]
    canvas = np.full((height, width, 3), 24, np.uint8)
    for i in range(round(seconds * fps)):
        order = list(range(n))
        if swap_at is not None and i / fps >= swap_at and n >= 2:
            order[0], order[1] = order[1], order[0]
        frame = canvas.copy()
        for slot, person in enumerate(order):
            clip = resized[person]
            k = i % (2 * len(clip)) if talking is None or talking(person, i / fps) else 0
            img = clip[k] if k < len(clip) else clip[2 * len(clip) - 1 - k]
            frame[top : top + tile_h, slot * tile_w : (slot + 1) * tile_w] = img
        yield frame


def concat_copies(source: str | os.PathLike[str], target: str | os.PathLike[str], copies: int) -> None:
    """Remux ``copies`` back-to-back copies of a file's first video and audio streams without re-encoding
    (long test and benchmark lessons)."""
    with av.open(str(source)) as first:
        span = first.duration  # AV_TIME_BASE units
    with av.open(str(target), mode="w") as out:
        outs: dict[int, av.stream.Stream] = {}
        last: dict[int, int] = {}  # per output stream: a copy's first packets may overlap the last ones (priming)
        for k in range(copies):
            with av.open(str(source)) as src:
                ins = [*src.streams.video[:1], *src.streams.audio[:1]]
                for i, stream in enumerate(ins):
                    if i not in outs:
                        outs[i] = out.add_stream_from_template(stream)
                offsets = {stream.index: round(k * span / av.time_base / stream.time_base) for stream in ins}
                slots = {stream.index: outs[i] for i, stream in enumerate(ins)}
                for packet in src.demux(ins):
                    if packet.dts is None:
                        continue
                    offset, slot = offsets[packet.stream.index], slots[packet.stream.index]
                    if packet.dts + offset <= last.get(slot.index, -(2**62)):
                        continue
                    packet.pts = None if packet.pts is None else packet.pts + offset
                    packet.dts += offset
                    last[slot.index] = packet.dts
                    packet.stream = slot
                    out.mux(packet)
