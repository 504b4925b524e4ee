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


@dataclass(frozen=True, slots=True)
class FaceMeasures:
    """What the lesson keeps of a frame's ``FaceGeometry`` once the frame is done: the measures the timeline
    and the lip activity read (same names, same values), nothing the next frames no longer need."""

    yaw: float
    pitch: float
    eye_open: float
    mouth_open: float
    brow_height: float
    mouth_width: float

    @classmethod
    def of(cls, g: FaceGeometry) -> FaceMeasures:
        return cls(g.yaw, g.pitch, g.eye_open, g.mouth_open, g.brow_height, g.mouth_width)


@dataclass(slots=True)
class FaceObservation:
    """One face in one sampled frame, with everything the timeline needs."""

    t: float
    box: Box
    score: float
    geometry: FaceGeometry | FaceMeasures | None  # FaceMeasures once settled
    # for alignment and for following the face into the next frame: mesh eye centres, else the detector's;
    # None once that next frame was observed
    eyes: tuple[tuple[float, float], tuple[float, float]] | None
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
        self._last_detection_t = -1e9
        self._previous: list[FaceObservation] = []  # the last frame's faces: followed into the next one

    def observe(self, t: float, image: np.ndarray) -> list[FaceObservation]:
        """Faces in this frame: detected every ``detect_every_s``, followed by their mesh in between.

        Following costs one landmark pass per face instead of a full-frame detection; a face the mesh
        loses is simply dropped until the next detection, which also picks up newcomers.
        """
        if self._followed() and t - self._last_detection_t < self.config.detect_every_s - 1e-6:
            obs = self._follow(t, image)
        else:
            obs = self._detect(t, image)
            self._last_detection_t = t
        for o in self._previous:  # followed into this frame: their eyes are not needed any more
            o.eyes = None
        self._previous = obs
        self.faces_analysed += len(obs)
        return obs

    def _follow(self, t: float, image: np.ndarray) -> list[FaceObservation]:
        prev = self._followed()
        h, w = image.shape[:2]
        geometries = self.mesh.fit(image, [o.box for o in prev], [_eyes_of(o) for o in prev])
        obs = []
        for geometry in geometries:
            if geometry is None or geometry.extent is None:
                continue
            box = _clip(_detector_like_box(geometry.extent), w, h)
            if min(box.w, box.h) < self.config.min_face_px:
                continue
            obs.append(
                FaceObservation(
                    t,
                    box,
                    geometry.presence,
                    geometry,
                    (geometry.left_eye, geometry.right_eye),
                    appearance=appearance_signature(box.crop(image)),
                )
            )
        return obs

    def _detect(self, t: float, image: np.ndarray) -> list[FaceObservation]:
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

    def _followed(self) -> list[FaceObservation]:
        """The last frame's faces the mesh can follow (those it fitted)."""
        return [o for o in self._previous if o.geometry is not None]

    def classify(self, image: np.ndarray, observations: list[FaceObservation]) -> None:
        """Fill in expression probabilities of the given observations (one batch per frame)."""
        todo = [o for o in observations if min(o.box.w, o.box.h) >= self.config.min_face_px]
        if not todo or self.expression is None:
            return
        probs = self.expression.predict(
            [aligned_crop(image, *_eyes_of(o)) for o in todo],
            [o.geometry.shape if isinstance(o.geometry, FaceGeometry) else None for o in todo],
        )
        for o, p in zip(todo, probs, strict=True):
            o.expression = p

    def close(self) -> None:
        self.detector.close()


def settle(observations: list[FaceObservation]) -> None:
    """Keep of the mesh's geometry only the measures the lesson reads later (``FaceMeasures``) once the frame
    is tracked and classified. Why: the observations stay for the whole lesson (two faces at 2 fps are 43,200
    in three hours); the full geometry (expression shape, point extent, eye points, pose roll) was two thirds
    of each one's memory: ~900 bytes an observation before, ~300 after (with the eyes dropped a frame later)."""
    for o in observations:
        if isinstance(o.geometry, FaceGeometry):
            o.geometry = FaceMeasures.of(o.geometry)


def _eyes_of(o: FaceObservation) -> tuple[tuple[float, float], tuple[float, float]]:
    assert o.eyes is not None, "eyes are read in the frame of the observation and the next one only"
    return o.eyes


def _eyes(det: FaceDetection) -> tuple[tuple[float, float], tuple[float, float]]:
    """BlazeFace keypoints 0 and 1 are the eyes."""
    return (float(det.keypoints[0][0]), float(det.keypoints[0][1])), (
        float(det.keypoints[1][0]),
        float(det.keypoints[1][1]),
    )


def _detector_like_box(extent: Box) -> Box:
    """Map the mesh's point extent (forehead top to chin, cheek to cheek) onto a BlazeFace-like box,
    so followed and detected boxes of the same face overlap and stay comparable in the report."""
    side = max(extent.w, extent.h) * 0.96
    cx, cy = extent.center
    return Box(cx - side / 2, cy - side / 2 + 0.01 * side, side, side)


def _clip(box: Box, width: int, height: int) -> Box:
    x0, y0 = max(0.0, box.x), max(0.0, box.y)
    x1, y1 = min(float(width), box.x + box.w), min(float(height), box.y + box.h)
    return Box(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))
