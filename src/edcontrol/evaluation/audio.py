"""`edcontrol eval diarization|asr|speech-emotion`: figures on folders laid out like ../shared/eval."""

from __future__ import annotations

import csv
import re
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edcontrol.media.audio import read_audio

if TYPE_CHECKING:
    from edcontrol.pipeline.diarization import Diarization, Turn

Log = Callable[[str], None]


def _rttm(path: Path, uri: str):  # type: ignore[no-untyped-def]
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=uri)
    for line in path.read_text(encoding="utf-8").splitlines():
        p = line.split()
        if len(p) >= 8 and p[0] == "SPEAKER" and p[1] == uri:
            ann[Segment(float(p[3]), float(p[3]) + float(p[4]))] = p[7]
    return ann


def _uem(path: Path | None, uri: str, duration: float):  # type: ignore[no-untyped-def]
    from pyannote.core import Segment, Timeline

    if path is not None and path.exists():
        for line in path.read_text().splitlines():
            p = line.split()
            if len(p) >= 4 and p[0] == uri:
                return Timeline([Segment(float(p[2]), float(p[3]))])
    return Timeline([Segment(0, duration)])


DiarizationItem = tuple[str, np.ndarray, Any, Any]  # uri, 16 kHz audio, reference Annotation, scored Timeline


def load_ami(ami: Path, split: str) -> list[DiarizationItem]:
    """The AMI debug files of one split (train, development, test) with their references and scored spans."""
    items = []
    for uri in (ami / f"debug.{split}.lst").read_text().split():
        audio = read_audio(ami / "audio" / f"{uri}.wav")
        ref, uem = _rttm(ami / f"debug.{split}.rttm", uri), _uem(ami / f"debug.{split}.uem", uri, len(audio) / 16000)
        items.append((uri, audio, ref, uem))
    return items


def load_sample(sample: Path) -> list[DiarizationItem]:
    """The pyannote sample, scored over its whole length."""
    audio = read_audio(sample / "sample.wav")
    return [("sample", audio, _rttm(sample / "sample.rttm", "sample"), _uem(None, "sample", len(audio) / 16000))]


def hypothesis(turns: list[Turn], uri: str):  # type: ignore[no-untyped-def]
    """Our turns as a pyannote Annotation, speakers named S1, S2, ..."""
    from pyannote.core import Annotation, Segment

    hyp = Annotation(uri=uri)
    for t in turns:
        hyp[Segment(t.start, t.end)] = f"S{t.speaker + 1}"
    return hyp


