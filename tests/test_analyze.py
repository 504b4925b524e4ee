"""End-to-end face track on real faces: persons, stable ids, presence, moments, compliance mode."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import EVAL, GRID, SAMPLE
from edcontrol.media.compose import call_layout_frames, write_video
from edcontrol.pipeline.analyze import analyze_video
from edcontrol.pipeline.config import FaceTrackConfig

GRID_ROWS = list(csv.DictReader((GRID.parent / "labels.csv").open()))


@pytest.mark.parametrize("row", GRID_ROWS, ids=[r["file"] for r in GRID_ROWS])
def test_grid_video_is_exactly_one_person_present_in_95_percent(row):
    report = analyze_video(GRID.parent / row["file"])
    assert len(report.persons) == int(row["n_faces_expected"]) == 1
    p = report.persons[0]
    assert p.samples / report.processing.frames_sampled >= 0.95
    assert p.summary.presence_ratio >= 0.95
    assert p.face_tracks == 1
    assert report.source.video_codec == "mpeg1video"


@pytest.fixture(scope="module")
def two_tile_call(media_dir: Path, grid_clip) -> Path:
    path = media_dir / "two_tile_call.mp4"
    clips = [grid_clip("lwbsza.mpg"), grid_clip("brbk7n.mpg")]
    write_video(path, call_layout_frames(clips, 60, 25.0, size=(960, 360)), fps=25.0)
    return path


def test_two_tile_call_gives_two_persons_with_stable_ids(two_tile_call):
    report = analyze_video(two_tile_call)
    assert [p.id for p in report.persons] == ["P1", "P2"]
    left, right = report.persons
    assert left.typical_box[0] < 480 < right.typical_box[0]  # P1 = left tile, P2 = right tile
    for p in report.persons:
        assert p.first_seen_s <= 0.5 and p.last_seen_s >= 59.0  # the same id from start to end
        assert p.summary.presence_ratio >= 0.95
        assert p.face_tracks == 1
        assert len(p.timeline.t) == 60
        assert set(p.timeline.expression) == {"neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise"}
    assert report.processing.identity_embeddings <= 6  # identity model runs sparsely


def test_tiles_swapping_places_keep_each_persons_id(media_dir, grid_clip):
    path = media_dir / "swap_call.mp4"
    clips = [grid_clip("lwbsza.mpg"), grid_clip("brbk7n.mpg")]
    write_video(path, call_layout_frames(clips, 40, 25.0, size=(960, 360), swap_at=20.0), fps=25.0)
    report = analyze_video(path)
    assert len(report.persons) == 2
    for p in report.persons:
        assert p.first_seen_s <= 0.5 and p.last_seen_s >= 39.0
        assert p.summary.presence_ratio >= 0.9
        assert p.face_tracks == 2  # re-identified by face embedding after the swap


def _photo(name: str, size: int = 320) -> np.ndarray:
    for folder in ("fer_muxspace_facial_expressions_subset", "fer_muxspace_train_pool"):
        path = EVAL / folder / "images" / name
        if path.exists():
            img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
            return cv2.resize(img, (size, size))
    raise FileNotFoundError(name)


@pytest.fixture(scope="module")
def angry_moment_lesson(media_dir: Path, grid_clip) -> Path:
    """Left: one real person, neutral photos, an angry photo of the same person at 30-40 s. Right: GRID."""
    neutral = [_photo(f"Bill_Graham_{i:04d}.jpg") for i in (4, 7, 8, 9)]
    angry = _photo("Bill_Graham_0005.jpg")
    student = [cv2.resize(f, (400, 320)) for f in grid_clip("brbk7n.mpg")]

    def frames():
        for i in range(70 * 10):
            t = i / 10
            left = angry if 30 <= t < 40 else neutral[int(t // 5) % len(neutral)]
            canvas = np.full((360, 800, 3), 30, np.uint8)
            canvas[20:340, 20:340] = left
            canvas[20:340, 380:780] = student[i % len(student)]
            yield canvas

    path = media_dir / "angry_moment.mp4"
    write_video(path, frames(), fps=10.0)
    return path


def test_an_angry_face_is_a_negative_moment_for_that_person_only(angry_moment_lesson):
    report = analyze_video(angry_moment_lesson)
    assert len(report.persons) == 2
    teacher = min(report.persons, key=lambda p: p.typical_box[0])
    anger = [s for m in report.moments for s in m.modalities if s.modality == "face" and s.kind == "anger"]
    assert anger, f"no anger moment; moments: {report.moments}"
    assert all(s.source_id == teacher.id for s in anger)
    assert all(m.person == teacher.id for m in report.moments)
    best = max(anger, key=lambda s: s.score)
    assert 28 <= best.start_s <= 33 and 37 <= best.end_s <= 43 and 29 <= best.peak_s <= 41
    assert best.score > 0.3 and 0 < best.confidence <= 1
    assert best.evidence["peak_probability"] > best.evidence["baseline_probability"]
    x, _, w, _ = best.box
    assert x < 340 and w > 100
    moment = next(m for m in report.moments if best in m.modalities)
    assert moment.kind == "anger" and moment.face_box == best.box and moment.thumbnail_s == best.peak_s
    assert not [m for m in report.moments if 5 <= m.start_s < 28 or m.start_s >= 45]  # neutral spans stay quiet


def test_compliance_mode_runs_no_emotion_models(two_tile_call):
    report = analyze_video(two_tile_call, FaceTrackConfig(emotion_inference=False))
    assert report.settings.emotion_inference is False and report.settings.compliance_mode is True
    assert len(report.persons) == 2 and report.moments == []
    assert all(p.timeline.expression is None and p.summary.expression_mean is None for p in report.persons)
    dumped = report.model_dump(mode="json")["persons"][0]
    assert "expression" not in dumped["timeline"] and "negative_intensity" not in dumped["timeline"]
    assert all(p.timeline.head_yaw_deg[5] is not None for p in report.persons)  # behaviour metrics remain
    assert "face_expression" not in {m.task for m in report.models}


def test_sample_lesson_has_teacher_and_student_and_the_rude_turn(tmp_path):
    from edcontrol.pipeline.audio_track import AudioTrackConfig

    report = analyze_video(SAMPLE, audio_config=AudioTrackConfig(asr_model="tiny.en"))
    assert len(report.persons) == 2
    assert report.source.duration_s == pytest.approx(55.2, abs=0.3)
    assert report.source.audio_codec == "aac"
    a = report.audio
    assert a is not None and [s.id for s in a.speakers] == ["S1", "S2"]
    assert [t.speaker_id for t in a.turns] == ["S1", "S2"] * 4 + ["S1"]  # the scripted alternation
    # faces and voices linked by lip motion; the teacher (left tile, talks most, opens the lesson)
    left, right = sorted(report.persons, key=lambda p: p.typical_box[0])
    assert (left.speaker_ids, right.speaker_ids) == (["S1"], ["S2"])
    assert (left.role, right.role) == ("teacher", "student")
    assert {s.id: s.person_id for s in a.speakers} == {"S1": left.id, "S2": right.id}
    # the rude turn ("Are you stupid?" shouted) is ONE moment of the teacher: heard and said agree
    rude = [m for m in report.moments if m.start_s < 29.5 and m.end_s > 24.0]
    assert len(rude) == 1, rude
    (m,) = rude
    assert (m.person, m.role, m.kind) == (left.id, "teacher", "hostile_language")
    assert {s.modality for s in m.modalities} == {"voice", "text"}
    assert m.confidence > max(s.confidence for s in m.modalities)
    said = next(s for s in m.modalities if s.modality == "text")
    assert said.end_s - said.start_s < 3.0 and "stupid" in said.excerpt.lower()  # spans the words that carry it
    assert all(24.0 - 1.0 <= x.start_s for x in report.moments)
    assert report.watch_first[0] == m.id
    # the score explains itself: the rude teacher turn costs its points once
    assert report.score is not None and report.score.value < 90
    top = report.score.reasons[0]
    assert top.code == "hostile_language" and "teacher" in top.text and top.moment_id == m.id
    assert [r.moment_id for r in report.score.reasons].count(m.id) == 1
    assert all(r.moment_id in {x.id for x in report.moments} for r in report.score.reasons if r.moment_id)


@pytest.mark.slow
def test_a_frown_and_a_shout_of_the_same_person_are_one_moment(angry_moment_lesson):
    """The face track of the angry-photo lesson and the audio track of a teacher who shouts while the
    photo frowns (30-40 s), composed stage by stage as analyze_video does. A still photo has no lip motion
    to link by, so the link is given: that voice is the left face's. One moment, seen and heard."""
    from edcontrol.media.probe import probe
    from edcontrol.pipeline.audio_track import AudioTrackConfig, analyze_audio
    from edcontrol.pipeline.face_track import analyze_faces
    from edcontrol.pipeline.moment_fusion import fuse_moments, owners
    from speech_factory import VOICES, espeak_available, say

    if not espeak_available():
        pytest.fail("espeak-ng is required (scripts/test.sh installs it)")
    faces = analyze_faces(angry_moment_lesson, probe(angry_moment_lesson), FaceTrackConfig())
    teacher = min(faces.persons, key=lambda p: p.typical_box[0])
    voice = VOICES["en"]["teacher"]
    audio = np.zeros(70 * 16000, np.float32)
    for at, text, loud in [
        (3, "Good morning everyone, today we read the next chapter together.", False),
        (12, "Please open your books on page twelve and look at the first picture.", False),
        (21, "Who can tell me what the boy in the story wanted to find?", False),
        (32, "Stop talking at once! Sit down and be quiet!", True),
        (48, "Thank you. Now let us read the first paragraph aloud, slowly.", False),
        (58, "Well, that is the end of our lesson for today.", False),
    ]:
        clip = say(text, voice, loud)
        audio[at * 16000 : at * 16000 + len(clip)] = clip[: len(audio) - at * 16000]
    heard = analyze_audio(audio, AudioTrackConfig(asr_model=None))
    assert [s for s in heard.signals if s.kind == "raised_voice" and s.start_s < 40 and s.end_s > 30]
    teacher.speaker_ids = [s.id for s in heard.info.speakers]  # the given link
    who = owners(faces.persons, heard.info.speakers)
    fused = fuse_moments(faces.signals + heard.signals, who, 70.0)
    at_once = [m for m in fused.moments if m.start_s < 40 and m.end_s > 30]
    assert len(at_once) == 1, at_once
    (m,) = at_once
    assert m.person == teacher.id and {s.modality for s in m.modalities} == {"face", "voice"}
    assert m.kind == "anger" and m.confidence > max(s.confidence for s in m.modalities)
    assert all(x.person == teacher.id for x in fused.moments)  # the student (right tile) has none
