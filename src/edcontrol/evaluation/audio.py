"""`edcontrol eval diarization|asr|speech-emotion`: figures on folders laid out like ../shared/eval."""

from __future__ import annotations

import csv
import re
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from edcontrol.media.audio import read_audio

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


def eval_diarization(data: Path, log: Log) -> dict[str, Any]:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    from edcontrol.models.speaker_embedding import SpeakerEmbedding
    from edcontrol.models.voice_activity import VoiceActivity
    from edcontrol.pipeline.diarization import diarize

    vad, enc = VoiceActivity(), SpeakerEmbedding()
    sets: dict[str, list[tuple[str, Path, Path, Path | None]]] = {}
    ami = data / "diar_ami_pyannote_debug"
    if ami.is_dir():
        uris = (ami / "debug.development.lst").read_text().split()
        sets["diar_ami_pyannote_debug (development)"] = [
            (u, ami / "audio" / f"{u}.wav", ami / "debug.development.rttm", ami / "debug.development.uem") for u in uris
        ]
    sample = data / "diar_asr_en_pyannote_sample"
    if sample.is_dir():
        sets["diar_asr_en_pyannote_sample"] = [("sample", sample / "sample.wav", sample / "sample.rttm", None)]
    if not sets:
        raise FileNotFoundError(f"no diarization data sets found under {data}")
    out: dict[str, Any] = {"task": "diarization"}
    for name, items in sets.items():
        metrics = {c: DiarizationErrorRate(collar=c) for c in (0.25, 0.0)}
        files, audio_s, wall = [], 0.0, 0.0
        for uri, wav, rttm, uem_path in items:
            audio = read_audio(wav)
            t0 = time.perf_counter()
            d = diarize(audio, vad.segments(audio), enc)
            wall += time.perf_counter() - t0
            audio_s += len(audio) / 16000
            hyp = Annotation(uri=uri)
            for t in d.turns:
                hyp[Segment(t.start, t.end)] = f"S{t.speaker + 1}"
            ref = _rttm(rttm, uri)
            uem = _uem(uem_path, uri, len(audio) / 16000)
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
