"""Whole-lesson speed and memory: the full ``analyze`` on the bundled sample looped to 10 / 60 / 180 minutes.

The sample lesson (two people, 960x400, 25 fps, AAC; samples/sample_lesson.mp4) is remuxed back to back
into longer lessons once (cached). Each (lesson, run) is measured in a fresh process: wall time, x real
time, peak RSS, seconds per stage (first to last progress call of the stage: the tracks overlap) and the
largest resident memory sampled while each stage was the last to report progress (which stage holds the
memory; exact for the ``_sequential`` runs, where one stage runs at a time), next to pure
decoding of every frame (the floor), and the CPU seconds the run used (``cores``: CPU seconds per wall second,
2.0 = both cores busy throughout). Runs: ``full`` (everything incl. Whisper base ASR, what ``edcontrol
analyze`` does), ``no_asr``, ``faces`` (the face track only); ``full_sequential`` and ``no_asr_sequential`` run the two
tracks one after the other (as before they ran side by side). ``--code DIR`` measures another checkout's
``src`` the same way (e.g. the commit before a change), so before and after stand in one table.
With ``--repeat N`` each row is the fastest of N runs, interleaved across checkouts. Last line: one JSON
object.

Usage: python benchmarks/lesson_bench.py [--minutes 10 60 180] [--runs full no_asr faces decode]
                                         [--code DIR ...] [--repeat N] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "sample_lesson.mp4"

_CHILD = r"""
import json, resource, sys, time
run, path = sys.argv[1], sys.argv[2]
import threading
stages, rss, latest, t0 = {}, {}, ["start"], time.perf_counter()
page_mb = resource.getpagesize() / 2**20
def progress(stage, fraction):
    now = time.perf_counter() - t0
    first, _ = stages.get(stage, (now, now))
    stages[stage] = (first, now)
    latest[0] = stage
def sample_rss():  # resident memory 20 times a second, charged to the stage that last reported progress
    with open("/proc/self/statm") as f:
        while True:
            f.seek(0)
            mb = round(int(f.read().split()[1]) * page_mb)
            rss[latest[0]] = max(rss.get(latest[0], 0), mb)
            time.sleep(0.05)
threading.Thread(target=sample_rss, daemon=True).start()
if run == "decode":
    from edcontrol.media.frames import decode_only
    extra = {"frames": decode_only(path).decoded}
else:
    from edcontrol.pipeline.analyze import analyze_video
    from edcontrol.pipeline.audio_track import AudioTrackConfig
    from edcontrol.pipeline.config import FaceTrackConfig
    base, sequential = run.removesuffix("_sequential"), run.endswith("_sequential")
    audio = {"full": AudioTrackConfig(), "no_asr": AudioTrackConfig(asr_model=None), "faces": None}[base]
    kw = {"parallel": False} if sequential else {}  # checkouts before the tracks ran side by side know no flag
    r = analyze_video(path, FaceTrackConfig(), progress, audio, **kw)
    moments = r.moments + (r.audio.moments if r.audio is not None and hasattr(r.audio, "moments") else [])
    extra = {"persons": len(r.persons), "moments": len(moments), "schema": r.schema_version}
wall = time.perf_counter() - t0
spans = {s: round(last - first, 1) for s, (first, last) in sorted(stages.items(), key=lambda kv: kv[1][0])}
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = round(usage.ru_maxrss / 1024), usage.ru_utime + usage.ru_stime
rss = {s: rss[s] for s in ("start", *spans) if s in rss}
timing = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "cores_busy": round(cpu / wall, 2)}
print(json.dumps({**timing, "peak_rss_mb": peak, "stages_s": spans, "stage_rss_mb": rss, **extra}))
"""


def lesson(minutes: float, cache: Path) -> Path:
    """The sample looped to about ``minutes`` (whole copies), built once."""
    from edcontrol.media.compose import concat_copies
    from edcontrol.media.probe import probe

    path = cache / f"sample_lesson_{minutes:g}min.mp4"
    if not path.exists():
        copies = math.ceil(minutes * 60 / (probe(SAMPLE).duration_s or 55.0))
        tmp = path.with_suffix(".part.mp4")
        concat_copies(SAMPLE, tmp, copies)
        tmp.rename(path)
    return path


def measure(run: str, path: Path, code: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code / "src")}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, run, str(path)], env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def against_targets(rows: list[dict]) -> list[str]:
    """The ratios the speed-and-memory targets are stated in, per checkout: each run's wall time over pure
    decoding of the same lesson, and each run's peak memory at its longest lesson over its 60-minute one."""
    out = []
    by = {(r["code"], r["minutes"], r["run"]): r for r in rows}
    for (code, minutes, run), r in by.items():
        floor = by.get((code, minutes, "decode"))
        if floor and run != "decode" and floor["wall_s"] > 0:
            out.append(f"{Path(code).name} {minutes:g} min {run}: {r['wall_s'] / floor['wall_s']:.1f}x pure decoding")
        base = by.get((code, 60.0, run))
        if base and minutes > 60 and run != "decode":
            growth = r["peak_rss_mb"] / base["peak_rss_mb"] - 1
            out.append(f"{Path(code).name} {run}: peak RSS {minutes:g} min / 60 min = {growth:+.1%}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[10.0, 60.0, 180.0])
    ap.add_argument("--runs", nargs="+", default=["full", "no_asr", "faces", "decode"])
    ap.add_argument("--code", type=Path, nargs="+", default=[ROOT], help="checkouts whose src/ to measure")
    ap.add_argument("--repeat", type=int, default=1, help="runs per row, interleaved across --code; the fastest counts")
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "edcontrol-lessons")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    from edcontrol.media.probe import probe

    rows = []
    head = f"{'code':<14} {'min':>5} {'run':<7} {'wall s':>8} {'x RT':>7} {'cpu s':>7} {'cores':>5} {'peak MB':>8}"
    print(f"{head}  stages (s)")
    for minutes in args.minutes:
        path = lesson(minutes, args.cache)
        seconds = probe(path).duration_s or minutes * 60
        for run in args.runs:
            tries: dict[Path, list[dict]] = {code: [] for code in args.code}
            for _ in range(args.repeat):  # interleaved: a slow spell of the machine hits every checkout alike
                for code in args.code:
                    tries[code].append(measure(run, path, code))
            for code in args.code:
                row = {"code": str(code), "minutes": minutes, "lesson_s": seconds, "run": run}
                row.update(min(tries[code], key=lambda r: r["wall_s"]))
                row["walls_s"] = [r["wall_s"] for r in tries[code]]
                row["x_real_time"] = round(row["wall_s"] / seconds, 4)
                rows.append(row)
                print(
                    f"{code.name:<14} {minutes:>5g} {run:<7} {row['wall_s']:>8} {row['x_real_time']:>7} "
                    f"{row.get('cpu_s', '-'):>7} {row.get('cores_busy', '-'):>5} {row['peak_rss_mb']:>8}  "
                    f"{row.get('stages_s', {})}",
                    flush=True,
                )
                if row.get("stage_rss_mb"):
                    print(f"{'':<{len(head)}}  RSS MB by stage {row['stage_rss_mb']}")
    summary = against_targets(rows)
    for line in summary:
        print(line)
    print(
        json.dumps(
            {
                "benchmark": "lesson",
                "summary": summary,
                "data": str(SAMPLE),
                "cpus": os.cpu_count(),
                "machine": platform.machine(),
                "python": platform.python_version(),
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    main()
