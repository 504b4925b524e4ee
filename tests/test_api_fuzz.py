"""schemathesis against the committed OpenAPI document: generated requests never get a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from edcontrol.service.api import create_app
from edcontrol.service.settings import Settings

_tmp = tempfile.mkdtemp(prefix="edcontrol-fuzz-")
APP = create_app(Settings(data_dir=Path(_tmp), admin_key="fuzz-admin", embedded_worker=False, max_upload_bytes=200_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def api_key() -> str:
    from fastapi.testclient import TestClient

    with TestClient(APP) as client:
        r = client.post("/v1/tenants", json={"name": "fuzz"}, headers={"X-Admin-Key": "fuzz-admin"})
        return r.json()["api_key"]


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, api_key):
    case.headers = {**(case.headers or {}), "X-API-Key": api_key, "X-Admin-Key": "fuzz-admin"}
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
