"""Audio-track speed and peak memory per stage, with and without ASR, on 10 / 60 / 180 minutes of real speech.

The lesson audio is the concatenation of ../shared/eval/diar_ami_pyannote_debug/audio/*.wav,
diar_asr_en_pyannote_sample/sample.wav (English) or the Russian festvox utterances, looped to the length.
Each (run, length) is measured in a fresh process, so its peak RSS is its own; models are loaded before
timing (a server loads them once). ``rss_before_mb`` is the peak after building the audio and loading the
models, ``peak_rss_mb`` the peak after the analysis: their difference is what the analysis itself needs.
The old GE2E diarizer runs next to the overlap-aware one without ASR; it is skipped above 60 minutes,
where its N x N affinity over every window needs many gigabytes. Last line: one JSON object.

Usage: python benchmarks/audio_track_bench.py [--minutes 10 60 180] [--runs en_without_asr ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
RUNS = {
    "en_with_asr": ("en", {"language": "en"}),
    "ru_with_asr": ("ru", {"language": "ru"}),
    "en_without_asr": ("en", {"asr_model": None}),
    "en_without_asr_old_ge2e_diarizer": ("en", {"asr_model": None, "diarizer": "ge2e"}),
    "en_diarization_only": ("en", {"asr_model": None}),  # VAD + diarization alone: its own memory and speed
}
OLD_DIARIZER_MAX_MIN = 60.0


def lesson_audio(minutes: float, language: str) -> np.ndarray:
    """A single-language lesson: English meetings and a call, or Russian read speech, looped."""
    from edcontrol.media.audio import read_audio

    if language == "en":
        files = sorted((EVAL / "diar_ami_pyannote_debug" / "audio").glob("*.wav"))
        files.append(EVAL / "diar_asr_en_pyannote_sample" / "sample.wav")
    else:
        files = sorted((EVAL / "asr_ru_festvox_msu_ru_nsh" / "audio").glob("*.flac"))
    audio = np.concatenate([read_audio(f) for f in files])
    reps = int(np.ceil(minutes * 60 * 16000 / len(audio)))
    return np.tile(audio, reps)[: int(minutes * 60 * 16000)]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, minutes: float) -> dict:
    """One run in this process: build the audio, load the models, analyse, report time and memory."""
    from edcontrol.pipeline.audio_track import AudioTrackConfig, analyze_audio

    language, options = RUNS[label]
    config = AudioTrackConfig(**options)
    audio = lesson_audio(minutes, language)
    seconds = len(audio) / 16000
    models: dict[str, object] = {}
    analyze_audio(audio[: 16000 * 20], config, models=models)  # load the models once, outside the timing
    before = peak_rss_mb()
    if label == "en_diarization_only":
        return _diarization_only(audio, config, models, before, minutes)
    t0 = time.perf_counter()
    result = analyze_audio(audio, config, models=models)
    wall = time.perf_counter() - t0
    return {
        "run": label,
        "minutes": minutes,
        "wall_s": round(wall, 1),
        "x_real_time": round(wall / seconds, 4),
        "stages_x_real_time": {k: round(v / seconds, 4) for k, v in result.timings.items()},
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak_rss_mb()),
        "speakers": len(result.info.speakers),
    }


def _diarization_only(audio: np.ndarray, config, models: dict, before: float, minutes: float) -> dict:
    from edcontrol.pipeline.audio_track import _speaker_models

    speakers = _speaker_models(models, config)
    seconds = len(audio) / 16000
    t0 = time.perf_counter()
    segments = speakers.vad.segments(audio)
    t1 = time.perf_counter()
    diar = speakers.diarize(audio, segments, None, lambda f: None, config.diarization)
    t2 = time.perf_counter()
    return {
        "run": "en_diarization_only",
        "minutes": minutes,
        "wall_s": round(t2 - t0, 1),
        "x_real_time": round((t2 - t0) / seconds, 4),
        "stages_x_real_time": {"vad": round((t1 - t0) / seconds, 4), "diarization": round((t2 - t1) / seconds, 4)},
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak_rss_mb()),
        "speakers": diar.n_speakers,
    }


def in_fresh_process(label: str, minutes: float) -> dict:
    """Run ``measure`` in a child interpreter so each peak RSS is measured alone."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", label, str(minutes)],
        check=True,
        stdout=subprocess.PIPE,  # stderr passes through: a failing child shows why
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[10.0, 60.0, 180.0])
    ap.add_argument("--runs", nargs="+", choices=sorted(RUNS), default=list(RUNS))
    ap.add_argument("--child", nargs=2, metavar=("RUN", "MINUTES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], float(args.child[1]))))
        return
    rows = []
    for minutes in args.minutes:
        for label in args.runs:
            if label.endswith("old_ge2e_diarizer") and minutes > OLD_DIARIZER_MAX_MIN:
                print(f"{label} {minutes:g} min: skipped (quadratic memory)", flush=True)
                continue
            row = in_fresh_process(label, minutes)
            rows.append(row)
            print(
                f"{label} {minutes:g} min: {row['wall_s']} s = {row['x_real_time']}x RT, peak RSS "
                f"{row['peak_rss_mb']} MB (before analysis {row['rss_before_mb']} MB); "
                f"stages x RT: {row['stages_x_real_time']}",
                flush=True,
            )
    print(
        json.dumps(
            {
                "benchmark": "audio_track",
                "data": str(EVAL),
                "cpus": os.cpu_count(),
                "machine": platform.machine(),
                "processor": platform.processor(),
                "runs": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
