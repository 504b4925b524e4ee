"""Staff sign-in through the API: hashed passwords, expiring session tokens scoped to one school, sign-out;
and the CLI that creates the accounts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from fastapi.testclient import TestClient

from edcontrol.service.api import create_app
from edcontrol.service.store import User, UserSession, now
from test_service import ADMIN, make_settings, submit


def school(client: TestClient, name: str) -> tuple[str, dict[str, str]]:
    r = client.post("/v1/tenants", json={"name": name}, headers={"X-Admin-Key": ADMIN}).json()
    return r["id"], {"X-API-Key": r["api_key"]}


def add_user(client: TestClient, tenant_id: str, username: str, password: str = "correct horse battery"):
    return client.post(
        f"/v1/tenants/{tenant_id}/users",
        json={"username": username, "password": password},
        headers={"X-Admin-Key": ADMIN},
    )


def sign_in(client: TestClient, username: str, password: str = "correct horse battery"):
    return client.post("/v1/auth/sessions", json={"username": username, "password": password})


def test_sign_in_scopes_to_one_school_and_sign_out_ends_it(tmp_path):
    app = create_app(make_settings(tmp_path, embedded_worker=False))
    with TestClient(app) as client:
        a_id, a_key = school(client, "School A")
        b_id, _ = school(client, "School B")
        assert add_user(client, a_id, "Anna").status_code == 201
        assert add_user(client, b_id, "boris").status_code == 201
        assert add_user(client, a_id, "anna").status_code == 409  # names are unique, case-insensitively
        assert add_user(client, a_id, "short", "x").status_code == 422
        assert (
            client.post(f"/v1/tenants/{a_id}/users", json={"username": "eve", "password": "x" * 12}).status_code == 403
        )
        with app.state.sessions() as s:  # only a salted, memory-hard hash is stored
            stored = s.query(User).filter_by(username="anna").one().password_hash
        assert stored.startswith("scrypt$") and "correct horse" not in stored
        # a lesson of school A (queued; nobody runs it here)
        lesson = submit(client, a_key).json()
        assert sign_in(client, "anna", "wrong password").status_code == 401
        assert sign_in(client, "nobody").status_code == 401
        token_a = sign_in(client, "ANNA").json()["token"]
        token_b = sign_in(client, "boris").json()["token"]
        as_a, as_b = {"Authorization": f"Bearer {token_a}"}, {"Authorization": f"Bearer {token_b}"}
        me = client.get("/v1/auth/me", headers=as_a).json()
        assert me == {"tenant_id": a_id, "tenant_name": "School A", "username": "anna", "via": "session"}
        assert [x["id"] for x in client.get("/v1/lessons", headers=as_a).json()] == [lesson["id"]]
        assert client.get("/v1/lessons", headers=as_b).json() == []
        assert client.get(f"/v1/lessons/{lesson['id']}", headers=as_b).status_code == 404
        with app.state.sessions() as s:
            assert s.get(UserSession, token_a) is None  # the token itself is not stored
        assert client.delete("/v1/auth/sessions/current", headers=as_a).status_code == 204
        assert client.get("/v1/lessons", headers=as_a).status_code == 401
        # an expired session no longer opens anything
        with app.state.sessions() as s:
            for row in s.query(UserSession).all():
                row.expires_at = now() - timedelta(seconds=1)
            s.commit()
        assert client.get("/v1/lessons", headers=as_b).status_code == 401
        assert client.get("/v1/lessons", headers={"Authorization": "Bearer made-up"}).status_code == 401


def test_cli_creates_a_user_without_the_password_in_argv(tmp_path):
    env = {**os.environ, "EDCONTROL_DATA": str(tmp_path / "data")}

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "edcontrol.cli", *args], input=stdin, capture_output=True, text=True, env=env
        )

    created = cli("tenant", "create", "CLI School")
    assert created.returncode == 0, created.stderr
    school_id = json.loads(created.stdout)["id"]
    ok = cli("user", "create", school_id, "head.teacher", "--password-stdin", stdin="a long enough secret\n")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["username"] == "head.teacher"
    again = cli("user", "create", school_id, "head.teacher", "--password-stdin", stdin="a long enough secret\n")
    assert again.returncode == 2 and "taken" in again.stderr
    weak = cli("user", "create", school_id, "other", "--password-stdin", stdin="short\n")
    assert weak.returncode == 2 and "at least" in weak.stderr
    assert cli("user", "create", "nope", "x", "--password-stdin", stdin="a long enough secret\n").returncode == 2
    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)) as client:
        assert sign_in(client, "head.teacher", "a long enough secret").status_code == 201
