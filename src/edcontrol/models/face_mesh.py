"""Face mesh: MediaPipe's 478-point face mesh with iris (mediapipe 0.10.21), run on one face crop at a time.

Why a mesh: head pose and eye/mouth opening are the attention proxies of the report, and the eye
centres let us align faces before the expression models, which were trained on aligned crops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from mediapipe.python.solutions import face_mesh as mp_face_mesh

from edcontrol.models.types import FaceGeometry

# Landmark indices of the canonical MediaPipe mesh.
_CHEEK_L, _CHEEK_R, _FOREHEAD, _CHIN = 234, 454, 10, 152
_EYE_L = (33, 133, 159, 145)  # outer corner, inner corner, upper lid, lower lid (image-left eye)
_EYE_R = (362, 263, 386, 374)
_IRIS_L, _IRIS_R = 468, 473
_LIP_UP, _LIP_DOWN, _MOUTH_L, _MOUTH_R = 13, 14, 78, 308


class FaceMesh:
    """Fit the mesh to face crops. ``fit`` takes crops + their offsets and returns geometry or None."""

    name = "mediapipe-face-mesh"
    version = "0.10.21 (478 points, iris)"

    def __init__(self, min_confidence: float = 0.5) -> None:
        self._mesh = mp_face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=1, refine_landmarks=True, min_detection_confidence=min_confidence
        )

    def fit(self, crops: Sequence[np.ndarray], offsets: Sequence[tuple[float, float]]) -> list[FaceGeometry | None]:
        return [self._fit_one(c, o) for c, o in zip(crops, offsets, strict=True)]

    def _fit_one(self, crop: np.ndarray, offset: tuple[float, float]) -> FaceGeometry | None:
        if crop.ndim != 3 or min(crop.shape[:2]) < 24:
            return None
        h, w = crop.shape[:2]
        result = self._mesh.process(np.ascontiguousarray(crop))
        if not result.multi_face_landmarks:
            return None
        lm = result.multi_face_landmarks[0].landmark
        pts = np.array([[p.x * w, p.y * h, p.z * w] for p in lm], np.float64)
        return geometry_from_landmarks(pts, offset)

    def close(self) -> None:
        self._mesh.close()


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a[:2] - b[:2]))


def geometry_from_landmarks(pts: np.ndarray, offset: tuple[float, float] = (0.0, 0.0)) -> FaceGeometry:
    """Head pose from the face's own axes (cheek-to-cheek, forehead-to-chin); EAR and mouth ratio."""
    x_axis = pts[_CHEEK_R] - pts[_CHEEK_L]
    y_axis = pts[_CHIN] - pts[_FOREHEAD]
    normal = np.cross(x_axis, y_axis)
    # MediaPipe z grows away from the camera, so x(right) cross y(down) points away from the viewer;
    # the face's front is the opposite direction.
    front = -normal / (np.linalg.norm(normal) + 1e-9)
    yaw = math.degrees(math.atan2(front[0], -front[2]))
    pitch = math.degrees(math.atan2(front[1], -front[2]))
    roll = math.degrees(math.atan2(x_axis[1], x_axis[0]))

    def ear(idx: tuple[int, int, int, int]) -> float:
        return _dist(pts[idx[2]], pts[idx[3]]) / (_dist(pts[idx[0]], pts[idx[1]]) + 1e-9)

    mouth = _dist(pts[_LIP_UP], pts[_LIP_DOWN]) / (_dist(pts[_MOUTH_L], pts[_MOUTH_R]) + 1e-9)
    ox, oy = offset
    le, re = (
        pts[_IRIS_L] if len(pts) > _IRIS_R else pts[_EYE_L[0]],
        pts[_IRIS_R] if len(pts) > _IRIS_R else pts[_EYE_R[1]],
    )
    return FaceGeometry(
        yaw=yaw,
        pitch=pitch,
        roll=roll,
        eye_open=(ear(_EYE_L) + ear(_EYE_R)) / 2,
        mouth_open=mouth,
        left_eye=(float(le[0] + ox), float(le[1] + oy)),
        right_eye=(float(re[0] + ox), float(re[1] + oy)),
    )
