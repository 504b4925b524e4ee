"""Voice activity: Silero VAD v6 (ONNX shipped inside faster-whisper 1.2.1), via faster_whisper.vad."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

SAMPLE_RATE = 16_000
FRAME = 512  # samples per Silero VAD frame


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    start: float  # seconds
    end: float


class VoiceActivity:
    """16 kHz mono float audio in, speech segments out (seconds).

    The audio is read in blocks of ``block_s`` (whole 512-sample VAD frames): faster-whisper's VAD pads and
    re-batches the whole array it is given (about 2.2x its size, 1.5 GB for a 3-hour lesson), so a block
    bounds that at a few tens of MB whatever the lesson's length. Speech cut by a block edge is joined again
    when the gap across the edge is one the VAD would have bridged (shorter than ``min_silence_s`` before
    padding).
    """

    name = "silero-vad"
    version = "v6 (faster-whisper 1.2.1 assets/silero_vad_v6.onnx)"

    def __init__(
        self,
        threshold: float = 0.5,
        min_silence_s: float = 0.3,
        min_speech_s: float = 0.25,
        pad_s: float = 0.1,
        block_s: float = 300.0,
        max_speech_s: float = float("inf"),
    ) -> None:
        self.options = VadOptions(
            threshold=threshold,
            min_silence_duration_ms=int(min_silence_s * 1000),
            min_speech_duration_ms=int(min_speech_s * 1000),
            speech_pad_ms=int(pad_s * 1000),
            max_speech_duration_s=max_speech_s,
        )
        self.block = max(1, round(block_s * SAMPLE_RATE) // FRAME) * FRAME
        self.bridge_s = min_silence_s + 2 * pad_s

    def segments(self, audio: np.ndarray) -> list[SpeechSegment]:
        out: list[SpeechSegment] = []
        for ranges in self.ranges_by_block(audio):
            found = [SpeechSegment(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in ranges]
            if found and out and found[0].start - out[-1].end <= self.bridge_s:  # one talk cut by the edge
                out[-1] = SpeechSegment(out[-1].start, found.pop(0).end)
            out += found
        return out

    def ranges_by_block(self, audio: np.ndarray) -> Iterator[list[tuple[int, int]]]:
        """Block by block, the speech found in it as sample ranges of ``audio``, not yet joined across the
        block's edges (a block under 0.1 s, the audio's tail, is skipped)."""
        for a in range(0, len(audio), self.block):
            piece = np.ascontiguousarray(audio[a : a + self.block], dtype=np.float32)
            if len(piece) >= SAMPLE_RATE // 10:
                yield [(a + int(s["start"]), a + int(s["end"])) for s in get_speech_timestamps(piece, self.options)]
