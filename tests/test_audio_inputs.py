"""Awkward audio through the whole analysis: no speech, one speaker, 8 kHz telephone audio,
6 channels, clipped audio -> valid reports with warnings, never a crash."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from edcontrol.pipeline.analyze import analyze_video
from edcontrol.pipeline.audio_track import AudioTrackConfig
from edcontrol.report.schema import LessonReport
from speech_factory import VOICES, espeak_available, say

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng missing: scripts/test.sh installs it")


def write_wav(path: Path, audio: np.ndarray, rate: int, channels: int = 1) -> Path:
    data = np.clip(audio, -1, 1)
    frames = np.repeat(data[:, None], channels, axis=1) if channels > 1 else data[:, None]
    if channels > 1:
        frames[:, 1:] *= 0.3  # surround channels quieter, as in a real 5.1 mix
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((frames * 32767).astype("<i2").tobytes())
    return path


def monologue(rate: int = 16000) -> np.ndarray:
    lines = [
        "Today we will read the first chapter together.",
        "Please open your books on page ten.",
        "After that we will discuss the main characters and their decisions.",
    ]
    audio = np.concatenate([np.concatenate([say(t, VOICES["en"]["teacher"], False), np.zeros(8000)]) for t in lines])
    if rate != 16000:
        import av

        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(audio.astype(np.float32)[None, :], format="flt", layout="mono")
        frame.sample_rate = 16000
        audio = np.concatenate(
            [f.to_ndarray().reshape(-1) for f in [*resampler.resample(frame), *resampler.resample(None)]]
        )
    return audio.astype(np.float32)


def run(path: Path, **kw: object) -> LessonReport:
    report = analyze_video(path, audio_config=AudioTrackConfig(asr_model="tiny.en", **kw))  # type: ignore[arg-type]
    LessonReport.model_validate_json(report.model_dump_json())
    assert report.audio is not None
    return report


def test_silence_and_noise_have_no_speakers(tmp_path):
    rng = np.random.default_rng(3)
    audio = np.concatenate([np.zeros(16000 * 5), rng.normal(0, 0.01, 16000 * 5)]).astype(np.float32)
    report = run(write_wav(tmp_path / "quiet.wav", audio, 16000))
    assert report.audio.speakers == [] and report.moments == []
    assert {"no_speech", "no_video"} <= {w.code for w in report.warnings}
    assert report.audio.conversation.long_silences[0].start_s == 0.0


def test_one_speaker_is_one_speaker(tmp_path):
    report = run(write_wav(tmp_path / "mono.wav", monologue(), 16000))
    assert len(report.audio.speakers) == 1
    assert report.audio.speakers[0].metrics.talk_share == pytest.approx(1.0)
    assert "chapter" in " ".join(w.text.lower() for w in report.audio.transcript.words)


def test_telephone_8khz_audio(tmp_path):
    report = run(write_wav(tmp_path / "phone.wav", monologue(8000), 8000))
    assert report.source.audio_sample_rate == 8000
    assert len(report.audio.speakers) == 1
    assert len(report.audio.transcript.words) > 10


def test_six_channel_audio(tmp_path):
    report = run(write_wav(tmp_path / "surround.wav", monologue(), 48000 // 3, channels=6))
    assert report.source.audio_channels == 6
    assert len(report.audio.speakers) == 1 and len(report.audio.transcript.words) > 10


def test_clipped_audio_is_flagged(tmp_path):
    audio = np.clip(monologue() * 12, -1, 1)
    report = run(write_wav(tmp_path / "clipped.wav", audio, 16000))
    assert "clipped_audio" in {w.code for w in report.warnings}
    assert len(report.audio.speakers) == 1
