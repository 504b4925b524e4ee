"""Completion callbacks to the LMS: POST JSON, signed with HMAC-SHA256, retried with backoff.

Signature header ``X-EdControl-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``
(the time is signed too, so a captured request cannot be replayed later); receivers check it with
``verify_signature``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable

import httpx

log = logging.getLogger("edcontrol.webhooks")
HEADER = "X-EdControl-Signature"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, tolerance_s: int = 300) -> bool:
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, ts), header)


def deliver(
    url: str,
    secret: str,
    payload: dict,
    attempts: int = 5,
    backoff_s: float = 1.0,
    on_result: Callable[[bool, int, str], None] | None = None,
) -> None:
    """Send in a background thread; ``on_result(delivered, attempts_used, last_error)`` at the end."""

    def run() -> None:
        body = json.dumps(payload, default=str).encode()
        error = ""
        for attempt in range(1, attempts + 1):
            try:
                r = httpx.post(
                    url,
                    content=body,
                    timeout=10.0,
                    headers={"Content-Type": "application/json", HEADER: sign(secret, body)},
                )
                if 200 <= r.status_code < 300:
                    if on_result:
                        on_result(True, attempt, "")
                    return
                error = f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            log.warning("webhook to %s failed (attempt %d): %s", url, attempt, error)
            time.sleep(backoff_s * 2 ** (attempt - 1))
        if on_result:
            on_result(False, attempts, error)

    threading.Thread(target=run, daemon=True, name="edcontrol-webhook").start()
