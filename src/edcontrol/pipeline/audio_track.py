"""The audio track of ``edcontrol analyze``: who spoke when, what was said, how it sounded.

VAD -> overlap-aware diarization (turns that may overlap) -> transcript (words assigned to the turn that
covers them best, with an interval tree) -> prosody per speaker (loudness and pitch z-scored against the
speaker's own lesson) -> vocal and word signals (raised voice, angry-sounding speech, hostile words) for
moment fusion, positive markers (praise, calm answers) and conversation metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from intervaltree import IntervalTree

from edcontrol.features.prosody import Prosody, prosody
from edcontrol.media.audio import Samples, samples
from edcontrol.models.speech_emotion import EMOTIONS as SPEECH_EMOTIONS
from edcontrol.models.speech_emotion import SpeechEmotion
from edcontrol.models.text_tone import TextTone
from edcontrol.models.transcriber import Transcriber, Transcript, Word
from edcontrol.models.voice_activity import SAMPLE_RATE, VoiceActivity
from edcontrol.pipeline.conversation import SpeakerStats, conversation_stats, is_question, long_silences
from edcontrol.pipeline.diarization import DiarizationConfig
from edcontrol.pipeline.progress import Progress, no_progress
from edcontrol.pipeline.side_by_side import side_by_side
from edcontrol.pipeline.speaker_turns import Diarization, Turn, empty_diarization
from edcontrol.pipeline.speakers import SpeakerModels
from edcontrol.pipeline.text_signals import Sentence, TextConfig, hostile_signals, praise_markers, scored_sentences
from edcontrol.report import schema as rs

T = TypeVar("T")


@dataclass(frozen=True)
class AudioTrackConfig:
    asr_model: str | None = "base"  # "base", "tiny.en" or None (no transcript)
    language: str | None = None  # None = detect
    n_speakers: int | None = None  # None = estimate
    diarizer: str = "overlap"  # "overlap" (segmentation-3.0 + CAM++) or "ge2e" (the lighter previous one)
    asr_threads: int = 2
    low_confidence: float = 0.5  # word probability below this is marked and never evidence alone
    silence_threshold_s: float = 5.0
    raised_voice_z: float = 1.8  # arousal z above the speaker's own lesson level, held >= 2 s ...
    raised_voice_peak_z: float = 2.5  # ... or one second this far above it (a short shout) ...
    shout_baseline_s: float = 30.0  # ... once the speaker was heard this long (over 8 s, any loudest second is ~2.5 z)
    hostility_threshold: float = 0.7
    emotion_inference: bool = True  # False = compliance mode: no speech-emotion model
    emotion_chunk_s: float = 3.0
    angry_speech_probability: float = 0.6
    # raised voice: confidence x this when it sounds calm (anger 0), x 1 at anger 0.5, x (2 - this) at 1
    tension_weight_calm: float = 0.8
    angry_speech_baseline_s: float = 30.0  # seconds of the speaker's speech before angry speech can be told
    angry_speech_min_arousal_z: float = 1.0  # angry-sounding AND louder than usual: one cue alone is too noisy
    calm_answer_within_s: float = 3.0  # an answer starts this soon after another speaker's question ...
    calm_answer_max_z: float = 1.0  # ... and stays under this arousal z over its first calm_answer_span_s
    calm_answer_span_s: float = 5.0
    diarization: DiarizationConfig = field(default_factory=DiarizationConfig)
    parallel: bool = True  # diarization and ASR at the same time (neither needs the other); False: one by one


@dataclass
class AudioTrackResult:
    info: rs.AudioInfo
    models: list[rs.ModelInfo]
    warnings: list[rs.ReportWarning]
    signals: list[rs.MomentSignal] = field(default_factory=list)  # heard and said, per voice (S..)
    positives: list[rs.PositiveMarker] = field(default_factory=list)  # praise and calm answers, per voice
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per stage, for benchmarks


def assign_words(words: list[Word], turns: list[Turn]) -> list[tuple[Word, int | None]]:
    """Each word goes to the turn it overlaps most (interval tree, O(n log n)); else the nearest turn."""
    tree = IntervalTree()
    for t in turns:
        if t.end > t.start:
            tree[t.start : t.end] = t.speaker
    starts = np.array([t.start for t in turns])
    out: list[tuple[Word, int | None]] = []
    for w in words:
        hits = tree[w.start : max(w.end, w.start + 1e-3)]
        if hits:
            best = max(hits, key=lambda iv: min(iv.end, w.end) - max(iv.begin, w.start))
            out.append((w, int(best.data)))
        elif turns:
            k = int(np.clip(np.searchsorted(starts, w.start), 1, len(turns)) - 1)
            near = min(turns[max(0, k - 1) : k + 2], key=lambda t: min(abs(t.start - w.end), abs(t.end - w.start)))
            out.append((w, near.speaker))
        else:
            out.append((w, None))
    return out


def _speaker_series(pros: Prosody, turns: list[Turn], speaker: int, n_sec: int) -> dict[str, np.ndarray]:
    """1 Hz speaking share, loudness, pitch and arousal z for one speaker (NaN where silent).

    Frames are in time order, so a turn's frames and a second's frames are each one slice (found by
    bisection): linear in lesson length, where masking every frame per turn and per second was quadratic
    (seconds per speaker at three hours)."""
    mask = np.zeros(len(pros.t), bool)
    for t in turns:
        if t.speaker == speaker:
            mask[np.searchsorted(pros.t, t.start) : np.searchsorted(pros.t, t.end)] = True
    sec = np.minimum(pros.t.astype(int), n_sec - 1)
    speaking = np.bincount(sec[mask], minlength=n_sec) / np.maximum(np.bincount(sec, minlength=n_sec), 1)
    loud = np.full(n_sec, np.nan)
    pitch = np.full(n_sec, np.nan)
    voiced_loud = np.where(mask, pros.loudness_db, np.nan)
    voiced_f0 = np.where(mask, pros.f0, np.nan)
    bounds = np.searchsorted(sec, np.arange(n_sec + 1))
    for i in np.flatnonzero(speaking > 0):
        sel = slice(bounds[i], bounds[i + 1])
        with np.errstate(all="ignore"):
            loud[i] = np.nanpercentile(voiced_loud[sel], 90) if np.isfinite(voiced_loud[sel]).any() else np.nan
            pitch[i] = np.nanmedian(voiced_f0[sel]) if np.isfinite(voiced_f0[sel]).any() else np.nan

    def z(v: np.ndarray, floor: float) -> np.ndarray:
        """Robust z-score (median, MAD) with a floor on the spread: one shout or one near-silent
        second must not redefine what is normal for this speaker."""
        ok = np.isfinite(v)
        if ok.sum() < 3:
            return np.full_like(v, np.nan)
        med = np.median(v[ok])
        spread = max(1.4826 * float(np.median(np.abs(v[ok] - med))), floor)
        return (v - med) / spread

    zl, zp = z(loud, 2.0), z(np.log(pitch), 0.05)
    arousal = np.where(np.isfinite(zp), 0.7 * zl + 0.3 * zp, zl)
    return {"speaking": speaking, "loudness": loud, "pitch": pitch, "arousal": arousal}


def _speech_emotion(
    audio: Samples, turns: list[Turn], speaker: int, n_sec: int, model: SpeechEmotion, chunk_s: float
) -> dict[str, np.ndarray] | None:
    """Emotion probabilities per second for one speaker, from chunks of their turns."""
    spans = []
    for t in turns:
        if t.speaker != speaker:
            continue
        a = t.start
        while t.end - a >= 1.0:
            b = min(t.end, a + chunk_s)
            if t.end - b < 1.0:
                b = t.end
            spans.append((a, b))
            a = b
    probs = model.predict_speaker([samples(audio, int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)) for a, b in spans])
    if probs is None:
        return None
    out = {e: np.full(n_sec, np.nan) for e in SPEECH_EMOTIONS}
    for (a, b), p in zip(spans, probs, strict=True):
        for i in range(int(a), min(n_sec, int(np.ceil(b)))):
            for j, e in enumerate(SPEECH_EMOTIONS):
                out[e][i] = p[j] if np.isnan(out[e][i]) else max(out[e][i], p[j])
    return out


def _spans(active: np.ndarray) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in np.flatnonzero(active):
        if out and i - out[-1][1] <= 1:
            out[-1] = (out[-1][0], int(i))
        else:
            out.append((int(i), int(i)))
    return out


def _excerpt(words: list[tuple[Word, int | None]], start: float, end: float, pad: float = 2.0) -> str:
    return " ".join(w.text for w, _ in words if w.end >= start - pad and w.start <= end + pad)[:400]


@dataclass
class _Heard:
    """What the audio track has established before the per-speaker reading: speech, turns, words."""

    audio: Samples
    duration: float
    n_sec: int
    segments: list
    diar: Diarization
    transcript: Transcript | None
    words: list[tuple[Word, int | None]]
    ids: list[str]


def analyze_audio(
    audio: Samples,
    config: AudioTrackConfig | None = None,
    progress: Progress | None = None,
    models: dict[str, object] | None = None,
) -> AudioTrackResult:
    """Run the audio track on 16 kHz mono audio. ``models`` lets callers reuse loaded models."""
    config = config or AudioTrackConfig()
    progress = progress or no_progress
    models = models if models is not None else {}
    timer = _StageTimer()
    speakers_models = _speaker_models(models, config)
    progress("voice", 0.0)
    segments = speakers_models.vad.segments(audio)
    progress("voice", 1.0)
    timer.lap("vad")
    warnings = _input_warnings(audio, segments)
    n_sec = max(1, int(np.ceil(len(audio) / SAMPLE_RATE - 1e-6)))
    asr = _transcriber(models, config) if segments else None
    emotion_model = _emotion_model(models, config) if config.emotion_inference else None
    (diar, voices), transcript = side_by_side(
        lambda p: _who_and_how(audio, segments, speakers_models, emotion_model, n_sec, config, timer, p),
        lambda p: timer.timed("asr", _transcribe, audio, asr, config, p),
        progress,
        config.parallel,
    )
    timer.restart()
    heard = _Heard(
        audio, len(audio) / SAMPLE_RATE, n_sec, segments, diar, transcript,
        assign_words(transcript.words if transcript else [], diar.turns), [f"S{i + 1}" for i in range(diar.n_speakers)],
    )  # fmt: skip
    speakers, signals, arousal = _read_speakers(heard, voices, config, emotion_model is not None)
    progress("tone", 0.0)
    said = _sentences(heard, config, models)
    signals += hostile_signals(said, _text_config(config))
    positives = praise_markers(said, _text_config(config)) + _calm_answers(heard, said, arousal, config)
    info = _audio_info(heard, speakers, config, models, speakers_models.kind)
    used = _models_used(speakers_models, emotion_model, transcript, models, config)
    timer.lap("tone_metrics")
    progress("tone", 1.0)
    return AudioTrackResult(info, used, warnings, signals, positives, timer.timings)


class _StageTimer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self._clock
        self._clock = now

    def restart(self) -> None:
        self._clock = time.perf_counter()

    def timed(self, stage: str, step: Callable[..., T], *args: object) -> T:
        """``step(*args)`` with its own wall time recorded under ``stage`` (for steps that overlap in time)."""
        t0 = time.perf_counter()
        try:
            return step(*args)
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - t0


def _speaker_models(models: dict[str, object], config: AudioTrackConfig) -> SpeakerModels:
    key = f"speakers-{config.diarizer}"
    if key not in models:
        vad = models.get("vad")
        models[key] = SpeakerModels.load(config.diarizer, vad if isinstance(vad, VoiceActivity) else None)
        models["vad"] = models[key].vad  # type: ignore[attr-defined]
    return models[key]  # type: ignore[return-value]


_SCAN = 60 * SAMPLE_RATE  # samples scanned at a time for clipping


def _input_warnings(audio: Samples, segments: list) -> list[rs.ReportWarning]:
    warnings: list[rs.ReportWarning] = []
    clipped = sum(int((np.abs(audio[a : a + _SCAN]) >= 0.999).sum()) for a in range(0, len(audio), _SCAN))
    if clipped > 0.001 * max(1, len(audio)):
        warnings.append(
            rs.ReportWarning(
                code="clipped_audio",
                message="The audio is clipped (distorted): loudness figures underestimate how loud it really was.",
            )
        )
    if not segments:
        warnings.append(rs.ReportWarning(code="no_speech", message="No speech was found in the audio."))
    return warnings


def _diarize(
    audio: Samples, segments: list, speakers: SpeakerModels, config: AudioTrackConfig, progress: Progress
) -> Diarization:
    if not segments:
        return empty_diarization()
    progress("diarization", 0.0)
    cfg = config.diarization if config.diarizer == "overlap" else None
    return speakers.diarize(audio, segments, config.n_speakers, lambda f: progress("diarization", f), cfg)


def _transcriber(models: dict[str, object], config: AudioTrackConfig) -> Transcriber | None:
    if not config.asr_model:
        return None
    key = f"asr-{config.asr_model}"
    if key not in models:
        models[key] = Transcriber(config.asr_model, config.asr_threads)
    return models[key]  # type: ignore[return-value]


def _transcribe(
    audio: Samples, asr: Transcriber | None, config: AudioTrackConfig, progress: Progress
) -> Transcript | None:
    if asr is None:
        return None
    progress("transcript", 0.0)
    return asr.transcribe(audio, config.language, lambda f: progress("transcript", f))


def _emotion_model(models: dict[str, object], config: AudioTrackConfig) -> SpeechEmotion:
    """The speech-emotion model shares the transcriber's Whisper base encoder when that is loaded (one copy in
    memory; the transcriber's model takes two calls at once, so speech emotion runs while ASR does), else loads
    its own."""
    if "speech_emotion" not in models:
        asr = models.get("asr-base")
        encoder = asr.whisper if isinstance(asr, Transcriber) else None
        models["speech_emotion"] = SpeechEmotion(encoder, threads=config.asr_threads)
    return models["speech_emotion"]  # type: ignore[return-value]


@dataclass
class _Voices:
    """How each speaker sounds, read from the audio and the turns alone (no words needed)."""

    series: list[dict[str, np.ndarray]]  # per speaker: speaking, loudness, pitch, arousal per second
    emotion: list[dict[str, np.ndarray] | None]  # per speaker: speech-emotion probabilities per second


def _who_and_how(
    audio: Samples,
    segments: list,
    speakers_models: SpeakerModels,
    emotion_model: SpeechEmotion | None,
    n_sec: int,
    config: AudioTrackConfig,
    timer: _StageTimer,
    progress: Progress,
) -> tuple[Diarization, _Voices]:
    """Who spoke when, then how each of them sounds: the part of the audio track that needs no transcript,
    so it runs while ASR does."""
    diar = timer.timed("diarization", _diarize, audio, segments, speakers_models, config, progress)
    voices = timer.timed("prosody_emotion", _listen_to_voices, audio, diar, n_sec, emotion_model, config, progress)
    return diar, voices


def _listen_to_voices(
    audio: Samples,
    diar: Diarization,
    n_sec: int,
    emotion_model: SpeechEmotion | None,
    config: AudioTrackConfig,
    progress: Progress,
) -> _Voices:
    progress("emotion", 0.0)
    pros = prosody(audio)
    voices = _Voices([], [])
    for k in range(diar.n_speakers):
        progress("emotion", k / max(1, diar.n_speakers))
        voices.series.append(_speaker_series(pros, diar.turns, k, n_sec))
        voices.emotion.append(
            _speech_emotion(audio, diar.turns, k, n_sec, emotion_model, config.emotion_chunk_s)
            if emotion_model is not None
            else None
        )
    progress("emotion", 1.0)
    return voices


def _read_speakers(
    heard: _Heard, voices: _Voices, config: AudioTrackConfig, emotion_inference: bool
) -> tuple[list[rs.Speaker], list[rs.MomentSignal], dict[str, np.ndarray]]:
    """Each speaker's metrics and 1 Hz timeline, the signals heard in their voice, their arousal z."""
    stats = conversation_stats(heard.diar.turns, heard.words, heard.diar.n_speakers)
    total_speech = sum(t.end - t.start for t in heard.diar.turns) or 1.0
    speakers: list[rs.Speaker] = []
    vocal: list[rs.MomentSignal] = []
    arousal: dict[str, np.ndarray] = {}
    for k, sid in enumerate(heard.ids):
        series, emo = voices.series[k], voices.emotion[k]
        speakers.append(_speaker_entry(sid, stats[k], total_speech, series, emo, emotion_inference, heard.n_sec))
        if emo:
            vocal += _angry_speech(sid, emo["anger"], series, heard.words, config)
        vocal += _raised_voice(sid, series, heard.words, config, emo["anger"] if emo else None)
        arousal[sid] = series["arousal"]
    return speakers, vocal, arousal


