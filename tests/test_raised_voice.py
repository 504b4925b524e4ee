"""Raised voice: sustained loudness above the speaker's own level, or one shout once there is a baseline."""

from __future__ import annotations

import numpy as np
import pytest

from edcontrol.pipeline.audio_track import AudioTrackConfig, _raised_voice

CFG = AudioTrackConfig()


def speaker(seconds: int, loud: dict[int, float]) -> dict[str, np.ndarray]:
    arousal = np.zeros(seconds)
    for i, z in loud.items():
        arousal[i] = z
    return {"arousal": arousal, "loudness": np.full(seconds, -20.0)}


@pytest.mark.parametrize("heard_s", [6, 8, 20])
def test_one_emphatic_second_of_a_short_talk_is_not_a_shout(heard_s):
    assert _raised_voice("S1", speaker(heard_s, {3: 2.6}), [], CFG) == []


def test_one_shout_in_a_lesson_is_heard_and_a_held_raised_voice_always():
    shout = _raised_voice("S1", speaker(120, {60: 3.0}), [], CFG)
    assert [(s.kind, s.start_s, s.end_s) for s in shout] == [("raised_voice", 60.0, 61.0)]
    held = _raised_voice("S1", speaker(8, {3: 2.0, 4: 2.2}), [], CFG)  # sustained: no baseline needed
    assert [(s.start_s, s.end_s) for s in held] == [(3.0, 5.0)]
