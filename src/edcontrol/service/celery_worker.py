"""Scale-out: the same job function run by Celery workers over Redis (``edcontrol worker``).

Delivery is at-least-once (acks late, re-queued if a worker is lost); the store's conditional claim
makes execution at-most-once per lease, so together a job is neither lost nor run twice at a time.
A reaper thread in each worker re-dispatches jobs whose lease ran out (their worker was killed).
"""

from __future__ import annotations

import threading

from celery import Celery

from edcontrol.service.jobs import claim_id, orphaned, run_one
from edcontrol.service.outbox import OutboxDispatcher
from edcontrol.service.settings import Settings
from edcontrol.service.store import make_sessions

TASK = "edcontrol.analyze_lesson"


def make_celery(settings: Settings) -> Celery:
    app = Celery("edcontrol", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue,
        broker_transport_options={"visibility_timeout": max(60, int(settings.lease_s * 2))},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    state: dict[str, object] = {}

    def sessions():  # type: ignore[no-untyped-def]
        if "sessions" not in state:
            state["sessions"] = make_sessions(settings.db_url)
        return state["sessions"]

    @app.task(name=TASK)
    def analyze_lesson(lesson_id: str) -> str:
        job = claim_id(lesson_id, sessions(), settings)  # type: ignore[arg-type]
        if job is None:
            return "skipped: done, deleted or held by another worker"
        run_one(job, sessions(), settings)  # type: ignore[arg-type]
        return "ran"

    app.edcontrol_sessions = sessions  # type: ignore[attr-defined]
    return app


def dispatch(app: Celery, lesson_id: str) -> None:
    app.send_task(TASK, args=[lesson_id])


def run_worker(settings: Settings) -> None:
    app = make_celery(settings)
    stop = threading.Event()

    def reaper() -> None:
        while not stop.wait(max(1.0, settings.lease_s / 2)):
            try:
                for lesson_id in orphaned(app.edcontrol_sessions()):  # type: ignore[attr-defined]
                    dispatch(app, lesson_id)
            except Exception:  # keep reaping through transient DB or broker errors
                continue

    threading.Thread(target=reaper, daemon=True, name="edcontrol-reaper").start()
    outbox = OutboxDispatcher(app.edcontrol_sessions(), settings)  # type: ignore[attr-defined]
    outbox.start()
    try:
        app.worker_main(
            [
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=WARNING",
                "-Q",
                settings.queue,
                "--without-gossip",
                "--without-mingle",
            ]
        )
    finally:
        stop.set()
        outbox.stop()
