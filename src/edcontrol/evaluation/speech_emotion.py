"""Speech-emotion data loading and speaker-wise evaluation (EmoDB / CREMA-D layout: labels.csv + audio/)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from edcontrol.media.audio import read_audio
from edcontrol.models.speech_emotion import EMOTIONS, pooled_states, speaker_normalise


def load_clips(folder: Path) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, list[str]]:
    """Audio, label, speaker and file of every clip of a labels.csv folder (EmoDB or CREMA-D layout).
    Trailing zero padding (EmoDB's short clips were padded to 2 s) is cut: a lesson segment has none."""
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    audio = []
    for r in rows:
        a = read_audio(folder / r["file"])
        loud = np.flatnonzero(np.abs(a) > 1e-4)
        audio.append(a[: loud[-1] + 1] if len(loud) else a)
    return (
        audio,
        np.array([r["label"] for r in rows]),
        np.array([r["speaker"] for r in rows]),
        [r["file"] for r in rows],
    )


def packed_features(
    encoder: Any, audio: list[np.ndarray], spk: np.ndarray, orders: int = 1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Encoder features of each clip, packed per speaker as a lesson packs a speaker's segments, z-scored per
    speaker. ``orders`` > 1 packs each speaker's clips in that many shuffled orders (the neighbours in a window
    change; training augmentation); returns the rows and, per row, the index of its clip."""
    rng = np.random.default_rng(seed)
    rows, index = [], []
    for s in np.unique(spk):
        clips = np.flatnonzero(spk == s)
        for _ in range(orders):
            order = rng.permutation(clips)
            rows.append(speaker_normalise(pooled_states(encoder, [audio[i] for i in order])))
            index.append(order)
    return np.concatenate(rows), np.concatenate(index)


def emodb_rows(
    encoder: Any, folder: Path, orders: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The EmoDB protocol the training script chooses by and `eval speech-emotion` reports: every clip scored
    from one packing (seed 1), trained on ``orders`` other packings (seed 2). Returns the scored rows in clip
    order, labels, speakers and the training rows with their clip index."""
    audio, y, spk, _ = load_clips(folder)
    test_x = clip_order(*packed_features(encoder, audio, spk, orders=1, seed=1), len(y))
    return test_x, y, spk, packed_features(encoder, audio, spk, orders=orders, seed=2)


def speakerwise_cv(
    x: np.ndarray, y: np.ndarray, spk: np.ndarray, c: float, train_rows: np.ndarray | None = None
) -> dict[str, Any]:
    """Leave one speaker out on clip-level rows ``x`` (one per clip); ``train_rows``: (features, clip index)
    with extra packed orders to train on, never the held-out speaker's."""
    pred = np.empty_like(y)
    for s in np.unique(spk):
        test = spk == s
        if train_rows is None:
            xt, yt = x[~test], y[~test]
        else:
            keep = ~test[train_rows[1]]
            xt, yt = train_rows[0][keep], y[train_rows[1][keep]]
        model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(xt, yt)
        pred[test] = model.predict(x[test])
    return _scores(y, pred, spk)


def _scores(y: np.ndarray, pred: np.ndarray, spk: np.ndarray) -> dict[str, Any]:
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


def clip_order(rows: np.ndarray, index: np.ndarray, n: int) -> np.ndarray:
    """Rows put back in clip order (``packed_features`` returns them in packing order)."""
    out = np.empty((n, rows.shape[1]))
    out[index] = rows
    return out


def cross_language(predict: Any, encoder: Any, folder: Path, log: Any = print) -> dict[str, Any]:
    """The clips of one speaker in another language (CREMA-D layout), packed and z-scored as in a lesson,
    scored by a fitted model's ``predict`` (z-scored rows in, ``EMOTIONS`` probabilities out): right per clip,
    and whether the angry clip has the highest anger."""
    audio, y, spk, files = load_clips(folder)
    p = predict(clip_order(*packed_features(encoder, audio, spk), len(y)))
    classes = list(EMOTIONS)
    got = np.array([classes[i] for i in p.argmax(axis=1)])
    anger = p[:, classes.index("anger")]
    for f, t, g, a in zip(files, y, got, anger, strict=True):
        log(f"  {Path(f).name}: {t} -> {g} (anger {a:.2f})")
    return {
        "data": str(folder),
        "right": f"{int((got == y).sum())}/{len(y)}",
        "angry_clip_highest_anger": bool(y[int(np.argmax(anger))] == "anger"),
        "per_clip": {Path(f).name: str(g) for f, g in zip(files, got, strict=True)},
    }
