"""A 3-hour low-resolution lesson: it completes and memory stays flat (compared with 15 minutes)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest

from edcontrol.media.compose import write_video
from edcontrol.report.schema import LessonReport


def low_res_lesson(path: Path, seconds: int, face: list[np.ndarray]) -> None:
    """192x144 at 5 fps: a face tile that leaves for 20 s every 10 minutes (camera off)."""
    small = [cv2.resize(f, (96, 80)) for f in face]

    def frames():
        for i in range(seconds * 5):
            canvas = np.full((144, 192, 3), 40, np.uint8)
            if (i // 5) % 600 >= 20:
                canvas[30:110, 48:144] = small[i % len(small)]
            yield canvas

    write_video(path, frames(), fps=5.0, options={"preset": "ultrafast"})


def peak_rss_of_analyze(video: Path, out: Path) -> tuple[float, subprocess.CompletedProcess[str] | None]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "edcontrol.cli", "analyze", str(video), "-o", str(out), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ps = psutil.Process(proc.pid)
    peak = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return peak, None


@pytest.mark.slow
def test_three_hour_lesson_keeps_memory_flat(tmp_path, grid_clip):
    face = grid_clip("lwbsza.mpg")
    short, long_ = tmp_path / "short.mp4", tmp_path / "long.mp4"
    low_res_lesson(short, 15 * 60, face)
    low_res_lesson(long_, 3 * 3600, face)
    rss_short, _ = peak_rss_of_analyze(short, tmp_path / "short.json")
    rss_long, _ = peak_rss_of_analyze(long_, tmp_path / "long.json")
    report = LessonReport.model_validate_json((tmp_path / "long.json").read_text())
    assert report.source.duration_s == pytest.approx(3 * 3600, abs=1)
    assert len(report.persons) == 1
    assert report.persons[0].summary.presence_ratio == pytest.approx(580 / 600, abs=0.02)
    assert len(report.persons[0].timeline.t) == 3 * 3600
    print(f"peak RSS: 15 min {rss_short:.0f} MB, 3 h {rss_long:.0f} MB")
    assert rss_long <= 1024
    assert rss_long <= rss_short * 1.10, (rss_short, rss_long)
