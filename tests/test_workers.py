"""Scale-out workers (Celery over a real Redis, store on a real PostgreSQL): a worker killed with
SIGKILL mid-job leaves a job that another worker finishes; nothing lost, one report."""

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


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "edcontrol.cli", "worker"],
        env=env,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def status(app, lesson_id: str) -> Lesson:
    with app.state.sessions() as s:
        return s.get(Lesson, lesson_id)


@pytest.mark.slow
def test_killed_worker_job_is_finished_by_another(tmp_path: Path, pg_database: str):
    queue = f"edcontrol-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "EDCONTROL_WORKER": "celery",
        "EDCONTROL_DATABASE_URL": pg_database,
        "EDCONTROL_DATA": str(tmp_path / "data"),
        "EDCONTROL_QUEUE": queue,
        "EDCONTROL_LEASE_S": "6",
        "EDCONTROL_ASR_MODEL": "tiny.en",
        "EDCONTROL_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=pg_database,
        admin_key=ADMIN,
        asr_model="tiny.en",
        embedded_worker=False,
        queue=queue,
        lease_s=6.0,
        broker_url=env["EDCONTROL_BROKER_URL"],
    )
    app = create_app(settings)
    with TestClient(app) as client:
        key = tenant(client, "School")
        lesson_id = submit(client, key, SAMPLE).json()["id"]
        first = start_worker(env)
        try:
            end = time.monotonic() + 180
            while time.monotonic() < end:
                row = status(app, lesson_id)
                if row.status == "running" and row.progress >= 10:
                    break
                assert first.poll() is None, first.stderr.read() if first.stderr else ""
                time.sleep(0.2)
            else:
                raise AssertionError("the first worker never got going")
            first.send_signal(signal.SIGKILL)  # mid-job, no chance to clean up
            first.wait(timeout=30)
            assert status(app, lesson_id).status == "running"
            second = start_worker(env)
            try:
                end = time.monotonic() + 300
                while time.monotonic() < end and status(app, lesson_id).status != "done":
                    assert second.poll() is None, second.stderr.read() if second.stderr else ""
                    time.sleep(0.5)
            finally:
                second.terminate()
                second.wait(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
        row = status(app, lesson_id)
        assert row.status == "done", (row.status, row.error)
        assert row.attempts == 2
        assert len(list(settings.storage_dir.rglob("report*.json"))) == 1
        report = client.get(f"/v1/lessons/{lesson_id}/report", headers=key).json()
        assert len(report["persons"]) == 2
