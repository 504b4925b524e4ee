"""Moment fusion: what was seen, heard and said about one event becomes ONE moment of one person.

The face track emits facial signals per face person (P..), the audio track vocal and word signals per
voice (S..). The face<->voice link says which voices are whose face, so each signal has an owner: the
face person, or, for a voice never linked to a face, the voice itself (a person too). Per owner, signals
that overlap or follow within ``merge_gap_s`` are one moment. Two owners never share a moment, so a
student's frown never merges with the teacher's shout at the same second.

Why confidence is a noisy-OR over modalities: face, voice prosody and words come from independent models
that fail for different reasons (an open mouth, a loud room, an ASR slip), so agreement is real evidence;
two signals of the same modality (raised voice and angry-sounding speech) are not independent and count
once, by their best. A moment resting on one weak cue (one modality, a low score or under
``weak_min_s``) is scaled down by ``lone_weak_factor``: one emphatic second is not a raised voice.

Pure functions over typed artefacts; every input signal ends in exactly one moment or in ``dropped`` with
its reason, and the result does not depend on the order the signals came in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from edcontrol.report import schema as rs

HEADLINE = {  # signal kind -> the moment kind it stands for
    "toxic_language": "hostile_language",
    "anger": "anger",
    "angry_speech": "anger",
    "raised_voice": "raised_voice",
    "disgust": "disgust",
    "contempt": "disgust",
    "fear": "distress",
    "sadness": "distress",
    "negative_tone": "negative_tone",
}


@dataclass(frozen=True)
class MomentFusionConfig:
    """Tunables of moment fusion (reported in ``settings.fusion``)."""

    merge_gap_s: float = 2.0  # one person's signals closer than this are one event
    weak_score: float = 0.6  # a signal scoring below this is weak ...
    weak_min_s: float = 2.0  # ... and so is one shorter than this
    lone_weak_factor: float = 0.6  # confidence factor of a moment resting on one weak cue
    min_signal_confidence: float = 0.02  # below this a signal is noise: dropped, with the reason
    full_weight_s: float = 6.0  # moments this long or longer weigh fully in severity; a blip weighs half
    watch_first: int = 5
    watch_first_spacing_s: float = 15.0  # at most one watch-first moment per this span
    default_min_confidence: float = 0.5  # the dashboard hides moments below this unless asked
    # the headline kind: the first of these among the moment's signals (words first: what was said is what
    # a manager can quote; then anger seen or heard; a raised voice; the quieter emotions)
    kind_order: tuple[str, ...] = ("hostile_language", "anger", "raised_voice", "disgust", "distress", "negative_tone")

    def settings(self) -> rs.FusionSettings:
        return rs.FusionSettings(
            merge_gap_s=self.merge_gap_s,
            lone_weak_factor=self.lone_weak_factor,
            watch_first=self.watch_first,
            watch_first_spacing_s=self.watch_first_spacing_s,
            default_min_confidence=self.default_min_confidence,
        )


@dataclass(frozen=True)
class Owner:
    """Who a signal belongs to: a face person with their voices, or a voice with no face."""

    person: str
    person_id: str | None
    speaker_ids: tuple[str, ...]
    role: str = "unknown"
    box: list[float] | None = None  # the person's typical face box: a thumbnail for a heard moment


@dataclass
class FusionResult:
    moments: list[rs.Moment]
    dropped: list[tuple[rs.MomentSignal, str]] = field(default_factory=list)


def owners(persons: Iterable[rs.Person], speakers: Iterable[rs.Speaker]) -> dict[str, Owner]:
    """source id (P.. or S..) -> its owner; a voice linked to a face belongs to that face's person."""
    out: dict[str, Owner] = {}
    speakers = list(speakers)
    for p in persons:
        voices = tuple(sorted({*p.speaker_ids, *(s.id for s in speakers if s.person_id == p.id)}))
        owner = Owner(p.id, p.id, voices, p.role, list(p.typical_box))
        out[p.id] = owner
        for sid in voices:
            out[sid] = owner
    for s in speakers:
        out.setdefault(s.id, Owner(s.id, None, (s.id,), s.role))
    return out


