"""The service through HTTP on the embedded default (SQLite + worker thread): submit -> progress ->
report, tenant isolation on every lesson route, bad uploads, delete, and a job whose worker died."""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE
from edcontrol.service.api import create_app, safe_display_name
from edcontrol.service.jobs import claim
from edcontrol.service.settings import Settings
from edcontrol.service.store import Lesson, now

ADMIN = "admin-secret"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request, tmp_path):
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("pg_database")


def make_settings(tmp_path: Path, db_url: str = "", **kw: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        admin_key=ADMIN,
        asr_model="tiny.en",
        max_upload_bytes=5_000_000,
        **kw,
    )  # type: ignore[arg-type]


@pytest.fixture()
def service(tmp_path: Path):
    settings = make_settings(tmp_path)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, settings, app


@pytest.fixture()
def service_any_db(tmp_path: Path, any_db_url: str):
    settings = make_settings(tmp_path, any_db_url)
    app = create_app(settings)
    with TestClient(app) as client:
        yield client, settings, app


def tenant(client: TestClient, name: str, **kw: object) -> dict[str, str]:
    r = client.post("/v1/tenants", json={"name": name, **kw}, headers={"X-Admin-Key": ADMIN})
    assert r.status_code == 201, r.text
    return {"X-API-Key": r.json()["api_key"]}


def submit(client: TestClient, key: dict[str, str], path: Path = SAMPLE, name: str = "lesson.mp4", **form: str):
    with open(path, "rb") as fh:
        data = {"consent": "true", "teacher_id": "t-1", "teacher_name": "Ms Smith", "students": "Ann, Bob", **form}
        return client.post("/v1/lessons", files={"file": (name, fh, "video/mp4")}, data=data, headers=key)


def wait_done(client: TestClient, key: dict[str, str], lesson_id: str, timeout: float = 300) -> dict:
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st = client.get(f"/v1/lessons/{lesson_id}", headers=key).json()
        seen.append(st["progress"])
        if st["status"] in ("done", "failed"):
            st["seen_progress"] = seen
            return st
        time.sleep(0.3)
    raise AssertionError(f"job did not finish: {seen[-5:]}")


def test_submit_progress_report_and_isolation(service_any_db):
    client, settings, app = service_any_db
    assert app.state.sessions.kw["bind"].dialect.name in ("sqlite", "postgresql")
    a, b = tenant(client, "School A"), tenant(client, "School B")
    r = submit(client, a)
    assert r.status_code == 202, r.text
    lesson = r.json()
    assert lesson["status"] == "queued" and lesson["students"] == ["Ann", "Bob"]
    st = wait_done(client, a, lesson["id"])
    assert st["status"] == "done", st
    assert st["progress"] == 100 and st["persons"] == 2 and st["moments"] >= 1
    assert any(0 < p < 100 for p in st["seen_progress"])  # progress was visible while running
    report = client.get(f"/v1/lessons/{lesson['id']}/report", headers=a).json()
    assert report["schema_version"] and len(report["audio"]["speakers"]) == 2
    csv_text = client.get(f"/v1/lessons/{lesson['id']}/moments.csv", headers=a).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert csv_text.splitlines()[0].startswith("id,person,voices,role,kind,modalities")
    assert len(rows) == st["moments"] == len(report["moments"])  # one row per merged moment
    assert any("voice:raised_voice" in r["modalities"] for r in rows)
    listed = client.get("/v1/lessons", params={"teacher_id": "t-1"}, headers=a).json()
    assert [x["id"] for x in listed] == [lesson["id"]]
    assert st["score"] is not None and 0 <= st["score"] < 100  # the rude turn costs points
    assert client.get("/v1/lessons", params={"max_score": st["score"]}, headers=a).json()[0]["id"] == lesson["id"]
    assert client.get("/v1/lessons", params={"min_score": st["score"] + 0.1}, headers=a).json() == []
    # tenant B sees nothing of tenant A, on every lesson route
    for method, url in [
        ("GET", f"/v1/lessons/{lesson['id']}"),
        ("GET", f"/v1/lessons/{lesson['id']}/report"),
        ("GET", f"/v1/lessons/{lesson['id']}/moments.csv"),
        ("DELETE", f"/v1/lessons/{lesson['id']}"),
    ]:
        assert client.request(method, url, headers=b).status_code == 404, url
    assert client.get("/v1/lessons", headers=b).json() == []
    # delete removes the lesson and its files
    folder = settings.storage_dir
    assert any(folder.rglob("report*.json"))
    assert client.delete(f"/v1/lessons/{lesson['id']}", headers=a).status_code == 204
    assert client.get(f"/v1/lessons/{lesson['id']}", headers=a).status_code == 404
    assert not any(folder.rglob("media")) and not any(folder.rglob("report*.json"))


