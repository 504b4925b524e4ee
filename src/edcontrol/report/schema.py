"""LessonReport: the one versioned contract between analysis, store, API, dashboard and the LMS.

Bump SCHEMA_VERSION on every change (minor: fields added; major: fields changed or removed) and
re-export the JSON Schema with ``edcontrol schema -o src/edcontrol/report/lesson_report.schema.json``;
a test fails while the committed file differs from the models below.
Times are seconds from the start of the lesson; probabilities and intensities are 0..1.

1.2.0 (from 1.1.0, compatible for readers of 1.1.0 reports): ``settings.compliance_mode`` added; under
compliance mode the emotion fields (person ``expression``, ``negative_intensity``, ``expression_mean``,
``dominant_expression``, ``negative_baseline``; speaker ``speech_emotion``) are absent, not empty.

1.3.0 (from 1.2.0, compatible): diarization hears overlap. ``audio.turns`` of different speakers may
overlap; ``conversation.overlaps`` are the spans where two or more speakers talk at once (from the
overlap-aware segmentation model, no longer a heuristic); speaker metrics gain ``overlap_s`` (time this
speaker talked while another did) and ``interrupted_by_others``; ``conversation.overlap_s`` and
``conversation.diarizer`` added.

2.0.0 (from 1.3.0, breaking): one event, one moment. The facial ``moments`` list and ``audio.moments``
are replaced by one ``moments`` list of merged ``Moment``s: per person, what was seen (face), heard
(voice) and said (words) that overlaps or follows within a short gap is one moment, with each
modality's own signal in ``modalities`` and a confidence that rises when independent modalities agree.
New: ``watch_first`` (the ids of the five to watch first), ``positive_markers`` (smiles, praise, calm
answers, kept apart), ``stories`` (per person: counts by kind, worst moment, negative share),
``settings.fusion``. ``Person.speaker_id`` became ``speaker_ids`` (a person may have two voices, e.g. a
re-joined call). Migration: ``parse_stored`` reads 1.1.0-1.3.0 reports as 2.0.0, each old moment
becoming a one-modality moment (old reports are never merged after the fact: their signals were cut
with other rules), ``watch_first`` ranked from them, ``positive_markers`` and ``stories`` as far as
the old report allows.

2.1.0 (from 2.0.0, compatible): ``settings.face_track`` carries every tunable of the face track (sampling,
smoothing, moment thresholds, speech-aware faces: while the lips move, surprise and fear go to neutral
unless the brows rise), so a report says how its facial moments were cut. 2.0.0 reports read as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION = "2.1.0"

Expression = Literal["neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise"]
NegativeEmotion = Literal["anger", "disgust", "fear", "sadness", "contempt"]
Modality = Literal["face", "voice", "text"]  # seen, heard, said
SignalKind = Literal[
    "anger", "disgust", "fear", "sadness", "contempt", "raised_voice", "angry_speech", "toxic_language", "negative_tone"
]
MomentKind = Literal["hostile_language", "anger", "raised_voice", "disgust", "distress", "negative_tone"]
PositiveKind = Literal["smile", "praise", "calm_answer"]
Role = Literal["teacher", "student", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _WithEmotionFields(_Model):
    """A model with emotion fields: None under compliance mode, and then left out of the JSON altogether,
    so a compliance report carries no emotion key at all (AI Act Art. 5(1)(f): off means absent)."""

    _emotion_fields: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _drop_absent_emotion(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        for name in self._emotion_fields:
            if data.get(name, 0) is None:
                del data[name]
        return data


class SourceInfo(_Model):
    """What was analysed: container facts, never the user's path on disk."""

    file_name: str
    size_bytes: int
    container: str
    duration_s: float | None
    start_time_s: float = 0.0
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    rotation_deg: int = 0
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None


class ModelInfo(_Model):
    task: str
    name: str
    version: str


class FusionSettings(_Model):
    """The moment-fusion tunables the report was made with (pipeline/moment_fusion.py)."""

    merge_gap_s: float = Field(description="signals of one person closer than this are one moment")
    lone_weak_factor: float = Field(description="confidence factor of a moment resting on one weak cue")
    watch_first: int = Field(description="how many moments the watch-first list holds")
    watch_first_spacing_s: float = Field(description="at most one watch-first moment per this many seconds")
    default_min_confidence: float = Field(description="moments below this are hidden by default in the dashboard")


class AnalysisSettings(_Model):
    sample_fps: float
    compliance_mode: bool = Field(
        default=False, description="behaviour metrics only: no emotion model was loaded or run, no emotion field"
    )
    emotion_inference: bool = Field(description="False under compliance mode: no expression fields are produced")
    timeline_hz: float = 1.0
    smoothing_window_s: float
    min_moment_duration_s: float
    fusion: FusionSettings | None = Field(default=None, description="null in reports migrated from 1.x")
    face_track: dict[str, float | int | bool] | None = Field(
        default=None, description="every FaceTrackConfig tunable of this run; null in reports before 2.1.0"
    )


