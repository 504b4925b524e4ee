"""Conversation metrics from speaker turns and words: talk time, monologues, interruptions, waits."""

from __future__ import annotations

from dataclasses import dataclass

from edcontrol.models.transcriber import Word
from edcontrol.pipeline.speaker_turns import Turn

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
    interrupted_by_others: int = 0
    overlap_s: float = 0.0
    questions: int = 0
    waits: list[float] | None = None


OVERLAP_MIN_S = 0.3  # talking over someone for less than this is a backchannel ("mm-hm"), not a take-over
CUT_OFF_GAP_S = 0.2  # taking the floor this soon after someone stopped mid-sentence is cutting them off


def talked_over(turns: list[Turn], i: int) -> int | None:
    """The speaker whose turn was under way when turn ``i`` started and went on over it for at least
    OVERLAP_MIN_S (the one interrupted), or None."""
    t = turns[i]
    for u in turns[:i][::-1]:
        if u.speaker != t.speaker and u.start < t.start and min(u.end, t.end) - t.start >= OVERLAP_MIN_S:
            return u.speaker
        if t.start - u.start > 600:  # turns are sorted by start: nothing older can still be going on
            break
    return None


def _previous_other(turns: list[Turn], i: int) -> int | None:
    t = turns[i]
    for j in range(i - 1, -1, -1):
        if turns[j].speaker != t.speaker:
            return j
    return None


def overlap_seconds(turns: list[Turn], n_speakers: int) -> list[float]:
    """Per speaker, the time they talked while at least one other speaker talked too."""
    out = [0.0] * n_speakers
    by_speaker: dict[int, list[Turn]] = {}
    for t in turns:
        by_speaker.setdefault(t.speaker, []).append(t)
    for k, mine in by_speaker.items():
        others = sorted((t for t in turns if t.speaker != k), key=lambda t: t.start)
        spans: list[list[float]] = []
        for t in others:  # union of the others' talk, so three voices at once are not counted twice
            if spans and t.start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], t.end)
            else:
                spans.append([t.start, t.end])
        j = 0
        for t in mine:
            while j < len(spans) and spans[j][1] <= t.start:
                j += 1
            m = j
            while m < len(spans) and spans[m][0] < t.end:
                out[k] += max(0.0, min(t.end, spans[m][1]) - max(t.start, spans[m][0]))
                m += 1
    return out


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
    n_speakers: int,
) -> list[SpeakerStats]:
    """Talk time, turns, interruptions and questions per speaker from turns that may overlap.

    An interruption is counted for the one who started second: they began while another speaker's turn
    was under way and kept talking over it (a real overlap), or they took the floor right after another
    speaker stopped mid-sentence.
    """
    turns = sorted(turns, key=lambda t: (t.start, t.end))
    stats = [SpeakerStats(waits=[]) for _ in range(n_speakers)]
    per_turn = turn_words(turns, words)
    for k, seconds in enumerate(overlap_seconds(turns, n_speakers)):
        stats[k].overlap_s = seconds
    for i, t in enumerate(turns):
        s = stats[t.speaker]
        s.talk_time += t.end - t.start
        s.turns += 1
        s.longest = max(s.longest, t.end - t.start)
        victim = talked_over(turns, i)
        if victim is None:
            j = _previous_other(turns, i)
            if j is not None and 0 <= t.start - turns[j].end < CUT_OFF_GAP_S:
                prev_words = per_turn[j]
                if prev_words and not prev_words[-1].text.endswith(SENTENCE_END):
                    victim = turns[j].speaker
        if victim is not None:
            s.interruptions += 1
            stats[victim].interrupted_by_others += 1
        asked = [q for q in sentences(per_turn[i]) if is_question(q)]
        s.questions += len(asked)
        if asked and t.end - asked[-1][-1].end < 1.5:  # the turn ends on a question: how long until an answer
            nxt = next((u for u in turns[i + 1 :] if u.speaker != t.speaker and u.start >= t.end - 0.5), None)
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
