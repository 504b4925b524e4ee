"""The JSON Schema in the repository is the one the code produces, and reports validate against it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import SAMPLE
from edcontrol.report.export import committed_schema_text, json_schema_text
from edcontrol.report.schema import SCHEMA_VERSION, LessonReport


def test_committed_schema_is_current():
    assert committed_schema_text() == json_schema_text(), (
        "schema changed: bump SCHEMA_VERSION and run "
        "`edcontrol schema -o src/edcontrol/report/lesson_report.schema.json`"
    )


def test_schema_carries_its_version():
    schema = json.loads(committed_schema_text())
    assert schema["$id"].endswith(SCHEMA_VERSION)
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


@pytest.fixture(scope="module")
def sample_report() -> LessonReport:
    from edcontrol.pipeline.analyze import analyze_video

    return analyze_video(SAMPLE)


def test_sample_report_validates_against_committed_schema(sample_report):
    doc = json.loads(sample_report.model_dump_json())
    jsonschema.validate(doc, json.loads(committed_schema_text()))
    assert LessonReport.model_validate_json(sample_report.model_dump_json()) == sample_report


def test_report_rejects_unknown_fields(sample_report):
    doc = json.loads(sample_report.model_dump_json())
    doc["surprise_field"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, json.loads(committed_schema_text()))
