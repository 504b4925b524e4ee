"""Voice activity: Silero VAD v6 (ONNX shipped inside faster-whisper 1.2.1), via faster_whisper.vad."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

SAMPLE_RATE = 16_000


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    start: float  # seconds
    end: float


class VoiceActivity:
    """16 kHz mono float audio in, speech segments out (seconds)."""

    name = "silero-vad"
    version = "v6 (faster-whisper 1.2.1 assets/silero_vad_v6.onnx)"

    def __init__(
        self, threshold: float = 0.5, min_silence_s: float = 0.3, min_speech_s: float = 0.25, pad_s: float = 0.1
    ) -> None:
        self.options = VadOptions(
            threshold=threshold,
            min_silence_duration_ms=int(min_silence_s * 1000),
            min_speech_duration_ms=int(min_speech_s * 1000),
            speech_pad_ms=int(pad_s * 1000),
        )

    def segments(self, audio: np.ndarray) -> list[SpeechSegment]:
        if len(audio) < SAMPLE_RATE // 10:
            return []
        stamps = get_speech_timestamps(np.ascontiguousarray(audio, dtype=np.float32), self.options)
        return [SpeechSegment(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]