def _speaker_entry(
    sid: str,
    st: SpeakerStats,
    total_speech: float,
    series: dict[str, np.ndarray],
    emo: dict[str, np.ndarray] | None,
    emotion_on: bool,
    n_sec: int,
) -> rs.Speaker:
    return rs.Speaker(
        id=sid,
        metrics=rs.SpeakerMetrics(
            talk_time_s=round(st.talk_time, 2),
            talk_share=round(st.talk_time / total_speech, 4),
            turns=st.turns,
            longest_monologue_s=round(st.longest, 2),
            interruptions=st.interruptions,
            interrupted_by_others=st.interrupted_by_others,
            overlap_s=round(st.overlap_s, 2),
            questions=st.questions,
            mean_wait_after_question_s=round(float(np.mean(st.waits)), 2) if st.waits else None,
        ),
        timeline=rs.SpeakerTimeline(
            t=[float(i) for i in range(n_sec)],
            speaking=[round(float(v), 3) for v in series["speaking"]],
            loudness_db=_clean(series["loudness"], 1),
            pitch_hz=_clean(series["pitch"], 1),
            arousal_z=_clean(series["arousal"], 2),
            speech_emotion=None if not emotion_on else ({e: _clean(v, 3) for e, v in emo.items()} if emo else {}),
        ),
    )


