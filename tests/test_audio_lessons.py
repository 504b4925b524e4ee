"""Synthetic RU and EN lessons (espeak-ng voices, a scripted rude teacher turn, louder, with an insult):
the rude turn is a negative moment of the teacher's voice, polite turns are not."""

from __future__ import annotations

import numpy as np
import pytest

from edcontrol.media.compose import write_video
from edcontrol.pipeline.analyze import analyze_video
from edcontrol.pipeline.audio_track import AudioTrackConfig
from edcontrol.pipeline.config import FaceTrackConfig
from speech_factory import espeak_available, spoken_lesson

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng missing: scripts/test.sh installs it")


def speaker_of(report, start: float, end: float) -> str | None:
    """The speaker id that talks most within [start, end] according to the report's turns."""
    share: dict[str, float] = {}
    for t in report.audio.turns:
        share[t.speaker_id] = share.get(t.speaker_id, 0.0) + max(0.0, min(end, t.end_s) - max(start, t.start_s))
    return max(share, key=share.get) if share else None


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ru"])
def test_rude_turn_is_a_negative_moment_of_the_teacher(tmp_path, grid_clip, language):
    audio, truth = spoken_lesson(language)
    seconds = len(audio) / 16000
    frame = grid_clip("lwbsza.mpg")[0][::2, ::2]
    path = tmp_path / f"lesson_{language}.mp4"
    write_video(path, (frame for _ in range(int(seconds * 5))), fps=5.0, audio=audio, audio_rate=16000)
    report = analyze_video(path, FaceTrackConfig(), None, AudioTrackConfig(language=language))
    a = report.audio
    assert a is not None and len(a.speakers) == 2, [(t.speaker_id, t.start_s, t.end_s) for t in a.turns]
    teacher_lines = [(s, e) for who, s, e, _ in truth if who == "teacher"]
    student_lines = [(s, e) for who, s, e, _ in truth if who == "student"]
    teacher = speaker_of(report, *teacher_lines[0])
    student = speaker_of(report, *student_lines[0])
    assert teacher != student
    # diarization agrees with the script on most lines
    right = sum(speaker_of(report, s, e) == teacher for s, e in teacher_lines)
    right += sum(speaker_of(report, s, e) == student for s, e in student_lines)
    assert right >= len(truth) - 1
    rude = next((s, e) for _, s, e, r in truth if r)
    hits = [m for m in a.moments if m.start_s < rude[1] + 0.5 and m.end_s > rude[0] - 0.5]
    assert hits, f"no moment on the rude turn {rude}: {a.moments}"
    assert {m.speaker_id for m in hits} == {teacher}
    assert any(m.transcript_excerpt for m in hits)
    polite = [m for m in a.moments if not (m.start_s < rude[1] + 1.0 and m.end_s > rude[0] - 1.0)]
    assert polite == [], polite
    assert a.transcript is not None and a.transcript.language == language
    metrics = {s.id: s.metrics for s in a.speakers}
    assert metrics[teacher].talk_time_s > 5 and metrics[student].talk_time_s > 5
    assert metrics[teacher].questions >= 1
    assert np.isclose(sum(m.talk_share for m in metrics.values()), 1.0, atol=0.01)
