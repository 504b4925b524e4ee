"""The face track: video -> sampled frames -> faces -> tracks -> persons, their 1 Hz timelines (speech-aware:
pipeline/talking_face.py), lip activity, facial signals (negative expressions above the person's own
baseline) and smiles.

Decoding runs in its own thread and hands sampled frames over a small bounded queue, so the two cores
decode and infer at the same time and memory stays flat however long the lesson is.
"""

from __future__ import annotations

import math
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edcontrol.errors import InputError
from edcontrol.media.frames import DecodeStats, SampledFrame, iter_frames
from edcontrol.media.probe import MediaInfo
from edcontrol.models.face_identity import FaceIdentity
from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.fear_face import read_fear
from edcontrol.pipeline.linking import lip_activity
from edcontrol.pipeline.moments import Moment, baselines, find_moments, find_smiles, intensity_series
from edcontrol.pipeline.observations import FrameFaceAnalyzer, settle
from edcontrol.pipeline.persons import PersonTracks, group_tracks
from edcontrol.pipeline.progress import Progress, no_progress
from edcontrol.pipeline.talking_face import discount_talking
from edcontrol.pipeline.timeline import Series, build_series, seconds_of
from edcontrol.pipeline.tracking import FaceTracker
from edcontrol.report import schema as rs

_END = object()


@dataclass
class FaceTrackResult:
    """What the face track hands on: persons with timelines, their lip activity (for the voice link),
    the facial signals and smiles (for moment fusion), and how the video decoded."""

    persons: list[rs.Person] = field(default_factory=list)
    lips: dict[str, np.ndarray] = field(default_factory=dict)
    signals: list[rs.MomentSignal] = field(default_factory=list)
    smiles: list[rs.PositiveMarker] = field(default_factory=list)
    warnings: list[rs.ReportWarning] = field(default_factory=list)
    models: list[rs.ModelInfo] = field(default_factory=list)
    stats: DecodeStats = field(default_factory=DecodeStats)
    frames_sampled: int = 0
    faces_analysed: int = 0
    identity_embeddings: int = 0
    duration_s: float = 0.0