def test_auth_and_admin(service):
    client, _, _ = service
    assert client.get("/v1/lessons").status_code == 401
    assert client.get("/v1/lessons", headers={"X-API-Key": "nope"}).status_code == 401
    assert client.post("/v1/tenants", json={"name": "x"}).status_code == 403
    assert client.post("/v1/tenants", json={"name": "x"}, headers={"X-Admin-Key": "wrong"}).status_code == 403


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", 400, "empty"),
        (b"not a video at all\n" * 100, 400, "not a usable recording"),
        (b"\x00" * 6_000_000, 413, "limit"),
    ],
)
def test_bad_uploads_leave_nothing(service, tmp_path, content, code, words):
    client, settings, _ = service
    key = tenant(client, "School")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    r = submit(client, key, bad, name="../../etc/passwd\n.mp4")
    assert r.status_code == code and words in r.json()["detail"], r.text
    assert not [p for p in settings.storage_dir.rglob("*") if p.is_file()]
    assert client.get("/v1/lessons", headers=key).json() == []


def test_consent_required_and_hostile_name_is_only_displayed(service):
    client, settings, _ = service
    key = tenant(client, "School")
    with open(SAMPLE, "rb") as fh:
        r = client.post("/v1/lessons", files={"file": ("x.mp4", fh)}, data={"consent": "false"}, headers=key)
    assert r.status_code == 400 and "consent" in r.json()["detail"]
    r = submit(client, key, name="..\\..\\evil name.mp4")
    assert r.status_code == 202
    assert r.json()["file_name"] == "evil name.mp4"
    assert safe_display_name("../../x\x07\ny.mp4") == "xy.mp4" and safe_display_name("") == "upload"
    assert {p.name for p in settings.storage_dir.rglob("*") if p.is_file()} == {"media"}


def test_job_of_a_dead_worker_is_taken_over(tmp_path, any_db_url):
    """A job left 'running' by a killed worker (lease expired) is claimed again and completes once."""
    settings = make_settings(tmp_path, any_db_url, embedded_worker=False)
    app = create_app(settings)
    with TestClient(app) as client:
        key = tenant(client, "School")
        lesson_id = submit(client, key).json()["id"]
        sessions = app.state.sessions
        assert claim(sessions, settings).lesson_id == lesson_id  # a worker takes it ... and dies without finishing
        assert claim(sessions, settings) is None  # its lease still holds: nobody else runs it
        with sessions() as s:
            s.get(Lesson, lesson_id).lease_until = now() - timedelta(seconds=1)
            s.commit()
        from edcontrol.service.jobs import EmbeddedWorker

        worker = EmbeddedWorker(sessions, settings)
        worker.start()
        try:
            st = wait_done(client, key, lesson_id)
        finally:
            worker.stop()
            worker.join(timeout=30)
        assert st["status"] == "done"
        with sessions() as s:
            assert s.get(Lesson, lesson_id).attempts == 2
        assert len(list(settings.storage_dir.rglob("report*.json"))) == 1


