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
POSITIVE_COLOUR = "#2ca02c"


def arousal_level(z: float | None) -> float | None:
    """Vocal arousal z drawn inside a 0..1 lane: 0 z at mid-height, +-3 z at the edges."""
    return None if z is None else min(1.0, max(0.0, 0.5 + z / 6))


@dataclass(frozen=True)
class Chip:
    """One modality of a moment as shown on its card: seen / heard / said, with that model's score."""

    modality: str  # face | voice | text
    kind: str
    score: float
    confidence: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class MomentRow:
    """A merged moment as the dashboard and the PDF show it. ``lane`` is its person (P.., or S.. for a
    voice without a face)."""

    id: str
    lane: str
    person_id: str | None
    speaker_ids: tuple[str, ...]
    role: str
    kind: str
    start_s: float
    end_s: float
    peak_s: float
    intensity: float
    confidence: float
    severity: float
    chips: tuple[Chip, ...]
    excerpt: str
    thumbnail_s: float
    box: list[float] | None

    @property
    def who(self) -> str:
        """ "P1 / S1": the face and the voices the moment belongs to, whichever are known."""
        return " / ".join(x for x in (self.person_id, *self.speaker_ids) if x)

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.modality for c in self.chips))

    @property
    def modality(self) -> str:
        """The modality that colours the moment: words, else voice, else face."""
        return next(m for m in ("text", "voice", "face") if m in self.modalities)


@dataclass(frozen=True)
class PositiveRow:
    id: str
    lane: str
    kind: str
    modality: str
    start_s: float
    end_s: float
    score: float
    excerpt: str


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
    """Voices linked to a face by lip motion (linking); either side of the link may carry it."""
    links = {sp["id"]: sp["person_id"] for sp in _audio(report).get("speakers", []) if sp.get("person_id")}
    for p in report.get("persons", []):
        for sid in p.get("speaker_ids") or []:
            links.setdefault(sid, p["id"])
    return links


def _row(m: dict) -> MomentRow:
    return MomentRow(
        id=m["id"],
        lane=m["person"],
        person_id=m.get("person_id"),
        speaker_ids=tuple(m.get("speaker_ids", [])),
        role=m.get("role", "unknown"),
        kind=m["kind"],
        start_s=m["start_s"],
        end_s=m["end_s"],
        peak_s=m["peak_s"],
        intensity=m["intensity"],
        confidence=m["confidence"],
        severity=m["severity"],
        chips=tuple(
            Chip(s["modality"], s["kind"], s["score"], s["confidence"], s["start_s"], s["end_s"])
            for s in m["modalities"]
        ),
        excerpt=m.get("transcript_excerpt", ""),
        thumbnail_s=m.get("thumbnail_s", m["peak_s"]),
        box=m.get("face_box"),
    )


def moments(report: Report, min_confidence: float = 0.0) -> list[MomentRow]:
    """Every moment at or above ``min_confidence``, most severe first (ties: earlier first)."""
    rows = [_row(m) for m in report.get("moments", []) if m["confidence"] >= min_confidence]
    return sorted(rows, key=lambda r: (-r.severity, r.start_s, r.id))


def watch_first(report: Report) -> list[MomentRow]:
    """The report's watch-first list, in its order."""
    by_id = {m["id"]: m for m in report.get("moments", [])}
    return [_row(by_id[i]) for i in report.get("watch_first", []) if i in by_id]


def positives(report: Report) -> list[PositiveRow]:
    """Positive markers in time order."""
    return [
        PositiveRow(g["id"], g["person"], g["kind"], g["modality"], g["start_s"], g["end_s"], g["score"], g["excerpt"])
        for g in report.get("positive_markers", [])
    ]


def default_min_confidence(report: Report, fallback: float = 0.5) -> float:
    """The confidence below which the dashboard hides moments unless asked (from the report's settings)."""
    fusion = (report.get("settings") or {}).get("fusion") or {}
    return float(fusion.get("default_min_confidence", fallback))


def chip_text(chip: Chip, lang: str) -> str:
    """ "heard: raised voice 0.95" — a modality chip's words."""
    return f"{tr('chip_' + chip.modality, lang)}: {tr('kind_' + chip.kind, lang)} {chip.score}"


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
        _add_voice(lane, list(sp["timeline"]["t"]), list(sp["timeline"].get("arousal_z") or []))
    owner = {sid: lane for lane in out.values() for sid in lane.speaker_ids}
    for turn in audio.get("turns", []):
        if turn["speaker_id"] in owner:
            owner[turn["speaker_id"]].turns.append((turn["start_s"], turn["end_s"]))
    for row in moments(report):
        if row.lane in out:
            out[row.lane].moments.append(row)
    return list(out.values())


def _add_voice(lane: Lane, t: list[float], z: list[float | None]) -> None:
    """A lane's arousal line: one voice as it is; a second voice of the same person fills the seconds the
    first was silent (one person talks with one voice at a time)."""
    if not lane.arousal_z:
        lane.speech_t, lane.arousal_z = t, z
        return
    if len(t) > len(lane.speech_t):
        lane.arousal_z += [None] * (len(t) - len(lane.speech_t))
        lane.speech_t = t
    lane.arousal_z = [a if a is not None else (z[i] if i < len(z) else None) for i, a in enumerate(lane.arousal_z)]


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
