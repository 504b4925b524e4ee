"""Facial expression, model 2: face-api's FaceExpressionNet (vladmandic/face-api 1.7.15, MIT).

Rebuilt as ONNX by scripts/convert_face_models.py. Besides the 7 probabilities it returns the 256-d
pooled features, which the trained combination head in face_expression.py reads.
"""

from __future__ import annotations

import cv2
import numpy as np

from edcontrol.models.onnx_session import packaged_session
from edcontrol.models.types import EXPRESSIONS

_API_ORDER = ("neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise")
_TO_OURS = np.array([_API_ORDER.index(e) for e in EXPRESSIONS])
INPUT_SIZE = 112


class FaceApiExpression:
    """Aligned RGB face crops in, (probabilities [N, 7], features [N, 256]) out."""

    name = "face-api-expression"
    version = "@vladmandic/face-api 1.7.15 face_expression_model (ONNX)"
    input_size = INPUT_SIZE

    def __init__(self) -> None:
        self._session = packaged_session("face_api_expression.onnx")

    def predict(self, faces: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        if not faces:
            return np.zeros((0, len(EXPRESSIONS)), np.float32), np.zeros((0, 256), np.float32)
        batch = np.stack([cv2.resize(f, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA) for f in faces]).astype(
            np.float32
        )
        probs, feats = self._session.run(None, {"image": batch.transpose(0, 3, 1, 2)})
        return probs[:, _TO_OURS], feats
