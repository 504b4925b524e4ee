"""One still frame at a lesson time, as JPEG: the evidence thumbnail beside each moment.

Why seek-and-decode instead of stored thumbnails: moments can be re-ranked, roles corrected and boxes
asked for at other sizes, and one keyframe seek plus a few decoded frames costs milliseconds even in a
three-hour recording. The frame is scaled exactly as the analysis scaled it (``max_side``) so that the
face boxes in the report land on the right pixels.
"""

from __future__ import annotations

import io
import os

import av
import numpy as np
from PIL import Image

from edcontrol.errors import InputError
from edcontrol.media.frames import rotate_display, target_size
from edcontrol.media.probe import open_container


def frame_at(path: str | os.PathLike[str], t: float, max_side: int = 1280) -> np.ndarray:
    """RGB frame shown at ``t`` seconds from the lesson start (the last frame at or before ``t``)."""
    with open_container(path) as container:
        if not container.streams.video:
            raise InputError("the recording has no video")
        stream = container.streams.video[0]
        origin = container.start_time / av.time_base if container.start_time is not None else 0.0
        target = origin + max(0.0, t)
        if stream.time_base:
            container.seek(int(target / stream.time_base), stream=stream, backward=True, any_frame=False)
        chosen = None
        try:
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                if chosen is not None and frame.time > target + 1e-3:
                    break
                chosen = frame
        except av.error.FFmpegError:
            pass  # a corrupt tail: keep the last good frame
        if chosen is None:
            raise InputError(f"no decodable frame near {t:.1f} s")
        w, h = target_size(chosen.width, chosen.height, max_side)
        image = chosen.to_ndarray(format="rgb24", width=w, height=h)
        return rotate_display(image, int(getattr(chosen, "rotation", 0) or 0) % 360)


def crop_box(image: np.ndarray, box: list[float], margin: float = 0.6) -> np.ndarray:
    """The face box [x, y, w, h] widened by ``margin`` on each side (context: who, where), clipped."""
    x, y, w, h = box
    x0, y0 = int(max(0, x - margin * w)), int(max(0, y - margin * h))
    x1 = int(min(image.shape[1], x + w * (1 + margin)))
    y1 = int(min(image.shape[0], y + h * (1 + margin)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return image
    return image[y0:y1, x0:x1]


def jpeg_thumbnail(
    path: str | os.PathLike[str], t: float, box: list[float] | None = None, width: int = 320, max_side: int = 1280
) -> bytes:
    """JPEG of the frame at ``t``, cropped around ``box`` when given, ``width`` pixels wide."""
    image = frame_at(path, t, max_side)
    if box is not None:
        image = crop_box(image, box)
    pil = Image.fromarray(image)
    if pil.width > width:
        pil = pil.resize((width, max(1, round(pil.height * width / pil.width))), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    pil.save(out, format="JPEG", quality=85)
    return out.getvalue()
