"""Fit the expression head on ../shared/eval/fer_muxspace_train_pool ONLY and write the weights file.

The head blends two multinomial logistic regressions: one over the nets alone (both nets' probabilities
and face-api's embedding) and one that also reads the mesh's expression geometry (a photo the mesh does
not fit gets the pool's mean geometry, as the head does at run time). Each member's regularisation
strength, and the blend weight, are chosen by person-grouped 5-fold cross-validation inside the pool
(file names carry the person), never by looking at the measurement subset or any video set.
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
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from edcontrol.evaluation.fer_features import CropAligner, face_features
from edcontrol.models.face_expression import HEAD_FILE, NET_FEATURES, FaceExpression

OUT = Path(__file__).resolve().parents[1] / "src" / "edcontrol" / "models" / "weights"
C_GRID = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
BLEND_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)  # weight of the nets-only member


def _model(c: float) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000, class_weight="balanced"))


def _member(x: np.ndarray, labels: np.ndarray, groups: list[str]) -> tuple[Pipeline, np.ndarray, dict]:
    """The member fitted at its cross-validated best C, and its out-of-fold probabilities there."""
    cv = GroupKFold(5)
    scores, probs = {}, {}
    for c in C_GRID:
        probs[c] = cross_val_predict(_model(c), x, labels, groups=groups, cv=cv, method="predict_proba")
        scores[c] = round(balanced_accuracy_score(labels, np.unique(labels)[probs[c].argmax(axis=1)]), 4)
    best = max(scores, key=scores.__getitem__)
    return _model(best).fit(x, labels), probs[best], {"cv_balanced_accuracy": scores, "chosen_C": best}


def _as_full_width(model: Pipeline, columns: int) -> dict[str, np.ndarray]:
    """A member's standardiser and weights over all input columns (unused columns: weight 0)."""
    scaler, lr = model.steps[0][1], model.steps[1][1]
    used = scaler.mean_.shape[0]
    mean, scale = np.zeros(columns), np.ones(columns)
    coef = np.zeros((lr.coef_.shape[0], columns))
    mean[:used], scale[:used], coef[:, :used] = scaler.mean_, scaler.scale_, lr.coef_
    return {"mean": mean, "scale": scale, "coef": coef, "intercept": lr.intercept_}


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
    classes = np.unique(labels)
    groups = [re.sub(r"_?\d+\.\w+$", "", Path(r["image"]).name) for r in rows]
    nets, p_nets, nets_info = _member(x[:, :NET_FEATURES], labels, groups)
    mesh, p_mesh, mesh_info = _member(x, labels, groups)
    blend_scores = {
        w: round(balanced_accuracy_score(labels, classes[(w * p_nets + (1 - w) * p_mesh).argmax(axis=1)]), 4)
        for w in BLEND_GRID
    }
    w = max(blend_scores, key=blend_scores.__getitem__)
    members = [_as_full_width(m, x.shape[1]) for m in (nets, mesh)]
    np.savez(
        OUT / HEAD_FILE,
        **{k: np.stack([m[k] for m in members]).astype(np.float32) for k in members[0]},
        weights=np.array([w, 1.0 - w], np.float32),
        classes=classes,
    )
    print(
        json.dumps(
            {
                "data": str(pool),
                "n": len(rows),
                "without_mesh": int(np.isnan(x_raw).any(axis=1).sum()),
                "nets_only": nets_info,
                "nets_and_mesh": mesh_info,
                "blend_cv_balanced_accuracy_by_nets_weight": blend_scores,
                "chosen_nets_weight": w,
            }
        )
    )


if __name__ == "__main__":
    main()
