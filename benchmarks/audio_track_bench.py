"""Audio-track speed per stage, with and without ASR, on ~10 minutes of real third-party speech.

The lesson audio is the concatenation of ../shared/eval/diar_ami_pyannote_debug/audio/*.wav,
diar_asr_en_pyannote_sample/sample.wav and the first Russian festvox utterances, repeated to 10 min.
Models are loaded before timing (a server loads them once). The last run repeats the one without ASR
with the previous GE2E diarizer, so old and new diarization stand side by side. Last line: one JSON object.
Usage: python benchmarks/audio_track_bench.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from edcontrol.media.audio import read_audio
from edcontrol.pipeline.audio_track import AudioTrackConfig, analyze_audio

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def lesson_audio(minutes: float, language: str) -> np.ndarray:
    """A single-language lesson: English meetings and a call, or Russian read speech, looped."""
    if language == "en":
        files = sorted((EVAL / "diar_ami_pyannote_debug" / "audio").glob("*.wav"))
        files.append(EVAL / "diar_asr_en_pyannote_sample" / "sample.wav")
    else:
        files = sorted((EVAL / "asr_ru_festvox_msu_ru_nsh" / "audio").glob("*.flac"))
    parts = [read_audio(f) for f in files]
    audio = np.concatenate(parts)
    reps = int(np.ceil(minutes * 60 * 16000 / len(audio)))
    return np.tile(audio, reps)[: int(minutes * 60 * 16000)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    models: dict[str, object] = {}
    rows = {}
    runs = [
        ("en_with_asr", "en", AudioTrackConfig(language="en")),
        ("ru_with_asr", "ru", AudioTrackConfig(language="ru")),
        ("en_without_asr", "en", AudioTrackConfig(asr_model=None)),
        ("en_without_asr_old_ge2e_diarizer", "en", AudioTrackConfig(asr_model=None, diarizer="ge2e")),
    ]
    for label, language, cfg in runs:
        audio = lesson_audio(args.minutes, language)
        seconds = len(audio) / 16000
        analyze_audio(audio[: 16000 * 20], cfg, models=models)  # load the models once, outside the timing
        t0 = time.perf_counter()
        result = analyze_audio(audio, cfg, models=models)
        wall = time.perf_counter() - t0
        rows[label] = {
            "wall_s": round(wall, 2),
            "x_real_time": round(wall / seconds, 4),
            "stages_x_real_time": {k: round(v / seconds, 4) for k, v in result.timings.items()},
            "speakers": len(result.info.speakers),
        }
        print(
            f"{label}: {wall:.1f} s for {seconds:.0f} s of audio = {wall / seconds:.4f}x real time; "
            f"per stage: {rows[label]['stages_x_real_time']}",
            flush=True,
        )
    print(
        json.dumps(
            {
                "benchmark": "audio_track",
                "data": str(EVAL),
                "audio_s": seconds,
                "cpus": os.cpu_count(),
                "machine": platform.machine(),
                **rows,
            }
        )
    )


if __name__ == "__main__":
    main()
