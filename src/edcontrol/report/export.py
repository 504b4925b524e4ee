"""JSON Schema export of the LessonReport; the committed file is checked against it by a test."""

from __future__ import annotations

import json
from importlib import resources

from edcontrol.report.schema import SCHEMA_VERSION, LessonReport

SCHEMA_FILE = "lesson_report.schema.json"


def json_schema_text() -> str:
    schema = LessonReport.model_json_schema()
    schema["$id"] = f"https://edcontrol.local/schemas/lesson-report/{SCHEMA_VERSION}"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def committed_schema_text() -> str:
    return (resources.files("edcontrol.report") / SCHEMA_FILE).read_text(encoding="utf-8")
