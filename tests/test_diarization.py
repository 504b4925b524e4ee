"""The overlap-aware diarizer on real voices: front end, overlap, one voice, a known count, Russian, metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import EVAL, ROOT
from edcontrol.media.audio import read_audio
from edcontrol.models.campplus_embedding import CamPlusEmbedding, fbank
from edcontrol.pipeline.audio_track import AudioTrackConfig, analyze_audio
from edcontrol.pipeline.conversation import conversation_stats
from edcontrol.pipeline.speaker_turns import Turn, overlap_spans
from edcontrol.pipeline.speakers import SpeakerModels

RATE = 16_000
FESTVOX = EVAL / "asr_ru_festvox_msu_ru_nsh" / "audio"
TALKS = EVAL / "talk_calm_en_dev"


@pytest.fixture(scope="module")
def speakers() -> SpeakerModels:
    return SpeakerModels.load("overlap")


def level(x: np.ndarray, dbfs: float = -24.0) -> np.ndarray:
    return x * (10 ** (dbfs / 20) / max(float(np.sqrt(np.mean(x**2))), 1e-6))


def test_front_end_and_onnx_model_reproduce_the_torch_originals():
    """scripts/convert_campplus.py stored torchaudio's Kaldi fbank and torch's CAM++ embedding of a clip."""
    ref = np.load(ROOT / "tests" / "data" / "campplus_reference.npz")
    audio = ref["audio"].astype(np.float32) / 32767
    feats = fbank(audio)
    assert feats.shape == ref["fbank"].shape
    assert np.abs((feats - feats.mean(axis=0)) - ref["fbank"]).max() < 2e-3
    emb = CamPlusEmbedding().embed(audio)
    torch_emb = ref["embedding"] / np.linalg.norm(ref["embedding"])
    assert float(emb @ torch_emb) > 0.999


def two_voices_over_each_other() -> tuple[np.ndarray, tuple[float, float]]:
    """A (festvox, Russian male) alone, B (a calm English talk, female) alone, A again, then B starts over A for
    3 s and carries on: returns the audio and the span where both talk."""
    a = level(np.concatenate([read_audio(p) for p in sorted(FESTVOX.glob("*.flac"))[:3]]))
    b = level(read_audio(TALKS / "teacher_tips_f01.mp4")[int(0.5 * RATE) :])
    out = np.zeros(int(40 * RATE), np.float32)

    def put(x: np.ndarray, at: float, seconds: float) -> None:
        i = int(at * RATE)
        out[i : i + int(seconds * RATE)] += x[: int(seconds * RATE)]

    put(a, 0.5, 8.0)
    put(b, 9.0, 7.0)
    put(a[int(8 * RATE) :], 17.0, 8.0)  # A talks 17-25 s
    put(b[int(7 * RATE) :], 22.0, 10.0)  # B starts at 22 s, over A until 25 s, then alone until 32 s
    return out, (22.0, 25.0)


def test_two_voices_at_once_are_both_heard_and_the_second_interrupts(speakers):
    audio, (a, b) = two_voices_over_each_other()
    result = analyze_audio(audio, AudioTrackConfig(asr_model=None, emotion_inference=False), models={})
    info = result.info
    assert len(info.speakers) == 2, [(t.speaker_id, t.start_s, t.end_s) for t in info.turns]

    def talk(sid: str, s: float, e: float) -> float:
        return sum(max(0.0, min(e, t.end_s) - max(s, t.start_s)) for t in info.turns if t.speaker_id == sid)

    first = max(info.speakers, key=lambda s: talk(s.id, 1.0, 8.0)).id
    second = next(s.id for s in info.speakers if s.id != first)
    assert talk(first, 1.0, 8.0) > 6.0 and talk(second, 9.5, 15.5) > 5.0  # who is who, alone
    assert talk(first, a + 0.3, b - 0.3) > 1.5 and talk(second, a + 0.3, b - 0.3) > 1.5  # both in the overlap
    assert any(o.start_s < b and o.end_s > a for o in info.conversation.overlaps)
    metrics = {s.id: s.metrics for s in info.speakers}
    assert metrics[second].interruptions >= 1 and metrics[first].interrupted_by_others >= 1
    assert metrics[first].interruptions == 0
    assert metrics[second].overlap_s > 1.5
    tasks = {m.task for m in result.models}
    assert {"speaker_segmentation", "speaker_embedding", "voice_activity"} <= tasks


@pytest.mark.parametrize("talk", sorted(p.name for p in TALKS.glob("*.mp4")))
def test_one_voice_is_one_speaker(speakers, talk):
    d = speakers.diarize(read_audio(TALKS / talk))
    assert d.n_speakers == 1, [(t.speaker, t.start, t.end) for t in d.turns]


def test_one_voice_over_a_minute_of_read_speech_is_one_speaker(speakers):
    audio = np.concatenate([read_audio(p) for p in sorted(FESTVOX.glob("*.flac"))[:8]])
    assert len(audio) / RATE > 60
    assert speakers.diarize(audio).n_speakers == 1


def test_a_known_count_is_respected(speakers):
    audio, _ = two_voices_over_each_other()
    assert speakers.diarize(audio, n_speakers=2).n_speakers == 2
    lone = read_audio(TALKS / "teacher_tips_f01.mp4")
    assert speakers.diarize(lone, n_speakers=1).n_speakers == 1


def test_russian_conversation_of_two_real_voices(speakers):
    """festvox's reader and DeepSpeech's Russian sample speaker take turns; every turn goes to the right one."""
    a = [level(read_audio(p)) for p in sorted(FESTVOX.glob("*.flac"))[8:12]]
    b = level(read_audio(EVAL / "asr_en_ru_single_utterances" / "audio" / "deepspeech_ru.wav"))
    parts, truth, t = [], [], 0.0
    for x in a:
        for who, clip in (("A", x[: int(6 * RATE)]), ("B", b)):
            parts += [clip, np.zeros(int(0.6 * RATE), np.float32)]
            truth.append((who, t, t + len(clip) / RATE))
            t += len(clip) / RATE + 0.6
    d = speakers.diarize(np.concatenate(parts))
    assert d.n_speakers == 2

    def owner(s: float, e: float) -> int:
        cover = np.zeros(d.n_speakers)
        for turn in d.turns:
            cover[turn.speaker] += max(0.0, min(e, turn.end) - max(s, turn.start))
        return int(cover.argmax())

    a_id, b_id = owner(*truth[0][1:]), owner(*truth[1][1:])
    assert a_id != b_id
    right = sum(owner(s, e) == (a_id if who == "A" else b_id) for who, s, e in truth)
    assert right == len(truth), truth


def test_interruptions_and_overlap_come_from_real_overlaps():
    turns = [Turn(0, 0.0, 5.0), Turn(1, 4.0, 8.0), Turn(0, 8.1, 9.0), Turn(1, 8.5, 8.7), Turn(0, 10.0, 12.0)]
    stats = conversation_stats(turns, [], 2)
    assert stats[1].interruptions == 1  # started at 4 s while speaker 0 went on to 5 s
    assert stats[0].interrupted_by_others == 1
    assert stats[1].interruptions == 1 and stats[0].interruptions == 0  # a 0.2 s "mm-hm" is no take-over
    assert stats[0].overlap_s == pytest.approx(1.2) and stats[1].overlap_s == pytest.approx(1.2)
    assert overlap_spans(turns) == [(4.0, 5.0), (8.5, 8.7)]


def test_silence_gives_no_speakers(speakers):
    assert speakers.diarize(np.zeros(RATE * 12, np.float32)).n_speakers == 0


def test_reference_file_is_committed():
    assert (ROOT / "tests" / "data" / "campplus_reference.npz").stat().st_size < 400_000
    assert Path(ROOT / "src" / "edcontrol" / "models" / "weights" / "LICENSE.campplus.txt").is_file()


class _CountingEncoder:
    """The CAM++ encoder, counting its calls."""

    def __init__(self, encoder: CamPlusEmbedding) -> None:
        self.encoder, self.calls = encoder, 0

    def embed_frames(self, frames: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.encoder.embed_frames(frames)


def test_talk_heard_by_several_windows_is_embedded_once(speakers):
    """Each piece of talk is heard by up to four overlapping windows; the piece is embedded once, and the
    shared embedding is what each window would have computed for itself."""
    from dataclasses import replace

    from edcontrol.pipeline.diarization import DiarizationConfig, listen

    audio = np.concatenate([read_audio(p) for p in sorted(FESTVOX.glob("*.flac"))[:8]])
    segments = speakers.vad.segments(audio)
    seg = speakers.models["segmentation"]
    heard = {}
    for iou in (0.8, 1.0):
        enc = _CountingEncoder(speakers.models["embedding"])
        cfg = replace(DiarizationConfig(), share_iou=iou)
        heard[iou] = (listen(audio, segments, seg, enc, cfg, lambda _f: None), enc.calls)  # type: ignore[arg-type]
    (shared, shared_calls), (alone, alone_calls) = heard[0.8], heard[1.0]
    assert shared_calls < 0.75 * alone_calls, (shared_calls, alone_calls)
    both = zip(shared.local, alone.local, strict=True)
    pairs = [(a.embedding, b.embedding) for a, b in both if a.embedding is not None]
    assert len(pairs) == sum(b.embedding is not None for b in alone.local)
    cosines = [float(x @ y / np.linalg.norm(x) / np.linalg.norm(y)) for x, y in pairs]
    assert np.median(cosines) > 0.95 and min(cosines) > 0.7, sorted(cosines)[:5]


def test_a_piece_across_a_change_of_speaker_is_split_and_kept_out_of_clustering(speakers):
    """Halves of one voice keep their whole piece; halves of two voices replace it, and being short they
    only join voices found elsewhere (not clean), so a blend of two people never defines a voice."""
    from edcontrol.pipeline.diarization import LocalSpeaker, split_at_changes

    enc: CamPlusEmbedding = speakers.models["embedding"]
    a = np.concatenate([read_audio(p) for p in sorted(FESTVOX.glob("*.flac"))[:2]])
    b = read_audio(TALKS / "teacher_tips_f01.mp4")[RATE : 4 * RATE]

    def piece(first: np.ndarray, second: np.ndarray) -> LocalSpeaker:
        mask = np.ones(589, bool)
        half = [LocalSpeaker(0, 0, mask, enc.embed(x[: int(1.5 * RATE)]), True, 1.5) for x in (first, second)]
        whole = LocalSpeaker(
            0, 0, mask, enc.embed(np.concatenate([first[: int(1.5 * RATE)], second[:24000]])), True, 3.0
        )
        whole.halves = (half[0], half[1])
        return whole

    one_voice, two_voices = piece(a, a[int(2 * RATE) :]), piece(a, b)
    out = split_at_changes([one_voice, two_voices], same_voice=0.5)
    assert out[0] is one_voice
    assert len(out) == 3 and not out[1].clean and not out[2].clean
    assert float(out[1].embedding @ out[2].embedding) < 0.5


def test_only_pieces_unlike_any_talk_elsewhere_get_their_halves_embedded(speakers):
    """Pieces of one voice with a near copy at other seconds stay whole (no second CAM++ pass); a blend
    of two voices matches nothing and is halved, even when another window heard the very same seconds
    (those near-copies say nothing of the voice)."""
    from edcontrol.pipeline.diarization import LocalSpeaker, pieces_to_halve

    enc: CamPlusEmbedding = speakers.models["embedding"]
    a = np.concatenate([read_audio(p) for p in sorted(FESTVOX.glob("*.flac"))[:4]])
    b = read_audio(TALKS / "teacher_tips_f01.mp4")[RATE : 4 * RATE]
    starts = np.array([0.0, 20.0, 40.0, 42.0])
    mask = np.zeros(589, bool)
    mask[:180] = True  # ~3 s of each window

    def piece(window: int, audio: np.ndarray) -> LocalSpeaker:
        s = LocalSpeaker(window, 0, mask, enc.embed(audio), True, 3.0)
        s.halves = (s, s)  # only their presence matters here
        return s

    voice = [piece(w, a[w * 3 * RATE : (w + 1) * 3 * RATE]) for w in (0, 1)]
    blend = np.concatenate([a[30 * RATE : int(31.5 * RATE)], b[: int(1.5 * RATE)]])
    heard_twice = [piece(2, blend), piece(3, blend)]  # windows 2 and 3 share seconds 42-43: a copy
    doubtful = pieces_to_halve([*voice, *heard_twice], starts, below=0.7)
    assert float(voice[0].embedding @ voice[1].embedding) >= 0.7
    assert [id(s) for s in doubtful] == [id(s) for s in heard_twice]
    assert len(pieces_to_halve([*voice, *heard_twice], starts, below=1.0)) == 4  # 1.0: every piece


def test_ami_speaker_change_inside_one_segmentation_slot_is_found(speakers):
    """AMI dev01: segmentation-3.0 keeps one local slot from 4.4 s to 9.9 s while MEE012 hands over to
    MEE009 at 7.0 s with no pause; the diarizer must still give the two stretches two different voices."""
    from edcontrol.evaluation.audio import load_ami

    item = next(i for i in load_ami(EVAL / "diar_ami_pyannote_debug", "development") if i.uri == "dev01")
    result = speakers.diarize(item.audio)

    def who(s: float, e: float) -> int | None:
        talk: dict[int, float] = {}
        for t in result.turns:
            talk[t.speaker] = talk.get(t.speaker, 0.0) + max(0.0, min(e, t.end) - max(s, t.start))
        return max(talk, key=talk.get) if talk and max(talk.values()) > 0.6 * (e - s) else None  # type: ignore[arg-type]

    first, second = who(4.6, 6.4), who(7.6, 11.4)
    assert first is not None and second is not None and first != second, result.turns


def test_solo_frames_the_segmentation_doubts_do_not_make_a_clean_piece(speakers):
    """AMI dev01 15.5-17.4 s: both people talk, segmentation-3.0 decides one voice alone but gives two
    voices ~0.2-0.35 chance; with ``solo_max_overlap`` 0.3 the piece there is no longer clean (a blend
    must not define a voice), while the clear talk of 7-11 s stays clean. Off (1.0) by default: the
    AMI train files cannot tell the two apart."""
    from edcontrol.evaluation.audio import load_ami
    from edcontrol.pipeline.diarization import DiarizationConfig, _lesson_span, listen

    item = next(i for i in load_ami(EVAL / "diar_ami_pyannote_debug", "development") if i.uri == "dev01")
    seg, enc = speakers.models["segmentation"], speakers.models["embedding"]

    def clean_spans(cfg: DiarizationConfig) -> list[tuple[float, float]]:
        heard = listen(item.audio, speakers.vad.segments(item.audio), seg, enc, cfg, lambda _f: None)  # type: ignore[arg-type]
        assert heard is not None
        return [_lesson_span(s, heard.windows.starts) for s in heard.local if s.clean]

    def has(spans: list[tuple[float, float]], a: float, b: float) -> bool:
        return any(abs(s - a) < 0.3 and abs(e - b) < 0.3 for s, e in spans)

    off, doubting = clean_spans(DiarizationConfig()), clean_spans(DiarizationConfig(solo_max_overlap=0.3))
    assert has(off, 15.5, 17.4) and not has(doubting, 15.5, 17.4)
    assert sum(1 for s, e in doubting if s >= 7.0 and e <= 12.0) >= 3


def test_window_fbanks_computed_once_per_stretch_equal_each_window_alone():
    """The diarizer computes the fbank of its overlapping windows once per stretch (pipeline/window_fbank.py):
    every window's frames must be bit for bit those of the window computed alone, including a last window
    flush with the end (off the 10 ms grid), one that runs past the audio (padded) and windows after a gap."""
    from edcontrol.pipeline.window_fbank import block_fbanks, blocks

    audio = read_audio(EVAL / "diar_ami_pyannote_debug" / "audio" / "dev01.wav")
    win = 10 * RATE
    starts = [0, 40_000, 80_000, 120_000, 280_000, 320_000, len(audio) - win, len(audio) - win // 2]
    assert (len(audio) - win) % 160, "the flush window must be off the fbank grid to test it"
    grouped = blocks(starts, range(len(starts)), win, len(audio))
    assert [0, 1, 2, 3] in grouped and [4, 5] in grouped  # a 10 s gap between windows 3 and 4 cuts the stretch
    seen = []
    for block in grouped:
        for w, feats in block_fbanks(audio, starts, block, win):
            alone = audio[starts[w] : starts[w] + win]
            alone = np.pad(alone, (0, win - len(alone)))
            assert np.array_equal(feats, fbank(alone)), w
            seen.append(w)
    assert sorted(seen) == list(range(len(starts)))
