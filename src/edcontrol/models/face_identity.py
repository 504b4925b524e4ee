"""Face identity embedding: dlib's ResNet 128-d face descriptor (face-recognition-models 0.3.0).

Why dlib: it is the only packaged identity model that runs offline here; it costs 140-350 ms a face,
so the pipeline calls it sparsely (new tracks, periodic re-checks), never on every frame.
Same person ~0.2-0.45 apart, different people > 0.6 (Euclidean).
"""

from __future__ import annotations

from collections.abc import Sequence

import dlib
import face_recognition_models
import numpy as np

from edcontrol.models.types import Box

SAME_PERSON_DISTANCE = 0.6


class FaceIdentity:
    """RGB frames + face boxes in, unit-scale 128-d descriptors out (one per box)."""

    name = "dlib-resnet-face-descriptor"
    version = "dlib 20 + face_recognition_models 0.3.0 (dlib_face_recognition_resnet_model_v1)"

    def __init__(self) -> None:
        self._shape = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
        self._encoder = dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())

    def embed(self, images: Sequence[np.ndarray], boxes: Sequence[Box]) -> np.ndarray:
        out = np.zeros((len(images), 128), np.float32)
        for i, (image, box) in enumerate(zip(images, boxes, strict=True)):
            rect = dlib.rectangle(int(box.x), int(box.y), int(box.x + box.w), int(box.y + box.h))
            shape = self._shape(np.ascontiguousarray(image), rect)
            out[i] = np.asarray(self._encoder.compute_face_descriptor(np.ascontiguousarray(image), shape, 0))
        return out

    @staticmethod
    def distance(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(a - b))
