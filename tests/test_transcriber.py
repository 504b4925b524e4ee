"""Speech recognition in blocks: a lesson is transcribed block by block (memory flat in lesson length), the
blocks cut in pauses, and the words come out as one transcript on the lesson's own clock; a segment the
batched decoder got stuck on is decoded again in place."""

from __future__ import annotations

import difflib
import itertools

import numpy as np
import pytest

from conftest import SAMPLE
from edcontrol.media.audio import read_audio
from edcontrol.models.transcriber import SAMPLE_RATE, Transcriber, blocks


def test_blocks_cover_the_audio_and_cut_in_the_quiet():
    rng = np.random.default_rng(1)
    audio = (0.3 * rng.standard_normal(100 * SAMPLE_RATE)).astype(np.float32)
    pauses = (17.0, 38.0, 58.0, 78.0)
    for pause_s in pauses:  # one 0.5 s pause in each block's search zone (its last 10 s)
        a = int(pause_s * SAMPLE_RATE)
        audio[a : a + SAMPLE_RATE // 2] = 0.0
    cuts = blocks(audio, block_s=25.0, search_s=10.0)
    assert cuts[0][0] == 0 and cuts[-1][1] == len(audio)
    assert all(b - a <= 25 * SAMPLE_RATE for a, b in cuts)
    assert all(p[1] == q[0] for p, q in itertools.pairwise(cuts))  # no gap, no overlap
    assert len(cuts) == len(pauses) + 1
    for (_, cut), pause_s in zip(cuts[:-1], pauses, strict=True):
        assert pause_s <= cut / SAMPLE_RATE <= pause_s + 0.5, (cut / SAMPLE_RATE, pause_s)
    assert blocks(audio[: 10 * SAMPLE_RATE]) == [(0, 10 * SAMPLE_RATE)]  # short lessons: one call, as before


@pytest.fixture(scope="module")
def asr() -> Transcriber:
    return Transcriber("base", threads=2)


@pytest.mark.slow
def test_blockwise_words_match_one_call_on_the_lesson_clock(asr):
    audio = read_audio(SAMPLE)
    whole = asr.transcribe(audio)
    seen: list[float] = []
    parts = asr.transcribe(audio, progress=seen.append, block_s=20.0)
    assert len(blocks(audio, 20.0)) >= 3
    assert parts.language == whole.language == "en"
    norm = [[w.text.strip(".,!?").lower() for w in t.words] for t in (whole, parts)]
    match = difflib.SequenceMatcher(a=norm[0], b=norm[1], autojunk=False)
    pairs = [(whole.words[m.a + i], parts.words[m.b + i]) for m in match.get_matching_blocks() for i in range(m.size)]
    assert len(pairs) >= 0.9 * len(whole.words)  # the same words ...
    shift = [abs(w.start - v.start) for w, v in pairs]  # ... at the same lesson times (Whisper's word times
    assert np.median(shift) < 0.1 and max(shift) < 1.0  # jitter a little with the context)
    starts = [w.start for w in parts.words]
    assert starts == sorted(starts) and starts[-1] > 45.0
    assert seen == sorted(seen) and seen[-1] > 0.9


@pytest.mark.slow
def test_a_looping_segment_is_decoded_again_in_place(asr):
    """The batched decoder's segment, decoded again by the sequential one (as one that failed the
    compression-ratio check would be): the same words, at the same times of the block."""
    audio = read_audio(SAMPLE)
    segments, _ = asr._batched.transcribe(audio, language="en", word_timestamps=True, vad_filter=True, beam_size=1)
    seg = next(s for s in segments if s.start > 20.0)
    again = asr._redecode(audio, seg, "en")
    before = [w.word.strip(".,!? ").lower() for w in seg.words]
    after = [w.word.strip(".,!? ").lower() for w in again]
    assert difflib.SequenceMatcher(a=before, b=after).ratio() >= 0.8, (before, after)
    assert seg.start - 0.5 <= again[0].start and again[-1].end <= seg.end + 0.5
    assert abs(again[0].start - seg.words[0].start) < 1.0