class _Decoder(threading.Thread):
    """Producer thread: sampled frames into a bounded queue; errors are passed to the consumer."""

    def __init__(self, path: Path, config: FaceTrackConfig, stats: DecodeStats) -> None:
        super().__init__(daemon=True, name="edcontrol-decode")
        self.path, self.config, self.stats = path, config, stats
        self.frames: queue.Queue[object] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            for frame in iter_frames(self.path, self.config.sample_fps, self.config.max_side, self.stats):
                while not self.stop.is_set():
                    try:
                        self.frames.put(frame, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if self.stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, which raises it in the main thread
            self.error = exc
        finally:
            self.frames.put(_END)


def analyze_faces(
    path: Path, info: MediaInfo, config: FaceTrackConfig, progress: Progress = no_progress
) -> FaceTrackResult:
    """Run the face track on a probed recording; raises ``InputError`` when the video cannot be decoded."""
    out = FaceTrackResult(duration_s=info.duration_s or 0.0)
    if not info.has_video:
        out.warnings.append(
            rs.ReportWarning(code="no_video", message="The recording has no video track: no face analysis.")
        )
        return out
    analyzer, identity, tracker = FrameFaceAnalyzer(config), FaceIdentity(), FaceTracker(config)
    sampled = _observe(path, config, analyzer, identity, tracker, out, progress)
    out.warnings += _decode_warnings(info, out.stats)
    out.duration_s = max(out.duration_s, out.stats.last_t)
    _people(tracker, sampled, config, out)
    out.models = _models_used(analyzer, identity)
    return out


def _observe(
    path: Path,
    config: FaceTrackConfig,
    analyzer: FrameFaceAnalyzer,
    identity: FaceIdentity,
    tracker: FaceTracker,
    out: FaceTrackResult,
    progress: Progress,
) -> list[float]:
    """Decode and look at every sampled frame: detect/follow faces, track, re-identify, classify."""
    duration = out.duration_s
    sampled: list[float] = []
    decoder = _Decoder(path, config, out.stats)
    decoder.start()
    try:
        while (item := decoder.frames.get()) is not _END:
            assert isinstance(item, SampledFrame)
            observations = analyzer.observe(item.t, item.image)
            for track, obs in tracker.update(item.t, observations):
                tracker.add_embedding(track, obs, identity.embed([item.image], [obs.box])[0])
                out.identity_embeddings += 1
            analyzer.classify(item.image, tracker.due_for_expression(item.t, observations))
            settle(observations)
            sampled.append(item.t)
            progress("faces", min(1.0, item.t / duration) if duration else 0.0)
    finally:
        decoder.stop.set()
        decoder.join(timeout=5)
        analyzer.close()
    if decoder.error is not None:
        if isinstance(decoder.error, InputError):
            raise decoder.error
        raise InputError(f"video could not be decoded: {decoder.error}") from decoder.error
    out.frames_sampled, out.faces_analysed = len(sampled), analyzer.faces_analysed
    return sampled


def _decode_warnings(info: MediaInfo, stats: DecodeStats) -> list[rs.ReportWarning]:
    warnings = [rs.ReportWarning(code="corrupt_packets", message=w) for w in stats.warnings]
    if info.duration_s and stats.last_t < info.duration_s - 2.0:
        warnings.append(
            rs.ReportWarning(
                code="truncated",
                message=f"video ends at {stats.last_t:.1f} s but the container says {info.duration_s:.1f} s: "
                "the file looks truncated; the rest was not analysed.",
            )
        )
    if info.width and info.height and min(info.width, info.height) < 64:
        warnings.append(
            rs.ReportWarning(
                code="low_resolution", message=f"resolution {info.width}x{info.height} is too small to see faces."
            )
        )
    return warnings


def _people(tracker: FaceTracker, sampled: list[float], config: FaceTrackConfig, out: FaceTrackResult) -> None:
    """Tracks -> persons; per person the timeline, lip activity, facial signals and smiles."""
    groups, dropped = group_tracks(tracker.tracks, config)
    n_sec = seconds_of(out.duration_s)
    seconds = np.minimum(np.array(sampled, dtype=int), n_sec - 1)
    counts = np.bincount(seconds, minlength=n_sec) if sampled else np.zeros(n_sec)
    for g in groups:
        obs = [o for t in g.tracks for o in t.observations]
        out.lips[g.id] = lip_activity(obs, n_sec)
        series = read_fear(discount_talking(build_series(obs, counts, config), out.lips[g.id], config), config)
        person = _person(g, series, config)
        person.timeline.lip_activity = _clean(out.lips[g.id], 4)
        out.persons.append(person)
        out.signals += [_face_signal(g, m, out.duration_s) for m in find_moments(series, config)]
        out.smiles += [
            rs.PositiveMarker(
                id="G0", person=g.id, kind="smile", modality="face", start_s=a, end_s=b, score=round(score, 4)
            )
            for a, b, score in find_smiles(series, config)
        ]
    if not out.persons:
        out.warnings.append(rs.ReportWarning(code="no_faces", message="No face was found in the video."))
    if dropped:
        out.warnings.append(
            rs.ReportWarning(
                code="short_tracks_dropped",
                message=f"{dropped} face track(s) seen fewer than {config.min_person_samples} times were ignored.",
            )
        )


def _face_signal(group: PersonTracks, m: Moment, duration: float) -> rs.MomentSignal:
    return rs.MomentSignal(
        modality="face",
        kind=m.emotion,  # type: ignore[arg-type]
        source_id=group.id,
        start_s=m.start,
        end_s=min(m.end, round(duration, 3)),
        peak_s=m.peak,
        score=round(m.intensity, 4),
        confidence=m.confidence,
        evidence={
            "peak_probability": round(m.peak_probability, 4),
            "baseline_probability": round(m.baseline, 4),
            **({} if m.brow_lowering is None else {"brow_lowering": m.brow_lowering}),
        },
        box=_box_near(group, m.peak),
    )


def _models_used(analyzer: FrameFaceAnalyzer, identity: FaceIdentity) -> list[rs.ModelInfo]:
    models = [
        rs.ModelInfo(task="face_detection", name=analyzer.detector.name, version=analyzer.detector.version),
        rs.ModelInfo(task="face_mesh", name=analyzer.mesh.name, version=analyzer.mesh.version),
        rs.ModelInfo(task="face_identity", name=identity.name, version=identity.version),
    ]
    if analyzer.expression is not None:
        ex = analyzer.expression
        models += [
            rs.ModelInfo(task="face_expression", name=ex.name, version=ex.version),
            rs.ModelInfo(task="face_expression_member", name=ex.fer.name, version=ex.fer.version),
            rs.ModelInfo(task="face_expression_member", name=ex.face_api.name, version=ex.face_api.version),
        ]
    return models


def _clean(values: np.ndarray, digits: int = 3) -> list[float | None]:
    return [None if (v is None or math.isnan(v)) else round(float(v), digits) for v in values]


def _seen_mean(values: np.ndarray) -> float:
    """Mean over the seconds that have a value; 0.0 when none has (a face seen without its mesh)."""
    seen = values[np.isfinite(values)]
    return round(float(seen.mean()), 4) if len(seen) else 0.0


def _expression_fields(series: Series) -> tuple[dict, dict, list, dict]:
    """Per-expression timeline and means, the negative-intensity line and the person's baselines."""
    expression, summary, base = {}, {}, baselines(series)
    for j, e in enumerate(EXPRESSIONS):
        expression[e] = _clean(series.expression[:, j])  # type: ignore[index]
        summary[e] = round(float(np.nanmean(series.expression[:, j])), 4)  # type: ignore[index]
    stack = np.stack(list(intensity_series(series, base).values()))
    strongest = np.where(np.isnan(stack).all(axis=0), np.nan, np.max(np.nan_to_num(stack, nan=-1.0), axis=0))
    negative = _clean(np.where(series.presence > 0, strongest, np.nan))
    return expression, summary, negative, base


def _person(group: PersonTracks, series: Series, config: FaceTrackConfig) -> rs.Person:
    obs = [o for t in group.tracks for o in t.observations]
    boxes = np.array([[o.box.x, o.box.y, o.box.w, o.box.h] for o in obs])
    expression: dict | None = {}
    summary_expr: dict | None = {}
    negative: list | None = []
    base: dict | None = {}
    if series.expression is not None:
        expression, summary_expr, negative, base = _expression_fields(series)
    if not config.emotion_inference:  # compliance: the fields are absent, not empty
        expression, summary_expr, negative, base = None, None, None, None
    return rs.Person(
        id=group.id,
        first_seen_s=round(min(o.t for o in obs), 3),
        last_seen_s=round(max(o.t for o in obs), 3),
        face_tracks=len(group.tracks),
        samples=len(obs),
        typical_box=[round(float(v), 1) for v in np.median(boxes, axis=0)],
        summary=rs.PersonSummary(
            presence_ratio=round(float(series.presence.mean()), 4),
            expression_mean=summary_expr,
            dominant_expression=max(summary_expr, key=summary_expr.__getitem__) if summary_expr else None,
            negative_baseline=None if base is None else {k: round(v, 4) for k, v in base.items()},
            looking_away_ratio=_seen_mean(series.looking_away),
            eyes_closed_ratio=_seen_mean(series.eyes_closed),
        ),
        timeline=rs.PersonTimeline(
            t=series.t.tolist(),
            presence=[round(float(v), 3) for v in series.presence],
            expression=expression,
            negative_intensity=negative,
            head_yaw_deg=_clean(series.yaw, 1),
            head_pitch_deg=_clean(series.pitch, 1),
            eye_openness=_clean(series.eye_open),
            mouth_openness=_clean(series.mouth_open),
            looking_away=_clean(series.looking_away),
            eyes_closed=_clean(series.eyes_closed),
        ),
    )


def _box_near(group: PersonTracks, t: float) -> list[float]:
    o = min((o for tr in group.tracks for o in tr.observations), key=lambda o: abs(o.t - t))
    return [round(o.box.x, 1), round(o.box.y, 1), round(o.box.w, 1), round(o.box.h, 1)]
