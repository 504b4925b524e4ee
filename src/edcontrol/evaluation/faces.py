"""`edcontrol eval faces`: detection, video presence and expression figures on a labelled data folder.

The folder layout is that of ../shared/eval (face_det_dlib_pascal_voc, av_en_grid_talking_heads_lipnet,
fer_muxspace_facial_expressions_subset); any folder with the same layout is scored the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edcontrol.evaluation.fer_features import CropAligner
from edcontrol.media.frames import iter_frames
from edcontrol.models.face_detector import FaceDetector
from edcontrol.models.face_expression import FaceExpression
from edcontrol.models.types import EXPRESSIONS, Box

Log = Callable[[str], None]


def _read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path))
    if img is None:
        raise ValueError(f"cannot read image {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _centre_match(det: Box, gt: Box) -> bool:
    """dlib's boxes are tight eyebrow-to-chin squares, so IoU misjudges; match by mutual centres."""
    (dx, dy), (gx, gy) = det.center, gt.center
    return (
        gt.x <= dx <= gt.x + gt.w
        and gt.y <= dy <= gt.y + gt.h
        and det.x <= gx <= det.x + det.w
        and det.y <= gy <= det.y + det.h
    )


def eval_detection(folder: Path, detector: FaceDetector, log: Log) -> dict[str, Any]:
    boxes: dict[str, list[Box]] = {}
    for r in csv.DictReader((folder / "boxes.csv").open()):
        if r.get("ignore", "0") == "1":
            continue
        boxes.setdefault(r["image"], []).append(Box(*(float(r[k]) for k in ("x", "y", "w", "h"))))
    images = [r["image"] for r in csv.DictReader((folder / "images.csv").open())]
    tp = fp = fn = 0
    for name in images:
        gts = boxes.get(name, [])
        dets = [d.box for d in detector.detect([_read_rgb(folder / name)])[0]]
        used: set[int] = set()
        for det in dets:
            hit = next((i for i, g in enumerate(gts) if i not in used and _centre_match(det, g)), None)
            if hit is None:
                fp += 1
            else:
                used.add(hit)
                tp += 1
        fn += len(gts) - len(used)
        log(f"  {name}: {len(gts)} faces, {len(dets)} detections, {len(used)} matched")
    return {
        "data": str(folder),
        "images": len(images),
        "faces": tp + fn,
        "recall": round(tp / max(tp + fn, 1), 4),
        "precision": round(tp / max(tp + fp, 1), 4),
    }


def eval_video_presence(folder: Path, detector: FaceDetector, log: Log) -> dict[str, Any]:
    """Every decoded frame of every video: share of frames with exactly the expected number of faces."""
    total = exact = 0
    per_video = {}
    for r in csv.DictReader((folder / "labels.csv").open()):
        expected = int(r.get("n_faces_expected") or 1)
        n = ok = 0
        for frame in iter_frames(folder / r["file"], fps=1000.0, skip_nonref=False):
            n += 1
            ok += len(detector.detect([frame.image])[0]) == expected
        per_video[r["file"]] = round(ok / max(n, 1), 4)
        total += n
        exact += ok
        log(f"  {r['file']}: {ok}/{n} frames with {expected} face(s)")
    return {
        "data": str(folder),
        "videos": len(per_video),
        "frames": total,
        "presence": round(exact / max(total, 1), 4),
        "min_video_presence": min(per_video.values(), default=0.0),
    }


def eval_expression(folder: Path, aligner: CropAligner, expr: FaceExpression, log: Log) -> dict[str, Any]:
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    scored = [r for r in rows if r["label"] in EXPRESSIONS]
    faces = [aligner(_read_rgb(folder / r["image"])) for r in scored]
    probs = np.concatenate([expr.predict(faces[i : i + 32]) for i in range(0, len(faces), 32)])
    y = np.array([EXPRESSIONS.index(r["label"]) for r in scored])
    pred = probs.argmax(axis=1)
    k = len(EXPRESSIONS)
    cm = np.zeros((k, k), int)
    for t, p in zip(y, pred, strict=True):
        cm[t, p] += 1
    present = [i for i in range(k) if cm[i].sum() > 0]
    recalls = {EXPRESSIONS[i]: round(cm[i, i] / cm[i].sum(), 4) for i in present}
    log("  confusion matrix (rows = label, columns = prediction):")
    log("  " + " ".join(f"{e[:7]:>8}" for e in ("", *EXPRESSIONS)))
    for i in range(k):
        log("  " + f"{EXPRESSIONS[i][:7]:>8}" + " ".join(f"{v:>8d}" for v in cm[i]))
    return {
        "data": str(folder),
        "images_scored": len(scored),
        "images_skipped_unsupported_label": len(rows) - len(scored),
        "accuracy": round(float((pred == y).mean()), 4),
        "balanced_accuracy": round(float(np.mean(list(recalls.values()))), 4),
        "recall_per_class": recalls,
        "labels": list(EXPRESSIONS),
        "confusion_matrix": cm.tolist(),
    }


def eval_faces(data: Path, log: Log) -> dict[str, Any]:
    detector = FaceDetector()
    out: dict[str, Any] = {"task": "faces"}
    det_dir, grid_dir = data / "face_det_dlib_pascal_voc", data / "av_en_grid_talking_heads_lipnet"
    fer_dir = data / "fer_muxspace_facial_expressions_subset"
    if det_dir.is_dir():
        log(f"face detection on {det_dir}")
        out["detection"] = eval_detection(det_dir, detector, log)
    if grid_dir.is_dir():
        log(f"per-frame face presence on {grid_dir}")
        out["video_presence"] = eval_video_presence(grid_dir, detector, log)
    if fer_dir.is_dir():
        log(f"facial expression on {fer_dir}")
        out["expression"] = eval_expression(fer_dir, CropAligner(), FaceExpression(), log)
    if len(out) == 1:
        raise FileNotFoundError(f"no face data sets found under {data}")
    return out
