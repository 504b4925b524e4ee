"""Scale-out workers on one database (real PostgreSQL, Celery over a real Redis) with a 2 s lease and
lessons that take far longer: the embedded worker of one server and a Celery worker compete for every
lesson, yet each lesson runs once and its LMS receives one ``lesson.done`` event; a worker SIGKILLed
mid-job leaves a job the other finishes, still with one event."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE
from edcontrol.service.api import create_app
from edcontrol.service.settings import Settings
from edcontrol.service.store import Lesson
from test_service import ADMIN, submit, tenant
from webhook_receiver import Receiver

LEASE_S = 2.0


def start_celery_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "edcontrol.cli", "worker"],
        env=env,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def row(app, lesson_id: str) -> Lesson:
    with app.state.sessions() as s:
        return s.get(Lesson, lesson_id)


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"celery worker died: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_two_workers_one_database_each_lesson_runs_once(tmp_path: Path, pg_database: str):
    queue = f"edcontrol-test-{uuid.uuid4().hex[:8]}"
    common = dict(
        data_dir=tmp_path / "data",
        database_url=pg_database,
        admin_key=ADMIN,
        asr_model="tiny.en",
        queue=queue,
        lease_s=LEASE_S,
        broker_url="redis://127.0.0.1:6379/0",
    )
    env = {
        **os.environ,
        "EDCONTROL_WORKER": "celery",
        "EDCONTROL_DATABASE_URL": pg_database,
        "EDCONTROL_DATA": str(tmp_path / "data"),
        "EDCONTROL_QUEUE": queue,
        "EDCONTROL_LEASE_S": str(LEASE_S),
        "EDCONTROL_ASR_MODEL": "tiny.en",
        "EDCONTROL_BROKER_URL": common["broker_url"],
    }
    receiver = Receiver()
    front = create_app(Settings(**common, embedded_worker=False))  # dispatches every lesson to Celery
    celery = start_celery_worker(env)
    try:
        with TestClient(front) as client:
            key = tenant(client, "School")
            # 1) both workers up: the embedded one polls, the Celery one gets the task; one wins, once
            embedded = create_app(Settings(**common, embedded_worker=True))
            with TestClient(embedded):
                first = submit(client, key, SAMPLE, callback_url=receiver.url).json()["id"]
                wait_for(lambda: row(front, first).status == "done", 400, "the first lesson", celery)
                took = time.monotonic()
                wait_for(lambda: receiver.event_ids("lesson.done"), 30, "the lesson.done event")
            r = row(front, first)
            assert r.attempts == 1, "the lesson ran more than once"
            wall = client.get(f"/v1/lessons/{first}/report", headers=key).json()["processing"]["wall_time_s"]
            assert wall > 2 * LEASE_S, wall  # the analysis outlived its lease: only the heartbeat kept it
            # 2) the Celery worker takes the next lesson and is killed mid-job; the embedded worker finishes it
            second = submit(client, key, SAMPLE, callback_url=receiver.url).json()["id"]
            wait_for(lambda: row(front, second).progress >= 10, 300, "the Celery worker to get going", celery)
            celery.send_signal(signal.SIGKILL)
            celery.wait(timeout=30)
            assert row(front, second).status == "running"
            with TestClient(create_app(Settings(**common, embedded_worker=True))):
                wait_for(lambda: row(front, second).status == "done", 400, "the taken-over lesson")
                wait_for(lambda: len(receiver.event_ids("lesson.done")) >= 2, 30, "the second event")
            time.sleep(max(0.0, 3.0 - (time.monotonic() - took)))  # room for any duplicate to arrive
        assert row(front, second).attempts == 2
        done = receiver.event_ids("lesson.done")
        assert sorted(c.json["lesson_id"] for c in receiver.calls) == sorted([first, second])
        assert len(done) == len(set(done)) == 2  # one event, one delivery, per lesson
        reports = list((tmp_path / "data" / "storage").rglob("report*.json"))
        assert len(reports) == 2
    finally:
        if celery.poll() is None:
            celery.kill()
        receiver.close()
