"""The OpenAPI document of the REST API, as committed in src/edcontrol/service/openapi.json."""

from __future__ import annotations

import json
import tempfile
from importlib import resources
from pathlib import Path

OPENAPI_FILE = "openapi.json"


def openapi_text() -> str:
    from edcontrol.service.api import create_app
    from edcontrol.service.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp), embedded_worker=True))
        return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def committed_openapi_text() -> str:
    return (resources.files("edcontrol.service") / OPENAPI_FILE).read_text(encoding="utf-8")
