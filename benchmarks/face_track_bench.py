"""Face-track speed and memory on generated 720p two-person lessons, next to pure decoding.

For each length (default 10 and 60 minutes) it builds (once, cached) an H.264 720p 25 fps lesson from
two GRID clips (../shared/eval/av_en_grid_talking_heads_lipnet), then, each in a fresh process:
decodes every frame (the floor of our cost), and runs the face track. Prints wall time, x real time
and peak RSS side by side; the last line is one JSON object with all figures.
Usage: python benchmarks/face_track_bench.py [--minutes 10 60] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT.parent / "shared" / "eval" / "av_en_grid_talking_heads_lipnet" / "video"
CLIPS = ("lwbsza.mpg", "brbk7n.mpg")

_CHILD = r"""
import json, resource, sys, time
mode, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "decode":
    from edcontrol.media.frames import decode_only
    s = decode_only(path); extra = {"frames": s.decoded}
else:
    from edcontrol.pipeline.analyze import analyze_video
    r = analyze_video(path)
    extra = {"persons": len(r.persons), "frames_sampled": r.processing.frames_sampled,
             "frames_decoded": r.processing.frames_decoded, "embeddings": r.processing.identity_embeddings}
wall = time.perf_counter() - t0
print(json.dumps({"wall_s": wall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}))
"""


def make_lesson(path: Path, minutes: float, cache: Path) -> None:
    """Encode 10 minutes once; longer lessons are remuxed copies of it (same content, no re-encode)."""
    from edcontrol.media.compose import call_layout_frames, concat_copies, write_video
    from edcontrol.media.frames import iter_frames

    if minutes > 10 and minutes % 10 == 0:
        base = cache / "lesson_720p_2p_10min.mp4"
        if not base.exists():
            make_lesson(base, 10, cache)
        tmp = path.with_suffix(".part.mp4")
        concat_copies(base, tmp, int(minutes // 10))
        tmp.rename(path)
        return

    clips = [[f.image for f in iter_frames(GRID / c, fps=25.0, max_side=None, skip_nonref=False)] for c in CLIPS]
    tmp = path.with_suffix(".part.mp4")
    write_video(tmp, call_layout_frames(clips, minutes * 60, 25.0), fps=25.0, options={"preset": "veryfast"})
    tmp.rename(path)


def run_child(mode: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/edcontrol-bench"))
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    results = []
    for minutes in args.minutes:
        path = args.cache / f"lesson_720p_2p_{minutes:g}min.mp4"
        if not path.exists():
            t0 = time.perf_counter()
            make_lesson(path, minutes, args.cache)
            print(f"built {path.name} in {time.perf_counter() - t0:.0f} s", flush=True)
        duration = minutes * 60
        dec = run_child("decode", path)
        face = run_child("faces", path)
        row = {
            "lesson": path.name,
            "duration_s": duration,
            "decode_wall_s": round(dec["wall_s"], 2),
            "decode_x_rt": round(dec["wall_s"] / duration, 4),
            "decode_peak_rss_mb": round(dec["peak_rss_mb"], 1),
            "face_track_wall_s": round(face["wall_s"], 2),
            "face_track_x_rt": round(face["wall_s"] / duration, 4),
            "face_track_peak_rss_mb": round(face["peak_rss_mb"], 1),
            "face_over_decode": round(face["wall_s"] / dec["wall_s"], 3),
            "persons": face["persons"],
            "frames_sampled": face["frames_sampled"],
            "identity_embeddings": face["embeddings"],
        }
        results.append(row)
        print(
            f"{path.name}: decode {row['decode_wall_s']} s ({row['decode_x_rt']}x RT, "
            f"{row['decode_peak_rss_mb']} MB) | face track {row['face_track_wall_s']} s "
            f"({row['face_track_x_rt']}x RT, {row['face_track_peak_rss_mb']} MB) | ratio {row['face_over_decode']}",
            flush=True,
        )
    summary = {
        "benchmark": "face_track",
        "data": str(GRID),
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "results": results,
    }
    if len(results) >= 2:
        rss = [r["face_track_peak_rss_mb"] for r in results]
        summary["rss_spread"] = round(max(rss) / min(rss) - 1, 4)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
