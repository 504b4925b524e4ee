"""How a report becomes what a manager reads: ranking, lanes, transcript lines, times as mm:ss."""

from __future__ import annotations

from edcontrol.report import digest
from edcontrol.report.i18n import LABELS, mmss, tr


def _signal(modality, kind, source, start, end, score, confidence) -> dict:
    return {
        "modality": modality, "kind": kind, "source_id": source, "start_s": start, "end_s": end,
        "peak_s": (start + end) / 2, "score": score, "confidence": confidence, "evidence": {}, "excerpt": "",
    }  # fmt: skip


def _moment(mid, person, voices, kind, signals, intensity, confidence, severity, box=None, excerpt="") -> dict:
    return {"id": mid, "person": person, "person_id": person if person[0] == "P" else None, "speaker_ids": voices,
            "role": "unknown", "kind": kind, "start_s": min(s["start_s"] for s in signals),
            "end_s": max(s["end_s"] for s in signals), "peak_s": signals[0]["peak_s"], "intensity": intensity,
            "confidence": confidence, "severity": severity, "modalities": signals, "transcript_excerpt": excerpt,
            "thumbnail_s": signals[0]["peak_s"], "face_box": box}  # fmt: skip


def _report() -> dict:
    """P1 (teacher) talks with two voices (S1, then S3 after re-joining the call); P2 has no voice; S2 no face."""
    series = {"t": [0.0, 1.0, 2.0], "presence": [1.0, 1.0, 0.5], "negative_intensity": [0.1, None, 0.7]}
    return {
        "source": {"duration_s": 3.0},
        "settings": {"fusion": {"default_min_confidence": 0.5}},
        "persons": [
            {"id": "P1", "role": "teacher", "speaker_ids": ["S1", "S3"], "last_seen_s": 3.0, "timeline": series},
            {"id": "P2", "role": "student", "speaker_ids": [], "last_seen_s": 3.0, "timeline": series,
             "typical_box": [1, 2, 3, 4]},
        ],
        "moments": [
            _moment("M1", "P1", ["S1", "S3"], "raised_voice",
                    [_signal("voice", "raised_voice", "S1", 0.0, 1.0, 0.9, 0.8),
                     _signal("voice", "raised_voice", "S3", 1.5, 2.0, 0.6, 0.5)], 0.9, 0.8, 0.72, excerpt="Open"),
            _moment("M2", "S2", ["S2"], "hostile_language",
                    [_signal("text", "toxic_language", "S2", 1.2, 2.0, 0.4, 0.3)], 0.4, 0.3, 0.12, excerpt="No!"),
            _moment("M3", "P2", [], "anger", [_signal("face", "anger", "P2", 2.0, 3.0, 0.5, 0.9)], 0.5, 0.9, 0.45,
                    box=[1, 2, 3, 4]),
        ],
        "watch_first": ["M1", "M3"],
        "positive_markers": [
            {"id": "G1", "person": "P1", "role": "teacher", "kind": "praise", "modality": "text", "start_s": 2.5,
             "end_s": 2.9, "score": 0.8, "excerpt": "Well done."},
        ],
        "audio": {
            "speakers": [
                {"id": "S1", "person_id": "P1", "role": "teacher",
                 "timeline": {"t": [0.0, 1.0, 2.0], "arousal_z": [2.0, None, None]}},
                {"id": "S2", "person_id": None, "role": "unknown", "timeline": {"t": [0.0], "arousal_z": [None]}},
                {"id": "S3", "person_id": "P1", "role": "teacher",
                 "timeline": {"t": [0.0, 1.0, 2.0], "arousal_z": [None, None, 1.5]}},
            ],
            "turns": [
                {"speaker_id": "S1", "start_s": 0.0, "end_s": 1.0},
                {"speaker_id": "S2", "start_s": 1.2, "end_s": 2.0},
                {"speaker_id": "S3", "start_s": 1.5, "end_s": 2.4},
            ],
            "transcript": {"words": [
                {"start_s": 0.0, "end_s": 0.4, "text": " Open", "low_confidence": False, "speaker_id": "S1"},
                {"start_s": 0.5, "end_s": 0.9, "text": " books", "low_confidence": True, "speaker_id": "S1"},
                {"start_s": 3.0, "end_s": 3.4, "text": " now.", "low_confidence": False, "speaker_id": "S1"},
                {"start_s": 3.5, "end_s": 3.9, "text": " No!", "low_confidence": False, "speaker_id": "S2"},
            ]},
        },
    }  # fmt: skip


def test_moments_ranked_by_severity_with_their_chips_and_the_sure_ones_shown():
    rows = digest.moments(_report())
    assert [r.id for r in rows] == ["M1", "M3", "M2"]  # severity 0.72, 0.45, 0.12
    m1, m3, m2 = rows
    assert (m1.lane, m1.person_id, m1.speaker_ids, m1.who) == ("P1", "P1", ("S1", "S3"), "P1 / S1 / S3")
    assert [c.modality for c in m1.chips] == ["voice", "voice"] and m1.modality == "voice"
    assert (m2.lane, m2.person_id) == ("S2", None)  # a voice nobody was seen with keeps its own lane
    assert m3.box == [1, 2, 3, 4] and m3.modality == "face" and m3.kind == "anger"
    shown = digest.moments(_report(), digest.default_min_confidence(_report()))
    assert [r.id for r in shown] == ["M1", "M3"]
    assert [r.id for r in digest.watch_first(_report())] == ["M1", "M3"]
    assert digest.chip_text(m1.chips[0], "en") == "heard: raised voice 0.9"
    assert digest.chip_text(m3.chips[0], "ru") == "видно: гнев 0.5"
    assert [(g.id, g.kind, g.lane) for g in digest.positives(_report())] == [("G1", "praise", "P1")]


def test_lanes_fold_each_voice_into_its_face_also_two_voices():
    lanes = {lane.key: lane for lane in digest.lanes(_report())}
    assert list(lanes) == ["P1", "P2", "S2"]
    p1 = lanes["P1"]
    assert p1.speaker_ids == ["S1", "S3"] and p1.turns == [(0.0, 1.0), (1.5, 2.4)]  # both voices' turns
    assert p1.arousal_z == [2.0, None, 1.5]  # both voices' arousal in the one lane
    assert [m.id for m in p1.moments] == ["M1"] and {c.start_s for c in p1.moments[0].chips} == {0.0, 1.5}
    assert lanes["P2"].speaker_ids == [] and [m.id for m in lanes["P2"].moments] == ["M3"]
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
    voice = {"code": "raised_voice", "text": "P1 (teacher) raised voice at 00:00", "points": 9.0, "moment_id": "M1"}
    talk = {"code": "teacher_monologue", "text": "the teacher talked 90% of the speech time", "points": 5.0}
    assert digest.reason_text(voice, rows, "en") == voice["text"]
    assert digest.reason_text(voice, rows, "ru") == "P1 / S1 / S3: повышенный голос"
    assert digest.reason_text(talk, rows, "ru") == "преподаватель говорил бо́льшую часть времени"


def test_times_and_labels():
    assert [mmss(x) for x in (0, 12.7, 59.99, 61, 3600, 3725.2)] == [
        "00:00", "00:12", "00:59", "01:01", "1:00:00", "1:02:05"
    ]  # fmt: skip
    assert mmss(None) == "—"
    assert set(LABELS["en"]) == set(LABELS["ru"])  # every label exists in both languages
    assert tr("points_off", "ru", points=5) == "−5 баллов" and tr("nope", "ru") == "nope"
