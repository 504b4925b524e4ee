"""`edcontrol eval diarization|asr|speech-emotion`: figures on folders laid out like ../shared/eval."""

from __future__ import annotations

import csv
import json
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edcontrol.media.audio import read_audio

if TYPE_CHECKING:
    from edcontrol.models.transcriber import Transcriber
    from edcontrol.pipeline.speaker_turns import Diarization, Turn

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


@dataclass
class DiarizationItem:
    """One recording to score: RTTM reference and scored span, or (talk folders) only the speaker count."""

    uri: str
    audio: np.ndarray  # 16 kHz mono
    reference: Any = None  # pyannote Annotation, None where only the count is known
    uem: Any = None  # pyannote Timeline scored
    speakers: int = 0


def load_ami(ami: Path, split: str) -> list[DiarizationItem]:
    """The AMI debug files of one split (train, development, test) with their references and scored spans."""
    items = []
    for uri in (ami / f"debug.{split}.lst").read_text().split():
        audio = read_audio(ami / "audio" / f"{uri}.wav")
        ref, uem = _rttm(ami / f"debug.{split}.rttm", uri), _uem(ami / f"debug.{split}.uem", uri, len(audio) / 16000)
        items.append(DiarizationItem(uri, audio, ref, uem, len(ref.labels())))
    return items


def load_sample(sample: Path) -> list[DiarizationItem]:
    """The pyannote sample, scored over its whole length."""
    audio = read_audio(sample / "sample.wav")
    ref = _rttm(sample / "sample.rttm", "sample")
    return [DiarizationItem("sample", audio, ref, _uem(None, "sample", len(audio) / 16000), len(ref.labels()))]


def load_talks(folder: Path) -> list[DiarizationItem]:
    """Every video of a folder laid out like talk_calm_en_dev (labels.csv: file, speakers): counts only."""
    rows = csv.DictReader((folder / "labels.csv").open(encoding="utf-8"))
    return [
        DiarizationItem(Path(r["file"]).stem, read_audio(folder / r["file"]), speakers=int(r["speakers"])) for r in rows
    ]


def hypothesis(turns: list[Turn], uri: str):  # type: ignore[no-untyped-def]
    """Our turns as a pyannote Annotation, speakers named S1, S2, ... (overlapping turns stay overlapping)."""
    from pyannote.core import Annotation, Segment

    hyp = Annotation(uri=uri)
    for i, t in enumerate(turns):
        hyp[Segment(t.start, t.end), i] = f"S{t.speaker + 1}"
    return hyp


COMPONENTS = ("missed detection", "false alarm", "confusion")


