"""Speech-emotion data loading and speaker-wise evaluation (EmoDB layout: labels.csv + audio/)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from edcontrol.media.audio import read_audio
from edcontrol.models.speech_emotion import EMOTIONS, segment_features, speaker_normalise


def load_emodb_features(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    feats = np.stack([segment_features(read_audio(folder / r["file"])) for r in rows])
    spk = np.array([r["speaker"] for r in rows])
    y = np.array([r["label"] for r in rows])
    x = np.zeros_like(feats)
    for s in np.unique(spk):
        x[spk == s] = speaker_normalise(feats[spk == s])
    return x, y, spk


def speakerwise_cv(x: np.ndarray, y: np.ndarray, spk: np.ndarray, c: float) -> dict[str, Any]:
    """Leave one speaker out: train on the others, predict the held-out speaker; pooled figures."""
    pred = np.empty_like(y)
    for s in np.unique(spk):
        test = spk == s
        model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(x[~test], y[~test])
        pred[test] = model.predict(x[test])
    k = len(EMOTIONS)
    cm = np.zeros((k, k), int)
    for t, p in zip(y, pred, strict=True):
        cm[EMOTIONS.index(t), EMOTIONS.index(p)] += 1
    recall = {e: round(cm[i, i] / max(cm[i].sum(), 1), 4) for i, e in enumerate(EMOTIONS)}
    return {
        "accuracy": round(float((pred == y).mean()), 4),
        "balanced_accuracy": round(float(np.mean(list(recall.values()))), 4),
        "anger_recall": recall["anger"],
        "recall_per_class": recall,
        "labels": list(EMOTIONS),
        "confusion_matrix": cm.tolist(),
        "speakers": sorted(np.unique(spk).tolist()),
    }
