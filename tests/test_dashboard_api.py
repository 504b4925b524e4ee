"""The API routes the dashboard stands on, over real HTTP with the analysed sample lesson: signed video
links with range requests, evidence thumbnails, the printable PDF, and the teachers' risk ranking."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from conftest import ARTIFACTS, SAMPLE
from edcontrol.report import digest
from edcontrol.report.i18n import mmss, tr
from edcontrol.service import media_links
from edcontrol.service.store import Lesson, Tenant, hash_key, make_sessions, now


def test_signed_media_link_streams_ranges_and_expires(live_service):
    info = live_service.get(f"/v1/lessons/{live_service.lesson_id}/media-url").json()
    assert info["media_type"] == "video/mp4" and info["has_video"]
    link = live_service.url + info["url"]
    whole = SAMPLE.read_bytes()
    part = httpx.get(link, headers={"Range": "bytes=1000-1999"})  # no API key: the signature is the key
    assert part.status_code == 206 and part.content == whole[1000:2000]
    assert part.headers["content-type"] == "video/mp4"
    assert httpx.get(link).content == whole
    assert httpx.get(link.replace("sig=", "sig=0")).status_code == 403
    assert httpx.get(re.sub(r"fmt=\w+", "fmt=webm", link)).status_code == 403  # the format is signed too
    with make_sessions(live_service.settings.db_url)() as s:
        secret = s.get(Tenant, s.get(Lesson, live_service.lesson_id).tenant_id).webhook_secret
    past = int(time.time()) - 5
    signed = media_links.sign(secret, live_service.lesson_id, past, "mov")  # rightly signed, but too old
    old = f"{live_service.url}/v1/media/{live_service.lesson_id}?expires={past}&fmt=mov&sig={signed}"
    assert httpx.get(old).status_code == 403
    other = live_service.get(f"/v1/lessons/{live_service.lesson_id}/media-url", key=live_service.empty_key)
    assert other.status_code == 404


def test_frame_thumbnails_are_the_lessons_pictures(live_service):
    base = f"/v1/lessons/{live_service.lesson_id}/frame.jpg"
    full = Image.open(io.BytesIO(live_service.get(base, params={"t": 25, "width": 400}).content))
    assert full.format == "JPEG" and full.width == 400
    person = live_service.report["persons"][0]
    box = ",".join(str(v) for v in person["typical_box"])
    face = Image.open(io.BytesIO(live_service.get(base, params={"t": 25, "box": box, "width": 200}).content))
    assert face.width == 200 and abs(face.height / face.width - full.height / full.width) > 0.05  # a crop
    assert live_service.get(base, params={"t": 25, "box": "1,2,3"}).status_code == 422
    assert live_service.get(base, params={"t": -1}).status_code == 422
    assert live_service.get(base, params={"t": 25}, key=live_service.empty_key).status_code == 404
    end = live_service.get(base, params={"t": 3600})  # past the end: the last picture, not an error
    assert end.status_code == 200 and Image.open(io.BytesIO(end.content)).width == 320


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_pdf_holds_the_timeline_and_the_top_moments(live_service, lang):
    response = live_service.get(f"/v1/lessons/{live_service.lesson_id}/report.pdf", params={"lang": lang})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    (ARTIFACTS / "dashboard").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dashboard" / f"lesson-report-{lang}.pdf").write_bytes(response.content)
    pdf = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in pdf.pages)
    flat = " ".join(text.split())
    report = live_service.report
    for key in ("pdf_title", "timeline", "watch_first", "positives", "conversation"):
        assert tr(key, lang) in flat, key
    assert report["source"]["file_name"] == "sample lesson.mp4"  # the upload's name, not the stored file's
    assert f"{tr('pdf_file', lang)}: sample lesson.mp4" in flat
    assert f"{tr('score', lang)}: {report['score']['value']}" in flat
    by_id = {r.id: r for r in digest.moments(report)}
    for reason in report["score"]["reasons"]:
        assert digest.reason_text(reason, by_id, lang)[:40] in flat
    rows = digest.watch_first(report)  # the cards: the watch-first list, with their chips
    assert rows
    for rank, row in enumerate(rows, 1):
        assert f"{rank}. {mmss(row.start_s)}–{mmss(row.end_s)} {tr('kind_' + row.kind, lang)}" in flat
        assert str(row.intensity) in flat and str(row.confidence) in flat
        assert all(digest.chip_text(c, lang) in flat for c in row.chips)
    for g in digest.positives(report):
        assert f"{mmss(g.start_s)} {tr('kind_' + g.kind, lang)}" in flat
    images = [img for page in pdf.pages for img in page.images]
    timeline = max(images, key=lambda im: im.image.width)
    assert timeline.image.width >= 1000  # the timeline picture, full width
    assert len(images) == 1 + len(rows)  # plus one thumbnail per card
    assert (
        live_service.get(f"/v1/lessons/{live_service.lesson_id}/report.pdf", params={"lang": "de"}).status_code == 422
    )


def test_teachers_ranked_by_risk_per_school(live_service):
    key = "risk-ranking-school-key-" + "x" * 20
    with make_sessions(live_service.settings.db_url)() as s:
        school = Tenant(name="Ranking school", key_hash=hash_key(key))
        s.add(school)
        s.flush()
        for teacher, moments, score, months_ago in [
            ("calm", 0, 100.0, 0),
            ("rough", 6, 55.0, 0),
            ("rough", 2, 80.0, 1),
            ("edgy", 2, 85.0, 0),
        ]:
            s.add(
                Lesson(
                    tenant_id=school.id, teacher_id=teacher, teacher_name=teacher.title(), file_name="x.mp4",
                    status="done", duration_s=3600.0, moments=moments, score=score,
                    created_at=now() - timedelta(days=31 * months_ago),
                )
            )  # fmt: skip
        s.commit()
    ranking = live_service.get("/v1/teachers", key=key).json()
    assert [r["teacher_id"] for r in ranking] == ["rough", "edgy", "calm"]
    rough = ranking[0]
    assert rough["lessons"] == 2 and rough["moments_per_hour"] == 4.0 and rough["average_score"] == 67.5
    assert [m["moments_per_hour"] for m in rough["trend"]] == [2.0, 6.0]  # oldest month first: getting worse
    assert [r["teacher_id"] for r in live_service.get("/v1/teachers").json()] == ["t-sample"]  # other school
    assert live_service.get("/v1/teachers", key=live_service.empty_key).json() == []


def test_dashboard_imports_no_model_code(live_service):
    """The dashboard is a thin client: rendering a lesson loads no model, pipeline or ML runtime module."""
    code = f"""
import json, os, sys
os.environ.update(EDCONTROL_API_URL={live_service.url!r}, EDCONTROL_API_KEY={live_service.key!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("src/edcontrol/dashboard/views/lesson.py", default_timeout=120)
at.session_state["lesson_id"] = {live_service.lesson_id!r}
at.run()
assert not at.exception, at.exception
print(json.dumps(sorted(sys.modules)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = ("edcontrol.models", "edcontrol.pipeline", "edcontrol.service", "mediapipe", "onnxruntime",
             "faster_whisper", "ctranslate2", "dlib", "cv2", "sqlalchemy")  # fmt: skip
    assert not [m for m in modules if m.startswith(heavy)]
    assert "edcontrol.dashboard.client" in modules
