"""Speaker embedding: resemblyzer's GE2E voice encoder (0.1.4, Apache-2.0), exported to ONNX by
scripts/convert_voice_encoder.py; mel features from edcontrol.features.mel (librosa-compatible Slaney mels).

Why per-window loudness normalisation: the encoder reads linear-power mels, so a teacher who raises
their voice would otherwise drift away from their own quieter speech.
"""

from __future__ import annotations

import numpy as np

from edcontrol.features.mel import mel_frames
from edcontrol.models.onnx_session import packaged_session

TARGET_DBFS = -30.0


def normalise_loudness(wav: np.ndarray) -> np.ndarray:
    rms = float(np.sqrt(np.mean(wav.astype(np.float64) ** 2)))
    if rms < 1e-5:
        return wav
    return wav * (10 ** (TARGET_DBFS / 20) / rms)


class SpeakerEmbedding:
    """Equal-length 16 kHz windows in, L2-normalised 256-d voice embeddings out."""

    name = "resemblyzer-ge2e"
    version = "resemblyzer 0.1.4 pretrained.pt (ONNX)"

    def __init__(self) -> None:
        self._session = packaged_session("voice_encoder_ge2e.onnx")

    def embed(self, windows: list[np.ndarray], batch: int = 32) -> np.ndarray:
        if not windows:
            return np.zeros((0, 256), np.float32)
        mels = np.stack([mel_frames(normalise_loudness(w)) for w in windows])
        out = [self._session.run(None, {"mels": mels[i : i + batch]})[0] for i in range(0, len(mels), batch)]
        return np.concatenate(out)