def score_diarization(
    items: list[DiarizationItem], diarize_audio: Callable[[str, np.ndarray], Diarization], log: Log | None = None
) -> dict[str, Any]:
    """Per file and pooled: DER at collar 0.25 and 0 with its parts, speaker count found vs true, x real time."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    metrics = {c: DiarizationErrorRate(collar=c) for c in (0.25, 0.0)}
    files, audio_s, wall = [], 0.0, 0.0
    for item in items:
        t0 = time.perf_counter()
        d = diarize_audio(item.uri, item.audio)
        wall += time.perf_counter() - t0
        audio_s += len(item.audio) / 16000
        row: dict[str, Any] = {"uri": item.uri, "speakers_true": item.speakers, "speakers_found": d.n_speakers}
        if item.reference is not None:
            hyp = hypothesis(d.turns, item.uri)
            for c, m in metrics.items():
                parts = m(item.reference, hyp, uem=item.uem, detailed=True)
                total = max(float(parts["total"]), 1e-9)
                row[f"der_collar_{c}"] = round(float(parts["diarization error rate"]), 4)
                if c == 0.25:
                    row.update({k.replace(" ", "_"): round(float(parts[k]) / total, 4) for k in COMPONENTS})
        files.append(row)
        if log:
            log(f"  {item.uri}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k != "uri"))
    summary: dict[str, Any] = {"files": files, "x_real_time": round(wall / max(audio_s, 1e-9), 4)}
    if any(i.reference is not None for i in items):
        for c, m in metrics.items():
            summary[f"der_collar_{c}"] = round(float(abs(m)), 4)
            comp = m[:]  # accumulated components over all files
            total = float(comp["total"])
            if total:
                for k in COMPONENTS:
                    summary[f"{k.replace(' ', '_')}_collar_{c}"] = round(float(comp[k]) / total, 4)
    summary["speaker_count_right"] = f"{sum(f['speakers_true'] == f['speakers_found'] for f in files)}/{len(files)}"
    return summary


def diarization_sets(data: Path) -> dict[str, list[DiarizationItem]]:
    """Every diarization set found under ``data``: AMI train (the tuning set) and development, the pyannote
    sample, and the one-speaker talks."""
    sets: dict[str, list[DiarizationItem]] = {}
    ami = data / "diar_ami_pyannote_debug"
    if ami.is_dir():
        sets["diar_ami_pyannote_debug (train: settings chosen here)"] = load_ami(ami, "train")
        sets["diar_ami_pyannote_debug (development)"] = load_ami(ami, "development")
    sample = data / "diar_asr_en_pyannote_sample"
    if sample.is_dir():
        sets["diar_asr_en_pyannote_sample"] = load_sample(sample)
    talks = data / "talk_calm_en_dev"
    if talks.is_dir():
        sets["talk_calm_en_dev (one speaker each)"] = load_talks(talks)
    if (data / "labels.csv").is_file() and "speakers" in (data / "labels.csv").read_text(encoding="utf-8").split("\n")[
        0
    ]:
        sets[f"{data.name} (talks)"] = load_talks(data)
    if not sets:
        raise FileNotFoundError(f"no diarization data sets found under {data}")
    return sets


def eval_diarization(data: Path, log: Log, diarizer: str = "overlap") -> dict[str, Any]:
    from edcontrol.pipeline.speakers import SpeakerModels

    models = SpeakerModels.load(diarizer)
    out: dict[str, Any] = {"task": "diarization", "diarizer": models.describe()}
    for name, items in diarization_sets(data).items():
        log(f"{name}:")
        out[name] = score_diarization(items, lambda _uri, audio: models.diarize(audio), log)
        log("  pooled: " + json.dumps({k: v for k, v in out[name].items() if k != "files"}))
    return out


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е").replace("+", "")
    text = re.sub(r"[^\w\s'-]", " ", text)
    return re.sub(r"\s+", " ", text.replace("-", " ")).strip()


def stm_text(path: Path) -> str:
    """The reference words of an STM file in time order (fields: file, channel, speaker, start, end, text)."""
    rows = [line.split(maxsplit=5) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return " ".join(r[5] for r in sorted(rows, key=lambda r: float(r[3])) if len(r) == 6)


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
    sample = data / "diar_asr_en_pyannote_sample"
    if (sample / "sample.stm").is_file():  # a two-party telephone conversation: the whole file against its STM
        items.append(("diar_asr_en_pyannote_sample", "en", sample / "sample.wav", stm_text(sample / "sample.stm")))
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
    if ru.is_dir():
        out["asr_ru_festvox_msu_ru_nsh/ru, one recording"] = _long_form_wer(asr, [i for i in items if i[0] == ru.name])
    return out


def _long_form_wer(asr: Transcriber, items: list[tuple[str, str, Path, str]], gap_s: float = 1.0) -> dict[str, Any]:
    """The utterances read back to back (``gap_s`` of silence between) as one recording, transcribed in
    one go: what a lesson's length asks of the transcriber (packing speech into 30 s chunks across the
    whole recording, calls of a few chunks) that utterances one by one never do."""
    import jiwer

    gap = np.zeros(int(gap_s * 16000), np.float32)
    audio = np.concatenate([part for _, _, path, _ in items for part in (read_audio(path), gap)])
    t0 = time.perf_counter()
    words = asr.transcribe(audio, items[0][1]).words
    wall = time.perf_counter() - t0
    ref = " ".join(normalise_text(text) for *_, text in items)
    return {
        "minutes": round(len(audio) / 16000 / 60, 1),
        "wer": round(float(jiwer.wer(ref, normalise_text(" ".join(w.text for w in words)))), 4),
        "x_real_time": round(wall / (len(audio) / 16000), 4),
    }


def eval_speech_emotion(data: Path, log: Log) -> dict[str, Any]:
    """The shipped model's recipe (C and packings from its weights file) re-fitted without each EmoDB speaker in
    turn and scored on that speaker; the shipped model itself on the English CREMA-D clips when present."""
    from edcontrol.evaluation.speech_emotion import cross_language, emodb_rows, speakerwise_cv
    from edcontrol.models.speech_emotion import SpeechEmotion

    folder = data / "ser_de_emodb_2s_22k"
    if not folder.is_dir():
        raise FileNotFoundError(f"no speech-emotion data set found under {data}")
    model = SpeechEmotion(threads=2)
    c, orders = model.recipe
    test_x, y, spk, train = emodb_rows(model.encoder, folder, orders)
    res = speakerwise_cv(test_x, y, spk, c, train)
    log("  leave-one-speaker-out confusion matrix (rows = label, columns = prediction):")
    log("  " + " ".join(f"{e[:7]:>8}" for e in ("", *res["labels"])))
    for e, row in zip(res["labels"], res["confusion_matrix"], strict=True):
        log("  " + f"{e[:7]:>8}" + " ".join(f"{v:>8d}" for v in row))
    out = {"task": "speech-emotion", "model": model.version, "data": str(folder)}
    out |= {"protocol": "leave-one-speaker-out", "C": c, "packings": orders, **res}
    if (data / "ser_en_cremad_1002_dev").is_dir():
        log("  cross-language (never trained on):")
        out["cross_language"] = cross_language(
            model.predict_normalised, model.encoder, data / "ser_en_cremad_1002_dev", log
        )
    return out
