"""The dashboard's only way to the data: the REST API, over HTTP.

Why a client and not the store: the dashboard then shows exactly what the school's LMS would get, runs on
another machine than the workers if a school wants, and never imports model code (no torch, no mediapipe
in the web process).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, BinaryIO

import httpx


class ApiUnavailable(Exception):
    """The service did not answer at all (not started, wrong address)."""


class ApiError(Exception):
    """The service answered with an error; ``detail`` is its explanation, written for people."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class ApiConfig:
    url: str
    key: str
    public_url: str  # what the viewer's browser uses to reach the API (video links)

    @classmethod
    def from_env(cls) -> ApiConfig:
        url = os.environ.get("EDCONTROL_API_URL", "http://127.0.0.1:8000").rstrip("/")
        return cls(url, os.environ.get("EDCONTROL_API_KEY", ""), os.environ.get("EDCONTROL_PUBLIC_API_URL", url))


class ApiClient:
    """Calls as the school (its API key) or, with ``token``, as a signed-in member of its staff."""

    def __init__(self, config: ApiConfig, timeout_s: float = 30.0, token: str | None = None) -> None:
        self.config, self.token = config, token
        headers = {"Authorization": f"Bearer {token}"} if token else {"X-API-Key": config.key} if config.key else {}
        self._http = httpx.Client(base_url=config.url, headers=headers, timeout=timeout_s)

    @property
    def authenticated(self) -> bool:
        return bool(self.token or self.config.key)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnavailable(str(exc)) from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ApiError(response.status_code, detail if isinstance(detail, str) else str(detail))
        return response

    def health(self) -> bool:
        try:
            return self._call("GET", "/v1/health").json().get("status") == "ok"
        except (ApiUnavailable, ApiError):
            return False

    def sign_in(self, username: str, password: str) -> dict:
        """A session for a staff member: {token, expires_at, username, tenant_id, tenant_name}."""
        return self._call("POST", "/v1/auth/sessions", json={"username": username, "password": password}).json()

    def me(self) -> dict:
        return self._call("GET", "/v1/auth/me").json()

    def sign_out(self) -> None:
        if self.token:
            self._call("DELETE", "/v1/auth/sessions/current")

    def submit(self, name: str, stream: BinaryIO, fields: dict[str, str]) -> dict:
        """Upload a recording with its metadata; the file is streamed, not read into a second buffer."""
        return self._call("POST", "/v1/lessons", files={"file": (name, stream)}, data=fields, timeout=None).json()

    def lessons(self, **filters: Any) -> list[dict]:
        params = {k: v for k, v in filters.items() if v not in (None, "")}
        return self._call("GET", "/v1/lessons", params=params).json()

    def lesson(self, lesson_id: str) -> dict:
        return self._call("GET", f"/v1/lessons/{lesson_id}").json()

    def report(self, lesson_id: str) -> dict:
        return self._call("GET", f"/v1/lessons/{lesson_id}/report").json()

    def report_bytes(self, lesson_id: str) -> bytes:
        return self._call("GET", f"/v1/lessons/{lesson_id}/report").content

    def moments_csv(self, lesson_id: str) -> bytes:
        return self._call("GET", f"/v1/lessons/{lesson_id}/moments.csv").content

    def report_pdf(self, lesson_id: str, lang: str) -> bytes:
        return self._call("GET", f"/v1/lessons/{lesson_id}/report.pdf", params={"lang": lang}, timeout=120).content

    def frame(self, lesson_id: str, t: float, box: list[float] | None = None, width: int = 240) -> bytes | None:
        params: dict[str, Any] = {"t": round(t, 3), "width": width}
        if box:
            params["box"] = ",".join(f"{max(0.0, v):.1f}" for v in box)
        try:
            return self._call("GET", f"/v1/lessons/{lesson_id}/frame.jpg", params=params).content
        except ApiError:
            return None  # audio-only lesson or deleted recording: the moment is shown without a picture

    def media(self, lesson_id: str) -> dict | None:
        """Signed link for the browser, absolute; None when the recording is gone."""
        try:
            info = self._call("GET", f"/v1/lessons/{lesson_id}/media-url").json()
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        info["url"] = self.config.public_url + info["url"]
        return info

    def set_role(self, lesson_id: str, person_id: str, role: str) -> dict:
        return self._call("PUT", f"/v1/lessons/{lesson_id}/persons/{person_id}/role", json={"role": role}).json()

    def delete(self, lesson_id: str) -> None:
        self._call("DELETE", f"/v1/lessons/{lesson_id}")

    def teachers(self) -> list[dict]:
        return self._call("GET", "/v1/teachers").json()

    def teacher(self, teacher_id: str) -> dict:
        return self._call("GET", f"/v1/teachers/{teacher_id}/summary").json()
