"""Each face model on real faces: typed output, sane values, and the properties we rely on."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest

from conftest import EVAL
from edcontrol.models.face_detector import FaceDetector
from edcontrol.models.face_expression import FaceExpression, aligned_crop
from edcontrol.models.face_identity import SAME_PERSON_DISTANCE, FaceIdentity
from edcontrol.models.face_mesh import SHAPE_FEATURES, FaceMesh
from edcontrol.models.types import EXPRESSIONS, Box


@pytest.fixture(scope="module")
def detector():
    d = FaceDetector()
    yield d
    d.close()


def test_detector_finds_the_one_grid_face(detector, grid_clip):
    frame = grid_clip("lwbsza.mpg")[10]
    faces = detector.detect([frame])[0]
    assert len(faces) == 1
    f = faces[0]
    assert 60 < f.box.w < 250 and 0.5 < f.score <= 1.0
    assert f.keypoints.shape == (6, 2)
    cx, cy = f.box.center
    assert 100 < cx < 260 and 50 < cy < 230


def test_detector_falls_back_to_short_range_for_a_face_filling_the_frame(detector, grid_clip):
    frame = grid_clip("brbk7n.mpg")[10]
    f = detector.detect([frame])[0][0]
    close_up = f.box.expanded(1.15, frame.shape[1], frame.shape[0]).crop(frame)
    close_up = cv2.resize(close_up, (480, 480))
    faces = detector.detect([close_up])[0]
    assert len(faces) == 1 and faces[0].box.w > 240


def test_detector_returns_nothing_for_tiny_or_faceless_frames(detector):
    assert detector.detect([np.zeros((16, 16, 3), np.uint8)]) == [[]]
    noise = np.random.default_rng(0).integers(0, 255, (360, 640, 3), dtype=np.uint8)
    assert detector.detect([noise]) == [[]]


def test_mesh_pose_follows_a_mirrored_head(detector, grid_clip):
    frame = grid_clip("lwbsza.mpg")[10]
    mesh = FaceMesh()
    turned = np.ascontiguousarray(frame[:, ::-1])
    geos = []
    for img in (frame, turned):
        d = detector.detect([img])[0][0]
        geos.append(mesh.fit(img, [d.box], [(tuple(d.keypoints[0]), tuple(d.keypoints[1]))])[0])
    a, b = geos
    assert a is not None and b is not None
    assert abs(a.yaw) < 20 and abs(a.pitch) < 25  # GRID speakers face the camera
    assert a.yaw == pytest.approx(-b.yaw, abs=3.0)
    assert 0.15 < a.eye_open < 0.6
    assert a.left_eye[0] < a.right_eye[0]
    # the expression geometry is left/right averaged and eye-normalised: a mirrored face has the same shape
    assert a.shape is not None and b.shape is not None and len(a.shape) == len(SHAPE_FEATURES)
    assert np.allclose(a.shape, b.shape, atol=0.03)


def test_mesh_shape_measures_raised_brows_and_open_mouth(detector):
    """One actor's surprised clip against his neutral one: brows higher, lids wider apart on the same face."""
    from edcontrol.media.frames import iter_frames

    clips = EVAL / "fer_av_mead_episodes_dev" / "clips"
    mesh = FaceMesh()

    def median_shape(name: str) -> dict[str, float]:
        shapes = []
        for frame in iter_frames(clips / name, fps=5.0):
            d = detector.detect([frame.image])[0][0]
            geo = mesh.fit(frame.image, [d.box], [(tuple(d.keypoints[0]), tuple(d.keypoints[1]))])[0]
            assert geo is not None and geo.shape is not None
            shapes.append(geo.shape)
        return dict(zip(SHAPE_FEATURES, np.median(shapes, axis=0), strict=True))

    neutral = median_shape("M030_front_neutral_level1_001_dreamtalk.mp4")
    surprised = median_shape("M030_front_surprised_level3_001_dreamtalk.mp4")
    assert surprised["inner_brow_height"] > neutral["inner_brow_height"] + 0.03
    assert surprised["outer_brow_height"] > neutral["outer_brow_height"] + 0.03
    assert surprised["eye_aperture"] > neutral["eye_aperture"]


def test_mesh_rejects_a_box_without_a_face():
    wall = np.full((300, 300, 3), 128, np.uint8)
    assert FaceMesh().fit(wall, [Box(50, 50, 200, 200)]) == [None]


def test_expression_probabilities_and_flip_invariance(detector, grid_clip):
    frame = grid_clip("lwbsza.mpg")[10]
    d = detector.detect([frame])[0][0]
    face = aligned_crop(frame, tuple(d.keypoints[0]), tuple(d.keypoints[1]))
    model = FaceExpression()
    p = model.predict([face, np.ascontiguousarray(face[:, ::-1])])
    assert p.shape == (2, len(EXPRESSIONS))
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-4)
    assert np.allclose(p[0], p[1], atol=1e-4)  # the model averages each face with its mirror image
    # with the mesh's geometry (the same for a face and its mirror image) the reading is still a distribution
    geo = FaceMesh().fit(frame, [d.box], [(tuple(d.keypoints[0]), tuple(d.keypoints[1]))])[0]
    assert geo is not None
    with_shape = model.predict([face], [geo.shape])
    assert np.allclose(with_shape.sum(axis=1), 1.0, atol=1e-4) and not np.allclose(with_shape, p[:1], atol=1e-3)


def test_expression_separates_labelled_happy_and_angry_faces():
    """On labelled dev faces the happiness probability is far higher for happy than for angry faces."""
    folder = EVAL / "fer_muxspace_facial_expressions_subset"
    rows = list(csv.DictReader((folder / "labels.csv").open()))
    from edcontrol.evaluation.fer_features import CropAligner

    aligner, model = CropAligner(), FaceExpression()

    def mean_prob(label: str, cls: str) -> float:
        imgs = [
            cv2.cvtColor(cv2.imread(str(folder / r["image"])), cv2.COLOR_BGR2RGB) for r in rows if r["label"] == label
        ]
        return float(model.predict([aligner(i) for i in imgs[:20]])[:, EXPRESSIONS.index(cls)].mean())

    assert mean_prob("happiness", "happiness") > 2 * mean_prob("anger", "happiness")
    assert mean_prob("anger", "anger") > 2 * mean_prob("happiness", "anger")


def test_identity_same_person_close_different_people_far(detector, grid_clip):
    ident = FaceIdentity()
    frames = [grid_clip("lwbsza.mpg")[5], grid_clip("lwbsza.mpg")[60], grid_clip("brbk7n.mpg")[30]]
    boxes = [detector.detect([f])[0][0].box for f in frames]
    e = ident.embed(frames, boxes)
    assert e.shape == (3, 128)
    assert ident.distance(e[0], e[1]) < SAME_PERSON_DISTANCE - 0.15
    assert ident.distance(e[0], e[2]) > SAME_PERSON_DISTANCE
