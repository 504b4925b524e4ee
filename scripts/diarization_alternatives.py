"""Compare the shipped diarizer with four published alternatives, and measure how stable each is.

Why this script: the pyannote sample sits at 10.07% DER against a 10% target, and several variants land a
little under it. A variant chosen because it lands under it on the one 30 s file would be fitted to that
file. So every variant is scored the same way on all three sets, at the shipped VAD setting *and* over 18
small VAD perturbations around it (threshold 0.45/0.5/0.55, padding 0.1/0.15/0.2 s, minimum silence
0.2/0.3 s): a method is better only if it is better on the sets allowed for choosing and its spread shows the gain is
not one lucky draw. Allowed for choosing: the AMI train files and 40 synthetic conversations built here from
EmoDB (2-4 of the 5 speakers in our copy, turns of 1-4 utterances, gaps and overlaps up to 0.5 s, speaker gains, half
band-limited to telephone 300-3400 Hz, noise; seeded), since EmoDB is a set we may train on. The AMI
development files and the pyannote sample are printed for the record only.

    .venv/bin/python scripts/diarization_alternatives.py [--data ../shared/eval] [--methods shipped,nme_sc]
    .venv/bin/python scripts/diarization_alternatives.py --window-grid

Alternatives (experiment code, not used by the product):
- nme_sc: normalised maximum eigengap spectral clustering (Park et al., 2019): the affinity pruning level is
  chosen per recording by the ratio of pruning to eigengap instead of a fixed neighbour fraction.
- centred_reseg: turns re-segmented on embeddings minus the recording's mean (removes the shared channel, as
  x-vector pipelines centre before scoring); clustering and merging unchanged.
- two_scale: windows embedded at 1.2 s and 1.6 s around the same centres, cosine similarities averaged
  (multi-scale affinity fusion as in NeMo's MSDD, without its neural decoder).
- dover: frame-level voting (DOVER, Stolcke and Yoshioka, 2019) over six VAD settings; scored at the shipped
  setting only (it already spans the perturbations). The EmoDB conversations (30 min of audio) are likewise
  scored at the shipped setting only.
- overlap_detector: a logistic-regression overlapped-speech detector on seven frame features (closeness to the
  best and second voice, loudness, harmonicity, flatness) trained on 40 other EmoDB conversations; detected
  runs get the second-closest voice as an extra turn. Shipped VAD only.

Result on 2026-11-28 (2 cores, 11 min): DER at the shipped VAD, AMI train / EmoDB conversations (allowed
for choosing) | AMI development / pyannote sample (record only):
    shipped        31.3% / 39.4% | 20.2% / 10.07%
    nme_sc         29.0% / 38.6% | 31.2% / 10.07%
    centred_reseg  31.6% / 39.4% | 20.6% / 9.43%
    two_scale      35.7% / 38.5% | 17.2% / 8.65%
    dover          31.1% / 41.2% | 15.3% / 10.19%
    overlap_det.   30.7% / 44.0% | 22.6% / 23.5%  (fires far more often off EmoDB: false alarms)
Only NME-SC is better on both allowed sets (by 2.3 and 0.8 points), but it leaves the sample unchanged and
takes AMI development from 20.2% to 31.2% (over its 25% target; two-speaker count right in 36% of the VAD
settings instead of 69%), so the shipped diarizer stays.

`--window-grid` (2026-11-28, 9 min) scores the shipped diarizer at window 1.0/1.2/1.4/1.6/2.0 s x step
0.2/0.3/0.4 s, shipped VAD. The held-out figures swing far more than the 0.07 points the sample misses by:
AMI development 20.2-47.6%, sample 9.3-47.7% (one speaker found at 2.0 s). One setting meets both targets
(1.6 s / 0.3 s: development 22.9%, sample 9.28%), but the allowed sets do not point to it: it ranks 13th of
15 on AMI train (35.5%) and 3rd on the EmoDB conversations (38.5%), and the best there (2.0 s / 0.4 s,
36.7%) finds one speaker in the sample. Choosing it would be choosing on the held-out files.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from pyannote.core import Annotation, Segment
from scipy.optimize import linear_sum_assignment
from scipy.signal import butter, sosfilt
from sklearn.cluster import KMeans

from edcontrol.evaluation.audio import _uem, der_and_count, load_ami, load_sample
from edcontrol.features.mel import SAMPLE_RATE
from edcontrol.media.audio import read_audio
from edcontrol.models.speaker_embedding import SpeakerEmbedding
from edcontrol.models.voice_activity import SpeechSegment, VoiceActivity
from edcontrol.pipeline import diarization as D

Method = Callable[[np.ndarray, list[SpeechSegment]], D.Diarization]
SHIPPED_VAD = (0.5, 0.1, 0.3)
PERTURBED_VAD = list(itertools.product((0.45, 0.5, 0.55), (0.1, 0.15, 0.2), (0.2, 0.3)))


def _embed(audio: np.ndarray, spans: list[tuple[float, float]], window_s: float, enc: SpeakerEmbedding) -> np.ndarray:
    """Windows of `window_s` centred on each span's centre (clipped to the recording)."""
    duration, wlen, out = len(audio) / SAMPLE_RATE, int(window_s * SAMPLE_RATE), []
    for s, e in spans:
        start = min(max(0.0, (s + e) / 2 - window_s / 2), max(0.0, duration - window_s))
        w = audio[int(start * SAMPLE_RATE) : int(start * SAMPLE_RATE) + wlen]
        out.append(np.pad(w, (0, wlen - len(w))))
    return enc.embed(out)