def test_teacher_summary_role_override_and_retention(service):
    from edcontrol.service.retention import purge
    from edcontrol.service.storage import Storage

    client, settings, app = service
    key = tenant(client, "School", retention_days=30)
    lesson_id = submit(client, key).json()["id"]
    assert wait_done(client, key, lesson_id)["status"] == "done"
    summary = client.get("/v1/teachers/t-1/summary", headers=key).json()
    assert summary["lessons"] == 1 and summary["teacher_name"] == "Ms Smith" and summary["average_score"] < 100
    assert summary["moments_per_hour"] > 0 and summary["trend"][0]["lessons"] == 1
    assert client.get("/v1/teachers/nobody/summary", headers=key).status_code == 404
    # the left person is the teacher; a manager says otherwise and the linked voice follows
    r = client.put(f"/v1/lessons/{lesson_id}/persons/P1/role", json={"role": "student"}, headers=key)
    assert r.status_code == 200
    report = client.get(f"/v1/lessons/{lesson_id}/report", headers=key).json()
    p1 = next(p for p in report["persons"] if p["id"] == "P1")
    assert p1["role"] == "student"
    assert next(s for s in report["audio"]["speakers"] if s["id"] == p1["speaker_ids"][0])["role"] == "student"
    # nobody is the teacher now: score and reasons are recomputed, no reason names a teacher, ranking follows
    assert r.json()["score"] == report["score"]["value"] > summary["average_score"]
    assert report["score"]["reasons"] and not [x for x in report["score"]["reasons"] if "(teacher)" in x["text"]]
    assert not [x for x in report["persons"] + report["audio"]["speakers"] if x["role"] == "teacher"]
    assert client.get("/v1/teachers/t-1/summary", headers=key).json()["average_score"] == report["score"]["value"]
    # the manager names the other person teacher: their voice's reasons now say so, P1's never
    p2 = next(p for p in report["persons"] if p["id"] != "P1")
    assert (
        client.put(
            f"/v1/lessons/{lesson_id}/persons/{p2['speaker_ids'][0]}/role", json={"role": "teacher"}, headers=key
        ).status_code
        == 200
    )
    report = client.get(f"/v1/lessons/{lesson_id}/report", headers=key).json()
    assert next(p for p in report["persons"] if p["id"] == p2["id"])["role"] == "teacher"
    for reason in report["score"]["reasons"]:
        for who in (p1["id"], p1["speaker_ids"][0]):
            assert f"{who} (student)" in reason["text"] or f"{who} (" not in reason["text"], reason
        for who in (p2["id"], p2["speaker_ids"][0]):
            assert f"{who} (teacher)" in reason["text"] or f"{who} (" not in reason["text"], reason
    assert (
        client.put(f"/v1/lessons/{lesson_id}/persons/P9/role", json={"role": "student"}, headers=key).status_code == 404
    )
    # retention: nothing is young enough to go ... until the lesson is 31 days old
    sessions, storage = app.state.sessions, Storage(settings.storage_dir)
    assert purge(sessions, storage).lessons == 0
    with sessions() as s:
        s.get(Lesson, lesson_id).created_at = now() - timedelta(days=31)
        s.commit()
    assert purge(sessions, storage).lessons == 1
    assert client.get(f"/v1/lessons/{lesson_id}", headers=key).status_code == 404
    assert not [p for p in settings.storage_dir.rglob("*") if p.is_file()]


def test_committed_openapi_is_current():
    from edcontrol.service.openapi import committed_openapi_text, openapi_text

    assert committed_openapi_text() == openapi_text(), "run `edcontrol openapi -o src/edcontrol/service/openapi.json`"


def test_interrupted_upload_leaves_nothing(tmp_path):
    """The client drops the connection half-way through the upload: no lesson, no file."""
    import socket
    import threading

    import uvicorn

    settings = make_settings(tmp_path, embedded_worker=False)
    app = create_app(settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        with TestClient(app) as client:
            key = tenant(client, "School")
        boundary = "edcontrolboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="consent"\r\n\r\ntrue\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
            "Content-Type: video/mp4\r\n\r\n"
        ).encode()
        body = SAMPLE.read_bytes()
        total = len(head) + len(body) + len(f"\r\n--{boundary}--\r\n")
        request = (
            f"POST /v1/lessons HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key['X-API-Key']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(request + head + body[: len(body) // 3])  # then the connection is lost
        time.sleep(1.0)
        with TestClient(app) as client:
            assert client.get("/v1/lessons", headers=key).json() == []
        assert not [p for p in settings.storage_dir.rglob("*") if p.is_file()]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_retries_are_bounded_and_failures_carry_a_reason(tmp_path, monkeypatch):
    """A job whose analysis keeps crashing is retried max_attempts times, then failed with the reason."""
    import edcontrol.pipeline.analyze as analyze_module
    from edcontrol.service.jobs import run_one

    settings = make_settings(tmp_path, embedded_worker=False)
    app = create_app(settings)

    def crash(*args, **kwargs):
        raise RuntimeError("model runtime exploded")

    monkeypatch.setattr(analyze_module, "analyze_video", crash)
    with TestClient(app) as client:
        key = tenant(client, "School")
        lesson_id = submit(client, key).json()["id"]
        sessions = app.state.sessions
        states = []
        while (got := claim(sessions, settings)) is not None:
            run_one(got, sessions, settings)
            states.append(client.get(f"/v1/lessons/{lesson_id}", headers=key).json()["status"])
        st = client.get(f"/v1/lessons/{lesson_id}", headers=key).json()
    assert states == ["queued"] * (settings.max_attempts - 1) + ["failed"]
    assert st["status"] == "failed" and "model runtime exploded" in st["error"]
