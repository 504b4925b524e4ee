"""Group face tracks into persons P1..Pn: same face embedding, never two places at once."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.tracking import Track


@dataclass
class PersonTracks:
    id: str
    tracks: list[Track] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return sum(len(t.observations) for t in self.tracks)

    @property
    def first_seen(self) -> float:
        return min(t.start for t in self.tracks)

    def embeddings(self) -> list[np.ndarray]:
        return [e for t in self.tracks for e in t.embeddings]

    def overlaps(self, track: Track) -> bool:
        return any(t.start <= track.end and track.start <= t.end for t in self.tracks)


def group_tracks(tracks: list[Track], config: FaceTrackConfig) -> tuple[list[PersonTracks], int]:
    """Greedy, time-ordered grouping. Returns the persons and the number of dropped short tracks."""
    groups: list[PersonTracks] = []
    for track in sorted((t for t in tracks if t.observations), key=lambda t: t.start):
        candidates = [g for g in groups if not g.overlaps(track)]
        best: PersonTracks | None = None
        emb = track.mean_embedding()
        if emb is not None:
            scored = []
            for g in candidates:
                embs = g.embeddings()
                if embs:
                    scored.append((float(np.linalg.norm(np.mean(embs, axis=0) - emb)), g))
            scored.sort(key=lambda x: x[0])
            if scored and scored[0][0] <= config.same_person_distance:
                best = scored[0][1]
        else:  # too small to embed: continue whoever was last seen in the same place
            first = track.observations[0].box
            for g in candidates:
                last = max(g.tracks, key=lambda t: t.end)
                if last.last_box.iou(first) >= config.track_iou:
                    best = g
                    break
        if best is None:
            best = PersonTracks(id="")
            groups.append(best)
        best.tracks.append(track)
    kept = [g for g in groups if g.samples >= config.min_person_samples]
    kept.sort(key=lambda g: (round(g.first_seen, 1), min(t.observations[0].box.x for t in g.tracks)))
    for i, g in enumerate(kept, start=1):
        g.id = f"P{i}"
    return kept, len(groups) - len(kept)