class ReportWarning(_Model):
    code: str
    message: str


class PersonTimeline(_WithEmotionFields):
    """Columnar 1 Hz series (index i covers [t[i], t[i] + 1) s); null where the person was not seen."""

    _emotion_fields = ("expression", "negative_intensity")
    t: list[float]
    presence: list[float] = Field(description="share of samples in the second where the face was seen")
    expression: dict[Expression, list[float | None]] | None = Field(
        default=None, description="smoothed probability per expression; absent under compliance mode"
    )
    negative_intensity: list[float | None] | None = Field(
        default=None,
        description="strongest negative emotion relative to the person's own baseline; absent under compliance mode",
    )
    head_yaw_deg: list[float | None]
    head_pitch_deg: list[float | None]
    eye_openness: list[float | None]
    mouth_openness: list[float | None]
    lip_activity: list[float | None] = Field(
        default_factory=list, description="mean change of mouth opening between samples: talking shows here"
    )
    looking_away: list[float | None] = Field(
        description="share of samples with the head turned away (|yaw| > 30 or pitch > 25)"
    )
    eyes_closed: list[float | None]


class PersonSummary(_WithEmotionFields):
    _emotion_fields = ("expression_mean", "dominant_expression", "negative_baseline")
    presence_ratio: float = Field(description="share of the lesson the face was seen")
    expression_mean: dict[Expression, float] | None = None
    dominant_expression: Expression | None = None
    negative_baseline: dict[NegativeEmotion, float] | None = Field(
        default=None, description="the person's own median probability: what intensities are relative to"
    )
    looking_away_ratio: float
    eyes_closed_ratio: float


class Person(_Model):
    id: str = Field(pattern=r"^P\d+$")
    role: Role = "unknown"
    speaker_ids: list[str] = Field(
        default_factory=list, description="the voices (S..) linked to this face by lip motion (two after a re-join)"
    )
    first_seen_s: float
    last_seen_s: float
    face_tracks: int = Field(description="face tracks merged into this person (re-identified by face embedding)")
    samples: int
    typical_box: list[float] = Field(description="median face box [x, y, w, h] in pixels of the displayed frame")
    summary: PersonSummary
    timeline: PersonTimeline


class TimeSpan(_Model):
    start_s: float
    end_s: float


class SpeakerTurn(_Model):
    """One speaker's turn; turns of different speakers may overlap (two people talking at once)."""

    speaker_id: str
    start_s: float
    end_s: float


class TranscriptWord(_Model):
    start_s: float
    end_s: float
    text: str
    probability: float = Field(ge=0, le=1)
    low_confidence: bool = Field(description="ASR probability below the threshold: never used as evidence alone")
    speaker_id: str | None


class TranscriptInfo(_Model):
    language: str
    language_probability: float
    model: str
    words: list[TranscriptWord]


class SpeakerMetrics(_Model):
    talk_time_s: float
    talk_share: float = Field(description="share of all speech time in the lesson")
    turns: int
    longest_monologue_s: float
    interruptions: int = Field(
        description="times this speaker started talking while another was talking (real overlap) or cut them off"
        " mid-sentence"
    )
    interrupted_by_others: int = Field(0, description="times another speaker started talking over this one")
    overlap_s: float = Field(0.0, description="seconds this speaker talked while another speaker talked too")
    questions: int
    mean_wait_after_question_s: float | None = Field(
        description="mean time until someone else answered this speaker's questions"
    )


class SpeakerTimeline(_WithEmotionFields):
    """Columnar 1 Hz series; null where the speaker was silent in that second."""

    t: list[float]
    speaking: list[float] = Field(description="share of the second this speaker was talking")
    loudness_db: list[float | None]
    pitch_hz: list[float | None]
    _emotion_fields = ("speech_emotion",)
    arousal_z: list[float | None] = Field(description="loudness and pitch z-scored against the speaker's own lesson")
    speech_emotion: dict[str, list[float | None]] | None = Field(
        default=None, description="speech-emotion probabilities per second; absent under compliance mode"
    )


class Speaker(_Model):
    id: str = Field(pattern=r"^S\d+$")
    person_id: str | None = Field(default=None, description="the face person (P..) this voice belongs to, when known")
    role: Role = "unknown"
    metrics: SpeakerMetrics
    timeline: SpeakerTimeline


class MomentSignal(_Model):
    """One modality's evidence inside a moment: what one model saw, heard or read, over its own span."""

    modality: Modality
    kind: SignalKind
    source_id: str = Field(description="whose signal: the face person (P..) or the voice (S..)")
    start_s: float
    end_s: float
    peak_s: float
    score: float = Field(ge=0, le=1, description="how strong this signal is, 0..1")
    confidence: float = Field(ge=0, le=1, description="how sure this one model is")
    evidence: dict[str, float] = Field(default_factory=dict, description="the model scores behind the signal")
    excerpt: str = Field("", description="the words that carry it (words) or were said meanwhile (voice)")
    box: list[float] | None = Field(default=None, description="face box [x, y, w, h] at the peak (faces)")


