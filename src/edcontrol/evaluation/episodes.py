"""`edcontrol eval episodes`: the real ``analyze`` on lessons with labelled emotion episodes and on calm talks.

Two layouts (like ../shared/eval):
- episodes: a folder with ``lesson.mp4`` and ``episodes.csv`` (start_s, end_s, label) covering the lesson.
  A negative episode (anger, disgust, fear, sadness) is found when a facial moment of the person on screen
  overlaps it; its label matches when that moment's emotion is the episode's. Every moment elsewhere is false:
  counted in happy/surprised episodes, in neutral stretches, and per minute.
- calm talks: a folder with ``labels.csv`` (file, speakers, ...) of single-speaker calm videos: every moment
  (facial or heard) is false; persons and speakers found are printed against one; ``talking_face`` counts the
  strongest expression of the speaking person in each second its voice talks (a calm talking face should read
  neutral or happy, not surprised or afraid).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edcontrol.evaluation.layout import video_label_rows
from edcontrol.report import schema as rs

Log = Callable[[str], None]
NEGATIVE = ("anger", "disgust", "fear", "sadness")


def _analyze(path: Path) -> rs.LessonReport:
    from edcontrol.pipeline.analyze import analyze_video
    from edcontrol.pipeline.audio_track import AudioTrackConfig
    from edcontrol.pipeline.config import FaceTrackConfig

    return analyze_video(path, FaceTrackConfig(), None, AudioTrackConfig())  # what `edcontrol analyze` runs


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _shown_floor(report: rs.LessonReport) -> float:
    """The confidence from which the dashboard shows a moment by default."""
    return report.settings.fusion.default_min_confidence if report.settings.fusion else 0.0


def _all_moments(report: rs.LessonReport) -> list[tuple[str, str, float, float, float]]:
    """(modalities, kind, start, end, confidence) of every merged moment."""
    return [
        ("+".join(dict.fromkeys(s.modality for s in m.modalities)), m.kind, m.start_s, m.end_s, m.confidence)
        for m in report.moments
    ]


def score_episodes(report: rs.LessonReport, episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Episode recall and label match for the negative episodes; false moments everywhere else."""
    faces = [(s.kind, m.start_s, m.end_s) for m in report.moments for s in m.modalities if s.modality == "face"]
    rows: list[dict[str, Any]] = []
    false_in = {"neutral": 0, "positive_episodes": 0}
    for e in episodes:
        hits = [f for f in faces if _overlap(f[1], f[2], e["start_s"], e["end_s"]) > 0]
        if e["label"] in NEGATIVE:
            rows.append(
                {
                    "label": e["label"],
                    "start_s": e["start_s"],
                    "found": bool(hits),
                    "label_match": any(h[0] == e["label"] for h in hits),
                    "moments": [h[0] for h in hits],
                }
            )
    negative_spans = [(e["start_s"], e["end_s"]) for e in episodes if e["label"] in NEGATIVE]
    false_moments = []
    for modality, kind, a, b, _ in _all_moments(report):
        inside = max((_overlap(a, b, s, t) for s, t in negative_spans), default=0.0)
        if "face" in modality and inside > 0:
            continue
        where = max(episodes, key=lambda e: _overlap(a, b, e["start_s"], e["end_s"]))["label"]
        false_in["neutral" if where == "neutral" else "positive_episodes"] += where not in NEGATIVE
        false_moments.append({"modality": modality, "kind": kind, "start_s": a, "end_s": b, "during": where})
    minutes = (report.source.duration_s or 0.0) / 60
    negative = len(rows)
    return {
        "negative_episodes": negative,
        "found": sum(r["found"] for r in rows),
        "recall": round(sum(r["found"] for r in rows) / negative, 4) if negative else None,
        "label_match": round(sum(r["label_match"] for r in rows) / negative, 4) if negative else None,
        "false_moments": len(false_moments),
        "false_moments_per_minute": round(len(false_moments) / minutes, 3) if minutes else None,
        "false_in_neutral": false_in["neutral"],
        "false_in_happy_or_surprised": false_in["positive_episodes"],
        "episodes": rows,
        "false": false_moments,
        "persons": len(report.persons),
    }


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def eval_episode_folder(folder: Path, log: Log) -> dict[str, Any]:
    episodes = [
        {"start_s": float(r["start_s"]), "end_s": float(r["end_s"]), "label": r["label"]}
        for r in _read_csv(folder / "episodes.csv")
    ]
    report = _analyze(folder / "lesson.mp4")
    got = score_episodes(report, episodes)
    for r in got["episodes"]:
        log(f"  {r['label']:>8} at {r['start_s']:7.2f} s: {'found' if r['found'] else 'MISSED'} {r['moments']}")
    for f in got["false"]:
        log(f"  false {f['modality']} {f['kind']} {f['start_s']}-{f['end_s']} s (during {f['during']})")
    return {"data": str(folder), **got}


