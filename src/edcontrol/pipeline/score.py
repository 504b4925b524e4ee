"""Lesson score 0-100 with the reasons behind it: a transparent sum of penalties, never a black box.

Each merged moment (one event: seen, heard and said together) costs points once, by its headline kind,
scaled by its intensity and confidence (the teacher's own moments weigh 1.5x: the product judges the
teacher's conduct); conversation balance adds a few more; positive markers give a little back.
The reasons list every penalty, largest first, so a manager can see why a lesson scored low.
"""

from __future__ import annotations

from edcontrol.report import schema as rs

KIND_POINTS = {
    "hostile_language": 15.0,
    "anger": 8.0,
    "raised_voice": 8.0,
    "disgust": 6.0,
    "distress": 6.0,
    "negative_tone": 4.0,
}
TEACHER_WEIGHT = 1.5
POSITIVE_POINTS = 0.5  # a positive marker gives this back ...
POSITIVE_MAX = 3.0  # ... up to this much in all: balance, not a way to buy off a shout


def _mmss(t: float) -> str:
    return f"{int(t // 60):02d}:{int(t % 60):02d}"


def _roles(report: rs.LessonReport) -> dict[str, str]:
    roles = {p.id: p.role for p in report.persons}
    if report.audio is not None:
        roles.update({s.id: s.role for s in report.audio.speakers})
    return roles


def _moment_reason(m: rs.Moment, role: str) -> rs.ScoreReason:
    weight = TEACHER_WEIGHT if role == "teacher" else 1.0
    said = f': "{m.transcript_excerpt[:80]}"' if m.transcript_excerpt else ""
    how = "+".join(dict.fromkeys(s.modality for s in m.modalities))
    return rs.ScoreReason(
        code=m.kind,
        points=round(KIND_POINTS.get(m.kind, 4.0) * m.intensity * m.confidence * weight, 2),
        moment_id=m.id,
        text=f"{m.person} ({role}) {m.kind.replace('_', ' ')} at {_mmss(m.start_s)}-{_mmss(m.end_s)} ({how}){said}",
    )


def _conversation_reasons(report: rs.LessonReport) -> list[rs.ScoreReason]:
    reasons: list[rs.ScoreReason] = []
    if report.audio is None:
        return reasons
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
    return reasons


def _positive_reasons(report: rs.LessonReport, roles: dict[str, str]) -> list[rs.ScoreReason]:
    """Positive markers give a little back (negative points), cited like the penalties."""
    out, left = [], POSITIVE_MAX
    for g in sorted(report.positive_markers, key=lambda g: (-g.score, g.start_s)):
        if left <= 0:
            break
        pts = min(POSITIVE_POINTS, left)
        left -= pts
        out.append(
            rs.ScoreReason(
                code=f"positive_{g.kind}",
                points=-pts,
                text=f"{g.person} ({roles.get(g.person, 'unknown')}) {g.kind.replace('_', ' ')} at {_mmss(g.start_s)}",
            )
        )
    return out


def lesson_score(report: rs.LessonReport) -> rs.LessonScore:
    """Every merged moment costs points once; conversation balance and positive markers adjust."""
    roles = _roles(report)
    reasons = [_moment_reason(m, roles.get(m.person, m.role)) for m in report.moments]
    reasons += _conversation_reasons(report)
    reasons.sort(key=lambda r: -r.points)
    reasons += _positive_reasons(report, roles)
    value = min(100.0, max(0.0, 100.0 - sum(r.points for r in reasons)))
    return rs.LessonScore(value=round(value, 1), reasons=reasons)
