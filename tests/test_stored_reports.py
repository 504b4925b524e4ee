"""Reports stored before the 2.0.0 upgrade keep opening: a real 1.1.0 report (the sample lesson, analysed
by the 1.1.0 code and committed under tests/data/reports) is served as 2.0.0 by the API on SQLite and on
PostgreSQL, exports as CSV and PDF, survives a role correction, and opens in the dashboard."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from edcontrol.report.schema import SCHEMA_VERSION, LessonReport, parse_stored
from edcontrol.service.api import create_app
from edcontrol.service.settings import Settings
from edcontrol.service.store import Lesson, Tenant, hash_key, make_sessions

OLD = ROOT / "tests" / "data" / "reports" / "sample_lesson_1.1.0.json"
PAGES = ROOT / "src" / "edcontrol" / "dashboard" / "views"


def test_a_1_1_0_report_reads_as_2_0_0_with_one_signal_moments_and_its_score():
    old = json.loads(OLD.read_text())
    assert old["schema_version"] == "1.1.0" and len(old["audio"]["moments"]) == 2
    new = parse_stored(old)
    assert new.schema_version == SCHEMA_VERSION
    assert [m.id for m in new.moments] == ["M1", "M2"] and all(len(m.modalities) == 1 for m in new.moments)
    assert {m.kind for m in new.moments} == {"raised_voice", "hostile_language"}
    assert all(m.person == "P1" and m.speaker_ids == ["S1"] and m.role == "teacher" for m in new.moments)
    assert new.score.value == old["score"]["value"]  # the stored score stands
    assert {r.moment_id for r in new.score.reasons} == {"M1", "M2"}  # its reasons point at the new ids
    assert new.watch_first and set(new.watch_first) <= {"M1", "M2"}
    assert [p.speaker_ids for p in new.persons] == [["S1"], ["S2"]]
    assert LessonReport.model_validate_json(new.model_dump_json()) == new
    assert old == json.loads(OLD.read_text())  # the stored dict itself is not changed
    with pytest.raises(ValueError, match="cannot be read"):
        parse_stored({**old, "schema_version": "0.9.0"})


def test_a_2_0_0_report_reads_as_it_is():
    stored = parse_stored(json.loads(OLD.read_text())).model_dump(mode="json")
    stored["schema_version"] = "2.0.0"
    del stored["settings"]["face_track"]  # 2.1.0 added it
    new = parse_stored(stored)
    assert new.schema_version == SCHEMA_VERSION and new.settings.face_track is None
    assert [m.model_dump(mode="json") for m in new.moments] == stored["moments"]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_lesson(request, tmp_path: Path):
    """A store (SQLite or PostgreSQL) holding one finished lesson whose report was written by 1.1.0."""
    db_url = "" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, admin_key="a")  # type: ignore[arg-type]
    app = create_app(settings)
    key = secrets.token_urlsafe(32)
    with TestClient(app) as client:
        with make_sessions(settings.db_url)() as s:
            school = Tenant(name="Old school", key_hash=hash_key(key))
            s.add(school)
            s.flush()
            lesson = Lesson(
                tenant_id=school.id, file_name="old.mp4", status="done", stage="done", progress=100, moments=2,
                score=68.9,
            )  # fmt: skip
            s.add(lesson)
            s.flush()
            folder = settings.storage_dir / school.id / lesson.id  # where the worker wrote it, back then
            folder.mkdir(parents=True)
            lesson.report_path = str(shutil.copy(OLD, folder / "report-old.json"))
            s.commit()
            lesson_id = lesson.id
        yield client, {"X-API-Key": key}, lesson_id


def test_the_api_serves_an_old_report_as_the_current_schema(old_lesson):
    client, key, lesson_id = old_lesson
    r = client.get(f"/v1/lessons/{lesson_id}/report", headers=key)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["schema_version"] == SCHEMA_VERSION and len(report["moments"]) == 2
    assert "moments" not in report["audio"]
    csv = client.get(f"/v1/lessons/{lesson_id}/moments.csv", headers=key)
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 3 and "hostile_language" in csv.text
    pdf = client.get(f"/v1/lessons/{lesson_id}/report.pdf", headers=key)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    role = client.put(f"/v1/lessons/{lesson_id}/persons/P2/role", json={"role": "teacher"}, headers=key)
    assert role.status_code == 200, role.text
    again = client.get(f"/v1/lessons/{lesson_id}/report", headers=key).json()
    assert again["schema_version"] == SCHEMA_VERSION and {m["role"] for m in again["moments"]} == {"student"}


def test_the_dashboard_opens_an_old_lesson(live_service, monkeypatch, tmp_path):
    key = secrets.token_urlsafe(32)
    report = tmp_path / "report-old.json"
    shutil.copy(OLD, report)
    with make_sessions(live_service.settings.db_url)() as s:
        school = Tenant(name="School upgraded from 1.1.0", key_hash=hash_key(key))
        s.add(school)
        s.flush()
        lesson = Lesson(tenant_id=school.id, file_name="old.mp4", status="done", stage="done", report_path=str(report))
        s.add(lesson)
        s.commit()
        lesson_id = lesson.id
    monkeypatch.setenv("EDCONTROL_API_URL", live_service.url)
    monkeypatch.setenv("EDCONTROL_API_KEY", key)
    at = AppTest.from_file(str(PAGES / "lesson.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.session_state["lesson_id"] = lesson_id
    at.run()
    assert not at.exception, at.exception
    assert [b for b in at.button if b.key == "jump_M1"] and [b for b in at.button if b.key.startswith("first_")]