def talking_seconds(report: rs.LessonReport, person: rs.Person) -> list[int]:
    """Seconds (index into the person's 1 Hz timeline) in which the person's voice talks at least half the second.

    The person's voices are its linked speakers; with no link and a single voice in the recording, that voice.
    """
    if report.audio is None:
        return []
    voices = set(person.speaker_ids) or ({report.audio.speakers[0].id} if len(report.audio.speakers) == 1 else set())
    n = len(person.timeline.t)
    talk = [0.0] * n
    for turn in report.audio.turns:
        if turn.speaker_id not in voices:
            continue
        for i in range(max(0, int(turn.start_s)), min(n, int(turn.end_s) + 1)):
            talk[i] += _overlap(i, i + 1, turn.start_s, turn.end_s)
    return [i for i in range(n) if talk[i] >= 0.5]


def talking_face_expressions(report: rs.LessonReport) -> dict[str, int]:
    """Per talking second of each person, the strongest expression of its (smoothed) timeline: counts."""
    counts: dict[str, int] = {}
    for person in report.persons:
        expression = person.timeline.expression
        if not expression:
            continue
        for i in talking_seconds(report, person):
            values = {e: v[i] for e, v in expression.items() if i < len(v) and v[i] is not None}
            if values:
                top = max(values, key=values.__getitem__)
                counts[top] = counts.get(top, 0) + 1
    return counts


def _talking_shares(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    share = (lambda *names: round(sum(counts.get(n, 0) for n in names) / total, 4)) if total else (lambda *_: None)
    return {
        "talking_seconds": total,
        "neutral_or_happiness": share("neutral", "happiness"),
        "surprise_or_fear": share("surprise", "fear"),
        "counts": dict(sorted(counts.items())),
    }


def eval_calm_talks(folder: Path, log: Log) -> dict[str, Any]:
    """Every moment on a calm single-speaker talk is a false one; each talk should be one person, one voice."""
    talks, seconds, talking = [], 0.0, {}
    for row in _read_csv(folder / "labels.csv"):
        report = _analyze(folder / row["file"])
        moments = _all_moments(report)
        expressions = talking_face_expressions(report)
        for e, c in expressions.items():
            talking[e] = talking.get(e, 0) + c
        floor = _shown_floor(report)
        seconds += report.source.duration_s or 0.0
        speakers = len(report.audio.speakers) if report.audio else 0
        talks.append(
            {
                "file": row["file"],
                "persons": len(report.persons),
                "speakers": speakers,
                "speakers_true": int(row.get("speakers") or 1),
                "moments": [f"{m[0]}:{m[1]}@{m[2]:.1f}-{m[3]:.1f} c={m[4]:.2f}" for m in moments],
                "moments_shown": sum(m[4] >= floor for m in moments),
                "talking_face": _talking_shares(expressions),
            }
        )
        log(
            f"  {row['file']}: {len(report.persons)} person(s), {speakers} speaker(s), moments {talks[-1]['moments']}, "
            f"talking face {talks[-1]['talking_face']}"
        )
    false = sum(len(t["moments"]) for t in talks)
    return {
        "data": str(folder),
        "talks": len(talks),
        "false_moments": false,
        "false_moments_per_minute": round(false / (seconds / 60), 3) if seconds else None,
        "talks_without_moments": sum(not t["moments"] for t in talks),
        "moments_above_default_confidence": sum(t["moments_shown"] for t in talks),
        "talks_one_person": sum(t["persons"] == 1 for t in talks),
        "talks_speaker_count_right": sum(t["speakers"] == t["speakers_true"] for t in talks),
        "talking_face": _talking_shares(talking),
        "files": talks,
    }


def _folders(data: Path) -> tuple[list[Path], list[Path]]:
    """Episode lessons and calm-talk folders at ``data`` itself or one level below it."""
    candidates = [data, *sorted(p for p in data.iterdir() if p.is_dir())]
    episodes = [p for p in candidates if (p / "episodes.csv").is_file() and (p / "lesson.mp4").is_file()]
    return episodes, [p for p in candidates if _is_talk_folder(p)]


def _is_talk_folder(folder: Path) -> bool:
    """labels.csv with ``file`` and ``speakers`` columns whose files are videos in the folder."""
    return bool(video_label_rows(folder, {"speakers"}))


def eval_episodes(data: Path, log: Log) -> dict[str, Any]:
    episode_dirs, talk_dirs = _folders(data)
    if not episode_dirs and not talk_dirs:
        raise FileNotFoundError(f"no episode lesson (episodes.csv + lesson.mp4) or calm-talk folder under {data}")
    out: dict[str, Any] = {"task": "episodes", "episodes": {}, "calm_talks": {}}
    for folder in episode_dirs:
        log(f"episodes on {folder}")
        out["episodes"][folder.name] = eval_episode_folder(folder, log)
    for folder in talk_dirs:
        log(f"calm talks on {folder}")
        out["calm_talks"][folder.name] = eval_calm_talks(folder, log)
    return out
