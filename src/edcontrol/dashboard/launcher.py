"""``edcontrol dashboard``: the embedded service and the dashboard in one command, nothing to install.

Starts the REST API (SQLite + local files + its worker thread) and Streamlit as two child processes, gives
the dashboard a local school's API key (created once, kept in the data folder readable by its owner only),
optionally submits a first recording, and stops both children together on Ctrl-C or when either dies.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from edcontrol.service.settings import Settings
from edcontrol.service.store import Tenant, hash_key, make_sessions

LOCAL_SCHOOL = "Local school"


@dataclass(frozen=True)
class DashboardOptions:
    host: str = "127.0.0.1"
    port: int = 8501
    api_port: int = 8000
    public_api_url: str | None = None  # how viewers' browsers reach the API (video); default host:api_port
    submit: Path | None = None  # a recording to analyse at start when the school has no lessons yet
    teacher_id: str = "sample-teacher"
    auto_sign_in: bool = True  # sign viewers in as the local school, only ever when listening on loopback


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_api_key(settings: Settings) -> str:
    """The local school's key: read from ``dashboard.key`` when it still opens a tenant, else a new tenant."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key_file = settings.data_dir / "dashboard.key"
    sessions = make_sessions(settings.db_url)
    with sessions() as s:
        if key_file.is_file():
            key = key_file.read_text(encoding="utf-8").strip()
            if s.scalar(select(Tenant).where(Tenant.key_hash == hash_key(key))) is not None:
                return key
        key = secrets.token_urlsafe(32)
        s.add(Tenant(name=LOCAL_SCHOOL, key_hash=hash_key(key)))
        s.commit()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key)
    return key


def sign_in_note(auto: bool, settings: Settings, key: str) -> str:
    if auto:
        return "Viewers on this computer are signed in automatically (it listens on loopback only)."
    with make_sessions(settings.db_url)() as s:
        school = s.scalar(select(Tenant).where(Tenant.key_hash == hash_key(key)))
    return (
        "Sign-in required. Create an account with: "
        f"edcontrol user create {school.id if school else 'SCHOOL_ID'} USERNAME"
    )


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited at start (code {proc.returncode})")
        try:
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the service did not answer at {url} within {timeout_s:.0f} s")


def submit_first(api_url: str, key: str, recording: Path, teacher_id: str) -> str | None:
    """Analyse ``recording`` unless the school already has lessons (restarts do not duplicate it)."""
    headers = {"X-API-Key": key}
    if httpx.get(f"{api_url}/v1/lessons", headers=headers, params={"limit": 1}, timeout=30).json():
        return None
    with recording.open("rb") as stream:
        response = httpx.post(
            f"{api_url}/v1/lessons",
            headers=headers,
            files={"file": (recording.name, stream)},
            data={"consent": "true", "teacher_id": teacher_id, "teacher_name": "Sample Teacher"},
            timeout=None,
        )
    response.raise_for_status()
    return response.json()["id"]


def run_dashboard(options: DashboardOptions, settings: Settings | None = None) -> int:
    settings = settings or Settings()
    key = local_api_key(settings)
    api_url = f"http://{options.host}:{options.api_port}"
    env = {
        **os.environ,
        "EDCONTROL_DATA": str(settings.data_dir),
        "EDCONTROL_API_URL": api_url,
        "EDCONTROL_PUBLIC_API_URL": options.public_api_url or api_url,
    }
    for name in ("EDCONTROL_API_KEY", "EDCONTROL_AUTO_SIGN_IN"):
        env.pop(name, None)
    auto = options.auto_sign_in and is_loopback(options.host)
    if auto:  # the dashboard process gets the school's key only when it may sign viewers in with it
        env.update({"EDCONTROL_API_KEY": key, "EDCONTROL_AUTO_SIGN_IN": "1"})
    api = subprocess.Popen(
        [sys.executable, "-m", "edcontrol.cli", "serve", "--host", options.host, "--port", str(options.api_port)],
        env=env,
    )
    children = [api]

    def stop(*_args: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(143)))
    try:
        wait_healthy(api_url, api)
        if options.submit is not None:
            lesson = submit_first(api_url, key, options.submit, options.teacher_id)
            if lesson:
                print(f"submitted {options.submit.name} for analysis (lesson {lesson})", flush=True)
        app = Path(__file__).with_name("app.py")
        upload_mb = max(1, settings.max_upload_bytes // (1024 * 1024))
        ui = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(app),
                "--server.address", options.host,
                "--server.port", str(options.port),
                "--server.headless", "true",
                "--server.maxUploadSize", str(upload_mb),
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
                "--theme.base", "light",
                "--client.toolbarMode", "minimal",
            ],
            env=env,
        )  # fmt: skip
        children.append(ui)
        print(f"EdControl dashboard: http://{options.host}:{options.port}  (API: {api_url}/docs)", flush=True)
        print(sign_in_note(auto, settings, key), flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return next(child.returncode for child in children if child.poll() is not None) or 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
