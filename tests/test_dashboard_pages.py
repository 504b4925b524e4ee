"""Each dashboard page run with Streamlit's AppTest against the real API serving a really analysed lesson.

What is checked is what a manager relies on: the page shows the report's own figures (never others), a
click on a moment moves the player to it, filters and search narrow what is shown, and every empty or
broken state says so in words (English and Russian).
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from edcontrol.report import digest
from edcontrol.report.i18n import mmss

PAGES = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "dashboard" / "views"


@pytest.fixture()
def page(live_service, monkeypatch):
    monkeypatch.setenv("EDCONTROL_API_URL", live_service.url)
    monkeypatch.setenv("EDCONTROL_API_KEY", live_service.key)
    monkeypatch.setenv("EDCONTROL_PUBLIC_API_URL", "http://viewer.example:8000")

    def make(name: str, lang: str = "en", **state: object) -> AppTest:
        at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=120)
        at.session_state["lang"] = lang
        for k, v in state.items():
            at.session_state[k] = v
        return at

    return make


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_lesson_page_shows_the_reports_figures_and_jumps_to_a_moment(page, live_service):
    report = live_service.report
    rows = digest.moments(report, digest.default_min_confidence(report))
    assert rows, "the sample lesson has a rude teacher turn: it must give moments"
    at = page("lesson", lesson_id=live_service.lesson_id).run()
    assert not at.exception
    assert at.metric[0].value == str(report["score"]["value"])
    heads = [s.value for s in at.subheader]
    assert heads[0] == "Watch first" and f"Negative moments ({len(rows)})" in heads
    first = [b.key for b in at.button if b.key and b.key.startswith("first_")]
    assert first == [f"first_{i}" for i in report["watch_first"]] and first
    shown = [m.value for m in at.markdown if "Intensity:" in m.value]
    assert len(shown) == len(rows)
    for row, text in zip(rows, shown, strict=True):  # ranked as digest ranks them, figures as reported
        assert f"Intensity: {row.intensity}" in text and f"Confidence: {row.confidence}" in text
        assert f"{mmss(row.start_s)}–{mmss(row.end_s)}" in text
        assert all(digest.chip_text(c, "en") in text for c in row.chips)  # seen / heard / said, with scores
    assert at.slider(key="min_confidence").value == digest.default_min_confidence(report)
    at.slider(key="min_confidence").set_value(0.0).run()
    assert len([m for m in at.markdown if "Intensity:" in m.value]) == len(digest.moments(report))
    # no number on the page that the report (or the lesson record) does not hold
    lesson = live_service.get(f"/v1/lessons/{live_service.lesson_id}").json()
    allowed = {str(v) for v in _numbers([report, lesson])} | {mmss(v) for v in _numbers([report, lesson])}
    raw = json.dumps([report, lesson])  # dates and times as the API wrote them
    for token in re.findall(r"\d+(?:[.:]\d+)*", texts(at)):
        assert token in allowed or token in raw, f"{token} is on screen but not in the report"
    video = at.get("video")[0].proto
    assert video.url.startswith("http://viewer.example:8000/v1/media/")  # the browser's address for the API
    assert video.start_time == 0
    target = rows[-1]
    at.button(key=f"jump_{target.id}").click().run()
    assert at.session_state["video_start"] == target.start_s
    assert at.get("video")[0].proto.start_time == int(target.start_s)
    seeks = at.session_state["video_seeks"]
    at.button(key=f"jump_{target.id}").click().run()  # the same moment again: counts as a new seek
    assert at.session_state["video_seeks"] == seeks + 1 and at.get("video")[0].proto.start_time == int(target.start_s)


def _numbers(obj: object) -> list[float]:
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int | float):
        return [obj, round(obj, 2), round(obj, 1), int(obj)]
    if isinstance(obj, dict):
        return [n for v in obj.values() for n in _numbers(v)]
    if isinstance(obj, list):
        return [n for v in obj for n in _numbers(v)]
    if isinstance(obj, str):
        return [float(x) if "." in x else int(x) for x in re.findall(r"\d+(?:\.\d+)?", obj)]
    return []


def test_lesson_page_transcript_search_timeline_and_russian(page, live_service):
    at = page("lesson", lang="ru", lesson_id=live_service.lesson_id).run()
    assert not at.exception
    heads = [s.value for s in at.subheader]
    assert "Хронология" in heads and "Расшифровка" in heads
    assert len(at.get("plotly_chart")) == 1
    full = at.dataframe[-1].value
    assert len(full) == len(digest.transcript_lines(live_service.report))
    at.text_input(key="transcript_query").input("STUPID").run()
    found = at.dataframe[-1].value
    assert 1 <= len(found) < len(full)
    assert all("stupid" in line.lower() for line in found.iloc[:, -1])
    at.text_input(key="transcript_query").input("zzzqqq").run()
    assert any("zzzqqq" in i.value for i in at.info)


def test_lesson_page_empty_and_error_states(page, live_service, monkeypatch):
    at = page("lesson").run()
    assert "Pick a lesson" in at.info[0].value
    at = page("lesson", lesson_id="0" * 32).run()
    assert "does not exist" in at.warning[0].value
    monkeypatch.setenv("EDCONTROL_API_KEY", live_service.empty_key)  # another school: not its lesson
    at = page("lesson", lesson_id=live_service.lesson_id).run()
    assert "does not exist" in at.warning[0].value
    monkeypatch.setenv("EDCONTROL_API_URL", "http://127.0.0.1:9")
    at = page("lesson", lang="ru", lesson_id=live_service.lesson_id).run()
    assert "не отвечает" in at.error[0].value and "127.0.0.1:9" in at.error[0].value
    assert not at.exception


def test_lessons_page_table_filters_and_open(page, live_service):
    at = page("lessons").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 1
    assert table["Score"][0] == live_service.report["score"]["value"]
    assert table["Moments"][0] == len(digest.moments(live_service.report))
    assert table["Duration"][0] == mmss(live_service.report["source"]["duration_s"])
    at.text_input(key="f_teacher").input("nobody").run()
    assert "No lesson matches" in at.info[0].value
    at.text_input(key="f_teacher").input("t-sample").run()
    at.slider(key="f_score").set_value((0, 10)).run()
    assert "No lesson matches" in at.info[0].value
    at.slider(key="f_score").set_value((0, 100)).run()
    assert len(at.dataframe[0].value) == 1
    today = datetime.date.today()
    at.date_input(key="f_dates").set_value((today - datetime.timedelta(days=30), today - datetime.timedelta(days=2)))
    assert "No lesson matches" in at.run().info[0].value
    at.date_input(key="f_dates").set_value((today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)))
    assert len(at.run().dataframe[0].value) == 1
    at.button(key="open").click().run()
    assert at.session_state["lesson_id"] == live_service.lesson_id


def test_lessons_and_teachers_pages_for_a_school_without_lessons(page, live_service, monkeypatch):
    monkeypatch.setenv("EDCONTROL_API_KEY", live_service.empty_key)
    assert "No lessons yet" in page("lessons").run().info[0].value
    assert "Уроков пока нет" in page("lessons", lang="ru").run().info[0].value
    assert "No finished lessons" in page("teachers").run().info[0].value
    assert "when the analysis is done" in page("downloads").run().info[0].value


def test_teachers_page_ranking_and_trend(page, live_service):
    at = page("teachers").run()
    assert not at.exception
    summary = live_service.get("/v1/teachers/t-sample/summary").json()
    ranking = at.dataframe[0].value
    assert list(ranking["Teacher ID"]) == ["t-sample"]
    assert ranking["Moments per hour"][0] == summary["moments_per_hour"]
    assert ranking["Average score"][0] == summary["average_score"]
    assert len(at.get("plotly_chart")) == 1
    assert len(at.dataframe[1].value) == len(summary["trend"])


def test_downloads_page_offers_json_csv_and_pdf(page, live_service):
    at = page("downloads", lesson_id=live_service.lesson_id).run()
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Report (JSON)", "Moments (CSV)", "Lesson report (PDF)"]


def test_upload_page_asks_for_file_and_consent(page):
    at = page("upload").run()
    assert not at.exception
    at.button[0].click().run()  # the form's submit button, nothing chosen
    assert "Choose a recording" in at.warning[0].value
    at = page("upload", lang="ru").run()
    assert at.title[0].value == "Загрузить запись урока"


def test_app_navigation_and_language_switch(live_service, monkeypatch):
    monkeypatch.setenv("EDCONTROL_API_URL", live_service.url)
    monkeypatch.setenv("EDCONTROL_API_KEY", live_service.key)
    monkeypatch.setenv("EDCONTROL_AUTO_SIGN_IN", "1")  # the loopback default of `edcontrol dashboard`
    at = AppTest.from_file(str(PAGES.parent / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == "Lessons"  # the default page
    at.sidebar.radio(key="lang").set_value("ru").run()
    assert at.title[0].value == "Уроки"
    assert at.query_params["lang"] == ["ru"]  # a shared link keeps the language
    assert "автоматически" in texts(at)  # it says that it signed in by itself, and why


def test_app_without_auto_sign_in_shows_only_the_sign_in_page(live_service, monkeypatch):
    from edcontrol.service.routers.auth import create_user
    from edcontrol.service.store import Tenant, User, hash_key, make_sessions

    monkeypatch.setenv("EDCONTROL_API_URL", live_service.url)
    monkeypatch.delenv("EDCONTROL_API_KEY", raising=False)
    monkeypatch.delenv("EDCONTROL_AUTO_SIGN_IN", raising=False)
    with make_sessions(live_service.settings.db_url)() as s:
        school = s.query(Tenant).filter_by(key_hash=hash_key(live_service.key)).one()
        if not s.query(User).filter_by(username="pages").first():
            create_user(s, school.id, "pages", "a long enough secret")
    at = AppTest.from_file(str(PAGES.parent / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == "Sign in to EdControl" and len(at.title) == 1
    assert "Sample Teacher" not in texts(at) and not at.dataframe
    at.text_input(key="sign_in_username").set_value("pages")
    at.text_input(key="sign_in_password").set_value("wrong password!")
    at.button[0].click().run()
    assert "Wrong username" in texts(at) and at.title[0].value == "Sign in to EdControl"
    at.text_input(key="sign_in_password").set_value("a long enough secret")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Lessons" and "Signed in as pages" in texts(at)
    at.sidebar.button(key="sign_out").click().run()
    assert at.title[0].value == "Sign in to EdControl"
    # the school's API key opens it too
    at.text_input(key="sign_in_key").set_value(live_service.key)
    at.button[1].click().run()
    assert at.title[0].value == "Lessons"


def test_lesson_page_corrects_a_role_through_the_api(page, live_service):
    person = live_service.report["persons"][0]
    original = person["role"]
    flipped = "student" if original == "teacher" else "teacher"
    at = page("lesson", lesson_id=live_service.lesson_id).run()
    try:
        at.selectbox(key=f"role_{person['id']}").set_value(flipped).run()
        assert not at.exception
        report = live_service.get(f"/v1/lessons/{live_service.lesson_id}/report").json()
        assert next(p for p in report["persons"] if p["id"] == person["id"])["role"] == flipped
        for voice in person.get("speaker_ids") or []:  # the linked voices follow, and the page shows it
            assert next(s for s in report["audio"]["speakers"] if s["id"] == voice)["role"] == flipped
            table = at.dataframe[0].value
            assert table[table["Speaker"] == voice]["Role"].iloc[0] == flipped
        assert {m["role"] for m in report["moments"] if m["person"] == person["id"]} <= {flipped}
    finally:  # put the role back for the other tests
        httpx.put(
            f"{live_service.url}/v1/lessons/{live_service.lesson_id}/persons/{person['id']}/role",
            json={"role": original},
            headers={"X-API-Key": live_service.key},
        ).raise_for_status()


@pytest.fixture()
def other_school(live_service, monkeypatch, tmp_path):
    """A school whose lessons are written straight into the store: one still running, one failed, and one
    done whose (real, sample) report is given 45 moments, as a long rough lesson would have."""
    import secrets
    from datetime import timedelta

    from edcontrol.service.store import Lesson, Tenant, hash_key, make_sessions, now

    key = secrets.token_urlsafe(32)
    report = json.loads(json.dumps(live_service.report))
    first = report["moments"][0]
    report["moments"] = [
        {**first, "id": f"M{i + 1}", "start_s": float(i), "end_s": i + 0.9, "peak_s": i + 0.5} for i in range(45)
    ]
    report["warnings"] = [{"code": "clipped_audio", "message": "audio is clipped in 3.1% of samples"}]
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    ids = {}
    with make_sessions(live_service.settings.db_url)() as s:
        school = Tenant(name="Other school", key_hash=hash_key(key))
        s.add(school)
        s.flush()
        for status, extra in [
            ("running", {"stage": "transcript", "progress": 75, "lease_until": now() + timedelta(hours=1)}),
            ("failed", {"stage": "failed", "error": "unusable recording: no audio or video stream"}),
            ("done", {"stage": "done", "progress": 100, "report_path": str(path), "moments": 45}),
        ]:
            lesson = Lesson(tenant_id=school.id, file_name=f"{status}.mp4", status=status, **extra)
            s.add(lesson)
            s.flush()
            ids[status] = lesson.id
        s.commit()
    monkeypatch.setenv("EDCONTROL_API_KEY", key)
    return ids


def test_lesson_page_running_failed_and_long_lists(page, other_school):
    at = page("lesson", lesson_id=other_school["running"]).run()
    assert not at.exception
    assert "not ready" in at.info[0].value and "75%" in at.info[0].value
    assert at.get("progress")[0].proto.text == "transcribing"
    at = page("lesson", lang="ru", lesson_id=other_school["failed"]).run()
    assert "Анализ не удался" in at.error[0].value and "no audio or video stream" in at.error[0].value
    at = page("lesson", lesson_id=other_school["done"]).run()
    assert not at.exception
    cards = [b for b in at.button if b.key and b.key.startswith("jump_")]
    assert len(cards) == 20 and at.button(key="more_moments").label == "Show 20 more (of 45)"
    assert "audio is clipped in 3.1% of samples" in texts(at)
    assert "звук местами перегружен" in texts(page("lesson", lang="ru", lesson_id=other_school["done"]).run())
    at.button(key="more_moments").click().run()
    at.button(key="more_moments").click().run()
    assert len([b for b in at.button if b.key and b.key.startswith("jump_")]) == 45
    assert not [b for b in at.button if b.key == "more_moments"]


def test_lesson_page_deletes_a_lesson_only_when_confirmed(page, live_service, other_school):
    at = page("lesson", lesson_id=other_school["done"]).run()
    assert at.button(key="delete").disabled
    at.checkbox(key="delete_sure").check().run()
    at.button(key="delete").click().run()
    assert not at.exception and "deleted" in at.success[-1].value
    key = at.session_state["api"].config.key
    assert live_service.get(f"/v1/lessons/{other_school['done']}", key=key).status_code == 404
    assert live_service.get(f"/v1/lessons/{other_school['running']}", key=key).status_code == 200
