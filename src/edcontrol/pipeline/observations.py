"""Per-frame face analysis: detector and mesh on every sampled frame, expression when a face needs it."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from edcontrol.models.face_detector import FaceDetector
from edcontrol.models.face_expression import FaceExpression, aligned_crop
from edcontrol.models.face_mesh import FaceMesh
from edcontrol.models.types import Box, FaceDetection, FaceGeometry
from edcontrol.pipeline.config import FaceTrackConfig


@dataclass
class FaceObservation:
    """One face in one sampled frame, with everything the timeline needs."""

    t: float
    box: Box
    score: float
    geometry: FaceGeometry | None
    eyes: tuple[tuple[float, float], tuple[float, float]]  # for alignment: mesh eye centres, else detector's
    expression: np.ndarray | None = None  # 7 probabilities, EXPRESSIONS order
    appearance: np.ndarray | None = None  # colour histogram of the face box, for cheap change detection
    track_id: int = -1


def appearance_signature(face: np.ndarray) -> np.ndarray:
    """Hue-saturation histogram of a face crop (skin, hair, glasses): ~0.1 ms, identity-ish.

    Cheap enough for every frame; the tracker asks the slow identity model only when this changes.
    """
    hsv = cv2.cvtColor(np.ascontiguousarray(face), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 4], [0, 180, 0, 256]).reshape(-1)
    return (hist / max(float(hist.sum()), 1.0)).astype(np.float32)


class FrameFaceAnalyzer:
    """Runs the face models on a frame; the models are loaded once and reused for the whole lesson."""

    def __init__(self, config: FaceTrackConfig) -> None:
        self.config = config
        self.detector = FaceDetector(min_confidence=config.detector_confidence, min_size_px=8)
        self.mesh = FaceMesh()
        self.expression = FaceExpression() if config.emotion_inference else None
        self.faces_analysed = 0

    def observe(self, t: float, image: np.ndarray) -> list[FaceObservation]:
        """Detect faces and fit the mesh to those large enough to read."""
        detections = self.detector.detect([image])[0]
        big = [d for d in detections if min(d.box.w, d.box.h) >= self.config.min_face_px]
        geometries = dict(
            zip(map(id, big), self.mesh.fit(image, [d.box for d in big], [_eyes(d) for d in big]), strict=True)
        )
        obs = []
        for det in detections:
            geometry = geometries.get(id(det))
            eyes = (geometry.left_eye, geometry.right_eye) if geometry is not None else _eyes(det)
            obs.append(
                FaceObservation(
                    t, det.box, det.score, geometry, eyes, appearance=appearance_signature(det.box.crop(image))
                )
            )
        self.faces_analysed += len(obs)
        return obs

    def classify(self, image: np.ndarray, observations: list[FaceObservation]) -> None:
        """Fill in expression probabilities of the given observations (one batch per frame)."""
        todo = [o for o in observations if min(o.box.w, o.box.h) >= self.config.min_face_px]
        if not todo or self.expression is None:
            return
        probs = self.expression.predict([aligned_crop(image, *o.eyes) for o in todo])
        for o, p in zip(todo, probs, strict=True):
            o.expression = p

    def close(self) -> None:
        self.detector.close()


def _eyes(det: FaceDetection) -> tuple[tuple[float, float], tuple[float, float]]:
    """BlazeFace keypoints 0 and 1 are the eyes."""
    return (float(det.keypoints[0][0]), float(det.keypoints[0][1])), (
        float(det.keypoints[1][0]),
        float(det.keypoints[1][1]),
    )
