"""The previous diarizer, kept as the light alternative (``--diarizer ge2e``): GE2E voice embeddings on
sliding windows inside speech, spectral clustering with an eigengap speaker count (or a known count),
frame-level re-segmentation into turns that never overlap, and heuristic overlap regions.

Why spectral + eigengap: on 2-core CPUs it is fast, needs no training data, and chooses the speaker
count from the data; close clusters are merged afterwards so a lone speaker is not split in two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from edcontrol.features.mel import SAMPLE_RATE
from edcontrol.models.speaker_embedding import SpeakerEmbedding
from edcontrol.models.voice_activity import SpeechSegment
from edcontrol.pipeline.speaker_turns import Diarization, Turn


@dataclass(frozen=True)
class DiarizationConfig:
    window_s: float = 1.2  # short enough for quick classroom turn-taking (chosen on AMI train + our own lessons)
    step_s: float = 0.3
    max_speakers: int = 8
    merge_ratio: float = 0.93  # merge clusters whose cross similarity is this close to their own cohesion
    merge_cross: float = 0.70  # ... or whose windows are this similar across on average
    min_neighbours: int = 5
    neighbour_fraction: float = 0.1
    frame_s: float = 0.1
    smooth_frames: int = 3  # 0.3 s score smoothing (chosen on AMI train)
    min_turn_s: float = 0.3
    overlap_margin: float = 0.06  # window close to two speakers' centroids -> overlap candidate
    overlap_min_similarity: float = 0.65


def make_windows(segments: list[SpeechSegment], duration: float, cfg: DiarizationConfig) -> list[tuple[float, float]]:
    """Window spans covering every speech segment; short segments get one window centred on them."""
    spans = []
    for seg in segments:
        length = seg.end - seg.start
        if length <= cfg.window_s:
            mid = (seg.start + seg.end) / 2
            start = min(max(0.0, mid - cfg.window_s / 2), max(0.0, duration - cfg.window_s))
            spans.append((start, start + cfg.window_s))
            continue
        starts = np.arange(seg.start, seg.end - cfg.window_s + 1e-6, cfg.step_s)
        if seg.end - (starts[-1] + cfg.window_s) > cfg.step_s / 2:
            starts = np.append(starts, seg.end - cfg.window_s)
        spans += [(float(s), float(s) + cfg.window_s) for s in starts]
    return spans


def knn_affinity(emb: np.ndarray, cfg: DiarizationConfig) -> np.ndarray:
    """Cosine similarity kept only between nearest neighbours: voices are locally pure (a window's
    nearest neighbours are ~90% the same speaker here) even where global similarities overlap."""
    n = len(emb)
    sim = np.clip(emb @ emb.T, 0.0, 1.0)
    k = max(cfg.min_neighbours, round(cfg.neighbour_fraction * n))
    k = min(k, n - 1)
    keep = np.zeros_like(sim, dtype=bool)
    idx = np.argsort(-sim, axis=1)[:, 1 : k + 1]
    keep[np.repeat(np.arange(n), k), idx.reshape(-1)] = True
    aff = np.where(keep | keep.T, sim, 0.0)
    np.fill_diagonal(aff, 0.0)
    return aff


def spectral_labels(emb: np.ndarray, cfg: DiarizationConfig, n_speakers: int | None) -> np.ndarray:
    n = len(emb)
    if n < 4:
        return np.zeros(n, int)
    aff = knn_affinity(emb, cfg)
    deg = aff.sum(axis=1)
    d = 1.0 / np.sqrt(np.maximum(deg, 1e-9))
    lap = np.eye(n) - d[:, None] * aff * d[None, :]
    eigvals, eigvecs = np.linalg.eigh(lap)
    if n_speakers is None:
        top = min(cfg.max_speakers, n - 2)
        gaps = np.diff(eigvals[: top + 1])
        k = int(np.argmax(gaps) + 1)
    else:
        k = max(1, min(n_speakers, n))
    if k == 1:
        return np.zeros(n, int)
    spec = eigvecs[:, :k]
    spec = spec / np.maximum(np.linalg.norm(spec, axis=1, keepdims=True), 1e-9)
    from sklearn.cluster import KMeans  # here, not at the top: importing scikit-learn costs ~120 MB of RSS in
    # every worker, and only this fallback diarizer needs it

    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(spec)


def merge_close_clusters(emb: np.ndarray, labels: np.ndarray, ratio: float, cross_min: float = 1.0) -> np.ndarray:
    """Merge two clusters when their windows are about as alike across as within them.

    Comparing like with like (mean pairwise window similarity across vs within) adapts to the
    recording: a phone call's two voices may be more alike than one voice in a noisy room.
    """
    labels = labels.copy()
    sim = emb @ emb.T
    while True:
        ids = list(np.unique(labels))
        if len(ids) < 2:
            return labels
        members = {i: np.flatnonzero(labels == i) for i in ids}
        within = {}
        for i, m in members.items():
            block = sim[np.ix_(m, m)]
            within[i] = (block.sum() - np.trace(block)) / max(len(m) * (len(m) - 1), 1) if len(m) > 1 else 1.0
        best, pair = -np.inf, None
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                a, b = ids[x], ids[y]
                cross = float(sim[np.ix_(members[a], members[b])].mean())
                score = cross / max(min(within[a], within[b]), 1e-6)
                if cross >= cross_min:  # alike in absolute terms too: one voice, e.g. calm and shouting
                    score = max(score, ratio)
                if score > best:
                    best, pair = score, (a, b)
        if pair is None or best < ratio:
            return labels
        labels[labels == pair[1]] = pair[0]


def diarize(
    audio: np.ndarray,
    segments: list[SpeechSegment],
    encoder: SpeakerEmbedding,
    cfg: DiarizationConfig | None = None,
    n_speakers: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Diarization:
    """``progress(fraction)`` is called as the windows are embedded (most of the stage's time)."""
    cfg = cfg or DiarizationConfig()
    duration = len(audio) / SAMPLE_RATE
    spans = make_windows(segments, duration, cfg)
    if not spans:
        return Diarization([], [], 0, np.zeros((0, 256), np.float32))
    wlen = int(cfg.window_s * SAMPLE_RATE)
    windows = []
    for s, _ in spans:
        w = audio[int(s * SAMPLE_RATE) : int(s * SAMPLE_RATE) + wlen]
        windows.append(np.pad(w, (0, wlen - len(w))))
    emb = _embed_in_batches(encoder, windows, progress)
    labels = spectral_labels(emb, cfg, n_speakers)
    if n_speakers is None:
        labels = merge_close_clusters(emb, labels, cfg.merge_ratio, cfg.merge_cross)
    cents = speaker_centroids(emb, labels)
    k = len(cents)
    turns = _resegment(spans, emb, cents, segments, duration, cfg)
    overlaps = _overlaps(spans, emb, cents, cfg) if k > 1 else []
    return Diarization(turns, overlaps, k, cents)


def _embed_in_batches(
    encoder: SpeakerEmbedding, windows: list[np.ndarray], progress: Callable[[float], None] | None, batch: int = 256
) -> np.ndarray:
    """Embed in batches so a long lesson reports progress (and can be cancelled) while it embeds."""
    parts = []
    for i in range(0, len(windows), batch):
        parts.append(encoder.embed(windows[i : i + batch]))
        if progress is not None:
            progress(min(1.0, (i + batch) / len(windows)))
    return np.concatenate(parts)


def speaker_centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each cluster's unit-length mean embedding, speakers numbered by first appearance (S0 speaks first)."""
    order = dict.fromkeys(labels.tolist())
    cents = np.stack([emb[labels == old].mean(axis=0) for old in order])
    return cents / np.linalg.norm(cents, axis=1, keepdims=True)


def label_runs(labels: np.ndarray, frame_s: float, duration: float) -> list[Turn]:
    """Each run of one speaker label over consecutive frames as a turn; label -1 (nobody) makes none."""
    turns: list[Turn] = []
    i, n = 0, len(labels)
    while i < n:
        j = i
        while j + 1 < n and labels[j + 1] == labels[i]:
            j += 1
        if labels[i] >= 0:
            turns.append(Turn(int(labels[i]), i * frame_s, min(duration, (j + 1) * frame_s)))
        i = j + 1
    return turns


def _resegment(spans, emb, cents, segments, duration, cfg) -> list[Turn]:
    """Frame-level labels: each speech frame takes the speaker whose centroid best matches the
    windows covering it (weighted towards window centres), then runs become turns."""
    n = int(np.ceil(duration / cfg.frame_s)) + 1
    scores = np.zeros((n, len(cents)))
    sims = emb @ cents.T
    for (s, e), row in zip(spans, sims, strict=True):
        a, b = int(s / cfg.frame_s), min(n, int(np.ceil(e / cfg.frame_s)))
        centre = (a + b) / 2
        w = 1.0 - np.abs(np.arange(a, b) - centre) / max((b - a) / 2, 1)
        scores[a:b] += w[:, None] * row[None, :]
    speech = np.zeros(n, bool)
    for seg in segments:
        speech[int(seg.start / cfg.frame_s) : int(np.ceil(seg.end / cfg.frame_s))] = True
    if cfg.smooth_frames > 1:  # average scores over a short span: one speaker rarely talks for 0.1 s
        kernel = np.ones(cfg.smooth_frames) / cfg.smooth_frames
        scores = np.stack([np.convolve(scores[:, j], kernel, mode="same") for j in range(scores.shape[1])], axis=1)
    frame_label = np.where(speech & (scores.sum(axis=1) != 0), scores.argmax(axis=1), -1)
    turns = label_runs(frame_label, cfg.frame_s, duration)
    # absorb tiny turns into a neighbour, then merge same-speaker turns across short gaps
    cleaned: list[Turn] = []
    for t in turns:
        if t.end - t.start < cfg.min_turn_s and cleaned and t.start - cleaned[-1].end < 0.05:
            cleaned[-1] = Turn(cleaned[-1].speaker, cleaned[-1].start, t.end)
        else:
            cleaned.append(t)
    merged: list[Turn] = []
    for t in cleaned:
        if merged and merged[-1].speaker == t.speaker and t.start - merged[-1].end <= 0.5:
            merged[-1] = Turn(t.speaker, merged[-1].start, t.end)
        else:
            merged.append(t)
    return merged


def _overlaps(spans, emb, cents, cfg) -> list[tuple[float, float]]:
    """Windows that resemble two speakers about equally are likely two voices at once."""
    sims = emb @ cents.T
    top2 = np.sort(sims, axis=1)[:, -2:]
    flagged = (top2[:, 1] - top2[:, 0] < cfg.overlap_margin) & (top2[:, 0] > cfg.overlap_min_similarity)
    regions: list[tuple[float, float]] = []
    for (s, e), f in zip(spans, flagged, strict=True):
        if not f:
            continue
        a, b = s + cfg.window_s * 0.25, e - cfg.window_s * 0.25
        if regions and a <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(regions[-1][1], b))
        else:
            regions.append((a, b))
    return regions
