"""Speech emotion from Whisper encoder states: packing, the model on real English speech it never trained on,
and how its anger score feeds the voice moments (angry speech needs a baseline; tension moves raised voice)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import EVAL
from edcontrol.evaluation.speech_emotion import load_clips
from edcontrol.models.speech_emotion import GAP, STATE, WINDOW, SpeechEmotion, pack
from edcontrol.pipeline.audio_track import AudioTrackConfig, _angry_speech, _raised_voice

CFG = AudioTrackConfig()


@pytest.fixture(scope="module")
def model() -> SpeechEmotion:
    return SpeechEmotion(threads=2)


def test_packing_keeps_order_fills_windows_and_never_overlaps():
    rng = np.random.default_rng(0)
    segments = [rng.standard_normal(int(s * 16000)).astype(np.float32) for s in (3, 2.5, 3, 1, 3) * 4 + (40,)]
    windows, placed = pack(segments)
    assert all(len(w) <= WINDOW for w in windows)
    assert placed[-1].last - placed[-1].first == (WINDOW - GAP) // STATE  # a 40 s segment is cut to one window
    for p, q in itertools.pairwise(placed):
        assert (q.window, q.first) > (p.window, p.first) and (q.window > p.window or q.first >= p.last)
    for seg, p in zip(segments[:-1], placed[:-1], strict=True):  # each segment sits where it says
        start = p.first * STATE
        assert np.array_equal(windows[p.window][start : start + 1600], seg[:1600])


def test_too_few_segments_give_no_guess(model):
    assert model.predict_speaker([np.zeros(16000, np.float32)] * 2) is None


def test_english_angry_clip_is_the_angriest_of_one_speakers_six(model):
    """CREMA-D speaker 1002 (English; the model saw only German actors): anger well above the other five."""
    audio, labels, _, _ = load_clips(EVAL / "ser_en_cremad_1002_dev")
    p = model.predict_speaker(audio)
    anger = p[:, model.classes.index("anger")]
    angry = list(labels).index("anger")
    assert int(np.argmax(anger)) == angry and anger[angry] > 0.5, dict(zip(labels, anger.round(2), strict=True))
    assert np.allclose(p.sum(axis=1), 1.0)


def series(seconds: int, loud: dict[int, float]) -> dict[str, np.ndarray]:
    arousal = np.zeros(seconds)
    for i, z in loud.items():
        arousal[i] = z
    return {"arousal": arousal, "loudness": np.full(seconds, -20.0)}


def test_angry_speech_needs_a_baseline_of_the_speakers_voice():
    def anger(seconds: int) -> np.ndarray:
        a = np.full(seconds, 0.05)
        a[5:9] = 0.9
        return a

    loud = {5: 1.5, 6: 1.8, 7: 1.6}
    assert _angry_speech("S2", anger(20), series(20, loud), [], CFG) == []  # a few short answers: no baseline
    (heard,) = _angry_speech("S1", anger(90), series(90, loud), [], CFG)
    assert (heard.start_s, heard.end_s) == (5.0, 9.0)


def test_a_raised_voice_that_sounds_tense_is_surer_than_one_that_sounds_calm():
    loud = series(120, {40: 2.2, 41: 2.4, 42: 2.1})
    calm, tense = np.full(120, 0.02), np.full(120, 0.02)
    tense[40:43] = 0.9
    (c,) = _raised_voice("S1", loud, [], CFG, calm)
    (t,) = _raised_voice("S1", loud, [], CFG, tense)
    (plain,) = _raised_voice("S1", loud, [], CFG)  # compliance mode: no speech emotion, confidence as before
    assert c.confidence < plain.confidence < t.confidence
    assert c.evidence["tension"] == 0.02 and t.evidence["tension"] == 0.9 and "tension" not in plain.evidence
