"""The OpenAPI pages work on an air-gapped network: every asset /docs and /redoc reference is served by
the API itself, and Swagger UI renders in a browser that can reach no other host."""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import urljoin

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from conftest import free_port
from edcontrol.service.api import create_app
from test_service import make_settings

ASSET = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl\s*:\s*["']([^"']+)["']""")


def referenced(html: str) -> list[str]:
    return [a or b for a, b in ASSET.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_docs_asset_comes_from_the_server(tmp_path, page):
    with TestClient(create_app(make_settings(tmp_path, embedded_worker=False))) as client:
        html = client.get(page).text
        assets = referenced(html)
        assert any(a.endswith(".js") for a in assets), assets
        assert any("openapi.json" in a for a in assets), assets
        for asset in assets:
            assert not re.match(r"^(https?:)?//", asset), f"{page} loads {asset} from another host"
            r = client.get(urljoin(page, asset))
            assert r.status_code == 200 and len(r.content) > 0, asset
        assert "cdn.jsdelivr" not in html and "fonts.googleapis" not in html


@pytest.fixture()
def live_api(tmp_path):
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(make_settings(tmp_path, embedded_worker=False)), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_swagger_ui_renders_with_the_network_off(live_api, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert httpx.get(live_api + "/docs").status_code == 200
    browser.get(live_api + "/docs")
    title = WebDriverWait(browser, 30).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".swagger-ui .title")))
    assert "EdControl" in title.text
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert any("/v1/lessons" in p for p in paths), paths
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(u.startswith(live_api) for u in loaded), loaded
