"""Completion callbacks to the LMS from a persisted outbox: exactly once per event from the LMS's view.

An event row (``WebhookEvent``) is written in the same transaction as the lesson's final state, so an event
exists exactly when the state changed, whichever worker and however many retries. Dispatchers (a thread in
every API server and Celery worker) take due events with a conditional UPDATE, so two never send one event
at the same time, POST it signed (see ``webhooks``), and on failure schedule the next try with exponential
backoff; the outbox survives restarts. Every call carries ``X-EdControl-Event-Id`` (stable across retries,
also ``event_id`` in the body) and ``X-EdControl-Delivery-Id`` (new per attempt).

Idempotency rule for receivers: delivery is at least once (a 2xx that is lost on its way back is sent
again), so process an event id once and answer 2xx to its repeats; with that, the LMS sees each event once.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from edcontrol.service.polling import PollingThread
from edcontrol.service.settings import Settings
from edcontrol.service.store import Lesson, Tenant, WebhookEvent, new_id, now
from edcontrol.service.webhooks import HEADER, sign

log = logging.getLogger("edcontrol.outbox")
EVENT_HEADER, EVENT_ID_HEADER, DELIVERY_ID_HEADER = (
    "X-EdControl-Event",
    "X-EdControl-Event-Id",
    "X-EdControl-Delivery-Id",
)
SENDING_LOCK_S = 60.0  # an event being sent is not due for others meanwhile (the POST times out in 10 s)


def enqueue(s: Session, lesson: Lesson, event: str, payload: dict) -> str | None:
    """Add the event to the caller's transaction when the lesson has a callback URL; returns the event id."""
    if not lesson.callback_url:
        return None
    event_id = new_id()
    s.add(
        WebhookEvent(
            id=event_id,
            lesson_id=lesson.id,
            event=event,
            url=lesson.callback_url,
            payload={"event_id": event_id, "event": event, **payload},
        )
    )
    return event_id


def backoff_s(attempts: int, settings: Settings) -> float:
    """Exponential backoff with a cap and +-20% jitter (many lessons failing at once do not retry in step)."""
    return min(settings.webhook_backoff_cap_s, settings.webhook_backoff_s * 2 ** max(0, attempts - 1)) * (
        0.8 + 0.4 * random.random()
    )


def _take(sessions: sessionmaker, event_id: str, attempts: int) -> bool:
    with sessions() as s:
        t = now()
        res = s.execute(
            update(WebhookEvent)
            .where(
                WebhookEvent.id == event_id,
                WebhookEvent.attempts == attempts,
                WebhookEvent.delivered_at.is_(None),
                WebhookEvent.next_attempt_at <= t,
            )
            .values(next_attempt_at=t + timedelta(seconds=SENDING_LOCK_S))
        )
        s.commit()
        return res.rowcount == 1


def _send(url: str, secret: str, event: WebhookEvent) -> str:
    """'' when the receiver accepted the event, else what went wrong."""
    body = json.dumps(event.payload, default=str, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        HEADER: sign(secret, body),
        EVENT_HEADER: event.event,
        EVENT_ID_HEADER: event.id,
        DELIVERY_ID_HEADER: new_id(),
    }
    try:
        r = httpx.post(url, content=body, timeout=10.0, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "" if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"


def _record(sessions: sessionmaker, event: WebhookEvent, error: str, settings: Settings) -> None:
    attempts = event.attempts + 1
    done, gave_up = not error, bool(error) and attempts >= settings.webhook_max_attempts
    with sessions() as s:
        s.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event.id)
            .values(
                attempts=attempts,
                delivered_at=now() if done else None,
                gave_up=gave_up,
                last_error=error or None,
                next_attempt_at=now() + timedelta(seconds=backoff_s(attempts, settings)),
            )
        )
        status = (
            f"{event.event} delivered after {attempts} attempt(s)"
            if done
            else f"{event.event} {'failed' if gave_up else 'retrying'} after {attempts} attempt(s): {error}"
        )
        s.execute(update(Lesson).where(Lesson.id == event.lesson_id).values(webhook_status=status[:200]))
        s.commit()
    if error:
        log.warning("webhook %s to %s failed (attempt %d): %s", event.id, event.url, attempts, error)


def deliver_due(sessions: sessionmaker, settings: Settings, limit: int = 20) -> int:
    """Send the events that are due now; returns how many were attempted by this dispatcher."""
    with sessions() as s:
        due = s.execute(
            select(WebhookEvent, Tenant.webhook_secret)
            .join(Lesson, Lesson.id == WebhookEvent.lesson_id)
            .join(Tenant, Tenant.id == Lesson.tenant_id)
            .where(
                WebhookEvent.delivered_at.is_(None),
                WebhookEvent.gave_up.is_(False),
                WebhookEvent.next_attempt_at <= now(),
            )
            .order_by(WebhookEvent.next_attempt_at)
            .limit(limit)
        ).all()
    sent = 0
    for event, secret in due:
        if not _take(sessions, event.id, event.attempts):
            continue  # another dispatcher has it
        _record(sessions, event, _send(event.url, secret, event), settings)
        sent += 1
    return sent


class OutboxDispatcher(PollingThread):
    """Delivers due events until stopped; every API server and Celery worker runs one."""

    def __init__(self, sessions: sessionmaker, settings: Settings, poll_s: float = 0.5) -> None:
        super().__init__("edcontrol-outbox", poll_s)
        self.sessions, self.settings = sessions, settings

    def tick(self) -> bool:
        return deliver_due(self.sessions, self.settings) > 0
