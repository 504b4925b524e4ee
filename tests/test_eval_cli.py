"""`edcontrol eval faces` prints figures and ends with one JSON line; it scores any folder of the same layout."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import pytest

from conftest import EVAL


def run_eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edcontrol.cli", "eval", "faces", *args], capture_output=True, text=True, timeout=900
    )


@pytest.mark.slow
def test_eval_faces_on_shared_data_meets_targets():
    res = run_eval("--data", str(EVAL))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert "confusion matrix" in res.stdout
    det, pres, expr = figures["detection"], figures["video_presence"], figures["expression"]
    assert det["recall"] >= 0.85 and det["precision"] >= 0.85
    assert pres["presence"] >= 0.95
    assert expr["balanced_accuracy"] >= 0.65  # #12: no regression on the crowd-labelled photos
    n = len(expr["labels"])
    assert len(expr["confusion_matrix"]) == n and sum(map(sum, expr["confusion_matrix"])) == expr["images_scored"]
    clips = figures["clip_expression"]["fer_av_mead_episodes_dev"]  # frames inside each labelled video clip
    assert clips["clips"] == 7 and sum(map(sum, clips["confusion_matrix"])) == clips["frames_scored"] >= 7 * 10
    assert set(clips["recall_per_class"]) == set(clips["labels"])  # every class has a clip
    timeline = figures["clip_timeline_expression"]["fer_av_mead_episodes_dev"]  # what a report shows, 1 Hz
    assert timeline["seconds_scored"] == sum(map(sum, timeline["confusion_matrix"])) >= 7 * 2
    # the neutral clip is a talking face: the nets read it as surprise frame by frame, the timeline as neutral
    assert clips["recall_per_class"]["neutral"] < 0.5 <= timeline["recall_per_class"]["neutral"]
    # ... and so does the speech-aware reading of each frame (brows against the actor's usual, over all clips)
    aware = clips["speech_aware"]
    assert aware["recall_per_class"]["neutral"] >= 0.5 and aware["recall_per_class"]["surprise"] >= 0.5
    assert sum(map(sum, aware["confusion_matrix"])) == clips["frames_scored"]
    assert aware["balanced_accuracy"] >= 0.6  # #12's development figure on the seven clips


def test_eval_scores_another_folder_with_the_same_layout(tmp_path):
    src = EVAL / "face_det_dlib_pascal_voc"
    dst = tmp_path / "face_det_dlib_pascal_voc"
    (dst / "images").mkdir(parents=True)
    rows = list(csv.DictReader((src / "images.csv").open()))[:2]
    with (dst / "images.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    keep = {r["image"] for r in rows}
    boxes = [b for b in csv.DictReader((src / "boxes.csv").open()) if b["image"] in keep]
    with (dst / "boxes.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(boxes[0]))
        w.writeheader()
        w.writerows(boxes)
    for r in rows:
        shutil.copy(src / r["image"], dst / r["image"])
    res = run_eval("--data", str(tmp_path), "-q")
    assert res.returncode == 0, res.stderr
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(figures) == {"task", "detection"}
    assert figures["detection"]["images"] == 2 and figures["detection"]["faces"] == len(boxes)


def test_eval_on_a_folder_without_data_is_a_clear_error(tmp_path):
    res = run_eval("--data", str(tmp_path))
    assert res.returncode == 1 and "no face data sets found" in res.stderr
