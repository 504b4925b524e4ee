"""A manager's role correction applied to a finished report: roles, then the score and its reasons again.

Pure function over the report, so the API, a re-scoring script and tests all get the same answer. One
lesson has at most one teacher: naming a new teacher makes the former one a student; un-naming the
teacher leaves the lesson without one (the score then weighs nobody as the teacher).
"""

from __future__ import annotations

from edcontrol.pipeline.score import lesson_score
from edcontrol.report import schema as rs

Role = str


class UnknownParticipant(KeyError):
    """No person (P..) or speaker (S..) of that id in the report."""


def correct_role(report: rs.LessonReport, participant_id: str, role: Role) -> rs.LessonReport:
    """Set ``role`` on the person or speaker and on its linked counterpart, then re-score the lesson."""
    persons = {p.id: p for p in report.persons}
    speakers = {s.id: s for s in report.audio.speakers} if report.audio else {}
    if participant_id not in persons and participant_id not in speakers:
        raise UnknownParticipant(participant_id)
    person = persons.get(participant_id) or persons.get(speakers[participant_id].person_id or "")
    voices = [speakers[v] for v in (person.speaker_ids if person else []) if v in speakers]
    if participant_id in speakers and speakers[participant_id] not in voices:
        voices.append(speakers[participant_id])
    corrected = [x for x in (person, *voices) if x is not None]
    if role == "teacher":
        for other in [*persons.values(), *speakers.values()]:
            if other.role == "teacher" and all(other.id != x.id for x in corrected):
                other.role = "student"
    for x in corrected:
        x.role = role  # type: ignore[assignment]
    roles = {**{p.id: p.role for p in persons.values()}, **{s.id: s.role for s in speakers.values()}}
    for item in [*report.moments, *report.positive_markers, *report.stories]:
        item.role = roles.get(item.person, item.role)  # type: ignore[assignment]
    report.score = lesson_score(report)
    return report
