"""Delete means gone, also while the lesson is being analysed: DELETE at every stage of a real run on the
sample -> the worker stops, nothing of the lesson is left on disk (the storage folder is walked) or in the
database (after purge drops the tombstone that refused the worker's late writes)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from edcontrol.service import jobs
from edcontrol.service.api import create_app
from edcontrol.service.retention import purge
from edcontrol.service.storage import Storage
from edcontrol.service.store import Lesson, Tombstone, WebhookEvent
from test_service import make_settings, submit, tenant
from webhook_receiver import Receiver

STAGES = ["decode", "faces", "voice", "diarization", "transcript", "emotion", "fusion", "report", "saved"]


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def assert_nothing_left(app, settings, lesson_id: str) -> None:
    assert files_under(settings.storage_dir) == []
    assert not [d for d in settings.storage_dir.rglob("*") if lesson_id in d.name]
    with app.state.sessions() as s:
        assert s.get(Lesson, lesson_id) is None
        assert s.scalars(select(WebhookEvent).where(WebhookEvent.lesson_id == lesson_id)).all() == []
        assert s.get(Tombstone, lesson_id) is not None  # until purge: it is what refuses late writes
    got = purge(app.state.sessions, Storage(settings.storage_dir), tombstone_ttl_s=0)
    assert got.tombstones == 1
    with app.state.sessions() as s:
        assert s.get(Tombstone, lesson_id) is None


@pytest.fixture()
def lesson(tmp_path):
    receiver = Receiver()
    settings = make_settings(tmp_path, embedded_worker=False)
    app = create_app(settings)
    with TestClient(app) as client:
        key = tenant(client, "School")
        lesson_id = submit(client, key, callback_url=receiver.url).json()["id"]
        yield client, app, settings, key, lesson_id
    assert receiver.calls == [], "a deleted lesson sent an event"
    receiver.close()


def test_delete_while_queued(lesson):
    client, app, settings, key, lesson_id = lesson
    assert client.delete(f"/v1/lessons/{lesson_id}", headers=key).status_code == 204
    assert jobs.claim(app.state.sessions, settings) is None
    assert_nothing_left(app, settings, lesson_id)


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_delete_during_each_stage(lesson, stage, monkeypatch):
    client, app, settings, key, lesson_id = lesson
    reached, deleted = threading.Event(), threading.Event()
    after_delete: list[str] = []

    def gate() -> None:
        if not reached.is_set():
            reached.set()
            assert deleted.wait(60)

    original_progress = jobs.JobContext.progress

    def progress(self, s: str, fraction: float) -> None:
        if deleted.is_set():
            after_delete.append(s)
        elif s == stage:
            gate()
        original_progress(self, s, fraction)

    original_write = Storage.write_report

    def write_report(self, *args, **kwargs):
        path = original_write(self, *args, **kwargs)
        if stage == "saved":
            gate()  # the report is on disk, the worker has not recorded it yet
        return path

    monkeypatch.setattr(jobs.JobContext, "progress", progress)
    monkeypatch.setattr(Storage, "write_report", write_report)
    job = jobs.claim(app.state.sessions, settings)
    assert job is not None and job.lesson_id == lesson_id
    worker = threading.Thread(target=jobs.run_one, args=(job, app.state.sessions, settings))
    worker.start()
    assert reached.wait(300), f"the analysis never reached {stage}"
    assert client.delete(f"/v1/lessons/{lesson_id}", headers=key).status_code == 204
    started = time.monotonic()
    deleted.set()
    worker.join(timeout=120)
    assert not worker.is_alive()
    assert time.monotonic() - started < 60
    assert len(set(after_delete)) <= 1, f"the worker went on after the delete: {after_delete}"
    assert_nothing_left(app, settings, lesson_id)


def test_purge_removes_orphaned_folders_but_not_fresh_uploads(tmp_path):
    import os

    settings = make_settings(tmp_path, embedded_worker=False)
    app = create_app(settings)
    storage = Storage(settings.storage_dir)
    old, fresh = storage.lesson_dir("t1", "crashed"), storage.lesson_dir("t1", "uploading")
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "media").write_bytes(b"x" * 10)
    an_hour_ago = time.time() - settings.orphan_grace_s - 60
    os.utime(old, (an_hour_ago, an_hour_ago))
    got = purge(app.state.sessions, storage, settings.orphan_grace_s)
    assert got.orphaned_folders == 1
    assert not old.exists() and (fresh / "media").is_file()
