"""Running analyses outside the request: a claim-with-lease job protocol over the store.

A worker claims a queued job (or one whose lease ran out: its worker died) with one conditional
UPDATE, so two workers never run the same job; it renews the lease while the analysis reports
progress. Failures of the input end the job with the reason; other failures retry up to
``max_attempts``. The same ``run_one`` serves the embedded worker thread and external workers.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import sessionmaker

from edcontrol.errors import InputError
from edcontrol.service.settings import Settings
from edcontrol.service.storage import Storage
from edcontrol.service.store import Lesson, Tenant, now
from edcontrol.service.webhooks import deliver

log = logging.getLogger("edcontrol.jobs")


def _runnable(t):  # type: ignore[no-untyped-def]
    return or_(Lesson.status == "queued", (Lesson.status == "running") & (Lesson.lease_until < t))


def claim_id(lesson_id: str, sessions: sessionmaker, settings: Settings) -> bool:
    """Claim one given job (a Celery task's); False when it is done, or another worker holds it."""
    with sessions() as s:
        t = now()
        res = s.execute(
            update(Lesson)
            .where(Lesson.id == lesson_id)
            .where(_runnable(t))
            .values(
                status="running",
                stage="starting",
                attempts=Lesson.attempts + 1,
                lease_until=t + timedelta(seconds=settings.lease_s),
                updated_at=t,
            )
        )
        s.commit()
        return res.rowcount == 1


def orphaned(sessions: sessionmaker) -> list[str]:
    """Jobs whose worker stopped renewing the lease (killed, machine lost): to be dispatched again."""
    with sessions() as s:
        t = now()
        return list(s.scalars(select(Lesson.id).where(Lesson.status == "running", Lesson.lease_until < t)))


def claim(sessions: sessionmaker, settings: Settings) -> str | None:
    """Take the oldest runnable job; returns its id, or None when there is nothing to do."""
    with sessions() as s:
        candidates = s.scalars(select(Lesson.id).where(_runnable(now())).order_by(Lesson.created_at).limit(5)).all()
    for lesson_id in candidates:  # another worker may win a race for one: try the next
        if claim_id(lesson_id, sessions, settings):
            return lesson_id
    return None


def run_one(lesson_id: str, sessions: sessionmaker, settings: Settings) -> None:
    from edcontrol.pipeline.analyze import analyze_video
    from edcontrol.pipeline.audio_track import AudioTrackConfig
    from edcontrol.pipeline.config import FaceTrackConfig

    storage = Storage(settings.storage_dir)
    with sessions() as s:
        lesson = s.get(Lesson, lesson_id)
        if lesson is None:
            return
        if lesson.attempts > settings.max_attempts:
            lesson.status, lesson.stage = "failed", "failed"
            lesson.error = f"gave up after {settings.max_attempts} attempts (worker stopped or crashed each time)"
            s.commit()
            return
        media, tenant, language, compliance, display_name = (
            lesson.media_path,
            lesson.tenant_id,
            lesson.language,
            lesson.compliance_mode,
            lesson.file_name,
        )
    last = [0.0]

    def progress(stage: str, fraction: float) -> None:
        if time.monotonic() - last[0] < 1.0 and stage != "report":
            return
        last[0] = time.monotonic()
        pct = {"faces": 0, "voice": 70, "speakers": 72, "transcript": 75, "tone": 90, "audio": 95}.get(stage, 96)
        pct = round(fraction * 70) if stage == "faces" else pct
        with sessions() as s:
            s.execute(
                update(Lesson)
                .where(Lesson.id == lesson_id)
                .values(stage=stage, progress=min(99, pct), lease_until=now() + timedelta(seconds=settings.lease_s))
            )
            s.commit()

    try:
        report = analyze_video(
            media,  # type: ignore[arg-type]
            FaceTrackConfig(emotion_inference=not compliance),
            progress,
            AudioTrackConfig(asr_model=settings.asr_model, language=language, emotion_inference=not compliance),
        )
    except InputError as exc:
        _finish(sessions, lesson_id, "failed", error=f"unusable recording: {exc}")
        return
    except Exception as exc:
        log.exception("analysis of %s failed", lesson_id)
        with sessions() as s:
            lesson = s.get(Lesson, lesson_id)
            if lesson is not None:
                retry = lesson.attempts < settings.max_attempts
                lesson.status = "queued" if retry else "failed"
                lesson.stage = "retrying" if retry else "failed"
                lesson.error = f"{type(exc).__name__}: {exc}"
                s.commit()
        return
    report.source.file_name = display_name  # the stored file is "media"; people know it by its upload name
    path = storage.write_report(tenant, lesson_id, report.model_dump_json(indent=1))
    heard = len(report.audio.moments) if report.audio else 0
    _finish(
        sessions,
        lesson_id,
        "done",
        report_path=str(path),
        duration_s=report.source.duration_s,
        persons=len(report.persons),
        moments=len(report.moments) + heard,
        score=report.score.value if report.score else None,
    )


def _finish(sessions: sessionmaker, lesson_id: str, status: str, **values: object) -> None:
    with sessions() as s:
        s.execute(
            update(Lesson)
            .where(Lesson.id == lesson_id)
            .values(
                status=status,
                stage=status,
                progress=100 if status == "done" else Lesson.progress,
                lease_until=None,
                **values,
            )
        )
        s.commit()
        lesson = s.get(Lesson, lesson_id)
        tenant = s.get(Tenant, lesson.tenant_id) if lesson else None
        if lesson is None or tenant is None or not lesson.callback_url:
            return
        payload = {
            "event": f"lesson.{status}",
            "lesson_id": lesson.id,
            "lms_lesson_id": lesson.lms_lesson_id,
            "status": status,
            "error": lesson.error,
            "persons": lesson.persons,
            "moments": lesson.moments,
            "report_url": f"/v1/lessons/{lesson.id}/report" if status == "done" else None,
        }
        url, secret = lesson.callback_url, tenant.webhook_secret

    def record(delivered: bool, attempts: int, error: str) -> None:
        text = f"delivered after {attempts} attempt(s)" if delivered else f"failed after {attempts} attempts: {error}"
        with sessions() as s:
            s.execute(update(Lesson).where(Lesson.id == lesson_id).values(webhook_status=text[:200]))
            s.commit()

    deliver(url, secret, payload, on_result=record)


class EmbeddedWorker(threading.Thread):
    """One job at a time inside the server process (2 cores: the analysis itself uses both)."""

    def __init__(self, sessions: sessionmaker, settings: Settings, poll_s: float = 0.5) -> None:
        super().__init__(daemon=True, name="edcontrol-worker")
        self.sessions, self.settings, self.poll_s = sessions, settings, poll_s
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                lesson_id = claim(self.sessions, self.settings)
                if lesson_id is None:
                    self.stop_event.wait(self.poll_s)
                    continue
                run_one(lesson_id, self.sessions, self.settings)
            except Exception:
                log.exception("worker loop error")
                self.stop_event.wait(self.poll_s)

    def stop(self) -> None:
        self.stop_event.set()
