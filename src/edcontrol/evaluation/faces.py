"""`edcontrol eval faces`: detection, video presence and expression figures on a labelled data folder.

The folder layout is that of ../shared/eval (face_det_dlib_pascal_voc, av_en_grid_talking_heads_lipnet,
fer_muxspace_facial_expressions_subset, and video clips with an expression label such as
fer_av_mead_episodes_dev/clips); any folder with the same layout is scored the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edcontrol.evaluation.fer_features import CropAligner, predict_images
from edcontrol.evaluation.layout import video_label_rows
from edcontrol.media.frames import iter_frames
from edcontrol.models.face_detector import FaceDetector
from edcontrol.models.face_expression import FaceExpression
from edcontrol.models.types import EXPRESSIONS, Box
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.fear_face import fear_or_surprise, lip_stretch
from edcontrol.pipeline.talking_face import brow_raise, speech_aware, talking_weight

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


def _confusion_figures(y: np.ndarray, pred: np.ndarray, log: Log) -> dict[str, Any]:
    """Accuracy, balanced accuracy (mean recall over the classes present), per-class recall and the matrix."""
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
        "accuracy": round(float((pred == y).mean()), 4) if len(y) else 0.0,
        "balanced_accuracy": round(float(np.mean(list(recalls.values()))), 4) if recalls else 0.0,
        "recall_per_class": recalls,
        "labels": list(EXPRESSIONS),
        "confusion_matrix": cm.tolist(),
    }


def eval_expression(folder: Path, aligner: CropAligner, expr: FaceExpression, log: Log) -> dict[str, Any]:
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    scored = [r for r in rows if r["label"] in EXPRESSIONS]
    probs = predict_images([_read_rgb(folder / r["image"]) for r in scored], aligner, expr)
    y = np.array([EXPRESSIONS.index(r["label"]) for r in scored])
    return {
        "data": str(folder),
        "images_scored": len(scored),
        "images_skipped_unsupported_label": len(rows) - len(scored),
        **_confusion_figures(y, probs.argmax(axis=1), log),
    }


@dataclass
class _ClipFrames:
    """One labelled clip's scored frames: expression probabilities and the mesh's mouth and brow measures."""

    file: str
    label: str
    person: str
    probs: np.ndarray
    mouth: np.ndarray
    brow: np.ndarray
    width: np.ndarray


def _read_clip(
    folder: Path, row: dict[str, str], aligner: CropAligner, expr: FaceExpression, fps: float, margin: float
) -> _ClipFrames | None:
    frames = list(iter_frames(folder / row["file"], fps=fps))
    if not frames:
        return None
    t0, t1 = frames[0].t, frames[-1].t
    inside = [f.image for f in frames if t0 + margin * (t1 - t0) <= f.t <= t1 - margin * (t1 - t0)]
    measured = [aligner.measure(im) for im in inside or [frames[len(frames) // 2].image]]
    crops = [crop for crop, _ in measured]
    geos = [geo for _, geo in measured]
    nan = float("nan")
    return _ClipFrames(
        file=row["file"],
        label=row["label"],
        person=row.get("actor") or row["file"],  # no actor column: each clip is its own person
        probs=expr.predict(crops, [g.shape if g else None for g in geos]),
        mouth=np.array([g.mouth_open if g else nan for g in geos]),
        brow=np.array([g.brow_height if g else nan for g in geos]),
        width=np.array([g.mouth_width if g else nan for g in geos]),
    )


Relative = Callable[[np.ndarray, FaceTrackConfig], np.ndarray | None]


def _per_person(
    clips: list[_ClipFrames], field: str, relative: Relative, config: FaceTrackConfig
) -> dict[str, np.ndarray | None]:
    """Per clip file: ``relative`` (the face track's own brow_raise or lip_stretch, which judge a measure
    against the person's median) applied to all frames of the clip's person at once, split back per clip."""
    out: dict[str, np.ndarray | None] = {}
    for person in {c.person for c in clips}:
        mine = [c for c in clips if c.person == person]
        values = relative(np.concatenate([getattr(c, field) for c in mine]), config)
        bounds = np.cumsum([0] + [len(c.probs) for c in mine])
        for c, a, b in zip(mine, bounds[:-1], bounds[1:], strict=True):
            out[c.file] = None if values is None else values[a:b]
    return out


def _speech_aware_probs(clips: list[_ClipFrames], fps: float, config: FaceTrackConfig) -> list[np.ndarray]:
    """Each clip's frames as the face track reads them (``talking_face.speech_aware``, then
    ``fear_face.fear_or_surprise``): lip motion is the mean change of mouth opening between frames one
    face-track sample apart; brow raise and lip stretch are against the person's median over all their
    clips (a lesson's person baseline)."""
    step = max(1, round(fps / config.sample_fps))
    raised_by = _per_person(clips, "brow", brow_raise, config)
    stretched_by = _per_person(clips, "width", lip_stretch, config)
    out = []
    for c in clips:
        lips = np.nanmean(np.abs(c.mouth[step:] - c.mouth[:-step])) if len(c.mouth) > step else 0.0
        talk = np.full(len(c.probs), talking_weight(np.array([lips]), config)[0])
        raised, stretched = raised_by[c.file], stretched_by[c.file]
        probs = speech_aware(c.probs, talk, raised, config)
        if raised is not None and stretched is not None:
            probs = fear_or_surprise(probs, raised, stretched, config)
        out.append(probs)
    return out


def eval_clip_expression(
    folder: Path, aligner: CropAligner, expr: FaceExpression, log: Log, fps: float = 5.0, margin: float = 0.15
) -> dict[str, Any]:
    """Expression on labelled video clips (labels.csv: file, label[, actor]): frames sampled at ``fps`` inside
    each clip (the first and last ``margin`` of it left out: onsets and offsets are not the label), every
    frame scored against its clip's label, read two ways: by the nets alone, and speech-aware as the face
    track reads a person (a talking mouth is not surprise unless the brows rise above the person's usual,
    the person's usual taken over all clips of the same actor); also each clip's majority vote."""
    config = FaceTrackConfig()
    rows = [r for r in csv.DictReader((folder / "labels.csv").open()) if r["label"] in EXPRESSIONS]
    clips = [c for r in rows if (c := _read_clip(folder, r, aligner, expr, fps, margin)) is not None]
    aware = _speech_aware_probs(clips, fps, config)
    y, pred, pred_aware, per_clip = [], [], [], {}
    for c, probs in zip(clips, aware, strict=True):
        got, got_aware = c.probs.argmax(axis=1), probs.argmax(axis=1)
        y += [EXPRESSIONS.index(c.label)] * len(got)
        pred += list(got)
        pred_aware += list(got_aware)
        vote = EXPRESSIONS[int(np.bincount(got, minlength=len(EXPRESSIONS)).argmax())]
        vote_aware = EXPRESSIONS[int(np.bincount(got_aware, minlength=len(EXPRESSIONS)).argmax())]
        per_clip[c.file] = {"label": c.label, "frames": len(got), "majority": vote, "majority_speech_aware": vote_aware}
        log(f"  {c.file}: {c.label} -> majority {vote} (nets), {vote_aware} (speech-aware) over {len(got)} frames")
    log("  nets alone:")
    nets = _confusion_figures(np.array(y, int), np.array(pred, int), log)
    log("  speech-aware, person-relative brows:")
    speech = _confusion_figures(np.array(y, int), np.array(pred_aware, int), log)
    return {
        "data": str(folder),
        "clips": len(per_clip),
        "frames_scored": len(y),
        "clip_majority_accuracy": round(float(np.mean([c["majority"] == c["label"] for c in per_clip.values()])), 4)
        if per_clip
        else 0.0,
        **nets,
        "speech_aware": speech,
        "per_clip": per_clip,
    }


def timeline_expressions(path: Path, margin: float = 0.15) -> list[int]:
    """The clip through the face track, as a report shows it: per second inside the clip (``margin`` of each
    end left out), the strongest expression of the person seen most (speech-aware, smoothed, 1 Hz)."""
    from edcontrol.media.probe import probe
    from edcontrol.pipeline.config import FaceTrackConfig
    from edcontrol.pipeline.face_track import analyze_faces

    faces = analyze_faces(path, probe(path), FaceTrackConfig())
    if not faces.persons:
        return []
    person = max(faces.persons, key=lambda p: p.samples)
    expression = person.timeline.expression or {}
    n = len(person.timeline.t)
    lo, hi = int(margin * n), n - int(margin * n)
    out = []
    for i in range(lo, max(hi, lo + 1)):
        values = [(v[i], j) for j, e in enumerate(EXPRESSIONS) if (v := expression.get(e)) and v[i] is not None]
        if values:
            out.append(max(values)[1])
    return out


def eval_clip_timeline(folder: Path, log: Log) -> dict[str, Any]:
    """Per-second expression of the face track's timeline against each clip's label (what the report says)."""
    y, pred = [], []
    for r in csv.DictReader((folder / "labels.csv").open()):
        if r["label"] not in EXPRESSIONS:
            continue
        got = timeline_expressions(folder / r["file"])
        y += [EXPRESSIONS.index(r["label"])] * len(got)
        pred += got
        log(f"  {r['file']}: {r['label']} -> timeline {[EXPRESSIONS[g][:3] for g in got]}")
    return {"seconds_scored": len(y), **_confusion_figures(np.array(y, int), np.array(pred, int), log)}


def _clip_folders(data: Path) -> list[Path]:
    """Folders whose labels.csv lists video clips with an expression label (e.g. fer_av_mead_episodes_dev)."""
    return [
        folder
        for folder in sorted(p for p in data.iterdir() if p.is_dir())
        if any(r["label"] in EXPRESSIONS for r in video_label_rows(folder, {"label"}))
    ]


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
    for folder in _clip_folders(data):
        log(f"facial expression on the video clips of {folder}")
        out.setdefault("clip_expression", {})[folder.name] = eval_clip_expression(
            folder, CropAligner(), FaceExpression(), log
        )
        log(f"the face track's timeline on the video clips of {folder}")
        out.setdefault("clip_timeline_expression", {})[folder.name] = eval_clip_timeline(folder, log)
    if len(out) == 1:
        raise FileNotFoundError(f"no face data sets found under {data}")
    return out
