"""Face detector: MediaPipe BlazeFace (full-range, short-range fallback), packaged in mediapipe 0.10.21.

Why both ranges: the full-range model finds the small faces of a gallery layout but misses a face that
fills the whole frame (a phone held close), which the short-range model catches.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from mediapipe.python.solutions import face_detection as mp_face_detection

from edcontrol.models.types import Box, FaceDetection


class FaceDetector:
    """Detect faces in RGB frames. ``detect`` takes a batch and returns one list per frame."""

    name = "mediapipe-blazeface"
    version = "0.10.21 full-range + short-range"

    def __init__(self, min_confidence: float = 0.5, min_size_px: int = 20, max_side: int = 640) -> None:
        self.min_size_px = min_size_px
        self.max_side = max_side  # the nets see 128/192 px anyway; a smaller copy saves the big frame copy
        self._full = mp_face_detection.FaceDetection(model_selection=1, min_detection_confidence=min_confidence)
        self._short = mp_face_detection.FaceDetection(model_selection=0, min_detection_confidence=min_confidence)

    def detect(self, frames: Sequence[np.ndarray]) -> list[list[FaceDetection]]:
        return [self._detect_one(f) for f in frames]

    def _detect_one(self, rgb: np.ndarray) -> list[FaceDetection]:
        if rgb.ndim != 3 or rgb.shape[0] < 16 or rgb.shape[1] < 16:
            return []
        h, w = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = (
            cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else rgb
        )
        faces = self._run(self._full, small)
        if not faces:
            faces = self._run(self._short, small)
        if scale < 1:
            faces = [_rescale(f, 1.0 / scale) for f in faces]
        return [f for f in faces if min(f.box.w, f.box.h) >= self.min_size_px]

    def _run(self, model: mp_face_detection.FaceDetection, rgb: np.ndarray) -> list[FaceDetection]:
        h, w = rgb.shape[:2]
        result = model.process(np.ascontiguousarray(rgb))
        out: list[FaceDetection] = []
        for det in result.detections or []:
            rb = det.location_data.relative_bounding_box
            x0, y0 = max(0.0, rb.xmin * w), max(0.0, rb.ymin * h)
            x1, y1 = min(float(w), (rb.xmin + rb.width) * w), min(float(h), (rb.ymin + rb.height) * h)
            kps = np.array([[k.x * w, k.y * h] for k in det.location_data.relative_keypoints], np.float32)
            out.append(FaceDetection(Box(x0, y0, x1 - x0, y1 - y0), float(det.score[0]), kps))
        return out

    def close(self) -> None:
        self._full.close()
        self._short.close()


def _rescale(face: FaceDetection, k: float) -> FaceDetection:
    b = face.box
    return FaceDetection(Box(b.x * k, b.y * k, b.w * k, b.h * k), face.score, face.keypoints * k)