class Moment(_Model):
    """One negative event of one person: what was seen, heard and said about it, merged."""

    id: str = Field(pattern=r"^M\d+$")
    person: str = Field(description="whose: the face person (P..), or the voice (S..) of someone never seen")
    person_id: str | None = Field(description="the face person, when the moment's person has a face")
    speaker_ids: list[str] = Field(description="the person's voices")
    role: Role = "unknown"
    kind: MomentKind = Field(description="the headline: words first, then anger, raised voice, disgust, distress")
    start_s: float
    end_s: float
    peak_s: float
    intensity: float = Field(ge=0, le=1, description="the strongest signal's score")
    confidence: float = Field(
        ge=0, le=1, description="rises when independent modalities agree; low for a lone weak cue"
    )
    severity: float = Field(ge=0, description="intensity x confidence x duration weight: the ranking key")
    modalities: list[MomentSignal] = Field(description="every signal merged into this moment, by start")
    transcript_excerpt: str = Field("", description="what was said (evidence)")
    thumbnail_s: float = Field(description="where a still shows it best (the face's peak when seen)")
    face_box: list[float] | None = Field(default=None, description="face box [x, y, w, h] for the thumbnail")


class PositiveMarker(_Model):
    """A good sign, kept apart from the moments so that a lesson is not judged by its negatives alone."""

    id: str = Field(pattern=r"^G\d+$")
    person: str
    role: Role = "unknown"
    kind: PositiveKind
    modality: Modality
    start_s: float
    end_s: float
    score: float = Field(ge=0, le=1)
    excerpt: str = ""


class PersonStory(_Model):
    """One person's lesson in a line: how many moments of which kind, the worst one, how much was negative."""

    person: str
    role: Role = "unknown"
    moments: int
    by_kind: dict[str, int]
    worst_moment_id: str | None
    negative_share: float = Field(ge=0, le=1, description="share of the lesson inside this person's moments")
    positive_markers: int


class ConversationInfo(_Model):
    speech_s: float
    silence_threshold_s: float
    long_silences: list[TimeSpan]
    overlaps: list[TimeSpan] = Field(description="spans where two or more speakers talk at once")
    overlap_s: float = Field(0.0, description="total time with two or more speakers at once")
    diarizer: str = Field("", description="which diarizer made the turns (overlap-aware or ge2e)")


class AudioInfo(_Model):
    speakers: list[Speaker]
    turns: list[SpeakerTurn]
    transcript: TranscriptInfo | None
    conversation: ConversationInfo


class ScoreReason(_Model):
    code: str
    text: str
    points: float = Field(description="points taken off the score (negative: given back by a positive marker)")
    moment_id: str | None = None


class LessonScore(_Model):
    value: float = Field(ge=0, le=100, description="100 = nothing of concern; see reasons")
    reasons: list[ScoreReason]


class ProcessingInfo(_Model):
    wall_time_s: float
    frames_decoded: int
    frames_sampled: int
    faces_analysed: int
    identity_embeddings: int


class LessonReport(_Model):
    schema_version: Literal["2.1.0"] = SCHEMA_VERSION
    generated_at: datetime
    edcontrol_version: str
    source: SourceInfo
    settings: AnalysisSettings
    models: list[ModelInfo]
    persons: list[Person]
    moments: list[Moment] = Field(description="one per event: seen, heard and said merged per person")
    watch_first: list[str] = Field(default_factory=list, description="ids of the moments to watch first")
    positive_markers: list[PositiveMarker] = Field(default_factory=list)
    stories: list[PersonStory] = Field(default_factory=list)
    audio: AudioInfo | None = Field(default=None, description="the audio track; null when there is no audio")
    score: LessonScore | None = Field(default=None, description="lesson score with the reasons behind it")
    warnings: list[ReportWarning] = Field(default_factory=list)
    processing: ProcessingInfo


LEGACY_VERSIONS = ("1.1.0", "1.2.0", "1.3.0")  # stored reports converted on read
COMPATIBLE_VERSIONS = ("2.0.0",)  # stored reports read as they are (only fields added since)
READABLE_VERSIONS = (*LEGACY_VERSIONS, *COMPATIBLE_VERSIONS, SCHEMA_VERSION)


def parse_stored(data: dict[str, Any]) -> LessonReport:
    """A stored report as the current model: 2.x as it is, 1.1.0-1.3.0 converted (see ``upgrade_1x``)."""
    version = data.get("schema_version")
    if version not in READABLE_VERSIONS:
        raise ValueError(f"report schema {version!r} cannot be read by {SCHEMA_VERSION}")
    if version in LEGACY_VERSIONS:
        from edcontrol.report.legacy import upgrade_1x

        data = upgrade_1x(data)
    elif version in COMPATIBLE_VERSIONS:
        data = {**data, "schema_version": SCHEMA_VERSION}
    return LessonReport.model_validate(data)