def _finish(audio, segments, spans, emb, labels, cfg, reseg_emb=None) -> D.Diarization:  # type: ignore[no-untyped-def]
    """Shared tail, as in the product: centroids by first appearance, frame re-segmentation."""
    e = emb if reseg_emb is None or len(np.unique(labels)) < 2 else reseg_emb
    cents = D.speaker_centroids(e, labels)
    return D.Diarization(D._resegment(spans, e, cents, segments, len(audio) / SAMPLE_RATE, cfg), [], len(cents), cents)


def nme_sc_labels(emb: np.ndarray, max_speakers: int) -> np.ndarray:
    n = len(emb)
    if n < 4:
        return np.zeros(n, int)
    sim = emb @ emb.T
    best = None
    for p in sorted({min(n - 1, max(2, round(f * n))) for f in np.linspace(0.02, 0.3, 15)}):
        aff = np.zeros_like(sim)
        aff[np.repeat(np.arange(n), p), np.argsort(-sim, axis=1)[:, :p].reshape(-1)] = 1.0
        aff = (aff + aff.T) / 2
        np.fill_diagonal(aff, 0.0)
        vals, vecs = np.linalg.eigh(np.diag(aff.sum(axis=1)) - aff)
        gaps = np.diff(vals[: min(max_speakers, n - 2) + 1])
        ratio = p / max(gaps.max() / max(vals.max(), 1e-9), 1e-9)
        if best is None or ratio < best[0]:
            best = (ratio, vecs, int(np.argmax(gaps) + 1))
    _, vecs, k = best  # type: ignore[misc]
    return np.zeros(n, int) if k == 1 else KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(vecs[:, :k])


FRAME_S = 0.1


def _harmonicity(x: np.ndarray) -> tuple[float, float]:
    """Mean and spread of the normalised autocorrelation peak (62-400 Hz) over 40 ms frames: one voice is
    periodic, two voices at once are less so."""
    peaks = []
    for i in range(0, len(x) - 640, 320):
        f = x[i : i + 640] - x[i : i + 640].mean()
        energy = float((f**2).sum())
        peaks.append(np.correlate(f, f, "full")[639:][40:258].max() / energy if energy > 1e-8 else 0.0)
    v = np.array(peaks or [0.0])
    return float(v.mean()), float(v.std())


def overlap_features(audio: np.ndarray, d: D.Diarization, segments, enc) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Per 0.1 s frame inside a turn: closeness to the best and second voice, their margin, loudness against
    the recording's speech, harmonicity, spectral flatness. Returns (features, frame index, voice scores)."""
    cfg, duration = D.DiarizationConfig(), len(audio) / SAMPLE_RATE
    n = int(np.ceil(duration / FRAME_S)) + 1
    spans = D.make_windows(segments, duration, cfg)
    sims = _embed(audio, spans, cfg.window_s, enc) @ d.centroids.T
    scores, count = np.zeros((n, d.n_speakers)), np.zeros(n)
    for (s, e), row in zip(spans, sims, strict=True):
        scores[int(s / FRAME_S) : min(n, int(np.ceil(e / FRAME_S)))] += row
        count[int(s / FRAME_S) : min(n, int(np.ceil(e / FRAME_S)))] += 1
    top = np.sort(scores / np.maximum(count, 1)[:, None], axis=1)
    speech = np.zeros(n, bool)
    for t in d.turns:
        speech[int(t.start / FRAME_S) : int(np.ceil(t.end / FRAME_S))] = True
    frames = np.flatnonzero(speech & (count > 0))
    chunks = [
        audio[max(0, int((i * FRAME_S - 0.2) * SAMPLE_RATE)) : int((i * FRAME_S + 0.3) * SAMPLE_RATE)] for i in frames
    ]
    level = np.array([10 * np.log10(np.mean(c**2) + 1e-12) for c in chunks])
    rows = []
    for i, c, lv in zip(frames, chunks, level - np.median(level) if len(level) else level, strict=True):
        spec = np.abs(np.fft.rfft(c * np.hanning(len(c)))) + 1e-9
        rows.append([top[i, -1], top[i, -2], top[i, -1] - top[i, -2], lv, *_harmonicity(c),
                     np.exp(np.mean(np.log(spec))) / np.mean(spec)])  # fmt: skip
    return np.array(rows).reshape(-1, 7), frames, scores


