"""How a report becomes what a manager reads: ranking, lanes, transcript lines, times as mm:ss."""

from __future__ import annotations

from edcontrol.report import digest
from edcontrol.report.i18n import LABELS, mmss, tr


def _report() -> dict:
    series = {"t": [0.0, 1.0, 2.0], "presence": [1.0, 1.0, 0.5], "negative_intensity": [0.1, None, 0.7]}
    return {
        "source": {"duration_s": 3.0},
        "persons": [
            {"id": "P1", "role": "teacher", "speaker_id": "S1", "last_seen_s": 3.0, "timeline": series},
            {"id": "P2", "role": "student", "speaker_id": None, "last_seen_s": 3.0, "timeline": series,
             "typical_box": [1, 2, 3, 4]},
        ],
        "moments": [
            {"id": "M1", "person_id": "P2", "emotion": "anger", "start_s": 2.0, "end_s": 3.0, "peak_s": 2.5,
             "intensity": 0.5, "confidence": 0.9, "evidence_box": [1, 2, 3, 4]},
        ],
        "audio": {
            "speakers": [
                {"id": "S1", "person_id": "P1", "role": "teacher", "timeline": {"t": [0.0], "arousal_z": [2.0]}},
                {"id": "S2", "person_id": None, "role": "unknown", "timeline": {"t": [0.0], "arousal_z": [None]}},
            ],
            "turns": [
                {"speaker_id": "S1", "start_s": 0.0, "end_s": 1.0},
                {"speaker_id": "S2", "start_s": 1.2, "end_s": 2.0},
            ],
            "transcript": {"words": [
                {"start_s": 0.0, "end_s": 0.4, "text": " Open", "low_confidence": False, "speaker_id": "S1"},
                {"start_s": 0.5, "end_s": 0.9, "text": " books", "low_confidence": True, "speaker_id": "S1"},
                {"start_s": 3.0, "end_s": 3.4, "text": " now.", "low_confidence": False, "speaker_id": "S1"},
                {"start_s": 3.5, "end_s": 3.9, "text": " No!", "low_confidence": False, "speaker_id": "S2"},
            ]},
            "moments": [
                {"id": "V1", "speaker_id": "S1", "modality": "voice", "kind": "raised_voice", "start_s": 0.0,
                 "end_s": 1.0, "peak_s": 0.5, "intensity": 0.9, "confidence": 0.8, "transcript_excerpt": "Open"},
                {"id": "V2", "speaker_id": "S2", "modality": "text", "kind": "toxic_language", "start_s": 1.2,
                 "end_s": 2.0, "peak_s": 1.5, "intensity": 0.4, "confidence": 0.5, "transcript_excerpt": "No!"},
            ],
        },
    }  # fmt: skip


def test_moments_ranked_by_strength_times_sureness_and_placed_on_faces():
    rows = digest.moments(_report())
    assert [r.id for r in rows] == ["V1", "M1", "V2"]  # 0.72, 0.45, 0.20
    v1, m1, v2 = rows
    assert (v1.lane, v1.person_id, v1.speaker_id) == ("P1", "P1", "S1")  # the voice has a face
    assert (v2.lane, v2.person_id) == ("S2", None)  # a voice nobody was seen with keeps its own lane
    assert m1.box == [1, 2, 3, 4] and m1.modality == "face" and m1.kind == "anger"


def test_lanes_fold_each_voice_into_its_face():
    lanes = {lane.key: lane for lane in digest.lanes(_report())}
    assert list(lanes) == ["P1", "P2", "S2"]
    assert lanes["P1"].speaker_ids == ["S1"] and lanes["P1"].turns == [(0.0, 1.0)]
    assert lanes["P1"].arousal_z == [2.0] and [m.id for m in lanes["P1"].moments] == ["V1"]
    assert lanes["P2"].speaker_ids == [] and [m.id for m in lanes["P2"].moments] == ["M1"]
    assert lanes["S2"].person_id is None and lanes["S2"].turns == [(1.2, 2.0)]


def test_transcript_lines_split_on_speaker_and_pause_and_search():
    lines = digest.transcript_lines(_report())
    assert [(ln.speaker_id, ln.text) for ln in lines] == [("S1", "Open [books]"), ("S1", "now."), ("S2", "No!")]
    assert [ln.text for ln in digest.transcript_lines(_report(), "BOOKS")] == ["Open [books]"]
    assert digest.transcript_lines(_report(), "open books")[0].start_s == 0.0  # brackets do not break a search
    assert digest.transcript_lines(_report(), "absent") == []
    assert digest.transcript_lines({"audio": None}) == []


def test_score_reasons_in_the_readers_language():
    rows = {r.id: r for r in digest.moments(_report())}
    voice = {"code": "raised_voice", "text": "S1 (teacher) raised voice at 00:00", "points": 9.0, "moment_id": "V1"}
    talk = {"code": "teacher_monologue", "text": "the teacher talked 90% of the speech time", "points": 5.0}
    assert digest.reason_text(voice, rows, "en") == voice["text"]
    assert digest.reason_text(voice, rows, "ru") == "P1 / S1: повышенный голос"
    assert digest.reason_text(talk, rows, "ru") == "преподаватель говорил бо́льшую часть времени"


def test_times_and_labels():
    assert [mmss(x) for x in (0, 12.7, 59.99, 61, 3600, 3725.2)] == [
        "00:00", "00:12", "00:59", "01:01", "1:00:00", "1:02:05"
    ]  # fmt: skip
    assert mmss(None) == "—"
    assert set(LABELS["en"]) == set(LABELS["ru"])  # every label exists in both languages
    assert tr("points_off", "ru", points=5) == "−5 баллов" and tr("nope", "ru") == "nope"
