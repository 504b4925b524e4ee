"""`edcontrol eval diarization|asr|speech-emotion` on the shared data: figures, one JSON line, targets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import EVAL


def run_eval(task: str) -> dict:
    res = subprocess.run(
        [sys.executable, "-m", "edcontrol.cli", "eval", task, "--data", str(EVAL)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_speech_emotion_speakerwise():
    f = run_eval("speech-emotion")
    assert f["protocol"] == "leave-one-speaker-out" and len(f["speakers"]) >= 2
    # held-out EmoDB speakers >= 0.65 (#12; measured 0.708), anger still found
    assert f["accuracy"] >= 0.65 and f["anger_recall"] >= 0.80
    # English clips of one CREMA-D speaker, never trained on: the angry one angriest, >= 4 of 6 right (measured 4)
    cross = f["cross_language"]
    assert cross["angry_clip_highest_anger"] and int(cross["right"].split("/")[0]) >= 4, cross


@pytest.mark.slow
def test_diarization_figures():
    f = run_eval("diarization")
    sample = f["diar_asr_en_pyannote_sample"]
    assert sample["der_collar_0.25"] <= 0.05 and sample["speaker_count_right"] == "1/1"
    ami = f["diar_ami_pyannote_debug (development)"]
    assert {"der_collar_0.25", "der_collar_0.0", "missed_detection_collar_0.25", "confusion_collar_0.25"} <= set(ami)
    assert {"speakers_true", "speakers_found", "missed_detection", "false_alarm", "confusion"} <= set(ami["files"][0])
    # regression guard at the measured 31.0%: the 15% target is not met (see the closing note)
    assert ami["der_collar_0.25"] <= 0.33
    train = f["diar_ami_pyannote_debug (train: settings chosen here)"]
    assert train["der_collar_0.25"] <= 0.24 and len(train["files"]) == 10
    talks = f["talk_calm_en_dev (one speaker each)"]
    assert talks["speaker_count_right"] == f"{len(talks['files'])}/{len(talks['files'])}"
    assert 0 < sample["x_real_time"] < 0.2


@pytest.mark.slow
def test_asr_wer():
    f = run_eval("asr")
    assert f["asr_ru_festvox_msu_ru_nsh/ru"]["wer"] <= 0.30
    # 33 English words: one word is 3 points. Measured 3/33 (9.1%) here; one CI machine read one word more
    # (4/33, 12.1%), so the guard allows four words.
    assert f["asr_en_ru_single_utterances/en"]["wer"] <= 4 / 33 + 1e-4
    # the two-party telephone sample (81 words): measured 19.8%
    assert f["diar_asr_en_pyannote_sample/en"]["wer"] <= 0.25
