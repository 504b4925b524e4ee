"""Running analyses outside the request: a claim-with-lease job protocol over the store, with fencing.

A worker claims a queued job (or one whose lease ran out: its worker died) with one conditional UPDATE
that also sets a fresh lease token, so two workers never run the same job. While the analysis runs, a
heartbeat thread renews the lease on its own schedule (model loading, diarization and ASR may report no
progress for minutes), and every write of the worker (progress, final state, the report's path) is
conditional on its token: a worker whose lease was taken over, or whose lesson was deleted, can change
nothing, notices at its next progress report and stops (cancel on delete). The final state and its webhook
event are written in one transaction (see ``outbox``). Failures of the input end the job with the reason;
other failures retry up to ``max_attempts``. The same ``run_one`` serves the embedded worker thread and
Celery workers.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import sessionmaker

from edcontrol.errors import InputError
from edcontrol.pipeline.progress import OverallProgress
from edcontrol.service.outbox import enqueue
from edcontrol.service.polling import PollingThread
from edcontrol.service.settings import Settings
from edcontrol.service.storage import LessonGone, Storage
from edcontrol.service.store import Lesson, Tombstone, new_id, now

log = logging.getLogger("edcontrol.jobs")


class JobCancelled(Exception):
    """The lesson was deleted, or another worker took the job over: stop and write nothing."""


@dataclass(frozen=True)
class Claim:
    lesson_id: str
    token: str  # fencing token: only writes carrying it are accepted


def _runnable(t):  # type: ignore[no-untyped-def]
    return or_(Lesson.status == "queued", (Lesson.status == "running") & (Lesson.lease_until < t))


def claim_id(lesson_id: str, sessions: sessionmaker, settings: Settings) -> Claim | None:
    """Claim one given job (a Celery task's); None when it is done, deleted, or another worker holds it."""
    token = new_id()
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
                lease_token=token,
                updated_at=t,
            )
        )
        s.commit()
        return Claim(lesson_id, token) if res.rowcount == 1 else None


def orphaned(sessions: sessionmaker) -> list[str]:
    """Jobs whose worker stopped renewing the lease (killed, machine lost): to be dispatched again."""
    with sessions() as s:
        t = now()
        return list(s.scalars(select(Lesson.id).where(Lesson.status == "running", Lesson.lease_until < t)))


def claim(sessions: sessionmaker, settings: Settings) -> Claim | None:
    """Take the oldest runnable job, or None when there is nothing to do."""
    with sessions() as s:
        candidates = s.scalars(select(Lesson.id).where(_runnable(now())).order_by(Lesson.created_at).limit(5)).all()
    for lesson_id in candidates:  # another worker may win a race for one: try the next
        if (got := claim_id(lesson_id, sessions, settings)) is not None:
            return got
    return None


def _fenced(job: Claim):  # type: ignore[no-untyped-def]
    return update(Lesson).where(Lesson.id == job.lesson_id, Lesson.lease_token == job.token, Lesson.status == "running")


class JobContext:
    """One claimed job while it runs: the heartbeat, fenced progress, and the lost-lease signal."""

    def __init__(self, job: Claim, sessions: sessionmaker, settings: Settings) -> None:
        self.job, self.sessions, self.settings = job, sessions, settings
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, daemon=True, name="edcontrol-heartbeat")
        self._last_write, self._stage, self._percent = 0.0, "", 0
        self._overall = OverallProgress()

    def __enter__(self) -> JobContext:
        self._heartbeat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._heartbeat.join(timeout=10)

    def _write(self, **values: object) -> bool:
        """A fenced update of the job's row; False (and the lease counts as lost) when it no longer is ours."""
        with self.sessions() as s:
            res = s.execute(_fenced(self.job).values(**values))
            s.commit()
        if res.rowcount != 1:
            self.lost.set()
        return res.rowcount == 1

    def _beat(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_period_s):
            try:
                if not self._write(lease_until=now() + timedelta(seconds=self.settings.lease_s)):
                    log.warning("lesson %s: lease lost (deleted or taken over); stopping", self.job.lesson_id)
                    return
            except Exception:  # a database hiccup: try again at the next beat, the lease has slack
                log.exception("heartbeat of %s failed", self.job.lesson_id)

    def progress(self, stage: str, fraction: float) -> None:
        """The pipeline's progress callback: raises ``JobCancelled`` once the job is no longer ours."""
        if self.lost.is_set():
            raise JobCancelled(self.job.lesson_id)
        pct = self._overall.update(stage, fraction)
        self._percent = max(self._percent, min(99, round(pct))) if pct is not None else self._percent
        changed = stage != self._stage
        if not changed and time.monotonic() - self._last_write < 1.0:
            return
        self._stage, self._last_write = stage, time.monotonic()
        if not self._write(stage=stage, progress=self._percent):
            raise JobCancelled(self.job.lesson_id)

    def requeue(self, error: str) -> None:
        """Back to the queue for another attempt (by any worker), keeping the reason."""
        self._write(status="queued", stage="retrying", lease_until=None, error=error)

    def finish(self, status: str, **values: object) -> bool:
        """The final state and its webhook event in one fenced transaction; False when no longer ours."""
        with self.sessions() as s:
            res = s.execute(
                _fenced(self.job).values(
                    status=status,
                    stage=status,
                    progress=100 if status == "done" else Lesson.progress,
                    lease_until=None,
                    **values,
                )
            )
            if res.rowcount != 1:
                s.rollback()
                self.lost.set()
                return False
            lesson = s.get(Lesson, self.job.lesson_id)
            if lesson is not None and status in ("done", "failed"):
                enqueue(s, lesson, f"lesson.{status}", _event_payload(lesson, status))
            s.commit()
        return True


