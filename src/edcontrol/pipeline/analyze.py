"""The face track of ``edcontrol analyze``: decode -> faces -> tracks -> persons -> timeline -> report.

Decoding runs in its own thread and hands sampled frames over a small bounded queue, so the two cores
decode and infer at the same time and memory stays flat however long the lesson is.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from edcontrol import __version__
from edcontrol.errors import InputError
from edcontrol.media.audio import read_audio
from edcontrol.media.frames import DecodeStats, SampledFrame, iter_frames
from edcontrol.media.probe import MediaInfo, probe
from edcontrol.models.face_identity import FaceIdentity
from edcontrol.models.types import EXPRESSIONS
from edcontrol.pipeline.audio_track import AudioTrackConfig, analyze_audio
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.fusion import link_speakers, lip_activity, teacher_speaker
from edcontrol.pipeline.moments import baselines, find_moments, intensity_series
from edcontrol.pipeline.observations import FrameFaceAnalyzer
from edcontrol.pipeline.persons import PersonTracks, group_tracks
from edcontrol.pipeline.progress import Progress, no_progress
from edcontrol.pipeline.score import lesson_score
from edcontrol.pipeline.timeline import Series, build_series, seconds_of
from edcontrol.pipeline.tracking import FaceTracker
from edcontrol.report import schema as rs

_END = object()


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


def _clean(values: np.ndarray, digits: int = 3) -> list[float | None]:
    return [None if (v is None or math.isnan(v)) else round(float(v), digits) for v in values]


def _seen_mean(values: np.ndarray) -> float:
    """Mean over the seconds that have a value; 0.0 when none has (a face seen without its mesh)."""
    seen = values[np.isfinite(values)]
    return round(float(seen.mean()), 4) if len(seen) else 0.0


def _source(info: MediaInfo, stats: DecodeStats, duration: float) -> rs.SourceInfo:
    return rs.SourceInfo(
        file_name=info.path.name,
        size_bytes=info.size_bytes,
        container=info.container,
        duration_s=round(duration, 3),
        start_time_s=info.start_time_s,
        width=info.width,
        height=info.height,
        fps=round(info.fps, 3) if info.fps else None,
        video_codec=info.video_codec,
        rotation_deg=stats.rotation,
        audio_codec=info.audio_codec,
        audio_sample_rate=info.audio_sample_rate,
        audio_channels=info.audio_channels,
    )


def _person(group: PersonTracks, series: Series, config: FaceTrackConfig) -> rs.Person:
    obs = [o for t in group.tracks for o in t.observations]
    boxes = np.array([[o.box.x, o.box.y, o.box.w, o.box.h] for o in obs])
    present = series.presence > 0
    expression: dict[str, list[float | None]] = {}
    summary_expr: dict[str, float] = {}
    negative: list[float | None] = []
    base: dict[str, float] = {}
    if series.expression is not None:
        for j, e in enumerate(EXPRESSIONS):
            expression[e] = _clean(series.expression[:, j])
            summary_expr[e] = round(float(np.nanmean(series.expression[:, j])), 4)
        base = baselines(series)
        rises = intensity_series(series, base)
        stack = np.stack(list(rises.values()))
        stacked = np.where(np.isnan(stack).all(axis=0), np.nan, np.max(np.nan_to_num(stack, nan=-1.0), axis=0))
        negative = _clean(np.where(present, stacked, np.nan))
    if not config.emotion_inference:  # compliance: the fields are absent, not empty
        expression, summary_expr, negative, base = None, None, None, None  # type: ignore[assignment]
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


def _fuse(persons: list[rs.Person], audio: rs.AudioInfo, lips: dict[str, np.ndarray], n_sec: int) -> None:
    """Link voices to faces and set roles (see pipeline/fusion.py); fills both sides of the link."""
    speaking = {}
    for s in audio.speakers:
        v = np.array(s.timeline.speaking[:n_sec] + [0.0] * max(0, n_sec - len(s.timeline.speaking)), dtype=float)
        speaking[s.id] = v
    links = link_speakers(lips, speaking)
    by_id = {p.id: p for p in persons}
    for s in audio.speakers:
        s.person_id = links.get(s.id)
        if s.person_id:
            by_id[s.person_id].speaker_id = s.id
    teacher = teacher_speaker(
        {s.id: s.metrics.talk_share for s in audio.speakers},
        {s.id: s.metrics.questions for s in audio.speakers},
        audio.turns[0].speaker_id if audio.turns else None,
    )
    if teacher is None:
        return
    for s in audio.speakers:
        s.role = "teacher" if s.id == teacher else "student"
        if s.person_id:
            by_id[s.person_id].role = s.role
    if any(p.role == "teacher" for p in persons):
        for p in persons:
            if p.role == "unknown":
                p.role = "student"


def one_compliance_switch(
    config: FaceTrackConfig, audio_config: AudioTrackConfig | None
) -> tuple[FaceTrackConfig, AudioTrackConfig | None]:
    """Emotion inference off on either side means off on both: no entry point can switch off the face
    models and leave the speech-emotion model running (or the reverse) by building one config alone."""
    if config.emotion_inference and (audio_config is None or audio_config.emotion_inference):
        return config, audio_config
    return (
        replace(config, emotion_inference=False),
        None if audio_config is None else replace(audio_config, emotion_inference=False),
    )


def analyze_video(
    path: str | Path,
    config: FaceTrackConfig | None = None,
    progress: Progress | None = None,
    audio_config: AudioTrackConfig | None = None,
) -> rs.LessonReport:
    """Analyse one recording and return its report; raises ``InputError`` for unusable input.

    ``audio_config=None`` skips the audio track (face track only); pass ``AudioTrackConfig()`` for both.
    """
    config, audio_config = one_compliance_switch(config or FaceTrackConfig(), audio_config)
    progress = progress or no_progress
    started = time.perf_counter()
    progress("decode", 0.0)
    path = Path(path)
    info = probe(path)
    warnings: list[rs.ReportWarning] = []
    stats = DecodeStats()
    analyzer = FrameFaceAnalyzer(config) if info.has_video else None
    identity = FaceIdentity() if info.has_video else None
    tracker = FaceTracker(config)
    sampled_times: list[float] = []
    embeddings = 0
    duration = info.duration_s or 0.0
    if not info.has_audio:
        warnings.append(rs.ReportWarning(code="no_audio", message="The recording has no audio track."))
    progress("decode", 1.0)
    if analyzer is not None and identity is not None:
        decoder = _Decoder(path, config, stats)
        decoder.start()
        try:
            while (item := decoder.frames.get()) is not _END:
                assert isinstance(item, SampledFrame)
                observations = analyzer.observe(item.t, item.image)
                for track, obs in tracker.update(item.t, observations):
                    emb = identity.embed([item.image], [obs.box])[0]
                    tracker.add_embedding(track, obs, emb)
                    embeddings += 1
                analyzer.classify(item.image, tracker.due_for_expression(item.t, observations))
                sampled_times.append(item.t)
                progress("faces", min(1.0, item.t / duration) if duration else 0.0)
        finally:
            decoder.stop.set()
            decoder.join(timeout=5)
            analyzer.close()
        if decoder.error is not None:
            if isinstance(decoder.error, InputError):
                raise decoder.error
            raise InputError(f"video could not be decoded: {decoder.error}") from decoder.error
        warnings += [rs.ReportWarning(code="corrupt_packets", message=w) for w in stats.warnings]
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
    else:
        warnings.append(
            rs.ReportWarning(code="no_video", message="The recording has no video track: no face analysis.")
        )
    duration = max(duration, stats.last_t)
    audio_info = None
    audio_models: list[rs.ModelInfo] = []
    if audio_config is not None and info.has_audio:
        audio = read_audio(path)
        if len(audio) == 0:
            warnings.append(rs.ReportWarning(code="empty_audio", message="The audio track holds no decodable sound."))
        else:
            result = analyze_audio(audio, audio_config, progress)
            audio_info, audio_models = result.info, result.models
            warnings += result.warnings
            duration = max(duration, len(audio) / 16_000)
    progress("fusion", 0.0)
    groups, dropped = group_tracks(tracker.tracks, config)
    n_sec = seconds_of(duration)
    counts = (
        np.bincount(np.minimum(np.array(sampled_times, dtype=int), n_sec - 1), minlength=n_sec)
        if sampled_times
        else np.zeros(n_sec)
    )
    persons, moments = [], []
    lips: dict[str, np.ndarray] = {}
    for g in groups:
        obs = [o for t in g.tracks for o in t.observations]
        series = build_series(obs, counts, config)
        person = _person(g, series, config)
        lips[g.id] = lip_activity(obs, n_sec)
        person.timeline.lip_activity = _clean(lips[g.id], 4)
        persons.append(person)
        for m in find_moments(series, config):
            moments.append(
                rs.FacialMoment(
                    id="",
                    person_id=g.id,
                    emotion=m.emotion,
                    start_s=m.start,
                    end_s=min(m.end, round(duration, 3)),
                    peak_s=m.peak,
                    intensity=round(m.intensity, 4),
                    confidence=m.confidence,
                    peak_probability=round(m.peak_probability, 4),
                    baseline_probability=round(m.baseline, 4),
                    evidence_box=_box_near(g, m.peak),
                )
            )
    moments.sort(key=lambda m: (m.start_s, m.person_id))
    if audio_info is not None:
        _fuse(persons, audio_info, lips, n_sec)
    for i, m in enumerate(moments, start=1):
        m.id = f"M{i}"
    if info.has_video and not persons:
        warnings.append(rs.ReportWarning(code="no_faces", message="No face was found in the video."))
    if dropped:
        warnings.append(
            rs.ReportWarning(
                code="short_tracks_dropped",
                message=f"{dropped} face track(s) seen fewer than {config.min_person_samples} times were ignored.",
            )
        )
    models = []
    if analyzer is not None and identity is not None:
        models += [
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
    models += audio_models
    progress("report", 1.0)
    report = rs.LessonReport(
        generated_at=datetime.now(UTC),
        edcontrol_version=__version__,
        source=_source(info, stats, duration),
        settings=rs.AnalysisSettings(
            sample_fps=config.sample_fps,
            compliance_mode=not config.emotion_inference,
            emotion_inference=config.emotion_inference,
            smoothing_window_s=config.smoothing_window_s,
            min_moment_duration_s=config.min_moment_duration_s,
        ),
        models=models,
        persons=persons,
        moments=moments,
        audio=audio_info,
        warnings=warnings,
        processing=rs.ProcessingInfo(
            wall_time_s=round(time.perf_counter() - started, 3),
            frames_decoded=stats.decoded,
            frames_sampled=len(sampled_times),
            faces_analysed=analyzer.faces_analysed if analyzer else 0,
            identity_embeddings=embeddings,
        ),
    )
    report.score = lesson_score(report)
    return report
