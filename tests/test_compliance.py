"""One compliance switch (EU AI Act Art. 5(1)(f)): from the CLI, per lesson through the API and per tenant,
emotion models are never constructed or called, no emotion field is written, ``models`` lists only what ran."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from conftest import SAMPLE
from edcontrol.cli import main
from edcontrol.models.face_expression import FaceExpression
from edcontrol.models.speech_emotion import SpeechEmotion
from edcontrol.service.api import create_app
from test_service import make_settings, submit, tenant, wait_done

EMOTION_KEYS = {"expression", "negative_intensity", "expression_mean", "dominant_expression", "negative_baseline"}


@pytest.fixture()
def emotion_spy(monkeypatch):
    """Counts every construction and call of the two emotion models (and still lets them run)."""
    calls: list[str] = []

    def spy(cls: type, name: str) -> None:
        original = getattr(cls, name)

        def wrapped(self, *args, **kwargs):
            calls.append(f"{cls.__name__}.{name}")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, wrapped)

    for cls, names in ((FaceExpression, ("__init__", "predict")), (SpeechEmotion, ("__init__", "predict_speaker"))):
        for name in names:
            if hasattr(cls, name):
                spy(cls, name)
    return calls


def assert_no_emotion(report: dict) -> None:
    assert report["settings"]["compliance_mode"] is True and report["settings"]["emotion_inference"] is False
    signals = [x for m in report["moments"] for x in m["modalities"]]
    assert not [x for x in signals if x["modality"] == "face" or x["kind"] == "angry_speech"]  # behaviour only
    for p in report["persons"]:
        assert EMOTION_KEYS.isdisjoint(p["timeline"]) and EMOTION_KEYS.isdisjoint(p["summary"]), p["id"]
    assert report["audio"] is not None and report["audio"]["speakers"]
    for s in report["audio"]["speakers"]:
        assert "speech_emotion" not in s["timeline"], s["id"]
    tasks = {m["task"] for m in report["models"]}
    assert {"face_expression", "face_expression_member", "speech_emotion"}.isdisjoint(tasks), tasks
    assert "emotion" not in json.dumps(report["models"]).lower()


@pytest.mark.slow
def test_cli_no_emotion_runs_no_emotion_model(tmp_path, emotion_spy):
    out = tmp_path / "report.json"
    assert main(["analyze", str(SAMPLE), "-o", str(out), "--asr", "none", "--no-emotion", "-q"]) == 0
    assert emotion_spy == [], emotion_spy
    assert_no_emotion(json.loads(out.read_text()))
    # the same run without the switch does use them: the spy sees real calls, and the fields are there
    assert main(["analyze", str(SAMPLE), "-o", str(out), "--asr", "none", "--no-audio", "-q"]) == 0
    assert "FaceExpression.__init__" in emotion_spy
    report = json.loads(out.read_text())
    assert report["settings"]["compliance_mode"] is False and report["persons"][0]["timeline"]["expression"]


@pytest.mark.slow
@pytest.mark.parametrize("where", ["tenant", "lesson"])
def test_api_compliance_runs_no_emotion_model(tmp_path, emotion_spy, where):
    with TestClient(create_app(make_settings(tmp_path))) as client:
        key = tenant(client, "EU School", compliance_mode=where == "tenant")
        lesson = submit(client, key, **({"compliance_mode": "true"} if where == "lesson" else {})).json()
        assert lesson["compliance_mode"] is True
        assert wait_done(client, key, lesson["id"])["status"] == "done"
        report = client.get(f"/v1/lessons/{lesson['id']}/report", headers=key).json()
    assert emotion_spy == [], emotion_spy
    assert_no_emotion(report)
