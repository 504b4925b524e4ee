"""Feasibility probe for #12's voice item: do Whisper base encoder states carry emotion across languages?

Features: the packaged Whisper base encoder (CTranslate2, int8) over each clip, mean and standard deviation
of the states over the clip's own frames, z-scored per speaker. Classifier: multinomial logistic regression.
Trained ONLY on ser_de_emodb_2s_22k; printed: leave-one-speaker-out accuracy on EmoDB, and the CREMA-D 1002
clips (ser_en_cremad_1002_dev, English, never trained on) scored by the model fitted on all EmoDB speakers.
Nothing here ships; it measures. What shipped from it: `models/speech_emotion.py` packs a speaker's segments
into full 30 s windows, the padded quality at 1/17 of the padded cost (`scripts/train_speech_emotion.py`).

Measured 2026-12-03 (2 cores): padded to 30 s as Whisper decodes, EmoDB leave-one-speaker-out 0.683 and
CREMA-D 1002 4/6 (angry clip highest anger), 0.44 s per clip; --unpadded 0.630 and 2/6, 0.025 s per clip.

Usage: .venv/bin/python scripts/probe_whisper_ser.py [--data ../shared/eval] [--unpadded] [--C 0.05]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel
from sklearn.linear_model import LogisticRegression

from edcontrol.media.audio import read_audio
from edcontrol.models.transcriber import joined_base_model

FRAME_S = 0.02  # one encoder state per 20 ms
CHUNK = 3000  # the encoder's fixed input: 30 s of 10 ms feature frames


def encoder_features(model: WhisperModel, audio: np.ndarray, pad: bool = False) -> np.ndarray:
    """Mean and deviation of the encoder states over the clip. ``pad``: the clip inside a 30 s window, as
    Whisper decodes; else the clip alone (17x cheaper for 3 s; positions beyond it are never used)."""
    feats = model.feature_extractor(audio.astype(np.float32))[:, :CHUNK]
    n_in = CHUNK if pad else feats.shape[1] - feats.shape[1] % 2
    feats = np.pad(feats, ((0, 0), (0, max(0, n_in - feats.shape[1]))))[:, :n_in]
    states = np.array(model.encode(feats))[0]
    n = max(2, min(len(states), int(len(audio) / 16_000 / FRAME_S)))
    return np.concatenate([states[:n].mean(axis=0), states[:n].std(axis=0)])


def by_speaker_z(x: np.ndarray, speakers: list[str]) -> np.ndarray:
    out = np.empty_like(x)
    for s in set(speakers):
        idx = [i for i, v in enumerate(speakers) if v == s]
        mu, sd = x[idx].mean(axis=0), x[idx].std(axis=0) + 1e-6
        out[idx] = (x[idx] - mu) / sd
    return out


def load(folder: Path, model: WhisperModel, pad: bool) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    x = np.stack([encoder_features(model, read_audio(folder / r["file"]), pad) for r in rows])
    return x, [r["label"] for r in rows], [r["speaker"] for r in rows], [r["file"] for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    ap.add_argument("--C", type=float, default=0.05)
    ap.add_argument(
        "--unpadded", action="store_true", help="encode each clip alone (17x cheaper) instead of in a 30 s window"
    )
    args = ap.parse_args()
    model = WhisperModel(str(joined_base_model()), device="cpu", compute_type="int8", cpu_threads=2)
    t0 = time.perf_counter()
    x, y, spk, _ = load(args.data / "ser_de_emodb_2s_22k", model, not args.unpadded)
    xz = by_speaker_z(x, spk)
    print(f"EmoDB: {len(y)} clips, {len(set(spk))} speakers, features {x.shape[1]} ({time.perf_counter() - t0:.0f} s)")
    right = 0
    for s in sorted(set(spk)):
        tr = [i for i, v in enumerate(spk) if v != s]
        te = [i for i, v in enumerate(spk) if v == s]
        clf = LogisticRegression(C=args.C, max_iter=3000).fit(xz[tr], [y[i] for i in tr])
        got = clf.predict(xz[te])
        right += sum(g == y[i] for g, i in zip(got, te, strict=True))
        print(f"  held-out speaker {s}: {np.mean([g == y[i] for g, i in zip(got, te, strict=True)]):.3f}")
    loso = right / len(y)
    clf = LogisticRegression(C=args.C, max_iter=3000).fit(xz, y)
    cx, cy, cspk, cfiles = load(args.data / "ser_en_cremad_1002_dev", model, not args.unpadded)
    p = clf.predict_proba(by_speaker_z(cx, cspk))
    classes = list(clf.classes_)
    got = [classes[i] for i in p.argmax(axis=1)]
    anger = p[:, classes.index("anger")]
    for f, label, g, a in zip(cfiles, cy, got, anger, strict=True):
        print(f"  CREMA-D {Path(f).name}: {label} -> {g} (anger {a:.2f})")
    angry_top = cy[int(np.argmax(anger))] == "anger"
    out = {
        "probe": "whisper-base encoder states -> speaker-z -> logistic regression (EmoDB only)",
        "C": args.C,
        "padded_to_30_s": not args.unpadded,
        "emodb_leave_one_speaker_out_accuracy": round(loso, 4),
        "cremad_1002_right": f"{sum(g == t for g, t in zip(got, cy, strict=True))}/{len(cy)}",
        "cremad_1002_angry_clip_has_highest_anger": angry_top,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
