"""The VAD reads long audio in blocks (bounded memory) and finds what one pass over the whole file finds."""

from __future__ import annotations

import itertools

from conftest import SAMPLE
from edcontrol.media.audio import read_audio
from edcontrol.models.voice_activity import VoiceActivity


def speech_s(segments) -> float:
    return sum(s.end - s.start for s in segments)


def test_blocks_find_the_speech_one_pass_finds():
    audio = read_audio(SAMPLE)
    whole = VoiceActivity(block_s=3600).segments(audio)
    blocked = VoiceActivity(block_s=4.0).segments(audio)  # 13 edges inside the 55 s two-person sample
    assert len(whole) >= 10
    assert abs(speech_s(blocked) - speech_s(whole)) <= 0.05 * speech_s(whole)
    assert abs(len(blocked) - len(whole)) <= 3  # talk cut by an edge is joined again
    assert all(a.end <= b.start for a, b in itertools.pairwise(blocked))
    assert blocked[-1].end <= len(audio) / 16_000 + 1e-6
    # each one-pass segment is covered by the blocked ones, apart from the frames next to an edge
    for seg in whole:
        covered = sum(max(0.0, min(seg.end, b.end) - max(seg.start, b.start)) for b in blocked)
        assert covered >= 0.9 * (seg.end - seg.start) - 0.1
