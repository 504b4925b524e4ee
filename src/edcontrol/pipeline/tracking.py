"""Link per-frame faces into tracks (box overlap) and collect sparse identity embeddings per track.

Why box overlap first: at 2 fps, tiles of a video call barely move, so IoU links almost everything
for free; the slow identity model only runs when a track starts and every ``embed_every_s`` after,
which is what lets persons be re-identified after occlusion or a layout switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from edcontrol.models.types import Box
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.observations import FaceObservation


@dataclass
class Track:
    id: int
    observations: list[FaceObservation] = field(default_factory=list)
    embeddings: list[np.ndarray] = field(default_factory=list)
    last_embed_t: float = -1e9
    appearance: np.ndarray | None = None  # running mean of the observations' colour histograms
    last_expression_t: float = -1e9

    @property
    def start(self) -> float:
        return self.observations[0].t

    @property
    def end(self) -> float:
        return self.observations[-1].t

    @property
    def last_box(self) -> Box:
        return self.observations[-1].box

    def mean_embedding(self) -> np.ndarray | None:
        return np.mean(self.embeddings, axis=0) if self.embeddings else None


class FaceTracker:
    """Online IoU tracker. ``update`` returns the observations that want an identity embedding."""

    def __init__(self, config: FaceTrackConfig) -> None:
        self.config = config
        self.tracks: list[Track] = []
        self._active: list[Track] = []

    def update(self, t: float, observations: list[FaceObservation]) -> list[tuple[Track, FaceObservation]]:
        self._active = [tr for tr in self._active if t - tr.end <= self.config.track_max_gap_s]
        matched: dict[int, Track] = {}
        if self._active and observations:
            cost = np.array([[1.0 - tr.last_box.iou(o.box) for o in observations] for tr in self._active])
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols, strict=True):
                if 1.0 - cost[r, c] >= self.config.track_iou:
                    matched[c] = self._active[r]
        wants: list[tuple[Track, FaceObservation]] = []
        for i, obs in enumerate(observations):
            track = matched.get(i)
            if track is None:
                track = Track(id=len(self.tracks))
                self.tracks.append(track)
                self._active.append(track)
            obs.track_id = track.id
            track.observations.append(obs)
            big_enough = min(obs.box.w, obs.box.h) >= self.config.min_face_px
            changed = self._appearance_changed(track, obs)
            if big_enough and (changed or t - track.last_embed_t >= self.config.embed_every_s):
                track.last_embed_t = t
                wants.append((track, obs))
        return wants

    def due_for_expression(self, t: float, observations: list[FaceObservation]) -> list[FaceObservation]:
        """Observations whose track has not been classified within the last 1/expression_fps s."""
        period = 1.0 / self.config.expression_fps - 1e-3
        out = []
        for obs in observations:
            track = self.tracks[obs.track_id]
            if t - track.last_expression_t >= period:
                track.last_expression_t = t
                out.append(obs)
        return out

    def _appearance_changed(self, track: Track, obs: FaceObservation) -> bool:
        """True when the face in this track suddenly looks different (e.g. tiles swapped places)."""
        sig = obs.appearance
        if sig is None:
            return False
        if track.appearance is None:
            track.appearance = sig
            obs.appearance = None
            return False
        distance = 1.0 - float(np.minimum(track.appearance, sig).sum())  # 1 - histogram intersection
        obs.appearance = None  # consumed: hours-long lessons must not keep one histogram per frame
        if distance > self.config.appearance_change:
            track.appearance = sig
            return True
        track.appearance = 0.8 * track.appearance + 0.2 * sig
        return False

    def add_embedding(self, track: Track, obs: FaceObservation, embedding: np.ndarray) -> None:
        """Attach an embedding; if it contradicts the track's identity, split the track here.

        In a speaker-view recording the same screen place shows different people in turn, so box
        overlap alone would glue them into one track.
        """
        mean = track.mean_embedding()
        if mean is None or float(np.linalg.norm(mean - embedding)) <= self.config.same_person_distance:
            track.embeddings.append(embedding)
            return
        cut = track.observations.index(obs)
        new = Track(
            appearance=obs.appearance,
            id=len(self.tracks),
            observations=track.observations[cut:],
            embeddings=[embedding],
            last_embed_t=obs.t,
        )
        track.observations = track.observations[:cut]
        for o in new.observations:
            o.track_id = new.id
        self.tracks.append(new)
        self._active = [new if tr is track else tr for tr in self._active]
