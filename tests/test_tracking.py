"""Tracking and person grouping on synthetic observations: the logic, independent of the models."""

from __future__ import annotations

import numpy as np

from edcontrol.models.types import Box
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.observations import FaceObservation
from edcontrol.pipeline.persons import group_tracks
from edcontrol.pipeline.tracking import FaceTracker

CFG = FaceTrackConfig()
A, B = np.zeros(128, np.float32), np.full(128, 0.1, np.float32)  # 1.13 apart: different people


def obs(t: float, x: float, appearance: np.ndarray | None = None) -> FaceObservation:
    return FaceObservation(t, Box(x, 100, 120, 120), 0.9, None, ((x + 40, 140), (x + 80, 140)), appearance=appearance)


def run(tracker: FaceTracker, frames: list[tuple[float, list[FaceObservation]]], ids: dict[float, np.ndarray]):
    for t, observations in frames:
        for track, o in tracker.update(t, observations):
            tracker.add_embedding(track, o, ids[o.box.x])


def test_static_tiles_become_two_tracks_and_two_persons():
    tracker = FaceTracker(CFG)
    frames = [(i / 2, [obs(i / 2, 100), obs(i / 2, 700)]) for i in range(600)]
    run(tracker, frames, {100: A, 700: B})
    assert len(tracker.tracks) == 2
    persons, dropped = group_tracks(tracker.tracks, CFG)
    assert [p.id for p in persons] == ["P1", "P2"] and dropped == 0
    assert persons[0].tracks[0].observations[0].box.x == 100  # P1 is the left tile
    # sparse identity: first sight plus one re-check per embed_every_s, not one per frame
    assert sum(len(t.embeddings) for t in tracker.tracks) <= 2 * (1 + 300 / CFG.embed_every_s)


def test_person_reidentified_after_leaving_and_coming_back_elsewhere():
    tracker = FaceTracker(CFG)
    frames = [(i / 2, [obs(i / 2, 100)]) for i in range(20)]  # 0-9.5 s at the left
    frames += [(i / 2, [obs(i / 2, 700)]) for i in range(40, 60)]  # 20-29.5 s at the right
    run(tracker, frames, {100: A, 700: A})
    assert len(tracker.tracks) == 2
    persons, _ = group_tracks(tracker.tracks, CFG)
    assert len(persons) == 1 and len(persons[0].tracks) == 2


def test_two_faces_at_once_are_never_one_person_even_if_embeddings_agree():
    tracker = FaceTracker(CFG)
    frames = [(i / 2, [obs(i / 2, 100), obs(i / 2, 700)]) for i in range(10)]
    run(tracker, frames, {100: A, 700: A + 0.01})
    persons, _ = group_tracks(tracker.tracks, CFG)
    assert len(persons) == 2


def test_appearance_change_in_place_splits_the_track_by_identity():
    """Speaker view: a different person appears in the same place; the histogram change triggers a check."""
    red, blue = np.zeros(64, np.float32), np.zeros(64, np.float32)
    red[0], blue[40] = 1.0, 1.0
    tracker = FaceTracker(CFG)
    for i in range(40):
        t = i / 2
        o = obs(t, 100, red if t < 10 else blue)
        for track, w in tracker.update(t, [o]):
            tracker.add_embedding(track, w, A if w.t < 10 else B)
    assert len(tracker.tracks) == 2
    assert tracker.tracks[1].start == 10.0
    persons, _ = group_tracks(tracker.tracks, CFG)
    assert len(persons) == 2


def test_short_spurious_tracks_are_dropped():
    tracker = FaceTracker(CFG)
    frames = [(i / 2, [obs(i / 2, 100)] + ([obs(i / 2, 700)] if i == 3 else [])) for i in range(20)]
    run(tracker, frames, {100: A, 700: B})
    persons, dropped = group_tracks(tracker.tracks, CFG)
    assert len(persons) == 1 and dropped == 1


def test_expression_is_due_once_per_period_per_track():
    tracker = FaceTracker(CFG)
    due = []
    for i in range(8):
        o = [obs(i / 2, 100), obs(i / 2, 700)]
        tracker.update(i / 2, o)
        due.append(len(tracker.due_for_expression(i / 2, o)))
    assert due == [2, 0, 2, 0, 2, 0, 2, 0]


def test_settled_observations_keep_what_the_timeline_reads_and_drop_the_frames_own_geometry():
    from edcontrol.models.types import FaceGeometry
    from edcontrol.pipeline.observations import settle

    geo = FaceGeometry(
        yaw=5.0, pitch=-3.0, roll=1.0, eye_open=0.3, mouth_open=0.2, left_eye=(140.0, 140.0),
        right_eye=(180.0, 140.0), extent=Box(100, 90, 120, 140), presence=0.9, brow_height=0.25, shape=(0.1,) * 17,
    )  # fmt: skip
    o = obs(0.0, 100)
    o.geometry = geo
    settle([o, obs(0.5, 300)])  # one without a mesh is left as it is
    assert not hasattr(o.geometry, "shape") and not hasattr(o.geometry, "extent")
    assert (o.geometry.yaw, o.geometry.mouth_open, o.geometry.brow_height, o.geometry.eye_open) == (5.0, 0.2, 0.25, 0.3)
    assert (o.geometry.pitch, o.geometry.mouth_width) == (-3.0, geo.mouth_width)
    assert o.eyes == ((140, 140), (180, 140))  # the next frame follows the face from them


def test_a_followed_face_keeps_its_eyes_one_frame_and_its_measures_for_the_lesson(grid_clip):
    """Real frames through the analyzer as the face track runs it: the next frame follows a face from the
    eyes of the frame before, after which they are dropped; the settled measures stay (hours-long lessons)."""
    from edcontrol.pipeline.config import FaceTrackConfig
    from edcontrol.pipeline.observations import FaceMeasures, FrameFaceAnalyzer, settle

    frames = grid_clip("lwbsza.mpg")[:3]
    analyzer = FrameFaceAnalyzer(FaceTrackConfig(detect_every_s=10.0))
    seen = []
    for i, frame in enumerate(frames):
        obs = analyzer.observe(i * 0.5, frame)
        analyzer.classify(frame, obs)
        settle(obs)
        seen.append(obs)
    analyzer.close()
    assert all(len(o) == 1 for o in seen)  # found once, then followed by its mesh
    first, second, last = (o[0] for o in seen)
    assert first.eyes is None and second.eyes is None and last.eyes is not None
    assert all(isinstance(o.geometry, FaceMeasures) and o.expression is not None for o in (first, second, last))
    assert abs(second.box.center[0] - first.box.center[0]) < 10  # the same face, followed