def _angry_speech(
    sid: str, anger: np.ndarray, series: dict[str, np.ndarray], words: list, config: AudioTrackConfig
) -> list[rs.MomentSignal]:
    """Angry-sounding AND louder than this speaker's usual: one cue alone is too noisy. Both cues are relative
    to the speaker's own voice, so a speaker heard for less than ``angry_speech_baseline_s`` (a student with a
    few short answers) has no baseline to be angry against and gets none."""
    out: list[rs.MomentSignal] = []
    if np.isfinite(series["arousal"]).sum() < config.angry_speech_baseline_s:
        return out
    for a, b in _spans(np.nan_to_num(anger) >= config.angry_speech_probability):
        pk = a + int(np.nanargmax(anger[a : b + 1]))
        loud_z = float(np.nanmax(np.nan_to_num(series["arousal"][a : b + 1], nan=-9)))
        if b - a + 1 < 2 or loud_z < config.angry_speech_min_arousal_z:
            continue
        agree = loud_z >= config.raised_voice_z  # two cues agree: louder and angry-sounding
        out.append(
            _voice_signal(
                sid,
                "angry_speech",
                a,
                b,
                pk,
                words,
                intensity=float(anger[pk]),
                confidence=float(np.clip(anger[pk] * (0.8 if agree else 0.55), 0, 1)),
                scores={"anger_probability": round(float(anger[pk]), 3), "arousal_z": round(loud_z, 2)},
            )
        )
    return out