def der_and_count(
    items: list[DiarizationItem], diarize_audio: Callable[[np.ndarray], Diarization], collar: float = 0.25
) -> tuple[float, int]:
    """DER over the whole set and the number of files whose speaker count is right (for the tuning scripts)."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric, right = DiarizationErrorRate(collar=collar), 0
    for uri, audio, ref, uem in items:
        d = diarize_audio(audio)
        metric(ref, hypothesis(d.turns, uri), uem=uem)
        right += len(ref.labels()) == d.n_speakers
    return float(abs(metric)), right


def eval_diarization(data: Path, log: Log) -> dict[str, Any]:
    from pyannote.metrics.diarization import DiarizationErrorRate

    from edcontrol.models.speaker_embedding import SpeakerEmbedding
    from edcontrol.models.voice_activity import VoiceActivity
    from edcontrol.pipeline.diarization import diarize

    vad, enc = VoiceActivity(), SpeakerEmbedding()
    sets: dict[str, list[DiarizationItem]] = {}
    ami = data / "diar_ami_pyannote_debug"
    if ami.is_dir():
        sets["diar_ami_pyannote_debug (development)"] = load_ami(ami, "development")
    sample = data / "diar_asr_en_pyannote_sample"
    if sample.is_dir():
        sets["diar_asr_en_pyannote_sample"] = load_sample(sample)
    if not sets:
        raise FileNotFoundError(f"no diarization data sets found under {data}")
    out: dict[str, Any] = {"task": "diarization"}
    for name, items in sets.items():
        metrics = {c: DiarizationErrorRate(collar=c) for c in (0.25, 0.0)}
        files, audio_s, wall = [], 0.0, 0.0
        for uri, audio, ref, uem in items:
            t0 = time.perf_counter()
            d = diarize(audio, vad.segments(audio), enc)
            wall += time.perf_counter() - t0
            audio_s += len(audio) / 16000
            hyp = hypothesis(d.turns, uri)
            row = {"uri": uri, "speakers_ref": len(ref.labels()), "speakers_hyp": d.n_speakers}
            for c, m in metrics.items():
                row[f"der_collar_{c}"] = round(float(m(ref, hyp, uem=uem)), 4)
            files.append(row)
            log(f"  {name}/{uri}: {row}")
        summary: dict[str, Any] = {"files": files, "x_real_time": round(wall / max(audio_s, 1e-9), 4)}
        for c, m in metrics.items():
            summary[f"der_collar_{c}"] = round(float(abs(m)), 4)
            comp = m[:]  # accumulated components over all files
            total = float(comp["total"])
            if total:
                for k in ("missed detection", "false alarm", "confusion"):
                    summary[f"{k.replace(' ', '_')}_collar_{c}"] = round(float(comp[k]) / total, 4)
        summary["speaker_count_right"] = sum(f["speakers_ref"] == f["speakers_hyp"] for f in files)
        out[name] = summary
    return out


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е").replace("+", "")
    text = re.sub(r"[^\w\s'-]", " ", text)
    return re.sub(r"\s+", " ", text.replace("-", " ")).strip()


def eval_asr(data: Path, log: Log, model: str = "base") -> dict[str, Any]:
    import jiwer

    from edcontrol.models.transcriber import Transcriber

    asr = Transcriber(model)
    items: list[tuple[str, str, Path, str]] = []  # (set, language, audio, reference)
    ru = data / "asr_ru_festvox_msu_ru_nsh"
    if ru.is_dir():
        items += [
            ("asr_ru_festvox_msu_ru_nsh", "ru", ru / r["audio"], r["text_norm"])
            for r in csv.DictReader((ru / "labels.csv").open(encoding="utf-8"))
        ]
    single = data / "asr_en_ru_single_utterances"
    if single.is_dir():
        items += [
            ("asr_en_ru_single_utterances", r["language"], single / r["file"], r["reference_text"])
            for r in csv.DictReader((single / "labels.csv").open(encoding="utf-8"))
        ]
    if not items:
        raise FileNotFoundError(f"no ASR data sets found under {data}")
    refs: dict[tuple[str, str], list[str]] = {}
    hyps: dict[tuple[str, str], list[str]] = {}
    audio_s = wall = 0.0
    for name, lang, path, ref in items:
        audio = read_audio(path)
        t0 = time.perf_counter()
        tr = asr.transcribe(audio, lang)
        wall += time.perf_counter() - t0
        audio_s += len(audio) / 16000
        hyp = normalise_text(" ".join(w.text for w in tr.words))
        refs.setdefault((name, lang), []).append(normalise_text(ref))
        hyps.setdefault((name, lang), []).append(hyp)
        log(f"  {name} [{lang}] {path.name}: {hyp[:80]}")
    out: dict[str, Any] = {"task": "asr", "model": asr.version, "x_real_time": round(wall / max(audio_s, 1e-9), 4)}
    for (name, lang), r in refs.items():
        out[f"{name}/{lang}"] = {"utterances": len(r), "wer": round(float(jiwer.wer(r, hyps[(name, lang)])), 4)}
    return out


def eval_speech_emotion(data: Path, log: Log) -> dict[str, Any]:
    from edcontrol.evaluation.speech_emotion import load_emodb_features, speakerwise_cv

    folder = data / "ser_de_emodb_2s_22k"
    if not folder.is_dir():
        raise FileNotFoundError(f"no speech-emotion data set found under {data}")
    from importlib import resources

    with np.load(str(resources.files("edcontrol.models") / "weights" / "speech_emotion.npz")) as d:
        c = float(d["C"]) if "C" in d else 1.0
    x, y, spk = load_emodb_features(folder)
    res = speakerwise_cv(x, y, spk, c)
    log("  leave-one-speaker-out confusion matrix (rows = label, columns = prediction):")
    log("  " + " ".join(f"{e[:7]:>8}" for e in ("", *res["labels"])))
    for e, row in zip(res["labels"], res["confusion_matrix"], strict=True):
        log("  " + f"{e[:7]:>8}" + " ".join(f"{v:>8d}" for v in row))
    return {"task": "speech-emotion", "data": str(folder), "protocol": "leave-one-speaker-out", "C": c, **res}
