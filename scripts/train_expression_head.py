"""Fit the expression head on ../shared/eval/fer_muxspace_train_pool ONLY and write the weights file.

Inputs: both nets' probabilities, face-api's embedding and the mesh's expression geometry (a photo the
mesh does not fit gets the pool's mean geometry, as the head does at run time). Regularisation strength
is chosen by person-grouped 5-fold cross-validation inside the pool (file names carry the person), never
by looking at the measurement subset.
Usage: python scripts/train_expression_head.py [--data ../shared/eval]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from edcontrol.evaluation.fer_features import CropAligner, face_features
from edcontrol.models.face_expression import HEAD_FILE, FaceExpression

OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    args = ap.parse_args()
    pool = args.data / "fer_muxspace_train_pool"
    rows = list(csv.DictReader((pool / "labels.csv").open()))
    images = [cv2.cvtColor(cv2.imread(str(pool / r["image"])), cv2.COLOR_BGR2RGB) for r in rows]
    x_raw = face_features(images, CropAligner(), FaceExpression(use_head=False))
    x = np.where(np.isnan(x_raw), np.nanmean(x_raw, axis=0), x_raw)
    labels = np.array([r["label"] for r in rows])
    groups = [re.sub(r"_?\d+\.\w+$", "", Path(r["image"]).name) for r in rows]
    scores = {}
    for c in (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000, class_weight="balanced"))
        pred = cross_val_predict(model, x, labels, groups=groups, cv=GroupKFold(5))
        scores[c] = balanced_accuracy_score(labels, pred)
    best = max(scores, key=scores.__getitem__)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=best, max_iter=5000, class_weight="balanced"))
    model.fit(x, labels)
    scaler, lr = model.steps[0][1], model.steps[1][1]
    np.savez(
        OUT / HEAD_FILE,
        mean=scaler.mean_.astype(np.float32),
        scale=scaler.scale_.astype(np.float32),
        coef=lr.coef_.astype(np.float32),
        intercept=lr.intercept_.astype(np.float32),
        classes=np.array(lr.classes_),
    )
    print(
        json.dumps(
            {
                "data": str(pool),
                "n": len(rows),
                "without_mesh": int(np.isnan(x_raw).any(axis=1).sum()),
                "cv_balanced_accuracy": scores,
                "chosen_C": best,
            }
        )
    )


if __name__ == "__main__":
    main()
