"""Train the speech-emotion model on ../shared/eval/ser_de_emodb_2s_22k ONLY, speaker-wise.

Features are z-scored per speaker (as at run time, against the speaker's own lesson); the
regularisation C is chosen by leave-one-speaker-out cross-validation, and the same loop prints the
held-out accuracy, anger recall and confusion matrix. Usage: python scripts/train_speech_emotion.py
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from edcontrol.evaluation.speech_emotion import load_emodb_features, speakerwise_cv
from edcontrol.models.speech_emotion import EMOTIONS, WEIGHTS

OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    args = ap.parse_args()
    x, y, spk = load_emodb_features(args.data / "ser_de_emodb_2s_22k")
    results = {c: speakerwise_cv(x, y, spk, c) for c in (0.01, 0.03, 0.1, 0.3, 1.0)}
    best = max(results, key=lambda c: results[c]["accuracy"])
    model = LogisticRegression(C=best, max_iter=5000, class_weight="balanced").fit(x, y)
    assert tuple(model.classes_) == EMOTIONS
    np.savez(
        OUT / WEIGHTS,
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        classes=np.array(model.classes_),
    )
    print(
        json.dumps(
            {
                "data": str(args.data / "ser_de_emodb_2s_22k"),
                "chosen_C": best,
                "cv": {str(c): {k: r[k] for k in ("accuracy", "anger_recall")} for c, r in results.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
