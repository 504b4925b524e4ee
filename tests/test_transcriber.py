"""Speech recognition on the VAD's speech: the lesson's talk is packed into full 30 s chunks across the whole
lesson (long talk cut in pauses), a few chunks per call (memory flat in lesson length), and the words come
out as one transcript on the lesson's own clock; a segment the batched decoder got stuck on is decoded
again in place."""

from __future__ import annotations

import difflib
import itertools

import numpy as np
import pytest

from conftest import EVAL, SAMPLE
from edcontrol.media.audio import read_audio
from edcontrol.models.transcriber import SAMPLE_RATE, Packing, Transcriber, blocks, chunks, packings, speech_clips
from edcontrol.models.voice_activity import VoiceActivity


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
    assert blocks(audio[: 10 * SAMPLE_RATE]) == [(0, 10 * SAMPLE_RATE)]  # short talk: one piece
    inner = blocks(audio, block_s=25.0, search_s=10.0, start=20 * SAMPLE_RATE, stop=70 * SAMPLE_RATE)
    assert inner[0][0] == 20 * SAMPLE_RATE and inner[-1][1] == 70 * SAMPLE_RATE  # a span of the audio,
    assert [round(b / SAMPLE_RATE) for _, b in inner[:-1]] == [38, 58]  # cut in the pauses inside it


def test_speech_is_packed_into_full_chunks_and_mapped_back_to_the_lesson_clock():
    rng = np.random.default_rng(2)
    audio = (0.1 * rng.standard_normal(400 * SAMPLE_RATE)).astype(np.float32)
    # talk of 1-9 s with 1-6 s pauses, and one 70 s stretch without a pause the VAD would hear
    clips, t = [], 2.0
    while t < 300:
        d = float(rng.uniform(1, 9))
        clips.append((int(t * SAMPLE_RATE), int((t + d) * SAMPLE_RATE)))
        t += d + float(rng.uniform(1, 6))
    clips.append((310 * SAMPLE_RATE, 380 * SAMPLE_RATE))
    packed = list(chunks(audio, clips))
    lengths = [sum(b - a for a, b in c) / SAMPLE_RATE for c in packed]
    assert max(lengths) <= 30.0
    for used, after in itertools.pairwise(zip(lengths, packed, strict=True)):  # a chunk is closed only when
        assert used[0] + (after[1][0][1] - after[1][0][0]) / SAMPLE_RATE > 30.0  # the next clip does not fit
    assert sum(lengths) == pytest.approx(sum(b - a for a, b in clips) / SAMPLE_RATE)
    assert len(packed) <= sum(lengths) / 25.0 + 1  # clips of 1-9 s: chunks hold over 25 s on average
    ranges = [r for c in packed for r in c]
    assert ranges == sorted(ranges) and ranges[0] == clips[0] and ranges[-1][1] == clips[-1][1]
    assert len(ranges) == len(clips) + 2  # the 70 s stretch in three
    calls = list(packings(audio, group=3, clips=clips))
    assert [len(p.bounds) for p in calls] == [3] * (len(packed) // 3) + ([len(packed) % 3] if len(packed) % 3 else [])
    first = calls[0]
    assert len(first.audio(audio)) == sum(b - a for a, b in first.ranges)
    assert first.clips()[0]["start"] == 0.0 and first.clips()[1]["start"] == pytest.approx(lengths[0])
    # the packed clock, back on the lesson's: inside a range, and on the seam between two
    (a0, b0), (a1, _) = first.ranges[0], first.ranges[1]
    assert first.lesson_s(0.5) == pytest.approx(a0 / SAMPLE_RATE + 0.5)
    seam = (b0 - a0) / SAMPLE_RATE
    assert first.lesson_s(seam) == pytest.approx(a1 / SAMPLE_RATE)
    assert first.lesson_s(seam, end=True) == pytest.approx(b0 / SAMPLE_RATE)
    assert Packing([(0, 10)], [1]).lesson_s(5.0) == 10 / SAMPLE_RATE  # past the end: the range's end


@pytest.mark.skipif(not (EVAL / "diar_asr_en_pyannote_sample").is_dir(), reason="needs ../shared/eval")
def test_speech_for_whisper_keeps_a_lone_short_word_the_lesson_vad_drops():
    """The telephone sample's second "Hello." (6.2-6.6 s) is too short for the lesson VAD (which feeds the
    diarizer); the transcriber finds speech with Whisper's own settings and hears it. Blocks of 4 s find
    the same speech as one call: talk cut by a block edge comes out as touching ranges."""
    audio = read_audio(EVAL / "diar_asr_en_pyannote_sample" / "sample.wav")
    clips = list(speech_clips(audio))
    heard = lambda spans, t: any(a <= t * SAMPLE_RATE <= b for a, b in spans)  # noqa: E731
    assert heard(clips, 6.4)
    assert not heard([(s.start * SAMPLE_RATE, s.end * SAMPLE_RATE) for s in VoiceActivity().segments(audio)], 6.4)
    assert all(a < b <= c for (a, b), (c, _) in itertools.pairwise(clips))  # in order, apart
    small = list(speech_clips(audio, block_s=4.0))
    covered = lambda spans: {i // 1600 for a, b in spans for i in range(a, b, 1600)}  # noqa: E731
    assert len(covered(small) ^ covered(clips)) <= 0.05 * len(covered(clips))


@pytest.fixture(scope="module")
def asr() -> Transcriber:
    return Transcriber("base", threads=2)


@pytest.mark.slow
def test_chunk_by_chunk_words_match_one_call_on_the_lesson_clock(asr):
    audio = read_audio(SAMPLE)
    whole = asr.transcribe(audio)
    seen: list[float] = []
    parts = asr.transcribe(audio, progress=seen.append, group=1)
    assert len(list(packings(audio, group=1))) >= 2
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
