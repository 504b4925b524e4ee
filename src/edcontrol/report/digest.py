"""What a manager reads first, derived from a LessonReport (as JSON, the way the API serves it).

One place decides how moments are ranked, which lane a voice belongs to and how words become transcript
lines, so the dashboard and the printed PDF never disagree. Pure functions over plain dicts: no model code,
no I/O, cheap enough to run on every page render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edcontrol.report.i18n import tr

Report = dict[str, Any]

# Drawing conventions shared by the dashboard's chart and the PDF's image.
MOMENT_COLOUR = {"face": "#d62728", "voice": "#ff7f0e", "text": "#9467bd"}


def arousal_level(z: float | None) -> float | None:
    """Vocal arousal z drawn inside a 0..1 lane: 0 z at mid-height, +-3 z at the edges."""
    return None if z is None else min(1.0, max(0.0, 0.5 + z / 6))


@dataclass(frozen=True)
class MomentRow:
    """A facial or heard moment in one shape. ``lane`` is the person (P..) when the voice has a face."""

    id: str
    lane: str
    person_id: str | None
    speaker_id: str | None
    modality: str  # face | voice | text
    kind: str  # an emotion for faces, a vocal kind for voices and words
    start_s: float
    end_s: float
    peak_s: float
    intensity: float
    confidence: float
    excerpt: str
    box: list[float] | None

    @property
    def who(self) -> str:
        """ "P1 / S1": the face and the voice the moment belongs to, whichever are known."""
        return " / ".join(x for x in (self.person_id, self.speaker_id) if x)

    @property
    def severity(self) -> float:
        """Ranking key only (never shown): a strong flag we are unsure of ranks with a weaker sure one."""
        return self.intensity * self.confidence


@dataclass
class Lane:
    """One row of the lesson timeline: a person with their voice, or a voice without a face."""

    key: str
    role: str
    person_id: str | None
    speaker_ids: list[str]
    t: list[float] = field(default_factory=list)
    presence: list[float] = field(default_factory=list)
    negative_intensity: list[float | None] = field(default_factory=list)
    speech_t: list[float] = field(default_factory=list)
    arousal_z: list[float | None] = field(default_factory=list)
    turns: list[tuple[float, float]] = field(default_factory=list)
    moments: list[MomentRow] = field(default_factory=list)


@dataclass(frozen=True)
class TranscriptLine:
    speaker_id: str | None
    start_s: float
    end_s: float
    text: str  # low-confidence words in [brackets]


def _audio(report: Report) -> Report:
    return report.get("audio") or {}


def speaker_to_person(report: Report) -> dict[str, str]:
    """Voices linked to a face by lip motion (fusion); either side of the link may carry it."""
    links = {sp["id"]: sp["person_id"] for sp in _audio(report).get("speakers", []) if sp.get("person_id")}
    for p in report.get("persons", []):
        if p.get("speaker_id"):
            links.setdefault(p["speaker_id"], p["id"])
    return links


def moments(report: Report) -> list[MomentRow]:
    """Every negative moment, most severe first (ties: earlier first)."""
    links = speaker_to_person(report)
    face_box = {p["id"]: p.get("typical_box") for p in report.get("persons", [])}
    rows = [
        MomentRow(
            id=m["id"],
            lane=m["person_id"],
            person_id=m["person_id"],
            speaker_id=None,
            modality="face",
            kind=m["emotion"],
            start_s=m["start_s"],
            end_s=m["end_s"],
            peak_s=m["peak_s"],
            intensity=m["intensity"],
            confidence=m["confidence"],
            excerpt="",
            box=m.get("evidence_box"),
        )
        for m in report.get("moments", [])
    ]
    for m in _audio(report).get("moments", []):
        person = links.get(m["speaker_id"])
        rows.append(
            MomentRow(
                id=m["id"],
                lane=person or m["speaker_id"],
                person_id=person,
                speaker_id=m["speaker_id"],
                modality=m["modality"],
                kind=m["kind"],
                start_s=m["start_s"],
                end_s=m["end_s"],
                peak_s=m["peak_s"],
                intensity=m["intensity"],
                confidence=m["confidence"],
                excerpt=m.get("transcript_excerpt", ""),
                box=face_box.get(person) if person else None,  # the speaker's face, for the thumbnail
            )
        )
    return sorted(rows, key=lambda r: (-r.severity, r.start_s))


def lanes(report: Report) -> list[Lane]:
    """One lane per person (their linked voice folded in), then one per voice that has no face."""
    audio = _audio(report)
    links = speaker_to_person(report)
    out: dict[str, Lane] = {}
    for p in report.get("persons", []):
        tl = p["timeline"]
        out[p["id"]] = Lane(
            key=p["id"],
            role=p.get("role", "unknown"),
            person_id=p["id"],
            speaker_ids=[],
            t=list(tl["t"]),
            presence=list(tl["presence"]),
            negative_intensity=list(tl.get("negative_intensity") or []),
        )
    for sp in audio.get("speakers", []):
        key = links.get(sp["id"], sp["id"])
        lane = out.get(key)
        if lane is None:
            lane = out[key] = Lane(key=key, role=sp.get("role", "unknown"), person_id=None, speaker_ids=[])
        lane.speaker_ids.append(sp["id"])
        lane.speech_t = list(sp["timeline"]["t"])
        lane.arousal_z = list(sp["timeline"].get("arousal_z") or [])
    owner = {sid: lane for lane in out.values() for sid in lane.speaker_ids}
    for turn in audio.get("turns", []):
        if turn["speaker_id"] in owner:
            owner[turn["speaker_id"]].turns.append((turn["start_s"], turn["end_s"]))
    for row in moments(report):
        if row.lane in out:
            out[row.lane].moments.append(row)
    return list(out.values())


def transcript_lines(report: Report, query: str = "", gap_s: float = 1.5) -> list[TranscriptLine]:
    """Words grouped into lines while the speaker stays and pauses stay short; ``query`` filters lines
    (case-insensitive, on the words as written)."""
    words = (_audio(report).get("transcript") or {}).get("words", [])
    lines: list[TranscriptLine] = []
    current: list[dict] = []

    def flush() -> None:
        if current:
            text = " ".join(f"[{w['text'].strip()}]" if w["low_confidence"] else w["text"].strip() for w in current)
            lines.append(TranscriptLine(current[0]["speaker_id"], current[0]["start_s"], current[-1]["end_s"], text))
            current.clear()

    for w in words:
        if current and (w["speaker_id"] != current[-1]["speaker_id"] or w["start_s"] - current[-1]["end_s"] > gap_s):
            flush()
        current.append(w)
    flush()
    needle = query.strip().casefold()
    if needle:
        lines = [ln for ln in lines if needle in ln.text.replace("[", "").replace("]", "").casefold()]
    return lines


def duration_s(report: Report) -> float:
    """Lesson length: the container's duration, else the last second any timeline covers."""
    source = report.get("source") or {}
    if source.get("duration_s"):
        return float(source["duration_s"])
    ends = [p["last_seen_s"] for p in report.get("persons", [])]
    ends += [t["end_s"] for t in _audio(report).get("turns", [])]
    return max(ends, default=0.0)


def reason_text(reason: dict, rows_by_id: dict[str, MomentRow], lang: str) -> str:
    """A score reason for people. The report writes reasons in English; other languages name the reason by
    its code and, for a moment, who and what (the moment's time is shown beside it by the caller)."""
    if lang == "en":
        return reason["text"]
    moment = rows_by_id.get(reason.get("moment_id") or "")
    if moment is None:
        return tr("reason_" + reason["code"], lang)
    return f"{moment.who}: {tr('kind_' + moment.kind, lang)}"
