"""What was said: hostile words as signals for moment fusion, and praise as a positive marker.

Scored per sentence, not per turn, so that a hostile-words signal spans the words that carry it (the
flagged insult, or the one hostile sentence) instead of a whole 27-second turn around it. Where the
sentiment model reads the same sentence as clearly positive (criticism of an idea, said warmly), the
hostile reading is doubted in proportion; a hostility the model infers without any insult word is less
sure than a spoken insult. Only confident ASR words are read: a misheard word never becomes evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edcontrol.models.text_tone import TextTone, ToneScores
from edcontrol.models.transcriber import Word
from edcontrol.pipeline.conversation import sentences, turn_words
from edcontrol.pipeline.speaker_turns import Turn
from edcontrol.report import schema as rs

PRAISE = (
    "well done", "good job", "great job", "excellent", "perfect", "exactly right", "bravo", "brilliant",
    "great answer", "good answer", "great question", "good question",
    "молодец", "молодцы", "отлично", "умница", "замечательно", "прекрасно", "правильно", "верно",
)  # fmt: skip


@dataclass(frozen=True)
class TextConfig:
    """Tunables of the word signals (in AudioTrackConfig)."""

    low_confidence: float = 0.5  # ASR word probability below this is never read
    hostility_threshold: float = 0.7
    model_only_factor: float = 0.8  # confidence factor when no insult word backs the model's reading
    praise_sentiment: float = 0.6  # a sentence this positive (and not hostile) is praise


@dataclass(frozen=True)
class Sentence:
    speaker: str
    words: list[Word]
    tone: ToneScores

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def scored_sentences(
    turns: list[Turn],
    words: list[tuple[Word, int | None]],
    ids: list[str],
    language: str,
    tone: TextTone,
    config: TextConfig,
) -> list[Sentence]:
    """Every sentence of confident words, with its speaker and tone scores (one batch call)."""
    pieces: list[tuple[str, list[Word]]] = []
    for t, tw in zip(turns, turn_words(turns, words), strict=True):
        trusted = [w for w in tw if w.probability >= config.low_confidence]
        pieces += [(ids[t.speaker], s) for s in sentences(trusted)]
    scores = tone.score([" ".join(w.text for w in s) for _, s in pieces], language)
    return [Sentence(sid, s, sc) for (sid, s), sc in zip(pieces, scores, strict=True)]


def hostile_signals(said: list[Sentence], config: TextConfig) -> list[rs.MomentSignal]:
    """A signal per hostile sentence, spanning its insult words (or the sentence when the model alone says so)."""
    out = []
    for s in said:
        sc = s.tone
        if sc.hostility < config.hostility_threshold:
            continue
        flagged = [w for w in s.words if w.text.strip(".,!?…\"'«»()").lower() in sc.flagged_words]
        hit = flagged or s.words
        warm = max(0.0, sc.sentiment) if sc.sentiment is not None else 0.0
        confidence = (
            sc.hostility
            * float(np.mean([w.probability for w in hit]))
            * (1.0 if flagged else config.model_only_factor)
            * (1.0 - warm)
        )
        start, end = hit[0].start, max(hit[-1].end, hit[0].start + 0.3)
        out.append(
            rs.MomentSignal(
                modality="text",
                kind="toxic_language",
                source_id=s.speaker,
                start_s=round(start, 2),
                end_s=round(end, 2),
                peak_s=round((start + end) / 2, 2),
                score=round(sc.hostility, 4),
                confidence=round(float(np.clip(confidence, 0.0, 1.0)), 4),
                evidence={
                    "hostility": round(sc.hostility, 4),
                    "insult_words": float(len(flagged)),
                    **({"sentiment": round(sc.sentiment, 4)} if sc.sentiment is not None else {}),
                },
                excerpt=s.text[:400],
            )
        )
    return out


def praise_markers(said: list[Sentence], config: TextConfig) -> list[rs.PositiveMarker]:
    """Sentences of praise: a praise phrase, or a clearly positive sentence that is not hostile."""
    out = []
    for s in said:
        text = " " + " ".join(w.text.strip(".,!?…\"'«»()").lower() for w in s.words) + " "
        phrase = any(f" {p} " in text for p in PRAISE)
        warm = s.tone.sentiment is not None and s.tone.sentiment >= config.praise_sentiment
        if s.tone.hostility >= 0.3 or not (phrase or warm):
            continue
        out.append(
            rs.PositiveMarker(
                id="G0",
                person=s.speaker,
                kind="praise",
                modality="text",
                start_s=round(s.words[0].start, 2),
                end_s=round(s.words[-1].end, 2),
                score=round(max(s.tone.sentiment or 0.0, 0.8 if phrase else 0.0), 4),
                excerpt=s.text[:400],
            )
        )
    return out
