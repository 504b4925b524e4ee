"""`edcontrol analyze` ends with the watch-first list: the sample's rude teacher turn first, heard and said."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import SAMPLE


def test_analyze_prints_the_watch_first_list(tmp_path):
    out = tmp_path / "report.json"
    res = subprocess.run(
        [sys.executable, "-m", "edcontrol.cli", "analyze", str(SAMPLE), "-o", str(out), "--asr", "tiny.en"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(out.read_text())
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "Watch first:" and len(lines) == 1 + len(report["watch_first"]) >= 2
    first = next(m for m in report["moments"] if m["id"] == report["watch_first"][0])
    assert lines[1].startswith("  1. 00:24-00:30 P1 (teacher) hostile language [heard+said]"), lines[1]
    assert f"confidence {first['confidence']:.2f}" in lines[1] and "stupid" in lines[1].lower()
    assert "negative moment(s)" in res.stderr and "positive marker(s)" in res.stderr
