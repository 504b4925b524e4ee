"""Shared fixtures: paths to the third-party evaluation data and real media built from it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
EVAL = Path(os.environ.get("EDCONTROL_EVAL_DATA", ROOT.parent / "shared" / "eval"))
GRID = EVAL / "av_en_grid_talking_heads_lipnet" / "video"
SAMPLE = ROOT / "samples" / "sample_lesson.mp4"
PG_ADMIN = os.environ.get("EDCONTROL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not EVAL.is_dir():
        raise pytest.UsageError(f"evaluation data not found at {EVAL} (set EDCONTROL_EVAL_DATA)")


@pytest.fixture(scope="session")
def grid_clip():
    """Decoded RGB frames (25 fps) of a GRID clip, cached per session."""
    from edcontrol.media.frames import iter_frames

    cache: dict[str, list[np.ndarray]] = {}

    def get(name: str) -> list[np.ndarray]:
        if name not in cache:
            cache[name] = [f.image for f in iter_frames(GRID / name, fps=25.0, max_side=None, skip_nonref=False)]
        return cache[name]

    return get


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture()
def pg_database():
    """A fresh PostgreSQL database for one test (scripts/services.sh makes sure the server answers)."""
    import uuid

    import psycopg

    name = f"edcontrol_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture()
def browser(tmp_path):
    """Debian's headless Chromium through Debian's chromedriver; every host but 127.0.0.1 is unreachable."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.fail("Debian's chromium and chromium-driver are required (scripts/test.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
        "--mute-audio", "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1100",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # as air-gapped: no other host resolves
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


ARTIFACTS = Path(os.environ.get("EDCONTROL_TEST_ARTIFACTS", ROOT / "artifacts"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveService:
    """The real API over HTTP on a free port (embedded worker), with the sample lesson analysed once."""

    def __init__(self, url: str, key: str, empty_key: str, lesson_id: str, report: dict, settings: object) -> None:
        self.url, self.key, self.empty_key, self.lesson_id, self.report = url, key, empty_key, lesson_id, report
        self.settings = settings

    def get(self, path: str, key: str | None = None, **kw: object):
        import httpx

        return httpx.get(self.url + path, headers={"X-API-Key": key or self.key}, timeout=120, **kw)


@pytest.fixture(scope="session")
def live_service(tmp_path_factory: pytest.TempPathFactory):
    import secrets
    import threading
    import time

    import httpx
    import uvicorn

    from edcontrol.dashboard.launcher import local_api_key
    from edcontrol.service.api import create_app
    from edcontrol.service.settings import Settings
    from edcontrol.service.store import Tenant, hash_key, make_sessions

    settings = Settings(data_dir=tmp_path_factory.mktemp("live-service"))
    key = local_api_key(settings)
    empty_key = secrets.token_urlsafe(32)
    with make_sessions(settings.db_url)() as s:
        s.add(Tenant(name="School without lessons", key_hash=hash_key(empty_key)))
        s.commit()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    headers = {"X-API-Key": key}
    with SAMPLE.open("rb") as f:
        lesson = httpx.post(
            f"{url}/v1/lessons",
            headers=headers,
            files={"file": ("sample lesson.mp4", f)},
            data={"consent": "true", "teacher_id": "t-sample", "teacher_name": "Sample Teacher"},
            timeout=120,
        ).json()
    deadline = time.monotonic() + 900
    while (state := httpx.get(f"{url}/v1/lessons/{lesson['id']}", headers=headers).json())["status"] != "done":
        assert state["status"] != "failed", state
        assert time.monotonic() < deadline, state
        time.sleep(1)
    report = httpx.get(f"{url}/v1/lessons/{lesson['id']}/report", headers=headers).json()
    yield LiveService(url, key, empty_key, lesson["id"], report, settings)
    server.should_exit = True
    thread.join(timeout=30)