def _voice_signal(
    sid: str,
    kind: str,
    a: int,
    b: int,
    peak: int,
    words: list,
    intensity: float,
    confidence: float,
    scores: dict[str, float],
) -> rs.MomentSignal:
    """A signal heard in the voice over seconds ``a``..``b`` (inclusive), peaking in second ``peak``."""
    return rs.MomentSignal(
        modality="voice",
        kind=kind,  # type: ignore[arg-type]
        source_id=sid,
        start_s=float(a),
        end_s=float(b + 1),
        peak_s=peak + 0.5,
        score=round(intensity, 4),
        confidence=round(confidence, 4),
        evidence=scores,
        excerpt=_excerpt(words, a, b + 1),
    )


def _raised_voice(
    sid: str, series: dict[str, np.ndarray], words: list, config: AudioTrackConfig, anger: np.ndarray | None = None
) -> list[rs.MomentSignal]:
    """Sustained arousal well above this speaker's own level, or one short shout far above it.

    A one-second shout needs a baseline: the z of the loudest of n seconds is bounded by sqrt(n - 1), so
    over a few seconds of speech every emphatic second looks like a shout; below ``shout_baseline_s`` of
    speech only sustained raised voice counts. ``anger``: the speech-emotion model's anger probability per
    second; how tense the raised voice sounds moves the confidence (a teacher projecting calmly to the back
    row is loud, not angry) and is reported as ``tension``.
    """
    out = []
    active = np.nan_to_num(series["arousal"], nan=-9) >= config.raised_voice_z
    heard_s = int(np.isfinite(series["arousal"]).sum())
    for a, b in _spans(active):
        seg = series["arousal"][a : b + 1]
        short = b - a + 1 < 2
        if short and (float(np.nanmax(seg)) < config.raised_voice_peak_z or heard_s < config.shout_baseline_s):
            continue
        pk = a + int(np.nanargmax(seg))
        zmax = float(np.nanmax(seg))
        confidence = float(np.clip(0.4 + 0.15 * (zmax - config.raised_voice_z) + 0.1 * (b - a), 0, 0.95))
        scores = {"arousal_z": round(zmax, 2), "loudness_db": round(float(np.nanmax(series["loudness"][a : b + 1])), 1)}
        tension = _tension(anger, a, b)
        if tension is not None:
            confidence *= config.tension_weight_calm + (1 - config.tension_weight_calm) * 2 * tension
            scores["tension"] = round(tension, 3)
        out.append(
            _voice_signal(
                sid,
                "raised_voice",
                a,
                b,
                pk,
                words,
                intensity=float(np.clip((zmax - 1.0) / 3.0, 0, 1)),
                confidence=float(np.clip(confidence, 0, 0.95)),
                scores=scores,
            )
        )
    return out