def fuse_moments(
    signals: Iterable[rs.MomentSignal],
    who: dict[str, Owner],
    duration_s: float,
    config: MomentFusionConfig | None = None,
) -> FusionResult:
    """Merge signals into moments per owner, ids M1.. in time order."""
    config = config or MomentFusionConfig()
    kept, dropped = _triage(signals, who, duration_s, config)
    by_owner: dict[str, list[rs.MomentSignal]] = defaultdict(list)
    for s in kept:
        by_owner[who[s.source_id].person].append(s)
    moments = [
        _moment(group, who[group[0].source_id], config)
        for person in sorted(by_owner)
        for group in _events(by_owner[person], config.merge_gap_s)
    ]
    moments.sort(key=lambda m: (m.start_s, m.person, m.end_s, m.kind))
    for i, m in enumerate(moments, start=1):
        m.id = f"M{i}"
    return FusionResult(moments, dropped)


def _signal_key(s: rs.MomentSignal) -> tuple:
    """A total order on signals, so that grouping never depends on the order they arrived in."""
    return (s.start_s, s.end_s, s.modality, s.kind, s.source_id, s.peak_s, s.score, s.confidence, s.excerpt)


def _triage(
    signals: Iterable[rs.MomentSignal], who: dict[str, Owner], duration_s: float, config: MomentFusionConfig
) -> tuple[list[rs.MomentSignal], list[tuple[rs.MomentSignal, str]]]:
    """Signals clipped to the lesson; those with no owner, no time inside the lesson or no confidence dropped."""
    kept, dropped = [], []
    for s in sorted(signals, key=_signal_key):
        if s.source_id not in who:
            dropped.append((s, f"no person or voice {s.source_id} in the lesson"))
        elif s.confidence < config.min_signal_confidence:
            dropped.append((s, f"confidence {s.confidence} below {config.min_signal_confidence}"))
        elif s.start_s >= duration_s or s.end_s <= 0:
            dropped.append((s, "outside the lesson"))
        else:
            start, end = max(0.0, s.start_s), min(duration_s, s.end_s)
            peak = min(max(s.peak_s, start), end)
            kept.append(s.model_copy(update={"start_s": start, "end_s": end, "peak_s": peak}))
    return kept, dropped


def _events(signals: list[rs.MomentSignal], gap_s: float) -> list[list[rs.MomentSignal]]:
    """Chains of signals whose spans overlap or follow within ``gap_s``."""
    out: list[list[rs.MomentSignal]] = []
    end = float("-inf")
    for s in sorted(signals, key=_signal_key):
        if out and s.start_s <= end + gap_s:
            out[-1].append(s)
            end = max(end, s.end_s)
        else:
            out.append([s])
            end = s.end_s
    return out


def _strength(s: rs.MomentSignal) -> float:
    return s.score * s.confidence


def moment_confidence(signals: list[rs.MomentSignal], config: MomentFusionConfig) -> float:
    """Noisy-OR over modalities (each by its surest signal); one weak cue alone is scaled down."""
    best: dict[str, float] = {}
    for s in signals:
        best[s.modality] = max(best.get(s.modality, 0.0), s.confidence)
    doubt = 1.0
    for c in best.values():
        doubt *= 1.0 - c
    confidence = 1.0 - doubt
    if len(best) == 1 and all(s.score < config.weak_score or s.end_s - s.start_s < config.weak_min_s for s in signals):
        confidence *= config.lone_weak_factor
    return confidence


def _headline(signals: list[rs.MomentSignal], config: MomentFusionConfig) -> str:
    kinds = {HEADLINE[s.kind] for s in signals}
    return next(k for k in config.kind_order if k in kinds)


def _excerpt(signals: list[rs.MomentSignal]) -> str:
    said = [s.excerpt for s in signals if s.modality == "text" and s.excerpt]
    heard = [s.excerpt for s in signals if s.modality == "voice" and s.excerpt]
    return " … ".join(dict.fromkeys(said)) if said else (heard[0] if heard else "")


