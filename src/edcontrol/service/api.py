"""REST API for the school's LMS (FastAPI). Every lesson query is scoped by the caller's tenant:
another tenant's lesson is indistinguishable from a missing one (404)."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from edcontrol.errors import InputError
from edcontrol.media.probe import probe
from edcontrol.media.thumbnail import jpeg_thumbnail
from edcontrol.pipeline.roles import UnknownParticipant, correct_role
from edcontrol.report import pdf
from edcontrol.report.i18n import tr
from edcontrol.report.schema import SCHEMA_VERSION, parse_stored
from edcontrol.service import media_links
from edcontrol.service.deps import admin, db, tenant
from edcontrol.service.jobs import EmbeddedWorker
from edcontrol.service.outbox import OutboxDispatcher
from edcontrol.service.retention import delete_lesson as delete_everything
from edcontrol.service.routers import auth
from edcontrol.service.settings import Settings
from edcontrol.service.storage import LessonGone, Storage, UploadTooLarge
from edcontrol.service.store import Lesson, Tenant, hash_key, make_sessions, new_id


class TenantIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    compliance_mode: bool = False
    retention_days: int | None = Field(default=None, ge=1, le=3650)


class TenantOut(BaseModel):
    id: str
    name: str
    compliance_mode: bool
    api_key: str = Field(description="shown once; only its hash is stored")
    webhook_secret: str = Field(description="verifies X-EdControl-Signature on completion callbacks")


class RoleIn(BaseModel):
    role: Literal["teacher", "student", "unknown"]


class LessonOut(BaseModel):
    id: str
    status: str
    stage: str
    progress: int
    error: str | None
    file_name: str
    lms_lesson_id: str | None
    teacher_id: str | None
    teacher_name: str | None
    students: list[str]
    language: str | None
    compliance_mode: bool
    duration_s: float | None
    persons: int | None
    moments: int | None
    score: float | None
    webhook_status: str | None
    created_at: datetime
    updated_at: datetime


def _out(lesson: Lesson) -> LessonOut:
    return LessonOut(**{k: getattr(lesson, k) for k in LessonOut.model_fields})


def safe_display_name(name: str | None) -> str:
    """The uploaded name is only ever displayed: strip paths and control characters, bound its length."""
    base = re.split(r"[\\\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:200] or "upload"


def teacher_digest(teacher_id: str, done: list[Lesson]) -> dict:
    """Count, hours, average score, moments per hour and a monthly trend over finished lessons (oldest first)."""
    hours = sum((x.duration_s or 0.0) for x in done) / 3600

    def per_hour(xs: list[Lesson]) -> float:
        return round(sum(x.moments or 0 for x in xs) / max(sum(x.duration_s or 0 for x in xs) / 3600, 1e-9), 2)

    def mean_score(xs: list[Lesson]) -> float | None:
        scores = [x.score for x in xs if x.score is not None]
        return round(sum(scores) / len(scores), 1) if scores else None

    months: dict[str, list[Lesson]] = {}
    for x in done:
        months.setdefault(x.created_at.strftime("%Y-%m"), []).append(x)
    trend = [
        {"month": m, "lessons": len(xs), "moments_per_hour": per_hour(xs), "average_score": mean_score(xs)}
        for m, xs in sorted(months.items())
    ]
    return {
        "teacher_id": teacher_id,
        "teacher_name": done[-1].teacher_name,
        "lessons": len(done),
        "average_score": mean_score(done),
        "hours": round(hours, 3),
        "moments": sum(x.moments or 0 for x in done),
        "moments_per_hour": per_hour(done),
        "last_lesson_at": done[-1].created_at.isoformat(),
        "trend": trend,
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sessions: sessionmaker = make_sessions(settings.db_url)
    storage = Storage(settings.storage_dir)
    worker = EmbeddedWorker(sessions, settings) if settings.embedded_worker else None
    celery_app = None
    if not settings.embedded_worker:
        from edcontrol.service.celery_worker import make_celery

        celery_app = make_celery(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        outbox = OutboxDispatcher(sessions, settings)  # every server delivers due webhooks; claims keep it once
        outbox.start()
        if worker is not None:
            worker.start()
        yield
        outbox.stop()
        if worker is not None:
            worker.stop()

    # /docs and /redoc from assets installed with the package (fastapi-offline): air-gapped schools have no CDN
    app = FastAPIOffline(
        title="EdControl",
        version="0.1.0",
        lifespan=lifespan,
        description="Lesson analytics for the school's LMS: upload, progress, reports.",
        static_url="/docs-assets",
        swagger_ui_parameters={"validatorUrl": None},  # the default badge asks validator.swagger.io
    )
    app.state.sessions, app.state.settings, app.state.worker = sessions, settings, worker

    def lesson_of(lesson_id: str, t: Tenant, s: Session) -> Lesson:
        lesson = s.scalar(select(Lesson).where(Lesson.id == lesson_id, Lesson.tenant_id == t.id))
        if lesson is None:
            raise HTTPException(404, "lesson not found")
        return lesson

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(auth.router)

    @app.post("/v1/tenants", status_code=201, response_model=TenantOut, dependencies=[Depends(admin)])
    def create_tenant(body: TenantIn, s: Session = Depends(db)) -> TenantOut:
        key = secrets.token_urlsafe(32)
        t = Tenant(
            name=body.name,
            key_hash=hash_key(key),
            compliance_mode=body.compliance_mode,
            retention_days=body.retention_days,
        )
        s.add(t)
        s.commit()
        return TenantOut(
            id=t.id, name=t.name, compliance_mode=t.compliance_mode, api_key=key, webhook_secret=t.webhook_secret
        )

    @app.post("/v1/lessons", status_code=202, response_model=LessonOut)
    def submit(
        request: Request,
        file: Annotated[UploadFile, File(description="the lesson recording")],
        consent: Annotated[bool, Form(description="participants consented to the analysis")],
        lms_lesson_id: Annotated[str | None, Form(max_length=200)] = None,
        teacher_id: Annotated[str | None, Form(max_length=200)] = None,
        teacher_name: Annotated[str | None, Form(max_length=200)] = None,
        students: Annotated[str | None, Form(description="comma-separated names", max_length=2000)] = None,
        language: Annotated[str | None, Form(pattern=r"^[a-z]{2}$")] = None,
        compliance_mode: Annotated[bool, Form()] = False,
        callback_url: Annotated[str | None, Form(pattern=r"^https?://", max_length=2000)] = None,
        t: Tenant = Depends(tenant),
        s: Session = Depends(db),
    ) -> LessonOut:
        if not consent:
            raise HTTPException(400, "consent is required to analyse a lesson")
        declared = int(request.headers.get("content-length") or 0)
        if declared > settings.max_upload_bytes + 1_000_000:
            raise HTTPException(413, f"upload exceeds the limit of {settings.max_upload_bytes} bytes")
        lesson_id = new_id()
        try:
            path, size = storage.save_upload(t.id, lesson_id, file.file, settings.max_upload_bytes)
        except UploadTooLarge as exc:
            raise HTTPException(413, str(exc)) from None
        if size == 0:
            storage.delete_lesson(t.id, lesson_id)
            raise HTTPException(400, "the uploaded file is empty")
        try:
            info = probe(path)
            if not info.has_video and not info.has_audio:
                raise InputError("no audio or video stream")
        except InputError as exc:
            storage.delete_lesson(t.id, lesson_id)
            raise HTTPException(400, f"not a usable recording: {exc}") from None
        lesson = Lesson(
            id=lesson_id,
            tenant_id=t.id,
            lms_lesson_id=lms_lesson_id,
            teacher_id=teacher_id,
            teacher_name=teacher_name,
            students=[x.strip() for x in (students or "").split(",") if x.strip()],
            language=language,
            compliance_mode=compliance_mode or t.compliance_mode,
            callback_url=callback_url,
            file_name=safe_display_name(file.filename),
            media_path=str(path),
            size_bytes=size,
        )
        s.add(lesson)
        s.commit()
        if celery_app is not None:
            from edcontrol.service.celery_worker import dispatch

            dispatch(celery_app, lesson.id)
        return _out(lesson)

    @app.get("/v1/lessons", response_model=list[LessonOut])
    def list_lessons(
        teacher_id: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
        max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        t: Tenant = Depends(tenant),
        s: Session = Depends(db),
    ) -> list[LessonOut]:
        q = select(Lesson).where(Lesson.tenant_id == t.id)
        if teacher_id:
            q = q.where(Lesson.teacher_id == teacher_id)
        if status:
            q = q.where(Lesson.status == status)
        if since:
            q = q.where(Lesson.created_at >= since)
        if until:
            q = q.where(Lesson.created_at <= until)
        if min_score is not None:
            q = q.where(Lesson.score >= min_score)
        if max_score is not None:
            q = q.where(Lesson.score <= max_score)
        return [_out(x) for x in s.scalars(q.order_by(Lesson.created_at.desc()).limit(limit))]

    @app.get("/v1/lessons/{lesson_id}", response_model=LessonOut)
    def get_lesson(lesson_id: str, t: Tenant = Depends(tenant), s: Session = Depends(db)) -> LessonOut:
        return _out(lesson_of(lesson_id, t, s))

    def _report(lesson: Lesson) -> dict:
        """The stored report in the current schema: reports stored under 1.x are converted on read, so a
        lesson analysed before an upgrade keeps opening in the dashboard and the LMS."""
        if lesson.status != "done" or not lesson.report_path:
            raise HTTPException(409, f"report not ready: lesson is {lesson.status}")
        data = json.loads(Path(lesson.report_path).read_text(encoding="utf-8"))
        if data.get("schema_version") == SCHEMA_VERSION:
            return data
        return parse_stored(data).model_dump(mode="json")

    @app.get("/v1/lessons/{lesson_id}/report")
    def get_report(lesson_id: str, t: Tenant = Depends(tenant), s: Session = Depends(db)) -> JSONResponse:
        return JSONResponse(_report(lesson_of(lesson_id, t, s)))

    @app.get("/v1/lessons/{lesson_id}/moments.csv", response_class=PlainTextResponse)
    def get_moments_csv(lesson_id: str, t: Tenant = Depends(tenant), s: Session = Depends(db)) -> PlainTextResponse:
        report = _report(lesson_of(lesson_id, t, s))
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(
            [
                "id", "person", "voices", "role", "kind", "modalities", "start_s", "end_s", "peak_s",
                "intensity", "confidence", "severity", "watch_first", "evidence",
            ]
        )  # fmt: skip
        first = set(report.get("watch_first", []))
        for m in report["moments"]:
            w.writerow(
                [
                    m["id"],
                    m["person"],
                    " ".join(m["speaker_ids"]),
                    m["role"],
                    m["kind"],
                    " ".join(f"{s['modality']}:{s['kind']}={s['score']}" for s in m["modalities"]),
                    m["start_s"],
                    m["end_s"],
                    m["peak_s"],
                    m["intensity"],
                    m["confidence"],
                    m["severity"],
                    m["id"] in first,
                    m["transcript_excerpt"],
                ]
            )
        return PlainTextResponse(buf.getvalue(), media_type="text/csv")

    def finished(t: Tenant, s: Session, teacher_id: str | None = None) -> list[Lesson]:
        q = select(Lesson).where(Lesson.tenant_id == t.id, Lesson.status == "done")
        if teacher_id is not None:
            q = q.where(Lesson.teacher_id == teacher_id)
        return list(s.scalars(q.order_by(Lesson.created_at)))

    @app.get("/v1/teachers")
    def list_teachers(t: Tenant = Depends(tenant), s: Session = Depends(db)) -> list[dict]:
        """Every teacher with finished lessons, riskiest first: most moments per hour, then lowest score.
        The early-warning view: a teacher who drifts shows up at the top before a complaint arrives."""
        by_teacher: dict[str, list[Lesson]] = {}
        for x in finished(t, s):
            if x.teacher_id:
                by_teacher.setdefault(x.teacher_id, []).append(x)
        rows = [teacher_digest(tid, xs) for tid, xs in by_teacher.items()]
        unscored = 100.0  # no score yet ranks as nothing of concern; a real 0.0 must not read as that
        return sorted(
            rows,
            key=lambda r: (
                -r["moments_per_hour"],
                unscored if r["average_score"] is None else r["average_score"],
                r["teacher_id"],
            ),
        )

    @app.get("/v1/teachers/{teacher_id}/summary")
    def teacher_summary(teacher_id: str, t: Tenant = Depends(tenant), s: Session = Depends(db)) -> dict:
        """Aggregates over a teacher's finished lessons: count, hours, moments per hour, trend by month."""
        done = finished(t, s, teacher_id)
        if not done:
            raise HTTPException(404, "no finished lessons for this teacher")
        return teacher_digest(teacher_id, done)

    @app.put("/v1/lessons/{lesson_id}/persons/{person_id}/role")
    def override_role(
        lesson_id: str, person_id: str, body: RoleIn, t: Tenant = Depends(tenant), s: Session = Depends(db)
    ) -> dict:
        """A manager corrects a role (a person P.. or a speaker S..; the linked one follows). Roles, the score
        and its reasons are recomputed from the stored report, and the lesson's score (teacher ranking) too."""
        lesson = lesson_of(lesson_id, t, s)
        try:
            report = correct_role(parse_stored(_report(lesson)), person_id, body.role)
        except UnknownParticipant:
            raise HTTPException(404, "no such person or speaker in this lesson") from None
        try:
            storage.write_report(t.id, lesson.id, report.model_dump_json(indent=1), Path(lesson.report_path).name)
        except LessonGone:
            raise HTTPException(404, "lesson not found") from None
        lesson.score = report.score.value if report.score else None
        s.commit()
        return {"lesson_id": lesson.id, "id": person_id, "role": body.role, "score": lesson.score}

    def media_of(lesson: Lesson) -> Path:
        if not lesson.media_path or not Path(lesson.media_path).is_file():
            raise HTTPException(404, "the recording is not stored (deleted by retention or by request)")
        return Path(lesson.media_path)

    @app.get("/v1/lessons/{lesson_id}/media-url")
    def media_url(lesson_id: str, t: Tenant = Depends(tenant), s: Session = Depends(db)) -> dict:
        """A signed link that plays the recording in a browser (no API key needed) until it expires."""
        lesson = lesson_of(lesson_id, t, s)
        path = media_of(lesson)
        info = probe(path)
        fmt = media_links.media_format(info.container)
        link, expires = media_links.make_link(t.webhook_secret, lesson.id, fmt)
        return {
            "url": link,
            "expires_at": expires,
            "media_type": media_links.media_type(fmt),
            "has_video": info.has_video,
        }

    @app.get("/v1/media/{lesson_id}", response_class=FileResponse)
    def media(
        lesson_id: str,
        expires: int,
        fmt: Annotated[str, Query(pattern=r"^[a-z0-9]{1,16}$")],
        sig: Annotated[str, Query(max_length=128)],
        s: Session = Depends(db),
    ) -> FileResponse:
        """The recording itself, with HTTP range support (seeking), for a link from /media-url."""
        lesson = s.get(Lesson, lesson_id)
        owner = s.get(Tenant, lesson.tenant_id) if lesson is not None else None
        if (
            lesson is None
            or owner is None
            or not media_links.verify(owner.webhook_secret, lesson_id, expires, fmt, sig)
        ):
            raise HTTPException(403, "the link is invalid or has expired")
        return FileResponse(media_of(lesson), media_type=media_links.media_type(fmt))

    @app.get("/v1/lessons/{lesson_id}/frame.jpg", response_class=Response)
    def frame(
        lesson_id: str,
        t_s: Annotated[float, Query(alias="t", ge=0, le=86400)],
        box: Annotated[str | None, Query(pattern=r"^\d+(\.\d+)?(,\d+(\.\d+)?){3}$")] = None,
        width: Annotated[int, Query(ge=32, le=1280)] = 320,
        t: Tenant = Depends(tenant),
        s: Session = Depends(db),
    ) -> Response:
        """A still of the recording at ``t`` seconds, cropped around a face box "x,y,w,h" when given:
        the thumbnail that lets a manager see a moment before playing it."""
        path = media_of(lesson_of(lesson_id, t, s))
        try:
            jpeg = jpeg_thumbnail(path, t_s, [float(v) for v in box.split(",")] if box else None, width)
        except InputError as exc:
            raise HTTPException(404, f"no picture: {exc}") from None
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/v1/lessons/{lesson_id}/report.pdf", response_class=Response)
    def report_pdf(
        lesson_id: str, lang: Literal["en", "ru"] = "en", t: Tenant = Depends(tenant), s: Session = Depends(db)
    ) -> Response:
        """The printable lesson report: score, timeline image, top moments with thumbnails, talk metrics."""
        lesson = lesson_of(lesson_id, t, s)
        report = _report(lesson)
        thumbs: dict[str, bytes] = {}
        path = Path(lesson.media_path) if lesson.media_path else None
        if path is not None and path.is_file() and report["source"].get("width"):
            for row in pdf.top_moments(report):
                try:
                    thumbs[row.id] = jpeg_thumbnail(path, row.thumbnail_s, row.box, 240)
                except InputError:
                    continue
        meta = {
            tr("col_teacher", lang): lesson.teacher_name or lesson.teacher_id or "",
            tr("col_date", lang): lesson.created_at.strftime("%Y-%m-%d %H:%M"),
        }
        body = pdf.lesson_pdf(report, lang, meta, thumbs)
        return Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="lesson-{lesson.id}-{lang}.pdf"'},
        )

    @app.delete("/v1/lessons/{lesson_id}", status_code=204)
    def delete_lesson(lesson_id: str, t: Tenant = Depends(tenant), s: Session = Depends(db)) -> None:
        """Deletes the recording, the report, derived files, pending webhook events and the row, also while
        the lesson is being analysed: its worker stops and anything it writes late is refused and cleaned."""
        delete_everything(s, storage, lesson_of(lesson_id, t, s))

    return app
