"""Conversation metrics from speaker turns and words: talk time, monologues, interruptions, waits."""

from __future__ import annotations

from dataclasses import dataclass

from edcontrol.models.transcriber import Word
from edcontrol.pipeline.diarization import Turn

SENTENCE_END = (".", "!", "?", "…")


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
        if per_turn[i] and per_turn[i][-1].text.endswith("?"):
            s.questions += 1
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
