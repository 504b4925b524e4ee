"""50 concurrent submissions of a short lesson to the embedded default (SQLite + worker thread),
served by uvicorn on 127.0.0.1: all complete, none lost; prints status-call latency (p50/p95/max)
while the worker is busy. Last line: one JSON object.
Usage: python benchmarks/service_load_bench.py [--lessons 50]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GRID = ROOT.parent / "shared" / "eval" / "av_en_grid_talking_heads_lipnet" / "video"


def short_lesson(path: Path) -> None:
    """A 6 s, two-tile lesson from two GRID clips with the first clip's sound."""
    from edcontrol.media.audio import read_audio
    from edcontrol.media.compose import call_layout_frames, write_video
    from edcontrol.media.frames import iter_frames

    clips = [
        [f.image for f in iter_frames(GRID / c, fps=25.0, max_side=None, skip_nonref=False)]
        for c in ("lwbsza.mpg", "brbk7n.mpg")
    ]
    audio = np.tile(read_audio(GRID / "lwbsza.mpg"), 2)
    write_video(path, call_layout_frames(clips, 6.0, 25.0, size=(640, 256)), fps=25.0, audio=audio)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lessons", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lesson = Path(tmp) / "short.mp4"
        short_lesson(lesson)
        port = free_port()
        env = {
            **os.environ,
            "EDCONTROL_DATA": str(Path(tmp) / "data"),
            "EDCONTROL_ADMIN_KEY": "bench",
            "EDCONTROL_ASR_MODEL": "tiny.en",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "edcontrol.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            key = httpx.post(f"{base}/v1/tenants", json={"name": "bench"}, headers={"X-Admin-Key": "bench"}).json()
            headers = {"X-API-Key": key["api_key"]}
            data = lesson.read_bytes()

            def submit(i: int) -> str:
                r = httpx.post(
                    f"{base}/v1/lessons",
                    headers=headers,
                    timeout=120,
                    files={"file": (f"lesson{i}.mp4", data, "video/mp4")},
                    data={"consent": "true", "teacher_id": f"t{i % 5}"},
                )
                r.raise_for_status()
                return r.json()["id"]

            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.lessons) as pool:
                ids = list(pool.map(submit, range(args.lessons)))
            submit_s = time.perf_counter() - t0
            latencies: list[float] = []
            stop = threading.Event()

            def poll() -> None:
                with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
                    while not stop.is_set():
                        for lid in ids[:10]:
                            t = time.perf_counter()
                            c.get(f"/v1/lessons/{lid}").raise_for_status()
                            latencies.append(time.perf_counter() - t)
                        time.sleep(0.05)

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                rows = httpx.get(f"{base}/v1/lessons", headers=headers, params={"limit": 500}, timeout=30).json()
                states = [r["status"] for r in rows]
                if len(rows) == args.lessons and all(s in ("done", "failed") for s in states):
                    break
                time.sleep(1.0)
            stop.set()
            poller.join(timeout=10)
            total_s = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=30)
    lat = sorted(latencies)
    out = {
        "benchmark": "service_load",
        "data": str(GRID),
        "lessons": args.lessons,
        "submitted_s": round(submit_s, 2),
        "all_finished_s": round(total_s, 1),
        "done": states.count("done"),
        "failed": states.count("failed"),
        "lost": args.lessons - len(rows),
        "status_calls": len(lat),
        "status_p50_ms": round(1000 * statistics.median(lat), 1) if lat else None,
        "status_p95_ms": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1) if lat else None,
        "status_max_ms": round(1000 * lat[-1], 1) if lat else None,
    }
    print(
        f"{out['done']}/{args.lessons} done, {out['failed']} failed, {out['lost']} lost in {out['all_finished_s']} s; "
        f"status p50 {out['status_p50_ms']} ms, p95 {out['status_p95_ms']} ms"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
