"""Reading reports stored under schema 1.1.0-1.3.0 as the current schema, so that old lessons keep opening.

Each old facial moment (``moments``) and heard moment (``audio.moments``) becomes a one-modality
``Moment`` of its owner (a voice linked to a face belongs to that face's person). Old moments are not
merged after the fact: they were cut by other rules and their stored score already counted them, so the
stored score stays as it was, its reasons pointing at the renumbered moments. ``watch_first`` and
``stories`` are derived from the converted moments; 1.x reports hold no positive markers.
"""

from __future__ import annotations

import copy
from typing import Any

from edcontrol.pipeline.moment_fusion import HEADLINE, MomentFusionConfig, Owner, stories, watch_first
from edcontrol.report import schema as rs


def upgrade_1x(data: dict[str, Any]) -> dict[str, Any]:
    """A 1.x report dict as a current (2.x) report dict (the input is not changed)."""
    doc = copy.deepcopy(data)
    for p in doc.get("persons", []):
        sid = p.pop("speaker_id", None)
        p["speaker_ids"] = [sid] if sid else []
    audio = doc.get("audio")
    heard = audio.pop("moments", []) if audio else []
    who = _owners(doc)
    old = [(m, _face_signal(m)) for m in doc.pop("moments", [])] + [(m, _heard_signal(m)) for m in heard]
    old.sort(key=lambda x: (x[1].start_s, x[1].source_id, x[0]["id"]))
    duration = float((doc.get("source") or {}).get("duration_s") or 0.0)
    renamed, moments = {}, []
    for i, (m, signal) in enumerate(old, start=1):
        renamed[m["id"]] = f"M{i}"
        moments.append(_one_signal_moment(f"M{i}", signal, float(m["confidence"]), who))
    for reason in (doc.get("score") or {}).get("reasons", []):
        if reason.get("moment_id"):
            reason["moment_id"] = renamed.get(reason["moment_id"])
    doc["moments"] = [m.model_dump(mode="json") for m in moments]
    doc["watch_first"] = watch_first(moments, MomentFusionConfig())
    doc["positive_markers"] = []
    doc["stories"] = [s.model_dump(mode="json") for s in stories(moments, [], who, duration or 1.0)]
    doc["schema_version"] = rs.SCHEMA_VERSION
    return doc


def _owners(doc: dict[str, Any]) -> dict[str, Owner]:
    out: dict[str, Owner] = {}
    speakers = (doc.get("audio") or {}).get("speakers", [])
    for p in doc.get("persons", []):
        voices = tuple(sorted({*p["speaker_ids"], *(s["id"] for s in speakers if s.get("person_id") == p["id"])}))
        owner = Owner(p["id"], p["id"], voices, p.get("role", "unknown"), p.get("typical_box"))
        out[p["id"]] = owner
        out.update({sid: owner for sid in voices})
    for s in speakers:
        out.setdefault(s["id"], Owner(s["id"], None, (s["id"],), s.get("role", "unknown")))
    return out


def _face_signal(m: dict[str, Any]) -> rs.MomentSignal:
    return rs.MomentSignal(
        modality="face",
        kind=m["emotion"],
        source_id=m["person_id"],
        start_s=m["start_s"],
        end_s=m["end_s"],
        peak_s=m["peak_s"],
        score=m["intensity"],
        confidence=m["confidence"],
        evidence={"peak_probability": m["peak_probability"], "baseline_probability": m["baseline_probability"]},
        box=m.get("evidence_box"),
    )


def _heard_signal(m: dict[str, Any]) -> rs.MomentSignal:
    return rs.MomentSignal(
        modality=m["modality"],
        kind=m["kind"],
        source_id=m["speaker_id"],
        start_s=m["start_s"],
        end_s=m["end_s"],
        peak_s=m["peak_s"],
        score=m["intensity"],
        confidence=m["confidence"],
        evidence=m.get("scores", {}),
        excerpt=m.get("transcript_excerpt", ""),
    )


def _one_signal_moment(mid: str, s: rs.MomentSignal, confidence: float, who: dict[str, Owner]) -> rs.Moment:
    owner = who.get(s.source_id) or Owner(s.source_id, None, (s.source_id,) if s.source_id[0] == "S" else ())
    weight = min(1.0, 0.5 + 0.5 * (s.end_s - s.start_s) / MomentFusionConfig().full_weight_s)
    return rs.Moment(
        id=mid,
        person=owner.person,
        person_id=owner.person_id,
        speaker_ids=list(owner.speaker_ids),
        role=owner.role,  # type: ignore[arg-type]
        kind=HEADLINE[s.kind],  # type: ignore[arg-type]
        start_s=s.start_s,
        end_s=s.end_s,
        peak_s=s.peak_s,
        intensity=s.score,
        confidence=confidence,
        severity=round(s.score * confidence * weight, 4),
        modalities=[s],
        transcript_excerpt=s.excerpt,
        thumbnail_s=s.peak_s,
        face_box=s.box or owner.box,
    )