def _moment(signals: list[rs.MomentSignal], owner: Owner, config: MomentFusionConfig) -> rs.Moment:
    strongest = max(signals, key=lambda s: (_strength(s), -s.start_s))
    faces = [s for s in signals if s.modality == "face"]
    face = max(faces, key=_strength) if faces else None
    start, end = min(s.start_s for s in signals), max(s.end_s for s in signals)
    intensity = max(s.score for s in signals)
    confidence = moment_confidence(signals, config)
    weight = min(1.0, 0.5 + 0.5 * (end - start) / config.full_weight_s)
    return rs.Moment(
        id="M0",
        person=owner.person,
        person_id=owner.person_id,
        speaker_ids=list(owner.speaker_ids),
        role=owner.role,  # type: ignore[arg-type]
        kind=_headline(signals, config),  # type: ignore[arg-type]
        start_s=round(start, 3),
        end_s=round(end, 3),
        peak_s=round(strongest.peak_s, 3),
        intensity=round(intensity, 4),
        confidence=round(confidence, 4),
        severity=round(intensity * confidence * weight, 4),
        modalities=signals,
        transcript_excerpt=_excerpt(signals),
        thumbnail_s=round(face.peak_s if face else strongest.peak_s, 3),
        face_box=face.box if face and face.box else owner.box,
    )


def watch_first(moments: list[rs.Moment], config: MomentFusionConfig | None = None) -> list[str]:
    """The ids of the moments to watch first: most severe, sure enough to be shown, one per spacing."""
    config = config or MomentFusionConfig()
    chosen: list[rs.Moment] = []
    for m in sorted(moments, key=lambda m: (-m.severity, m.start_s, m.id)):
        if m.confidence < config.default_min_confidence:
            continue
        if all(abs(m.peak_s - c.peak_s) >= config.watch_first_spacing_s for c in chosen):
            chosen.append(m)
        if len(chosen) == config.watch_first:
            break
    return [m.id for m in chosen]


def positive_markers(markers: Iterable[rs.PositiveMarker], who: dict[str, Owner]) -> list[rs.PositiveMarker]:
    """Positive markers given to their owner (``person`` arrives as the source id), ids G1.. in time order."""
    out = [
        m.model_copy(update={"person": who[m.person].person, "role": who[m.person].role})
        for m in markers
        if m.person in who
    ]
    out.sort(key=lambda m: (m.start_s, m.person, m.kind, m.end_s))
    for i, m in enumerate(out, start=1):
        m.id = f"G{i}"
    return out


def stories(
    moments: list[rs.Moment], markers: list[rs.PositiveMarker], who: dict[str, Owner], duration_s: float
) -> list[rs.PersonStory]:
    """Per person: moments by kind, the worst one, the share of the lesson spent inside their moments."""
    people = {o.person: o for o in who.values()}
    out = []
    for person in sorted(people, key=lambda p: (p[0] != "P", len(p), p)):
        mine = [m for m in moments if m.person == person]
        by_kind: dict[str, int] = defaultdict(int)
        for m in mine:
            by_kind[m.kind] += 1
        worst = max(mine, key=lambda m: (m.severity, -m.start_s), default=None)
        out.append(
            rs.PersonStory(
                person=person,
                role=people[person].role,  # type: ignore[arg-type]
                moments=len(mine),
                by_kind=dict(sorted(by_kind.items())),
                worst_moment_id=worst.id if worst else None,
                negative_share=round(min(1.0, _covered(mine) / duration_s), 4) if duration_s > 0 else 0.0,
                positive_markers=sum(m.person == person for m in markers),
            )
        )
    return out


def _covered(moments: list[rs.Moment]) -> float:
    """Seconds inside the union of the moments' spans."""
    total, end = 0.0, float("-inf")
    for m in sorted(moments, key=lambda m: m.start_s):
        if m.end_s > end:
            total += m.end_s - max(m.start_s, end)
            end = m.end_s
    return total
