"""Overlap-aware speaker diarization in the pyannote 3.x manner, on 2 CPU cores.

1. 10 s windows every ``step_s`` over the stretches where the VAD hears speech;
2. segmentation-3.0 decodes each window to up to three local speakers per frame (two at once);
3. one CAM++ embedding per piece of each (window, local speaker)'s talk, from the frames where that
   speaker talks alone, and, where a piece is like no talk at other seconds, one per half of it: a piece
   whose halves are two voices gives way to them;
4. agglomerative clustering of those embeddings with an automatic count (or the known one);
5. each stretch of a local speaker's talk (split at its pauses) is linked to a global speaker (two voices
   heard at once never to the same one);
6. reconstruction: per frame, the number of voices the windows agree on, filled with the best-scoring
   global speakers; speech the VAD hears but the segmentation missed (quiet far-field talk) goes to the
   most likely speaker; turns of different speakers may overlap.

Why this shape: the segmentation model is the only packaged one that hears overlap and speaker changes
inside a window, CAM++ separates voices where GE2E blurs them, and clustering only one embedding per
window and speaker keeps memory small (bounded by ``max_cluster_points``) whatever the lesson length.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from edcontrol.models.campplus_embedding import DIM, CamPlusEmbedding, fbank_centres
from edcontrol.models.speaker_segmentation import (
    FRAME_STEP_S,
    FRAME_WIDTH_S,
    FRAMES,
    LOCAL_SPEAKERS,
    SAMPLE_RATE,
    WINDOW_SAMPLES,
    SpeakerSegmentation,
)
from edcontrol.models.voice_activity import SpeechSegment
from edcontrol.pipeline.speaker_turns import Diarization, Turn, empty_diarization, overlap_spans
from edcontrol.pipeline.window_fbank import block_fbanks, padded
from edcontrol.pipeline.window_fbank import blocks as fbank_blocks

WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE


@dataclass(frozen=True)
class DiarizationConfig:
    """Tunables of the overlap-aware diarizer. The defaults are what scripts/tune_diarization.py chose on the
    AMI train files (2026-12-06: train DER 20.6% at collar 0.25 once a piece whose halves disagree is
    left out of clustering; threshold and cohesion tie on train across 0.5-0.6 / 0.75-1.0 and stay;
    halving only doubtful pieces (``halve_below`` 0.8) and doubting solo frames (``solo_max_overlap``)
    tie with their off values on train too, so the first is on because it is cheaper and the second off)."""

    step_s: float = 2.5  # window hop: each moment is heard by WINDOW_S / step_s windows
    min_clean_s: float = 1.0  # embed from solo frames when a local speaker has this much of them ...
    min_active_s: float = 0.5  # ... else from all its frames, if it talks at least this long
    max_embed_s: float = 6.0  # cap on the audio embedded per local speaker (cost), centred on its talk
    threshold: float = 0.55  # average-linkage cosine similarity at which two groups are surely one voice ...
    cohesion_ratio: float = 0.85  # ... below it, merged when cross / own cohesion reaches this (1 = off) ...
    floor_threshold: float = 0.4  # ... but never below this similarity
    min_cluster_s: float = 0.0  # a "speaker" heard for less than this in total joins the nearest one
    max_speakers: int = 8
    max_cluster_points: int = 3000  # embeddings clustered directly; the rest are assigned (flat memory)
    fill_vad_speech: bool = True  # speech the VAD hears but segmentation missed goes to the likeliest voice
    vad_gate: bool = False  # drop segmentation speech the VAD does not hear
    min_vad_share: float = 0.0  # only talk the VAD mostly agrees is speech defines voices (no coughs, no doors)
    min_turn_s: float = 0.1
    min_gap_s: float = 0.6  # same-speaker turns closer than this are one turn
    split_pause_s: float = 0.15  # a local speaker's talk is embedded per stretch between pauses this long ...
    piece_s: float = 3.0  # ... and long stretches per piece of about this length (0 = whole stretches) ...
    share_iou: float = 0.8  # ... a piece matching an earlier window's lesson frames this well shares its embedding
    # (1 = every window embeds its own pieces, as before sharing)
    embed_halves: bool = True  # a piece with enough solo talk also has its two halves embedded ...
    halves_same_voice: float = 0.5  # ... which replace it when less alike than this (a change of speaker) ...
    halve_below: float = 0.8  # ... checked only where the piece matches no talk of other seconds this well
    solo_max_overlap: float = 1.0  # a frame is solo (clean) only while two voices at once are less likely than this
    batch: int = 2  # windows per segmentation call: as fast as 8 on CPU, ~140 MB less arena per thread
    threads: int = 2


@dataclass
class WindowSegmentation:
    """Per computed window: its start and hard local-speaker activity (F, 3), kept as one byte per frame
    (bit k: local speaker k talks; a third of the (W, F, 3) bytes, held until the lesson is reconstructed).
    The soft scores are used while each batch is decoded (``hear_vad_speech``, ``unsure``) and not kept:
    2/3 of the bytes over a long lesson."""

    starts: np.ndarray
    codes: np.ndarray  # (W, F) uint8: bit k set where local speaker k talks
    unsure: np.ndarray | None = None  # (W, F) bool: frames with a real chance of two voices at once

    def hard(self, w: int) -> np.ndarray:
        """(F, 3) uint8 0/1: which local speakers of window ``w`` talk in each frame."""
        return (self.codes[w][:, None] >> _SLOT_BITS) & 1


_SLOT_BITS = np.arange(LOCAL_SPEAKERS, dtype=np.uint8)


def slot_codes(hard: np.ndarray) -> np.ndarray:
    """(..., 3) 0/1 activity -> (...) uint8 with bit k set where local speaker k talks."""
    return np.bitwise_or.reduce(hard.astype(np.uint8) << _SLOT_BITS, axis=-1)


@dataclass
class LocalSpeaker:
    """One stretch of talk of one local speaker in one window (the slot's talk split at its pauses)."""

    window: int
    slot: int
    bits: np.ndarray  # the window frames this stretch covers: (F,) bool, packed 8 to a byte when constructed
    embedding: np.ndarray | None
    clean: bool  # embedded from solo frames
    active_s: float
    vad_share: float = 1.0  # share of its frames the VAD also calls speech
    halves: tuple[LocalSpeaker, LocalSpeaker] | None = None  # the same talk cut in two, each embedded

    def __post_init__(self) -> None:
        """Why packed: a lesson has ~80 pieces a minute, all held until clustering ends; as bool arrays
        their frames were 40% of the diarizer's memory (0.7 of 1.7 KB a piece, 7.5 MB more at three hours)."""
        if self.bits.dtype == bool:
            self.bits = np.packbits(self.bits)

    @property
    def mask(self) -> np.ndarray:
        """(F,) bool: the window frames this stretch covers."""
        return np.unpackbits(self.bits, count=FRAMES).view(bool)


Progress = Callable[[float], None]


def diarize(
    audio: np.ndarray,
    segments: list[SpeechSegment],
    segmenter: SpeakerSegmentation,
    encoder: CamPlusEmbedding,
    cfg: DiarizationConfig | None = None,
    n_speakers: int | None = None,
    progress: Progress | None = None,
) -> Diarization:
    """Who spoke when in 16 kHz mono ``audio``; ``progress(fraction)`` is called as windows are processed."""
    cfg = cfg or DiarizationConfig()
    report = progress or (lambda _f: None)
    heard = listen(audio, segments, segmenter, encoder, cfg, report)
    result = resolve(heard, cfg, n_speakers)
    report(1.0)
    return result


@dataclass
class Heard:
    """What the models heard (the costly part), before any clustering decision."""

    segments: list[SpeechSegment]
    duration: float
    windows: WindowSegmentation
    local: list[LocalSpeaker]


def listen(
    audio: np.ndarray,
    segments: list[SpeechSegment],
    segmenter: SpeakerSegmentation,
    encoder: CamPlusEmbedding,
    cfg: DiarizationConfig,
    progress: Progress,
) -> Heard | None:
    """Segmentation of every window with speech and one embedding per local speaker."""
    duration = len(audio) / SAMPLE_RATE
    starts = window_starts(segments, duration, cfg.step_s)
    if not len(starts):
        return None
    vad = _speech_mask(segments, _lesson_frames(duration))
    seg = segment_windows(
        audio, starts, segmenter, cfg, lambda f: progress(0.3 * f), vad if cfg.fill_vad_speech else None
    )
    local = local_embeddings(audio, seg, encoder, cfg, lambda f: progress(0.3 + 0.65 * f))
    for s in local:
        a = _first_frame(seg.starts[s.window])
        frames = vad[a : a + FRAMES]
        s.vad_share = float((s.mask[: len(frames)] & frames).sum() / max(s.mask.sum(), 1))
    return Heard(segments, duration, seg, local)


def resolve(heard: Heard | None, cfg: DiarizationConfig, n_speakers: int | None = None) -> Diarization:
    """Clustering, linking and reconstruction: cheap, so the tuning script re-runs only this."""
    if heard is None:
        return empty_diarization()
    centroids = cluster_speakers(heard.local, heard.windows.starts, cfg, n_speakers)
    if not len(centroids):
        return empty_diarization()
    choice = link_local_speakers(heard.local, centroids)
    activity = reconstruct(heard.windows, heard.local, choice, len(centroids), heard.segments, heard.duration, cfg)
    turns, centroids = activity_turns(activity, centroids, heard.duration, cfg)
    return Diarization(turns, overlap_spans(turns, min_s=0.1), len(centroids), centroids)


def window_starts(segments: list[SpeechSegment], duration: float, step_s: float) -> np.ndarray:
    """Starts of the windows that contain some speech (silent stretches cost nothing)."""
    if not segments:
        return np.zeros(0)
    last = max(0.0, duration - WINDOW_S)
    grid = np.arange(0.0, last + 1e-6, step_s)
    if last - grid[-1] > 0.5:  # a last window flush with the end, unless the grid already nearly is
        grid = np.append(grid, last)
    seg_a = np.array([s.start for s in segments])
    seg_b = np.array([s.end for s in segments])
    keep = [bool(np.any((seg_a < s + WINDOW_S) & (seg_b > s))) for s in grid]
    return grid[np.array(keep, bool)]


def _first_frame(start_s: float) -> int:
    """The lesson frame (FRAME_STEP_S grid) where a window starting at ``start_s`` begins."""
    return round(float(start_s) / FRAME_STEP_S)


def _lesson_frames(duration: float) -> int:
    """Frames on the lesson grid, one spare so the last window's end always fits."""
    return int(np.ceil(duration / FRAME_STEP_S)) + 1


def _window_audio(audio: np.ndarray, start_s: float) -> np.ndarray:
    return padded(audio, round(start_s * SAMPLE_RATE), WINDOW_SAMPLES)


def segment_windows(
    audio: np.ndarray,
    starts: np.ndarray,
    segmenter: SpeakerSegmentation,
    cfg: DiarizationConfig,
    progress: Progress,
    vad: np.ndarray | None = None,
) -> WindowSegmentation:
    """Run the segmentation model over all windows, in batches, on ``cfg.threads`` threads; with ``vad``
    (speech per lesson frame) the speech it hears that the segmentation missed is filled in per batch."""
    batches = [starts[i : i + cfg.batch] for i in range(0, len(starts), cfg.batch)]
    doubt = cfg.solo_max_overlap < 1.0  # at 1.0 no frame is doubted: nothing to compute or keep

    def run(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        log_probs = segmenter.log_probs(np.stack([_window_audio(audio, s) for s in batch]))
        hard, soft = segmenter.to_speakers(log_probs)
        hard = hard.astype(np.uint8)
        if vad is not None:
            for w, start in enumerate(batch):
                hear_vad_speech(hard[w], soft[w], vad[_first_frame(start) :][:FRAMES])
        return slot_codes(hard), segmenter.overlap_probability(log_probs) >= cfg.solo_max_overlap if doubt else None

    code_parts, unsure_parts = [], []
    with ThreadPoolExecutor(max(1, cfg.threads)) as pool:
        for i, (h, u) in enumerate(pool.map(run, batches)):
            code_parts.append(h)
            unsure_parts.append(u)
            progress((i + 1) / len(batches))
    return WindowSegmentation(starts, np.concatenate(code_parts), np.concatenate(unsure_parts) if doubt else None)


def hear_vad_speech(hard: np.ndarray, soft: np.ndarray, vad: np.ndarray) -> None:
    """Frames of one window the VAD calls speech but the segmentation left empty go to the window's
    likeliest local speaker (``hard`` (F, 3) is filled in place; ``vad`` is the window's frames).

    Why: segmentation-3.0 calls quiet or reverberant far-field talk silence (whole AMI excerpts), while
    Silero hears it; the VAD decides *whether* someone talks, the segmentation's soft scores *who*.
    """
    n = min(len(vad), len(hard))
    empty = np.flatnonzero(vad[:n] & (hard[:n].sum(axis=1) == 0))
    if len(empty):
        hard[empty, np.argmax(soft[empty], axis=1)] = 1


def _fbank_to_frame(n_fbank: int) -> np.ndarray:
    """Index of the segmentation frame nearest to each fbank frame of a window."""
    idx = np.round((fbank_centres(n_fbank) - FRAME_WIDTH_S / 2) / FRAME_STEP_S).astype(int)
    return np.clip(idx, 0, FRAMES - 1)


def _centred(mask: np.ndarray, cap: int) -> np.ndarray:
    """At most ``cap`` selected frames of ``mask``, the ones around its middle (bounded embedding cost)."""
    idx = np.flatnonzero(mask)
    if len(idx) <= cap:
        return idx
    mid = len(idx) // 2
    return idx[mid - cap // 2 : mid - cap // 2 + cap]


def talk_stretches(active: np.ndarray, min_pause_frames: int) -> list[np.ndarray]:
    """A slot's activity split at its pauses: masks of the stretches between silences of ``min_pause`` or more.

    Why: segmentation-3.0 sometimes gives two people who follow each other the same local slot; a pause
    between them is where one embedding per slot would blend two voices into one.
    """
    runs = _runs(active)
    groups: list[list[tuple[int, int]]] = []
    for a, b in runs:
        if groups and a - groups[-1][-1][1] < min_pause_frames:
            groups[-1].append((a, b))
        else:
            groups.append([(a, b)])
    masks = []
    for g in groups:
        m = np.zeros(len(active), bool)
        for a, b in g:
            m[a:b] = True
        masks.append(m)
    return masks


def pieces(stretch: np.ndarray, piece_frames: int) -> list[np.ndarray]:
    """A long stretch cut into near-equal pieces of about ``piece_frames`` active frames each.

    Why: the segmentation may also run two people who follow each other without a pause into one slot;
    embedding each couple of seconds separately lets clustering tell them apart. The cut depends on the
    stretch alone, so overlapping windows that hear the whole stretch cut it alike and embed each piece once
    (``shared_embeddings``).
    """
    idx = np.flatnonzero(stretch)
    n = max(1, round(len(idx) / max(piece_frames, 1)))
    if piece_frames <= 0 or n == 1:
        return [stretch]
    out = []
    for part in np.array_split(idx, n):
        m = np.zeros(len(stretch), bool)
        m[part] = True
        out.append(m)
    return out


@dataclass
class _Piece:
    """A piece to embed: its speaker entry, window, and the window frames to embed (``use``)."""

    speaker: LocalSpeaker
    use: np.ndarray  # (F,) bool
    half: bool = False  # one of a piece's halves: embedded, then reached through that piece's ``halves``


def local_embeddings(
    audio: np.ndarray, seg: WindowSegmentation, encoder: CamPlusEmbedding, cfg: DiarizationConfig, progress: Progress
) -> list[LocalSpeaker]:
    """One embedding per piece of each local speaker of each window, from its solo frames when there are
    enough; pieces too short to embed are linked later through their slot's other pieces. A piece that an
    earlier window already heard (nearly the same frames of the lesson) shares that window's embedding.
    Then the halves of the pieces that may hold a change of speaker (``pieces_to_halve``) are embedded."""
    pieces = [p for w in range(len(seg.starts)) for p in _window_pieces(seg, w, cfg)]
    owner = shared_embeddings(pieces, seg.starts, cfg.share_iou)
    wholes = [i for i, p in enumerate(pieces) if not p.half]
    _embed_pieces(audio, seg, encoder, cfg, pieces, owner, wholes, lambda f: progress(0.8 * f))
    speakers = [pieces[i].speaker for i in wholes]
    doubtful = {id(s) for s in pieces_to_halve(speakers, seg.starts, cfg.halve_below)}
    for s in speakers:
        if id(s) not in doubtful:
            s.halves = None  # not worth a second look: the piece stays whole
    halves = {id(h) for s in speakers for h in s.halves or ()}
    todo = [i for i, p in enumerate(pieces) if p.half and id(p.speaker) in halves]
    _embed_pieces(audio, seg, encoder, cfg, pieces, owner, todo, lambda f: progress(0.8 + 0.2 * f))
    return split_at_changes(speakers, cfg.halves_same_voice)


def _embed_pieces(
    audio: np.ndarray,
    seg: WindowSegmentation,
    encoder: CamPlusEmbedding,
    cfg: DiarizationConfig,
    pieces: list[_Piece],
    owner: list[int | None],
    wanted: list[int],
    progress: Progress,
) -> None:
    """Embed the ``wanted`` pieces: each owner once (the fbank of overlapping windows computed once per
    stretch of them, ``window_fbank``; stretches on ``cfg.threads`` threads), then the pieces that share an
    owner's frames take its embedding."""
    todo: dict[int, set[int]] = {}
    for i in wanted:
        o = owner[i]
        if o is not None and pieces[o].speaker.embedding is None:
            todo.setdefault(pieces[o].speaker.window, set()).add(o)
    cap = int(cfg.max_embed_s / 0.01)
    starts = [round(float(s) * SAMPLE_RATE) for s in seg.starts]

    def embed_block(block: list[int]) -> None:
        for w, feats in block_fbanks(audio, starts, block, WINDOW_SAMPLES):
            to_frame = _fbank_to_frame(len(feats))
            for i in sorted(todo[w]):
                pieces[i].speaker.embedding = encoder.embed_frames(feats[_centred(pieces[i].use[to_frame], cap)])

    stretches = fbank_blocks(starts, sorted(todo), WINDOW_SAMPLES, len(audio))
    with ThreadPoolExecutor(max(1, cfg.threads)) as pool:
        for n, _ in enumerate(pool.map(embed_block, stretches)):
            progress((n + 1) / len(stretches))
    for i in wanted:
        o = owner[i]
        if o is not None and o != i:
            pieces[i].speaker.embedding = pieces[o].speaker.embedding


def pieces_to_halve(
    local: list[LocalSpeaker], starts: np.ndarray, below: float, refs: int = 3000, rows: int = 256
) -> list[LocalSpeaker]:
    """The pieces with halves whose embedding matches no piece of other seconds of the lesson this well
    (cosine < ``below``; 1.0 = every piece with halves).

    Why: a piece across a change of speaker embeds a blend of two voices, unlike any one voice's talk
    elsewhere, while a piece of one voice that talks on has a near copy in that voice's other pieces.
    Only the doubtful pieces pay for a second CAM++ pass over their halves (most pieces of a lesson
    are one voice). Compared with at most ``refs`` pieces spread over the lesson, ``rows`` at a time
    (memory and time linear in length).
    """
    with_halves = [s for s in local if s.halves is not None and s.embedding is not None]
    if below >= 1.0 or not with_halves:
        return with_halves
    embedded = [s for s in local if s.embedding is not None]
    ref = embedded[:: max(1, int(np.ceil(len(embedded) / refs)))]
    ref_emb = np.stack([s.embedding for s in ref]).astype(np.float32)  # type: ignore[misc]
    ref_span = np.array([_lesson_span(s, starts) for s in ref], np.float32).reshape(-1, 2)
    out: list[LocalSpeaker] = []
    for r in range(0, len(with_halves), rows):
        block = with_halves[r : r + rows]
        emb = np.stack([s.embedding for s in block]).astype(np.float32)  # type: ignore[misc]
        span = np.array([_lesson_span(s, starts) for s in block], np.float32).reshape(-1, 2)
        sim = emb @ ref_emb.T
        apart = (ref_span[None, :, 0] >= span[:, 1:2]) | (ref_span[None, :, 1] <= span[:, 0:1])
        best = np.where(apart, sim, -1.0).max(axis=1)
        out += [s for s, b in zip(block, best, strict=True) if b < below]
    return out


def split_at_changes(local: list[LocalSpeaker], same_voice: float) -> list[LocalSpeaker]:
    """Each piece, or its two halves where their embeddings disagree (cosine < ``same_voice``).

    Why: segmentation-3.0 often keeps one local slot through a change of speaker with no pause, and a
    piece across the change embeds a blend that looks like both voices and glues their clusters together
    (AMI dev01: one slot runs 4.4-9.9 s across MEE012 -> MEE009). Such a piece is left out of clustering;
    its halves, each nearer one voice, are only linked to the voices found (marked not clean): at 1-1.5 s
    they are too noisy to define voices themselves. Where the halves agree the whole piece stays.
    """
    out: list[LocalSpeaker] = []
    for s in local:
        h, s.halves = s.halves, None  # kept or not, the halves are not held past this point (memory)
        if h and h[0].embedding is not None and h[1].embedding is not None:
            if float(h[0].embedding @ h[1].embedding) < same_voice:
                out.extend(replace(x, clean=False) for x in h)
                continue
        out.append(s)
    return out


def _window_pieces(seg: WindowSegmentation, w: int, cfg: DiarizationConfig) -> list[_Piece]:
    """The pieces of window ``w``: each slot's talk split at pauses and into pieces; which frames embed each
    (none when too short: such a piece is not clean and gets no embedding)."""
    hard = seg.hard(w)
    if not hard.any():
        return []
    pause = max(1, round(cfg.split_pause_s / FRAME_STEP_S))
    piece = round(cfg.piece_s / FRAME_STEP_S)
    solo = hard.sum(axis=1) == 1
    if seg.unsure is not None:
        solo &= ~seg.unsure[w]  # alone by the decision, but two voices were likely: a blend, not clean
    out = []
    for k in range(LOCAL_SPEAKERS):
        active = hard[:, k].astype(bool)
        if active.sum() * FRAME_STEP_S < 0.05:
            continue
        stretches = talk_stretches(active, pause) if cfg.split_pause_s > 0 else [active]
        for stretch in (p for st in stretches for p in pieces(st, piece)):
            whole = _piece_to_embed(w, k, stretch, solo, cfg)
            out.append(whole)
            if cfg.embed_halves:
                cut = pieces(stretch, max(1, stretch.sum() // 2))
                halves = [_piece_to_embed(w, k, h, solo, cfg, half=True) for h in cut]
                if len(halves) == 2 and all(h.speaker.clean for h in halves):
                    whole.speaker.halves = (halves[0].speaker, halves[1].speaker)
                    out.extend(halves)
    return out


def _piece_to_embed(
    w: int, k: int, stretch: np.ndarray, solo: np.ndarray, cfg: DiarizationConfig, half: bool = False
) -> _Piece:
    """The frames of ``stretch`` to embed: its solo frames when there are enough, else all of it, else none."""
    clean = stretch & solo
    use, is_clean = (clean, True) if clean.sum() * FRAME_STEP_S >= cfg.min_clean_s else (stretch, False)
    if use.sum() * FRAME_STEP_S < min(cfg.min_active_s, cfg.min_clean_s):
        use = np.zeros_like(use)  # too short to embed
    speaker = LocalSpeaker(w, k, stretch, None, is_clean and use.any(), float(stretch.sum() * FRAME_STEP_S))
    return _Piece(speaker, use, half)


def shared_embeddings(pieces: list[_Piece], starts: np.ndarray, min_iou: float) -> list[int | None]:
    """For each piece, the index of the piece whose embedding it uses: itself, an earlier piece that covers
    nearly the same frames of the lesson (intersection over union >= ``min_iou``), or None (nothing to embed).

    Deterministic (window order), so a report does not depend on thread timing.
    """
    owner: list[int | None] = [None] * len(pieces)
    seen: dict[int, list[tuple[int, np.ndarray]]] = {}  # second of the first lesson frame -> (piece, frames)
    for i, p in enumerate(pieces):
        start = float(starts[p.speaker.window])
        for gone in [k for k in seen if k < int(start) - 1]:  # windows only move on: memory stays bounded
            del seen[gone]
        frames = np.flatnonzero(p.use) + _first_frame(start)
        if not len(frames):
            continue
        owner[i] = i
        if min_iou >= 1.0:
            continue
        key = int(frames[0] * FRAME_STEP_S)  # neighbouring seconds hold every candidate
        for j, other in (c for k in (key - 1, key, key + 1) for c in seen.get(k, [])):
            common = len(np.intersect1d(frames, other, assume_unique=True))
            if common / (len(frames) + len(other) - common) >= min_iou:
                owner[i] = j
                break
        else:
            seen.setdefault(key, []).append((i, frames))
    return owner


def cluster_speakers(
    local: list[LocalSpeaker], starts: np.ndarray, cfg: DiarizationConfig, n_speakers: int | None
) -> np.ndarray:
    """Centroids (k, 192) of the voices: average-linkage AHC on the clean embeddings (all, if too few).

    Why average linkage on a similarity threshold: CAM++ puts one voice above ~0.7 cosine and different
    voices below ~0.5, so the count follows from the threshold with no eigengap guess; a known count cuts
    the same tree. Clusters heard for less than ``min_cluster_s`` join their nearest neighbour.
    """
    voiced = [s for s in local if s.embedding is not None and s.vad_share >= cfg.min_vad_share]
    pool = [s for s in voiced if s.clean] or voiced or [s for s in local if s.embedding is not None]
    if not pool:
        return np.zeros((0, DIM), np.float32)
    emb = np.stack([s.embedding for s in pool])  # type: ignore[misc]
    weight = np.array([s.active_s for s in pool])
    if len(pool) == 1:
        return emb
    step = max(1, int(np.ceil(len(pool) / cfg.max_cluster_points)))
    sample = np.arange(0, len(pool), step)
    tree = linkage(emb[sample], method="average", metric="cosine")
    if n_speakers:
        labels = fcluster(tree, t=min(n_speakers, len(sample)), criterion="maxclust")
    else:
        labels = fcluster(tree, t=1.0 - cfg.threshold, criterion="distance")
        if cfg.cohesion_ratio < 1.0:
            talk = same_talk([pool[i] for i in sample], starts)
            labels = merge_by_cohesion(emb[sample], labels, cfg.floor_threshold, cfg.cohesion_ratio, talk)
        if labels.max() > cfg.max_speakers:
            labels = fcluster(tree, t=cfg.max_speakers, criterion="maxclust")
    cents = _centroids(emb[sample], labels)
    if step > 1:  # the points left out of the tree join their nearest centroid
        labels_all = np.argmax(emb @ cents.T, axis=1)
        cents = _centroids(emb, labels_all + 1)
        labels_all = np.argmax(emb @ cents.T, axis=1)
    else:
        labels_all = np.searchsorted(np.unique(labels), labels)
    if not n_speakers:
        cents = _absorb_small(emb, weight, labels_all, cents, cfg.min_cluster_s * (WINDOW_S / cfg.step_s))
    return cents


def merge_by_cohesion(
    emb: np.ndarray, labels: np.ndarray, floor: float, ratio: float, same_talk: np.ndarray | None = None
) -> np.ndarray:
    """Merge clusters left apart by the threshold whose pieces are about as alike across as within them.

    Why: how alike one voice's pieces are depends on the room and the line (far-field meeting microphones
    ~0.6, a headset or a phone ~0.8), and two voices on one phone line can be as alike as one voice far
    from the microphone. Comparing the cross similarity with each cluster's own cohesion judges a
    recording by its own standard; ``floor`` is the similarity below which voices are never merged.
    A cluster's cohesion counts only pairs of pieces of different talk (``same_talk`` False): overlapping
    windows hear the same seconds several times, and those near-copies say nothing of how much one voice
    varies over a lesson.
    """
    labels = np.unique(labels, return_inverse=True)[1]
    sim = emb @ emb.T
    apart = ~same_talk if same_talk is not None else ~np.eye(len(emb), dtype=bool)
    np.fill_diagonal(apart, False)
    while labels.max() > 0:
        ids = np.arange(labels.max() + 1)
        members = [np.flatnonzero(labels == i) for i in ids]
        within = [_cohesion(sim, apart, m) for m in members]
        fallback = float(np.nanmedian([w for w in within if np.isfinite(w)] or [1.0]))
        within = [w if np.isfinite(w) else fallback for w in within]
        best, pair = -np.inf, None
        for x in ids:
            for y in ids[x + 1 :]:
                cross = float(sim[np.ix_(members[x], members[y])].mean())
                score = cross / max(min(within[x], within[y]), 1e-6)
                if cross >= floor and score > best:
                    best, pair = score, (x, y)
        if pair is None or best < ratio:
            return labels
        labels[labels == pair[1]] = pair[0]
        labels = np.unique(labels, return_inverse=True)[1]
    return labels


def _cohesion(sim: np.ndarray, apart: np.ndarray, members: np.ndarray) -> float:
    pairs = apart[np.ix_(members, members)]
    return float(sim[np.ix_(members, members)][pairs].mean()) if pairs.any() else float("nan")


def same_talk(pool: list[LocalSpeaker], starts: np.ndarray, min_overlap: float = 0.5, rows: int = 256) -> np.ndarray:
    """(n, n) bool: the two pieces cover mostly the same seconds of the lesson (over half the shorter).

    Built ``rows`` rows at a time in float32: n reaches ``max_cluster_points``, and whole n x n float64
    temporaries would add a few hundred megabytes to a long lesson's peak.
    """
    span = np.array([_lesson_span(s, starts) for s in pool], np.float32).reshape(-1, 2)
    a, b = span[:, 0], span[:, 1]
    length = b - a
    out = np.zeros((len(pool), len(pool)), bool)
    for r in range(0, len(pool), rows):
        common = np.minimum.outer(b[r : r + rows], b)
        common -= np.maximum.outer(a[r : r + rows], a)
        shorter = np.minimum.outer(length[r : r + rows], length)
        np.maximum(shorter, 1e-6, out=shorter)
        out[r : r + rows] = common > min_overlap * shorter
    return out


def _lesson_span(s: LocalSpeaker, starts: np.ndarray) -> tuple[float, float]:
    idx = np.flatnonzero(s.mask)
    t0 = float(starts[s.window])
    return t0 + idx[0] * FRAME_STEP_S, t0 + (idx[-1] + 1) * FRAME_STEP_S


def _centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    ids = np.unique(labels)
    cents = np.stack([emb[labels == i].mean(axis=0) for i in ids])
    return cents / np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-9)


def _absorb_small(emb: np.ndarray, weight: np.ndarray, labels: np.ndarray, cents: np.ndarray, min_s: float):
    """Drop clusters whose total talk (over windows, scaled to real time) is under ``min_s``."""
    heard = np.bincount(labels, weights=weight, minlength=len(cents))
    big = heard >= min_s
    if big.all() or not big.any():
        return cents
    keep = cents[big]
    labels = np.argmax(emb @ keep.T, axis=1)
    return _centroids(emb, labels)


def link_local_speakers(local: list[LocalSpeaker], cents: np.ndarray) -> list[int | None]:
    """The global speaker of each stretch (index into ``local``): the nearest centroid, except that two
    stretches heard at once in a window never get the same speaker (the weaker match takes its next best);
    a stretch without an embedding takes its slot's nearest embedded stretch's speaker."""
    choice: list[int | None] = [None] * len(local)
    by_window: dict[int, list[int]] = {}
    for i, s in enumerate(local):
        by_window.setdefault(s.window, []).append(i)
    for members in by_window.values():
        embedded = [i for i in members if local[i].embedding is not None]
        if not embedded:
            continue
        sims = np.stack([local[i].embedding for i in embedded]) @ cents.T  # type: ignore[misc]
        picks = sims.argmax(axis=1)
        if len(cents) > 1:
            _separate_simultaneous(local, embedded, sims, picks)
        for i, c in zip(embedded, picks, strict=True):
            choice[i] = int(c)
        for i in members:
            if choice[i] is None:
                choice[i] = _nearest_in_slot(local, i, [j for j in embedded if local[j].slot == local[i].slot], choice)
    return choice


def _separate_simultaneous(local: list[LocalSpeaker], embedded: list[int], sims: np.ndarray, picks: np.ndarray) -> None:
    min_frames = int(0.5 / FRAME_STEP_S)
    for x in range(len(embedded)):
        for y in range(x + 1, len(embedded)):
            a, b = local[embedded[x]], local[embedded[y]]
            if picks[x] != picks[y] or a.slot == b.slot or (a.mask & b.mask).sum() < min_frames:
                continue
            weaker = x if sims[x, picks[x]] < sims[y, picks[y]] else y
            ranked = np.argsort(-sims[weaker])
            picks[weaker] = ranked[1]


def _nearest_in_slot(local: list[LocalSpeaker], i: int, candidates: list[int], choice: list[int | None]) -> int | None:
    if not candidates:
        return None
    centre = np.flatnonzero(local[i].mask).mean()
    best = min(candidates, key=lambda j: abs(np.flatnonzero(local[j].mask).mean() - centre))
    return choice[best]


def reconstruct(
    seg: WindowSegmentation,
    local: list[LocalSpeaker],
    choice: list[int | None],
    k: int,
    segments: list[SpeechSegment],
    duration: float,
    cfg: DiarizationConfig,
) -> np.ndarray:
    """(frames, k) 0/1 activity on the global frame grid (FRAME_STEP_S), aggregated over windows: per frame,
    the number of voices the windows agree on, filled with the speakers the most windows put there."""
    n = _lesson_frames(duration)
    taper = np.hamming(FRAMES).astype(np.float32)  # window edges hear least context: trust them least
    score = np.zeros((n, k), np.float32)
    count = np.zeros(n, np.float32)
    cover = np.zeros(n, np.float32)
    for w, start in enumerate(seg.starts):
        a = _first_frame(start)
        b = min(n, a + FRAMES)
        cover[a:b] += taper[: b - a]
        count[a:b] += taper[: b - a] * seg.hard(w)[: b - a].sum(axis=1)
    for s, c in zip(local, choice, strict=True):
        if c is None:
            continue
        a = _first_frame(seg.starts[s.window])
        b = min(n, a + FRAMES)
        score[a:b, c] += taper[: b - a] * s.mask[: b - a]
    voices = np.divide(count, cover, out=np.zeros_like(count), where=cover > 0)
    voices = np.round(voices).astype(np.int8)
    del count, cover
    if cfg.vad_gate:
        voices[~_speech_mask(segments, n)] = 0
    return _top_voices(score, voices)


def _top_voices(score: np.ndarray, voices: np.ndarray, block: int = 65536) -> np.ndarray:
    """(frames, k) 0/1: per frame the ``voices`` (at most 2) best-scoring speakers among those with any
    score. Done ``block`` frames at a time: whole-lesson (frames, k) int64 rankings took ~40 MB a
    three-hour lesson, for two numbers per frame."""
    n, k = score.shape
    activity = np.zeros((n, k), np.uint8)
    for a in range(0, n, block):
        part = score[a : a + block]
        want = np.minimum(voices[a : a + block], np.minimum(2, (part > 0).sum(axis=1)))
        ranked = np.argsort(-part, axis=1)[:, :2]
        for j in range(min(2, k)):
            rows = np.flatnonzero(want > j)
            activity[a + rows, ranked[rows, j]] = 1
    return activity


def _speech_mask(segments: list[SpeechSegment], n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    for s in segments:
        mask[int(s.start / FRAME_STEP_S) : int(np.ceil(s.end / FRAME_STEP_S))] = True
    return mask


def activity_turns(
    activity: np.ndarray, cents: np.ndarray, duration: float, cfg: DiarizationConfig
) -> tuple[list[Turn], np.ndarray]:
    """Per speaker, runs of activity as turns (short gaps bridged, specks dropped); speakers who never
    talk are dropped and the rest numbered by first appearance (S1 speaks first)."""
    raw: dict[int, list[tuple[float, float]]] = {}
    for c in range(activity.shape[1]):
        runs = _runs(activity[:, c])
        spans: list[tuple[float, float]] = []
        for a, b in runs:
            s, e = a * FRAME_STEP_S, min(duration, b * FRAME_STEP_S)
            if spans and s - spans[-1][1] < cfg.min_gap_s:
                spans[-1] = (spans[-1][0], e)
            else:
                spans.append((s, e))
        spans = [(s, e) for s, e in spans if e - s >= cfg.min_turn_s]
        if spans:
            raw[c] = spans
    order = sorted(raw, key=lambda c: raw[c][0][0])
    renumber = {c: i for i, c in enumerate(order)}
    turns = sorted(
        (Turn(renumber[c], s, e) for c in order for s, e in raw[c]), key=lambda t: (t.start, t.end, t.speaker)
    )
    return turns, cents[order] if order else cents[:0]


def _runs(x: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[0], x.astype(np.int8), [0]])
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))
