"""Which diarizer runs, with its models loaded once: the overlap-aware one (default) or the GE2E one.

Why keep GE2E: it is three times lighter (no segmentation model, a 5.7 MB encoder) and is the reference the
benchmark and ``edcontrol eval diarization --diarizer ge2e`` compare against; it has no overlap model and
splits or merges voices on real recordings, so it is never the default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from edcontrol.models.voice_activity import VoiceActivity
from edcontrol.pipeline import diarization, diarization_ge2e
from edcontrol.pipeline.speaker_turns import Diarization, empty_diarization

DIARIZERS = ("overlap", "ge2e")


@dataclass
class SpeakerModels:
    kind: str
    vad: VoiceActivity
    models: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, kind: str = "overlap", vad: VoiceActivity | None = None) -> SpeakerModels:
        if kind not in DIARIZERS:
            raise ValueError(f"unknown diarizer {kind!r}: choose one of {', '.join(DIARIZERS)}")
        held = cls(kind, vad or VoiceActivity())
        if kind == "overlap":
            from edcontrol.models.campplus_embedding import CamPlusEmbedding
            from edcontrol.models.speaker_segmentation import SpeakerSegmentation

            held.models = {"segmentation": SpeakerSegmentation(), "embedding": CamPlusEmbedding()}
        else:
            from edcontrol.models.speaker_embedding import SpeakerEmbedding

            held.models = {"embedding": SpeakerEmbedding()}
        return held

    def describe(self) -> list[dict[str, str]]:
        return [{"name": m.name, "version": m.version} for m in (self.vad, *self.models.values())]  # type: ignore[attr-defined]

    def diarize(
        self,
        audio: np.ndarray,
        segments: list | None = None,
        n_speakers: int | None = None,
        progress: Callable[[float], None] | None = None,
        config: diarization.DiarizationConfig | None = None,
    ) -> Diarization:
        """Turns for 16 kHz mono ``audio``; ``segments`` (the VAD's) are computed when not given."""
        segments = self.vad.segments(audio) if segments is None else segments
        if not segments:
            return empty_diarization()
        if self.kind == "overlap":
            return diarization.diarize(
                audio, segments, self.models["segmentation"], self.models["embedding"],  # type: ignore[arg-type]
                config, n_speakers, progress,
            )  # fmt: skip
        return diarization_ge2e.diarize(audio, segments, self.models["embedding"], None, n_speakers, progress)  # type: ignore[arg-type]
