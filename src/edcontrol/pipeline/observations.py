"""Per-frame face analysis: detector, mesh, expression on one sampled frame -> FaceObservations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edcontrol.models.face_detector import FaceDetector
from edcontrol.models.face_expression import FaceExpression, aligned_crop
from edcontrol.models.face_mesh import FaceMesh
from edcontrol.models.types import Box, FaceGeometry
from edcontrol.pipeline.config import FaceTrackConfig


@dataclass
class FaceObservation:
    """One face in one sampled frame, with everything the timeline needs."""

    t: float
    box: Box
    score: float
    geometry: FaceGeometry | None
    expression: np.ndarray | None  # 7 probabilities, EXPRESSIONS order
    track_id: int = -1


class FrameFaceAnalyzer:
    """Runs the face models on a frame; the models are loaded once and reused for the whole lesson."""

    def __init__(self, config: FaceTrackConfig) -> None:
        self.config = config
        self.detector = FaceDetector(min_confidence=config.detector_confidence, min_size_px=8)
        self.mesh = FaceMesh()
        self.expression = FaceExpression() if config.emotion_inference else None
        self.faces_analysed = 0

    def analyse(self, t: float, image: np.ndarray) -> list[FaceObservation]:
        h, w = image.shape[:2]
        detections = self.detector.detect([image])[0]
        obs: list[FaceObservation] = []
        aligned: list[np.ndarray] = []
        for det in detections:
            geometry = None
            if min(det.box.w, det.box.h) >= self.config.min_face_px:
                crop_box = det.box.expanded(1.6, w, h)
                geometry = self.mesh.fit([crop_box.crop(image)], [(crop_box.x, crop_box.y)])[0]
            obs.append(FaceObservation(t, det.box, det.score, geometry, None))
            if self.expression is not None and min(det.box.w, det.box.h) >= self.config.min_face_px:
                if geometry is not None:
                    eyes = geometry.left_eye, geometry.right_eye
                else:  # BlazeFace keypoints 0 and 1 are the eyes
                    eyes = tuple(det.keypoints[0]), tuple(det.keypoints[1])
                aligned.append(aligned_crop(image, eyes[0], eyes[1]))
            else:
                aligned.append(None)  # type: ignore[arg-type]
        todo = [i for i, a in enumerate(aligned) if a is not None]
        if todo and self.expression is not None:
            probs = self.expression.predict([aligned[i] for i in todo])
            for i, p in zip(todo, probs, strict=True):
                obs[i].expression = p
        self.faces_analysed += len(obs)
        return obs

    def close(self) -> None:
        self.detector.close()
        self.mesh.close()
