"""Short-lived signed links to a lesson's recording.

Why: a browser's <video> element cannot send the X-API-Key header, and streaming a multi-gigabyte
recording through the dashboard process would hold it in memory. The API hands out a link signed with the
school's own secret that expires soon; the browser then streams the file straight from the API with HTTP
range requests, so seeking to a moment costs one small read.
"""

from __future__ import annotations

import hashlib
import hmac
import time

LINK_TTL_S = 6 * 3600

MEDIA_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/mp4",
    "webm": "video/webm",
    "matroska": "video/webm",
    "ogg": "video/ogg",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
}


def sign(secret: str, lesson_id: str, expires: int, fmt: str) -> str:
    message = f"media:{lesson_id}:{expires}:{fmt}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def media_format(container: str) -> str:
    """Our name for the container ('bin' when the browser gets no media type); FFmpeg names containers
    as 'mov,mp4,m4a,...'."""
    return next((name for name in container.split(",") if name in MEDIA_TYPES), "bin")


def media_type(fmt: str) -> str:
    """What the browser is told the file is."""
    return MEDIA_TYPES.get(fmt, "application/octet-stream")


def make_link(secret: str, lesson_id: str, fmt: str, ttl_s: int = LINK_TTL_S) -> tuple[str, int]:
    """The path (relative to the API root) and its expiry as a Unix time. The format travels in the signed
    link, so the range requests of a playing video are served without opening the container each time."""
    expires = int(time.time()) + ttl_s
    return f"/v1/media/{lesson_id}?expires={expires}&fmt={fmt}&sig={sign(secret, lesson_id, expires, fmt)}", expires


def verify(secret: str, lesson_id: str, expires: int, fmt: str, sig: str) -> bool:
    return expires >= time.time() and hmac.compare_digest(sign(secret, lesson_id, expires, fmt), sig)
