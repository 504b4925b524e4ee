"""Small shared result types of the face models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXPRESSIONS: tuple[str, ...] = ("neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise")
NEGATIVE_EXPRESSIONS: frozenset[str] = frozenset({"anger", "disgust", "fear", "sadness", "contempt"})


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box in pixels of the frame it was found in."""

    x: float
    y: float
    w: float
    h: float

    @property
    def area(self) -> float:
        return max(self.w, 0.0) * max(self.h, 0.0)

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def expanded(self, factor: float, width: int, height: int) -> Box:
        """A square box around the centre, ``factor`` times the longer side, clipped to the frame."""
        cx, cy = self.center
        side = max(self.w, self.h) * factor
        x0, y0 = max(0.0, cx - side / 2), max(0.0, cy - side / 2)
        x1, y1 = min(float(width), cx + side / 2), min(float(height), cy + side / 2)
        return Box(x0, y0, x1 - x0, y1 - y0)

    def crop(self, image: np.ndarray) -> np.ndarray:
        x0, y0 = round(self.x), round(self.y)
        return image[y0 : y0 + max(1, round(self.h)), x0 : x0 + max(1, round(self.w))]


@dataclass(frozen=True, slots=True)
class FaceDetection:
    """A detected face: box, detector score, and six keypoints (eyes, nose, mouth, ear tragions)."""

    box: Box
    score: float
    keypoints: np.ndarray  # (6, 2) pixels


@dataclass(frozen=True, slots=True)
class FaceGeometry:
    """What the 478-point mesh tells about a face: head pose, eye and mouth opening, eye centres."""

    yaw: float  # degrees, + = turned to the image's right
    pitch: float  # degrees, + = looking down
    roll: float  # degrees
    eye_open: float  # mean eye aspect ratio (~0.25-0.35 open, < 0.12 closed)
    mouth_open: float  # inner-lip gap / mouth width
    left_eye: tuple[float, float]  # pixels in the frame
    right_eye: tuple[float, float]
    extent: Box | None = None  # bounding box of the mesh points: where the face is now
    presence: float = 1.0  # the landmark model's own "this is a face" probability
    brow_height: float = float("nan")  # brow above the upper eyelid / eye-to-eye distance (raised brows: larger)
    shape: tuple[float, ...] | None = None  # expression geometry, face_mesh.SHAPE_FEATURES order
    mouth_width: float = float("nan")  # outer lip corners apart / eye-to-eye distance (stretched lips: wider)