def _tension(anger: np.ndarray | None, a: int, b: int) -> float | None:
    """The highest anger probability over seconds ``a``..``b``, None where speech emotion did not run."""
    if anger is None or not np.isfinite(anger[a : b + 1]).any():
        return None
    return float(np.nanmax(anger[a : b + 1]))


def _text_config(config: AudioTrackConfig) -> TextConfig:
    return TextConfig(low_confidence=config.low_confidence, hostility_threshold=config.hostility_threshold)


def _sentences(heard: _Heard, config: AudioTrackConfig, models: dict[str, object]) -> list[Sentence]:
    if heard.transcript is None or not heard.diar.turns:
        return []
    tone = _text_tone(models)
    return scored_sentences(
        heard.diar.turns,
        heard.words,
        heard.ids,
        heard.transcript.language,
        tone,
        _text_config(config),  # type: ignore[arg-type]
    )


def _text_tone(models: dict[str, object]) -> TextTone:
    """The text-tone models, loaded once per ``models`` (0.03 s, 7 MB since models/profanity_en.py)."""
    if "tone" not in models:
        models["tone"] = TextTone()
    return models["tone"]  # type: ignore[return-value]


def _calm_answers(
    heard: _Heard, said: list[Sentence], arousal: dict[str, np.ndarray], config: AudioTrackConfig
) -> list[rs.PositiveMarker]:
    """Another speaker's question answered soon and calmly: no rise of the answering voice over its start."""
    out = []
    for q in (s for s in said if is_question(s.words)):
        asked = q.words[-1].end
        answer = next(
            (
                t
                for t in heard.diar.turns
                if heard.ids[t.speaker] != q.speaker and asked - 0.5 <= t.start <= asked + config.calm_answer_within_s
            ),
            None,
        )
        if answer is None:
            continue
        sid = heard.ids[answer.speaker]
        a = int(answer.start)
        b = min(int(np.ceil(min(answer.end, answer.start + config.calm_answer_span_s))), heard.n_sec)
        z = arousal[sid][a:b]
        if not np.isfinite(z).any() or float(np.nanmax(z)) >= config.calm_answer_max_z:
            continue
        out.append(
            rs.PositiveMarker(
                id="G0",
                person=sid,
                kind="calm_answer",
                modality="voice",
                start_s=round(answer.start, 2),
                end_s=round(min(answer.end, answer.start + config.calm_answer_span_s), 2),
                score=round(float(np.clip(1.0 - max(0.0, float(np.nanmax(z))) / config.calm_answer_max_z, 0, 1)), 4),
                excerpt=f"answered {q.speaker}: {q.text}"[:400],
            )
        )
    return out


