"""``edcontrol analyze``: the flow of one lesson, as the data goes.

probe -> face track (video -> persons, lip activity, facial signals) beside the audio track (audio ->
voices, turns, words, vocal and word signals), both at once -> linking (which voice is whose face, who
teaches) -> moment fusion (one moment per event of one person) -> score -> report. Each stage lives in
its own module and takes typed inputs, so each is tested alone; this module only composes them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from edcontrol import __version__
from edcontrol.media.audio import spool_audio
from edcontrol.media.frames import DecodeStats
from edcontrol.media.probe import MediaInfo, probe
from edcontrol.pipeline.audio_track import AudioTrackConfig, AudioTrackResult, analyze_audio
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.face_track import FaceTrackResult, analyze_faces
from edcontrol.pipeline.linking import link_people
from edcontrol.pipeline.malloc_arenas import cap_malloc_arenas, trimming
from edcontrol.pipeline.moment_fusion import (
    FusionResult,
    MomentFusionConfig,
    fuse_moments,
    owners,
    positive_markers,
    stories,
    watch_first,
)
from edcontrol.pipeline.progress import Progress, no_progress
from edcontrol.pipeline.score import lesson_score
from edcontrol.pipeline.side_by_side import side_by_side
from edcontrol.report import schema as rs


@dataclass
class _Heard:
    """The audio track's result, or why there is none."""

    result: AudioTrackResult | None
    warnings: list[rs.ReportWarning]
    duration_s: float = 0.0


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
    fusion_config: MomentFusionConfig | None = None,
    parallel: bool = True,
) -> rs.LessonReport:
    """Analyse one recording and return its report; raises ``InputError`` for unusable input.

    ``audio_config=None`` skips the audio track (face track only); pass ``AudioTrackConfig()`` for both.
    The face and audio tracks run at the same time, and inside the audio track diarization and ASR;
    ``parallel=False`` runs everything one step after the other (the same report, slower).
    """
    cap_malloc_arenas()  # before the tracks' threads start: they share freed memory
    config, audio_config = one_compliance_switch(config or FaceTrackConfig(), audio_config)
    if audio_config is not None and not parallel:
        audio_config = replace(audio_config, parallel=False)
    fusion_config = fusion_config or MomentFusionConfig()
    progress = progress or no_progress
    started = time.perf_counter()
    progress("decode", 0.0)
    path = Path(path)
    info = probe(path)
    progress("decode", 1.0)
    with trimming():  # freed pages back to the system as the tracks go: peak memory flat in lesson length
        faces, heard = side_by_side(
            lambda p: analyze_faces(path, info, config, p),
            lambda p: hear(path, info, audio_config, p),
            progress,
            parallel,
        )
    progress("fusion", 0.0)
    duration = max(faces.duration_s, heard.duration_s)
    audio_info = heard.result.info if heard.result else None
    if audio_info is not None:
        link_people(faces.persons, audio_info, faces.lips)
    who = owners(faces.persons, audio_info.speakers if audio_info else [])
    fused = fuse_moments(faces.signals + (heard.result.signals if heard.result else []), who, duration, fusion_config)
    positives = positive_markers(faces.smiles + (heard.result.positives if heard.result else []), who)
    progress("report", 1.0)
    report = _report(info, faces, heard, fused, positives, duration, config, fusion_config)
    report.stories = stories(report.moments, positives, who, duration)
    report.processing.wall_time_s = round(time.perf_counter() - started, 3)
    report.score = lesson_score(report)
    return report


def hear(path: Path, info: MediaInfo, config: AudioTrackConfig | None, progress: Progress) -> _Heard:
    """The audio track of a recording, when asked for and when there is audio to hear."""
    if not info.has_audio:
        return _Heard(None, [rs.ReportWarning(code="no_audio", message="The recording has no audio track.")])
    if config is None:
        return _Heard(None, [])
    with spool_audio(path) as audio:  # on disk, read by blocks: memory flat in lesson length
        if len(audio) == 0:
            return _Heard(
                None, [rs.ReportWarning(code="empty_audio", message="The audio track holds no decodable sound.")]
            )
        result = analyze_audio(audio, config, progress)
        return _Heard(result, list(result.warnings), len(audio) / 16_000)


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


def _report(
    info: MediaInfo,
    faces: FaceTrackResult,
    heard: _Heard,
    fused: FusionResult,
    positives: list[rs.PositiveMarker],
    duration: float,
    config: FaceTrackConfig,
    fusion_config: MomentFusionConfig,
) -> rs.LessonReport:
    return rs.LessonReport(
        generated_at=datetime.now(UTC),
        edcontrol_version=__version__,
        source=_source(info, faces.stats, duration),
        settings=rs.AnalysisSettings(
            sample_fps=config.sample_fps,
            compliance_mode=not config.emotion_inference,
            emotion_inference=config.emotion_inference,
            smoothing_window_s=config.smoothing_window_s,
            min_moment_duration_s=config.min_moment_duration_s,
            fusion=fusion_config.settings(),
            face_track=asdict(config),
        ),
        models=faces.models + (heard.result.models if heard.result else []),
        persons=faces.persons,
        moments=fused.moments,
        watch_first=watch_first(fused.moments, fusion_config),
        positive_markers=positives,
        audio=heard.result.info if heard.result else None,
        warnings=heard.warnings + faces.warnings,
        processing=rs.ProcessingInfo(
            wall_time_s=0.0,
            frames_decoded=faces.stats.decoded,
            frames_sampled=faces.frames_sampled,
            faces_analysed=faces.faces_analysed,
            identity_embeddings=faces.identity_embeddings,
        ),
    )
