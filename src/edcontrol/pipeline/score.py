"""Lesson score 0-100 with the reasons behind it: a transparent sum of penalties, never a black box.

Each negative moment costs points by kind, scaled by its intensity and confidence (the teacher's own
moments weigh 1.5x: the product judges the teacher's conduct); conversation balance adds a few more.
The reasons list every penalty, largest first, so a manager can see why a lesson scored low.
"""

from __future__ import annotations

from edcontrol.report import schema as rs

FACE_POINTS = 6.0
VOICE_POINTS = {"raised_voice": 8.0, "angry_speech": 8.0, "toxic_language": 15.0, "negative_tone": 4.0}
TEACHER_WEIGHT = 1.5


def _mmss(t: float) -> str:
    return f"{int(t // 60):02d}:{int(t % 60):02d}"


def lesson_score(report: rs.LessonReport) -> rs.LessonScore:
    roles = {p.id: p.role for p in report.persons}
    if report.audio is not None:
        roles.update({s.id: s.role for s in report.audio.speakers})
    reasons: list[rs.ScoreReason] = []
    for m in report.moments:
        w = TEACHER_WEIGHT if roles.get(m.person_id) == "teacher" else 1.0
        pts = FACE_POINTS * m.intensity * m.confidence * w
        reasons.append(
            rs.ScoreReason(
                code=f"face_{m.emotion}",
                points=round(pts, 2),
                moment_id=m.id,
                text=f"{m.person_id} ({roles.get(m.person_id, 'unknown')}) showed {m.emotion} "
                f"at {_mmss(m.start_s)}-{_mmss(m.end_s)}",
            )
        )
    if report.audio is not None:
        for v in report.audio.moments:
            w = TEACHER_WEIGHT if roles.get(v.speaker_id) == "teacher" else 1.0
            pts = VOICE_POINTS.get(v.kind, 4.0) * v.intensity * v.confidence * w
            said = f': "{v.transcript_excerpt[:80]}"' if v.transcript_excerpt else ""
            reasons.append(
                rs.ScoreReason(
                    code=v.kind,
                    points=round(pts, 2),
                    moment_id=v.id,
                    text=f"{v.speaker_id} ({roles.get(v.speaker_id, 'unknown')}) "
                    f"{v.kind.replace('_', ' ')} at {_mmss(v.start_s)}{said}",
                )
            )
        teacher = next((s for s in report.audio.speakers if s.role == "teacher"), None)
        if teacher is not None and teacher.metrics.talk_share > 0.8:
            reasons.append(
                rs.ScoreReason(
                    code="teacher_monologue",
                    points=5.0,
                    text=f"the teacher talked {teacher.metrics.talk_share:.0%} of the speech time",
                )
            )
        duration = report.source.duration_s or 0.0
        silent = sum(s.end_s - s.start_s for s in report.audio.conversation.long_silences)
        if duration > 60 and silent > 0.2 * duration:
            reasons.append(
                rs.ScoreReason(
                    code="long_silences", points=5.0, text=f"{silent / duration:.0%} of the lesson was long silences"
                )
            )
    reasons.sort(key=lambda r: -r.points)
    value = max(0.0, 100.0 - sum(r.points for r in reasons))
    return rs.LessonScore(value=round(value, 1), reasons=reasons)
