"""Face mesh: MediaPipe's 468-point face landmark model (mediapipe 0.10.21), run directly with LiteRT.

Why directly: the ``solutions.face_mesh`` graph re-runs a face detector on every crop in static mode
(10 ms a face here); we already have detections, so we warp the face region to 192x192 ourselves
and run only the landmark model (about 2 ms). Head pose and eye/mouth opening are the attention
proxies of the report; the eye centres align faces for the expression models; the brow height tells a
raised-brow surprise from a mouth that is only talking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from edcontrol.models.types import Box, FaceGeometry

INPUT = 192
ROI_SCALE = 1.5  # MediaPipe's detection-to-ROI scale for the face landmark model
# Landmark indices of the canonical MediaPipe mesh.
_CHEEK_L, _CHEEK_R, _FOREHEAD, _CHIN = 234, 454, 10, 152
_EYE_L = (33, 133, 159, 145)  # outer corner, inner corner, upper lid, lower lid (image-left eye)
_EYE_R = (263, 362, 386, 374)
_LIP_UP, _LIP_DOWN, _MOUTH_L, _MOUTH_R = 13, 14, 78, 308
_CORNER_L, _CORNER_R = 61, 291  # outer lip corners
_BROW_L, _BROW_R = (70, 63, 105, 66, 107), (300, 293, 334, 296, 336)  # upper brow contours, outer to inner

Point = tuple[float, float]


class FaceMesh:
    """Fit the mesh to faces given by a box and (optionally) the two eye points of the detector."""

    name = "mediapipe-face-landmark"
    version = "0.10.21 face_landmark.tflite (468 points, LiteRT)"

    def __init__(self, min_presence: float = 0.5) -> None:
        path = resources.files("mediapipe.modules.face_landmark") / "face_landmark.tflite"
        self._interp = Interpreter(model_path=str(path), num_threads=1)
        self._interp.allocate_tensors()
        self._in = self._interp.get_input_details()[0]["index"]
        outs = {o["name"]: o["index"] for o in self._interp.get_output_details()}
        self._landmarks, self._presence = outs["conv2d_21"], outs["conv2d_31"]
        self.min_presence = min_presence

    def fit(
        self, image: np.ndarray, boxes: Sequence[Box], eyes: Sequence[tuple[Point, Point] | None] | None = None
    ) -> list[FaceGeometry | None]:
        eyes = eyes if eyes is not None else [None] * len(boxes)
        return [self._fit_one(image, b, e) for b, e in zip(boxes, eyes, strict=True)]

    def _fit_one(self, image: np.ndarray, box: Box, eyes: tuple[Point, Point] | None) -> FaceGeometry | None:
        if min(box.w, box.h) < 8:
            return None
        cx, cy = box.center
        side = max(box.w, box.h) * ROI_SCALE
        angle = 0.0
        if eyes is not None:
            (ax, ay), (bx, by) = sorted(eyes)
            angle = math.degrees(math.atan2(by - ay, bx - ax))
        m = cv2.getRotationMatrix2D((cx, cy), angle, INPUT / side)
        m[0, 2] += INPUT / 2 - cx
        m[1, 2] += INPUT / 2 - cy
        crop = cv2.warpAffine(image, m, (INPUT, INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        self._interp.set_tensor(self._in, (crop.astype(np.float32) / 255.0)[None])
        self._interp.invoke()
        presence = 1.0 / (1.0 + math.exp(-float(self._interp.get_tensor(self._presence).reshape(-1)[0])))
        if presence < self.min_presence:
            return None
        pts = self._interp.get_tensor(self._landmarks).reshape(-1, 3).astype(np.float64)
        inv = cv2.invertAffineTransform(m)
        xy = pts[:, :2] @ inv[:, :2].T + inv[:, 2]
        z = pts[:, 2:] * (side / INPUT)
        geometry = geometry_from_landmarks(np.hstack([xy, z]))
        x0, y0 = xy.min(axis=0)
        x1, y1 = xy.max(axis=0)
        return replace(geometry, extent=Box(float(x0), float(y0), float(x1 - x0), float(y1 - y0)), presence=presence)


# Expression geometry: (name, how it is measured) on eye-normalised points (eyes level at y = 0, 1 apart, y down).
SHAPE_FEATURES: tuple[str, ...] = (
    "inner_brow_height",
    "mid_brow_height",
    "outer_brow_height",
    "inner_brow_gap",
    "eye_aperture",
    "mouth_corner_drop",
    "mouth_width",
    "inner_lip_gap",
    "outer_lip_height",
    "nose_to_upper_lip",
    "nostril_height",
    "chin_height",
    "lower_lid_height",
    "mouth_corner_height",
    "lip_thickness",
    "face_length",
    "lower_inner_brow_height",
)


def eye_normalised(pts: np.ndarray) -> np.ndarray:
    """2-D points moved so the eye centres sit at (-0.5, 0) and (0.5, 0): scale, shift and roll removed."""
    le = pts[list(_EYE_L), :2].mean(axis=0)
    re = pts[list(_EYE_R), :2].mean(axis=0)
    a, b = (le, re) if le[0] <= re[0] else (re, le)
    d = b - a
    dist = float(np.hypot(d[0], d[1])) + 1e-9
    c, s = d / dist
    rot = np.array([[c, s], [-s, c]])  # rotates the eye line onto +x
    return (pts[:, :2] - (a + b) / 2) @ rot.T / dist


def expression_shape(pts: np.ndarray) -> tuple[float, ...]:
    """The face's expression geometry, ``SHAPE_FEATURES`` order (brow, eye, mouth and nose positions).

    Why: the expression nets see texture in a fixed crop and confuse a bared-teeth anger with a smile;
    the mesh says where the brows, lids, lips and nose are. Each value is left/right averaged, so a
    mirrored face gives the same shape.
    """
    q = eye_normalised(pts)
    x, y = q[:, 0], q[:, 1]
    values = (
        -(y[107] + y[336]) / 2,
        -(y[105] + y[334]) / 2,
        -(y[70] + y[300]) / 2,
        abs(x[336] - x[107]),
        (y[145] - y[159] + y[374] - y[386]) / 2,
        (y[61] + y[291]) / 2 - (y[0] + y[17]) / 2,
        abs(x[291] - x[61]),
        y[14] - y[13],
        y[17] - y[0],
        y[0] - y[2],
        (y[98] + y[327]) / 2,
        y[152],
        (y[145] + y[374]) / 2,
        (y[61] + y[291]) / 2,
        (y[13] - y[0]) + (y[17] - y[14]),
        y[152] - y[10],
        -(y[55] + y[285]) / 2,
    )
    return tuple(float(v) for v in values)


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a[:2] - b[:2]))


def geometry_from_landmarks(pts: np.ndarray) -> FaceGeometry:
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
    eyes_apart = _dist(pts[_EYE_L[0]], pts[_EYE_R[0]]) + 1e-9
    brow = np.mean([_dist(pts[b], pts[_EYE_L[2]]) for b in _BROW_L] + [_dist(pts[b], pts[_EYE_R[2]]) for b in _BROW_R])
    le = pts[list(_EYE_L), :2].mean(axis=0)
    re = pts[list(_EYE_R), :2].mean(axis=0)
    return FaceGeometry(
        yaw=yaw,
        pitch=pitch,
        roll=roll,
        eye_open=(ear(_EYE_L) + ear(_EYE_R)) / 2,
        mouth_open=mouth,
        brow_height=float(brow / eyes_apart),
        left_eye=(float(le[0]), float(le[1])),
        right_eye=(float(re[0]), float(re[1])),
        shape=expression_shape(pts),
        mouth_width=_dist(pts[_CORNER_L], pts[_CORNER_R]) / eyes_apart,
    )
