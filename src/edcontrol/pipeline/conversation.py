"""Conversation metrics from speaker turns and words: talk time, monologues, interruptions, waits."""

from __future__ import annotations

from dataclasses import dataclass

from edcontrol.models.transcriber import Word
from edcontrol.pipeline.diarization import Turn

SENTENCE_END = (".", "!", "?", "…")
# ASR punctuation is unreliable on questions, so a sentence that opens like one counts too.
QUESTION_OPENERS = frozenset(
    """what why how when where who whom whose which do does did can could would will is are was were should
    что почему зачем как когда где куда откуда кто какой какая какое какие сколько чей разве неужели""".split()
)


def sentences(words: list[Word]) -> list[list[Word]]:
    out: list[list[Word]] = [[]]
    for w in words:
        out[-1].append(w)
        if w.text.endswith(SENTENCE_END):
            out.append([])
    return [s for s in out if s]


def is_question(sentence: list[Word]) -> bool:
    first = sentence[0].text.strip("¿¡\"'«(").lower()
    return sentence[-1].text.endswith("?") or first in QUESTION_OPENERS


@dataclass
class SpeakerStats:
    talk_time: float = 0.0
    turns: int = 0
    longest: float = 0.0
    interruptions: int = 0
    questions: int = 0
    waits: list[float] | None = None


def turn_words(turns: list[Turn], words: list[tuple[Word, int | None]]) -> list[list[Word]]:
    """Words of each turn, by the speaker label assigned to each word and its time."""
    out: list[list[Word]] = [[] for _ in turns]
    j = 0
    for i, t in enumerate(turns):
        while j < len(words) and words[j][0].end <= t.start:
            j += 1
        k = j
        while k < len(words) and words[k][0].start < t.end:
            if words[k][1] == t.speaker:
                out[i].append(words[k][0])
            k += 1
    return out


def conversation_stats(
    turns: list[Turn],
    words: list[tuple[Word, int | None]],
    overlaps: list[tuple[float, float]],
    n_speakers: int,
) -> list[SpeakerStats]:
    stats = [SpeakerStats(waits=[]) for _ in range(n_speakers)]
    per_turn = turn_words(turns, words)
    for i, t in enumerate(turns):
        s = stats[t.speaker]
        s.talk_time += t.end - t.start
        s.turns += 1
        s.longest = max(s.longest, t.end - t.start)
        if i > 0 and turns[i - 1].speaker != t.speaker:
            prev, prev_words = turns[i - 1], per_turn[i - 1]
            cut_mid_sentence = bool(prev_words) and not prev_words[-1].text.endswith(SENTENCE_END)
            in_overlap = any(a - 0.2 <= t.start <= b + 0.2 for a, b in overlaps)
            if (t.start - prev.end < 0.2 and cut_mid_sentence) or in_overlap:
                s.interruptions += 1
        asked = [q for q in sentences(per_turn[i]) if is_question(q)]
        s.questions += len(asked)
        if asked and t.end - asked[-1][-1].end < 1.5:  # the turn ends on a question: how long until an answer
            nxt = next((u for u in turns[i + 1 :] if u.speaker != t.speaker), None)
            if nxt is not None:
                s.waits.append(max(0.0, nxt.start - t.end))  # type: ignore[union-attr]
    return stats


def long_silences(speech: list[tuple[float, float]], duration: float, threshold: float) -> list[tuple[float, float]]:
    out, cursor = [], 0.0
    for a, b in sorted(speech):
        if a - cursor >= threshold:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if duration - cursor >= threshold:
        out.append((cursor, duration))
    return out