def _audio_info(
    heard: _Heard,
    speakers: list[rs.Speaker],
    config: AudioTrackConfig,
    models: dict[str, object],
    diarizer: str,
) -> rs.AudioInfo:
    speech_spans = [(s.start, s.end) for s in heard.segments]
    transcript = heard.transcript
    return rs.AudioInfo(
        speakers=speakers,
        turns=[
            rs.SpeakerTurn(speaker_id=heard.ids[t.speaker], start_s=round(t.start, 2), end_s=round(t.end, 2))
            for t in heard.diar.turns
        ],
        transcript=None
        if transcript is None
        else rs.TranscriptInfo(
            language=transcript.language,
            language_probability=round(transcript.language_probability, 4),
            model=getattr(models.get(f"asr-{config.asr_model}"), "version", str(config.asr_model)),
            words=[
                rs.TranscriptWord(
                    start_s=round(w.start, 2),
                    end_s=round(w.end, 2),
                    text=w.text,
                    probability=round(min(1.0, max(0.0, w.probability)), 4),
                    low_confidence=w.probability < config.low_confidence,
                    speaker_id=heard.ids[s] if s is not None else None,
                )
                for w, s in heard.words
            ],
        ),
        conversation=rs.ConversationInfo(
            speech_s=round(sum(b - a for a, b in speech_spans), 2),
            silence_threshold_s=config.silence_threshold_s,
            long_silences=[
                rs.TimeSpan(start_s=round(a, 2), end_s=round(b, 2))
                for a, b in long_silences(speech_spans, heard.duration, config.silence_threshold_s)
            ],
            overlaps=[rs.TimeSpan(start_s=round(a, 2), end_s=round(b, 2)) for a, b in heard.diar.overlaps],
            overlap_s=round(sum(b - a for a, b in heard.diar.overlaps), 2),
            diarizer=diarizer,
        ),
    )


def _models_used(
    speakers: SpeakerModels,
    emotion_model: SpeechEmotion | None,
    transcript: Transcript | None,
    models: dict[str, object],
    config: AudioTrackConfig,
) -> list[rs.ModelInfo]:
    tasks = {"silero-vad": "voice_activity", "pyannote-segmentation-3.0": "speaker_segmentation"}
    used = [
        rs.ModelInfo(task=tasks.get(m["name"], "speaker_embedding"), name=m["name"], version=m["version"])
        for m in speakers.describe()
    ]
    if emotion_model is not None:
        used.append(rs.ModelInfo(task="speech_emotion", name=SpeechEmotion.name, version=SpeechEmotion.version))
    if transcript is not None:
        asr = models[f"asr-{config.asr_model}"]
        used.append(rs.ModelInfo(task="speech_recognition", name=f"whisper-{config.asr_model}", version=asr.version))  # type: ignore[attr-defined]
        used.append(rs.ModelInfo(task="text_tone", name=TextTone.name, version=TextTone.version))
    return used


def _clean(values: np.ndarray, digits: int) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]
