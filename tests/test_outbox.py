"""Webhooks from the persisted outbox: signed, retried with backoff, one event id per event however many
deliveries, and still delivered after the server that wrote the event stopped (restart)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from edcontrol.service.api import create_app
from edcontrol.service.outbox import backoff_s
from edcontrol.service.store import WebhookEvent
from edcontrol.service.webhooks import HEADER, verify_signature
from test_service import ADMIN, make_settings, submit, wait_done
from webhook_receiver import Receiver


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def hooked_tenant(client: TestClient) -> tuple[dict[str, str], str]:
    r = client.post("/v1/tenants", json={"name": "Hooked"}, headers={"X-Admin-Key": ADMIN}).json()
    return {"X-API-Key": r["api_key"]}, r["webhook_secret"]


def wait_calls(receiver: Receiver, n: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and len(receiver.calls) < n:
        time.sleep(0.1)


def test_webhook_is_signed_retried_and_keeps_its_event_id(tmp_path, receiver):
    """The receiver fails twice, then accepts: three signed calls of ONE event id, each its own delivery."""
    receiver.fail_first = 2
    with TestClient(create_app(make_settings(tmp_path))) as client:
        key, secret = hooked_tenant(client)
        lesson_id = submit(client, key, callback_url=receiver.url).json()["id"]
        assert wait_done(client, key, lesson_id)["status"] == "done"
        wait_calls(receiver, 3)
        time.sleep(3.0)  # a further (wrong) retry would come within this
        assert len(receiver.calls) == 3
        assert len(set(receiver.event_ids())) == 1
        assert len({c.headers["X-EdControl-Delivery-Id"] for c in receiver.calls}) == 3
        last = receiver.calls[-1]
        assert verify_signature(secret, last.headers[HEADER], last.body)
        assert not verify_signature("wrong-secret", last.headers[HEADER], last.body)
        assert not verify_signature(secret, last.headers[HEADER], last.body + b" ")
        assert last.json["event"] == "lesson.done" and last.json["lesson_id"] == lesson_id
        assert last.json["event_id"] == last.headers["X-EdControl-Event-Id"]
        assert {c.body for c in receiver.calls} == {last.body}  # the same event, byte for byte
        assert "delivered after 3" in client.get(f"/v1/lessons/{lesson_id}", headers=key).json()["webhook_status"]


def test_outbox_survives_a_restart(tmp_path, receiver):
    """The LMS is down while the lesson finishes and the server stops; a new server delivers the event."""
    receiver.fail_first = 10**6
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        key, _ = hooked_tenant(client)
        lesson_id = submit(client, key, callback_url=receiver.url).json()["id"]
        assert wait_done(client, key, lesson_id)["status"] == "done"
        wait_calls(receiver, 1)
    assert receiver.calls, "the first delivery was never tried"
    event_id = receiver.event_ids()[0]
    receiver.fail_first = 0
    with TestClient(create_app(settings)) as client:
        with client.app.state.sessions() as s:  # due now, as if the backoff had passed while it was down
            s.get(WebhookEvent, event_id).next_attempt_at = s.get(WebhookEvent, event_id).created_at
            s.commit()
        end = time.monotonic() + 30
        while time.monotonic() < end and "delivered" not in (
            client.get(f"/v1/lessons/{lesson_id}", headers=key).json()["webhook_status"] or ""
        ):
            time.sleep(0.2)
        assert "delivered" in client.get(f"/v1/lessons/{lesson_id}", headers=key).json()["webhook_status"]
    assert set(receiver.event_ids()) == {event_id}


def test_backoff_grows_and_is_capped(tmp_path):
    settings = make_settings(tmp_path)
    waits = [backoff_s(n, settings) for n in range(1, 30)]
    assert 0.8 <= waits[0] <= 1.2 and 3.2 <= waits[2] <= 4.8
    assert max(waits) <= settings.webhook_backoff_cap_s * 1.2