def train_overlap_detector(items: list[tuple], enc: SpeakerEmbedding, vad: VoiceActivity):  # type: ignore[no-untyped-def]
    """Logistic regression on the frame features; a frame is overlap when two reference speakers talk."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    xs, ys = [], []
    for _uri, audio, ref, _area in items:
        segments = vad.segments(audio)
        d = D.diarize(audio, segments, enc)
        if d.n_speakers < 2:
            continue
        x, frames, _ = overlap_features(audio, d, segments, enc)
        chart = [(s.start, s.end) for s, _t in ref.itertracks()]
        ys += [sum(a <= (i + 0.5) * FRAME_S < b for a, b in chart) >= 2 for i in frames]
        xs.append(x)
    model = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000))
    return model.fit(np.concatenate(xs), np.array(ys))


def make_methods(enc: SpeakerEmbedding, overlap_training: list[tuple] | None = None) -> dict[str, Method]:
    cfg = D.DiarizationConfig()

    def windows(audio, segments):  # type: ignore[no-untyped-def]
        return D.make_windows(segments, len(audio) / SAMPLE_RATE, cfg)

    def nme_sc(audio, segments):  # type: ignore[no-untyped-def]
        spans = windows(audio, segments)
        if not spans:
            return D.diarize(audio, segments, enc)
        emb = _embed(audio, spans, cfg.window_s, enc)
        labels = D.merge_close_clusters(emb, nme_sc_labels(emb, cfg.max_speakers), cfg.merge_ratio, cfg.merge_cross)
        return _finish(audio, segments, spans, emb, labels, cfg)

    def centred_reseg(audio, segments):  # type: ignore[no-untyped-def]
        spans = windows(audio, segments)
        if not spans:
            return D.diarize(audio, segments, enc)
        emb = _embed(audio, spans, cfg.window_s, enc)
        labels = D.merge_close_clusters(emb, D.spectral_labels(emb, cfg, None), cfg.merge_ratio, cfg.merge_cross)
        centred = emb - emb.mean(axis=0)
        centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
        return _finish(audio, segments, spans, emb, labels, cfg, reseg_emb=centred)

    def two_scale(audio, segments):  # type: ignore[no-untyped-def]
        spans = windows(audio, segments)
        if not spans:
            return D.diarize(audio, segments, enc)
        emb = np.sqrt(0.5) * np.concatenate([_embed(audio, spans, w, enc) for w in (1.2, 1.6)], axis=1)
        labels = D.merge_close_clusters(emb, D.spectral_labels(emb, cfg, None), cfg.merge_ratio, cfg.merge_cross)
        return _finish(audio, segments, spans, emb, labels, cfg)

    vads = [VoiceActivity(threshold=t, pad_s=p, min_silence_s=0.3) for t in (0.45, 0.5, 0.55) for p in (0.1, 0.2)]

    def dover(audio, _segments):  # type: ignore[no-untyped-def]
        return dover_combine([D.diarize(audio, v.segments(audio), enc) for v in vads], len(audio) / SAMPLE_RATE)

    detector = None

    def with_overlaps(audio, segments, threshold: float = 0.8):  # type: ignore[no-untyped-def]
        """Shipped turns plus the second-closest voice on runs of frames the detector calls overlap
        (threshold chosen on AMI train among 0.5/0.7/0.8/0.9)."""
        nonlocal detector
        if detector is None:
            detector = train_overlap_detector(overlap_training or [], enc, VoiceActivity())
        d = D.diarize(audio, segments, enc)
        if d.n_speakers < 2:
            return d
        x, frames, scores = overlap_features(audio, d, segments, enc)
        flagged = np.zeros(len(scores), bool)
        flagged[frames[detector.predict_proba(x)[:, 1] > threshold]] = True
        main = np.full(len(scores), -1)
        for t in d.turns:
            main[int(t.start / FRAME_S) : int(np.ceil(t.end / FRAME_S))] = t.speaker
        extra = []
        for run in D.label_runs(np.where(flagged, main, -1), FRAME_S, np.inf):  # flagged runs, by main voice
            votes = scores[round(run.start / FRAME_S) : round(run.end / FRAME_S)].sum(axis=0)
            votes[run.speaker] = -np.inf
            extra.append(replace(run, speaker=int(np.argmax(votes))))
        return D.Diarization(d.turns + extra, d.overlaps, d.n_speakers, d.centroids)

    return {
        "shipped": lambda a, s: D.diarize(a, s, enc),
        "nme_sc": nme_sc,
        "centred_reseg": centred_reseg,
        "two_scale": two_scale,
        "dover": dover,
        "overlap_detector": with_overlaps,
    }


def dover_combine(hyps: list[D.Diarization], duration: float, frame_s: float = 0.02) -> D.Diarization:
    """Map every hypothesis onto the most agreeing one (Hungarian on overlap), then vote per frame."""
    n = int(np.ceil(duration / frame_s)) + 1
    mats = []
    for h in hyps:
        m = np.zeros((n, h.n_speakers), bool)
        for t in h.turns:
            m[round(t.start / frame_s) : round(t.end / frame_s), t.speaker] = True
        mats.append(m)

    def agreement(a: np.ndarray, b: np.ndarray) -> float:
        if not a.shape[1] or not b.shape[1]:
            return float((a.any(axis=1) == b.any(axis=1)).mean())
        ov = a.T.astype(float) @ b
        r, c = linear_sum_assignment(-ov)
        return float(ov[r, c].sum() / max(a.any(axis=1).sum() + b.any(axis=1).sum() - ov[r, c].sum(), 1))

    rank = np.argsort([-np.mean([agreement(a, b) for b in mats if b is not a]) for a in mats])
    votes = mats[rank[0]].astype(float)
    for i in rank[1:]:
        b = mats[i]
        if not b.shape[1]:
            continue
        ov = votes.T @ b
        rows, cols = linear_sum_assignment(-ov)
        mapping = {c: r for r, c in zip(rows, cols, strict=True) if ov[r, c] > 0}
        for j in range(b.shape[1]):
            if j not in mapping:
                votes, mapping[j] = np.pad(votes, ((0, 0), (0, 1))), votes.shape[1]
            votes[:, mapping[j]] += b[:, j]
    if not votes.shape[1]:
        return D.Diarization([], [], 0, np.zeros((0, 256)))
    label = np.where(votes.sum(axis=1) >= len(mats) / 2, votes.argmax(axis=1), -1)
    turns = D.label_runs(label, frame_s, duration)
    ids = {old: new for new, old in enumerate(dict.fromkeys(t.speaker for t in turns))}
    return D.Diarization([replace(t, speaker=ids[t.speaker]) for t in turns], [], len(ids), np.zeros((len(ids), 256)))


def emodb_conversations(root: Path, count: int, duration: float = 45.0) -> list[tuple]:
    """Seeded multi-party conversations from EmoDB utterances (trimmed to their voiced span)."""
    clips: dict[str, list[np.ndarray]] = {}
    for row in csv.DictReader((root / "labels.csv").open(encoding="utf-8")):
        w = read_audio(root / row["file"])
        frames = w[: len(w) // 160 * 160].reshape(-1, 160)
        level = 10 * np.log10((frames**2).mean(axis=1) + 1e-12)
        voiced = np.flatnonzero(level > level.max() - 35)
        clips.setdefault(row["speaker"], []).append(w[voiced[0] * 160 : (voiced[-1] + 1) * 160])
    telephone = butter(4, [300, 3400], btype="band", fs=SAMPLE_RATE, output="sos")
    items = []
    for seed in range(count):
        rng = np.random.default_rng(seed)
        who = rng.choice(sorted(clips), int(rng.integers(2, 5)), replace=False)
        gains = 10 ** (rng.uniform(-8, 0, len(who)) / 20)
        audio, ref, t, prev = np.zeros(int((duration + 10) * SAMPLE_RATE)), Annotation(uri=f"emo{seed}"), 0.5, -1
        while t < duration:
            i = int(rng.integers(len(who)))
            if i == prev and rng.random() < 0.8:
                i = (i + 1 + int(rng.integers(len(who) - 1))) % len(who)
            prev = i
            for _ in range(int(rng.choice([1, 1, 2, 2, 3, 4]))):
                c = clips[who[i]][int(rng.integers(len(clips[who[i]])))]
                c = c / (np.sqrt(np.mean(c**2)) + 1e-9) * 0.05 * gains[i]
                audio[int(t * SAMPLE_RATE) : int(t * SAMPLE_RATE) + len(c)] += c
                if t < duration:
                    ref[Segment(t, min(duration, t + len(c) / SAMPLE_RATE))] = str(who[i])
                t += len(c) / SAMPLE_RATE + rng.uniform(0.05, 0.35)
            t += rng.choice([rng.uniform(-0.5, 0.0), rng.uniform(0.1, 1.0), rng.uniform(0.1, 0.5)])
        audio = audio[: int(duration * SAMPLE_RATE)]
        if seed % 2:
            audio = sosfilt(telephone, audio)
        audio = (audio + rng.normal(0, 10 ** (rng.uniform(-65, -45) / 20), len(audio))).astype(np.float32)
        items.append((f"emo{seed}", audio, ref, _uem(None, f"emo{seed}", duration)))
    return items


def score(items: list, method: Method, vad: VoiceActivity) -> tuple[float, float]:
    """(DER at collar 0.25 s over the set, fraction of files with the right speaker count)."""
    der, right = der_and_count(items, lambda audio: method(audio, vad.segments(audio)))
    return der, right / len(items)


def window_grid(sets: dict[str, list], enc: SpeakerEmbedding) -> None:
    """The shipped diarizer at window 1.0-2.0 s x step 0.2-0.4 s, shipped VAD: how far the held-out figures
    move under settings that the allowed sets would have to choose."""
    threshold, pad, silence = SHIPPED_VAD
    vad, base = VoiceActivity(threshold, pad_s=pad, min_silence_s=silence), D.DiarizationConfig()
    for window, step in itertools.product((1.0, 1.2, 1.4, 1.6, 2.0), (0.2, 0.3, 0.4)):
        cfg = replace(base, window_s=window, step_s=step)
        row: dict = {"window_s": window, "step_s": step}
        for set_name, items in sets.items():
            der, right = score(items, lambda a, s, cfg=cfg: D.diarize(a, s, enc, cfg), vad)
            row[set_name] = {"der": round(der, 4), "count_right": round(right, 2)}
        print(json.dumps(row), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    ap.add_argument("--methods", default="shipped,nme_sc,centred_reseg,two_scale,dover,overlap_detector")
    ap.add_argument("--window-grid", action="store_true", help="score the shipped diarizer's window x step grid")
    args = ap.parse_args()
    ami = args.data / "diar_ami_pyannote_debug"
    # seeds 0-39 are scored; the overlap detector learns from the further 40 (seeds 40-79)
    conversations = emodb_conversations(args.data / "ser_de_emodb_2s_22k", 80)
    sets = {
        "ami_train": load_ami(ami, "train"),
        "ami_development": load_ami(ami, "development"),
        "emodb_conversations": conversations[:40],
        "pyannote_sample": load_sample(args.data / "diar_asr_en_pyannote_sample"),
    }
    if args.window_grid:
        window_grid(sets, SpeakerEmbedding())
        return
    methods = make_methods(SpeakerEmbedding(), conversations[40:])
    for name in args.methods.split(","):
        row: dict = {"method": name, "chosen_on": "ami_train, emodb_conversations"}
        for set_name, items in sets.items():
            # DOVER and the detector already cost several passes; the EmoDB set is 30 min of audio per setting
            slow = name in ("dover", "overlap_detector") or set_name == "emodb_conversations"
            settings = [SHIPPED_VAD] if slow else [SHIPPED_VAD, *PERTURBED_VAD]
            vads = [VoiceActivity(threshold=t, pad_s=p, min_silence_s=s) for t, p, s in settings]
            runs = [score(items, methods[name], vad) for vad in vads]
            ders = np.array([r[0] for r in runs])
            row[set_name] = {"der_shipped_vad": round(float(ders[0]), 4), "count_right_shipped_vad": runs[0][1]}
            if len(runs) > 1:
                row[set_name] |= {
                    "der_median_perturbed": round(float(np.median(ders[1:])), 4),
                    "der_p90_perturbed": round(float(np.quantile(ders[1:], 0.9)), 4),
                    "count_right_perturbed": round(float(np.mean([r[1] for r in runs[1:]])), 2),
                }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