def _event_payload(lesson: Lesson, status: str) -> dict:
    return {
        "lesson_id": lesson.id,
        "lms_lesson_id": lesson.lms_lesson_id,
        "status": status,
        "error": lesson.error,
        "persons": lesson.persons,
        "moments": lesson.moments,
        "report_url": f"/v1/lessons/{lesson.id}/report" if status == "done" else None,
    }


def _abandon(job: Claim, tenant_id: str, storage: Storage, sessions: sessionmaker, written: Path | None) -> None:
    """After a lost lease: a deleted lesson loses whatever this worker wrote late (the whole folder, which
    delete already removed once); a lesson taken over by another worker loses only this worker's report."""
    with sessions() as s:
        deleted = s.get(Tombstone, job.lesson_id) is not None or s.get(Lesson, job.lesson_id) is None
    if deleted:
        storage.delete_lesson(tenant_id, job.lesson_id)
    elif written is not None:
        written.unlink(missing_ok=True)
    log.info("lesson %s abandoned by this worker (%s)", job.lesson_id, "deleted" if deleted else "taken over")


def run_one(job: Claim, sessions: sessionmaker, settings: Settings) -> None:
    from edcontrol.pipeline.analyze import analyze_video
    from edcontrol.pipeline.audio_track import AudioTrackConfig
    from edcontrol.pipeline.config import FaceTrackConfig

    storage = Storage(settings.storage_dir)
    with sessions() as s:
        lesson = s.get(Lesson, job.lesson_id)
        if lesson is None:
            return
        media, tenant, language, compliance, display_name, attempts = (
            lesson.media_path,
            lesson.tenant_id,
            lesson.language,
            lesson.compliance_mode,
            lesson.file_name,
            lesson.attempts,
        )
    with JobContext(job, sessions, settings) as ctx:
        if attempts > settings.max_attempts:
            ctx.finish(
                "failed", error=f"gave up after {settings.max_attempts} attempts (worker stopped or crashed each time)"
            )
            return
        written: Path | None = None
        try:
            report = analyze_video(
                media,  # type: ignore[arg-type]
                FaceTrackConfig(emotion_inference=not compliance),
                ctx.progress,
                AudioTrackConfig(asr_model=settings.asr_model, language=language, emotion_inference=not compliance),
            )
            ctx.progress("report", 1.0)
            report.source.file_name = display_name  # the stored file is "media"; people know it by its upload name
            written = storage.write_report(
                tenant, job.lesson_id, report.model_dump_json(indent=1), f"report-{job.token}.json"
            )
            done = ctx.finish(
                "done",
                report_path=str(written),
                duration_s=report.source.duration_s,
                persons=len(report.persons),
                moments=len(report.moments),
                score=report.score.value if report.score else None,
                error=None,
            )
            if not done:
                raise JobCancelled(job.lesson_id)
        except (JobCancelled, LessonGone):
            _abandon(job, tenant, storage, sessions, written)
        except InputError as exc:
            ctx.finish("failed", error=f"unusable recording: {exc}")
        except Exception as exc:
            log.exception("analysis of %s failed", job.lesson_id)
            retry = attempts < settings.max_attempts
            if not retry:
                ctx.finish("failed", error=f"{type(exc).__name__}: {exc}")
            else:
                ctx.requeue(f"{type(exc).__name__}: {exc}")


class EmbeddedWorker(PollingThread):
    """One job at a time inside the server process (2 cores: the analysis itself uses both)."""

    def __init__(self, sessions: sessionmaker, settings: Settings, poll_s: float = 0.5) -> None:
        super().__init__("edcontrol-worker", poll_s)
        self.sessions, self.settings = sessions, settings

    def tick(self) -> bool:
        job = claim(self.sessions, self.settings)
        if job is not None:
            run_one(job, self.sessions, self.settings)
        return job is not None
