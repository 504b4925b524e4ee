"""`edcontrol eval episodes`: the real analyze on a lesson with labelled episodes and on calm talks; figures
are consistent with the labels and the per-file rows, and any folder of the same layout is scored."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import EVAL


def run_eval(data) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edcontrol.cli", "eval", "episodes", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_eval_episodes_on_the_dev_sets():
    res = run_eval(EVAL)
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    mead = figures["episodes"]["fer_av_mead_episodes_dev"]
    assert mead["negative_episodes"] == 4 and [e["label"] for e in mead["episodes"]] == [
        "anger",
        "sadness",
        "fear",
        "disgust",
    ]
    assert mead["found"] == sum(e["found"] for e in mead["episodes"]) and mead["recall"] == mead["found"] / 4
    assert mead["label_match"] <= mead["recall"] and mead["persons"] == 1
    assert mead["false_moments"] == len(mead["false"]) >= mead["false_in_neutral"]
    # #12's development figures: at least 3 of the 4 negative episodes found (4 since fear is read from raised
    # brows with stretched lips), nothing in the neutral stretches or the happy/surprised episodes
    assert mead["found"] >= 3 and mead["false_in_neutral"] == 0 and mead["false_in_happy_or_surprised"] == 0
    talks = figures["calm_talks"]["talk_calm_en_dev"]
    assert talks["talks"] == 5 and talks["false_moments"] == sum(len(f["moments"]) for f in talks["files"])
    assert talks["talks_one_person"] == 5  # each talk is one face
    assert talks["moments_above_default_confidence"] == 0  # a calm talk shows no moment in the dashboard
    assert talks["false_moments"] == 0  # none at all, hidden or shown
    # a talking face reads neutral (or happy), not surprised: measured 100% / 0% with speech-aware faces, 78% / 16%
    # without (FaceTrackConfig(talking_discount=0))
    talking = talks["talking_face"]
    assert talking["talking_seconds"] >= 50
    assert talking["neutral_or_happiness"] >= 0.8 and talking["surprise_or_fear"] < 0.1


def test_eval_episodes_scores_a_folder_of_the_same_layout(tmp_path):
    src = EVAL / "talk_calm_en_dev"
    dst = tmp_path / "my_talks"
    dst.mkdir()
    shutil.copy(src / "katiehill_orientation_f03.mp4", dst / "one.mp4")
    (dst / "labels.csv").write_text("file,speakers\none.mp4,1\n", encoding="utf-8")
    res = run_eval(dst)
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    assert figures["episodes"] == {} and figures["calm_talks"]["my_talks"]["talks"] == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run_eval(empty)
    assert res.returncode == 1 and "no episode lesson" in res.stderr
