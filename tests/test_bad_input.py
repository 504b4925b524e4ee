"""Bad input through the real CLI: a clear message or a valid report with warnings, never a traceback,
never a partial report file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import GRID
from edcontrol.media.audio import read_audio
from edcontrol.media.compose import set_mp4_rotation, write_video
from edcontrol.report.schema import LessonReport


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edcontrol.cli", *map(str, args)], capture_output=True, text=True, timeout=600, cwd=cwd
    )


def analyze(video: Path, out_dir: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = out_dir / f"{video.stem}.report.json"
    res = cli("analyze", video, "-o", out)
    assert "Traceback" not in res.stderr, res.stderr
    assert not list(out_dir.glob(".edcontrol-*")), "temporary report file left behind"
    return res, out


def expect_error(video: Path, out_dir: Path, code: int, words: str) -> None:
    res, out = analyze(video, out_dir)
    assert res.returncode == code, res.stderr
    assert res.stderr.startswith("error: ") and words in res.stderr, res.stderr
    assert not out.exists()


def expect_report(video: Path, out_dir: Path, warnings: set[str]) -> LessonReport:
    res, out = analyze(video, out_dir)
    assert res.returncode == 0, res.stderr
    report = LessonReport.model_validate_json(out.read_text())
    assert warnings <= {w.code for w in report.warnings}, report.warnings
    return report


@pytest.fixture(scope="module")
def good_mp4(media_dir: Path, grid_clip) -> Path:
    path = media_dir / "good.mp4"
    write_video(path, grid_clip("lwbsza.mpg") * 4, fps=25.0, audio=np.tile(read_audio(GRID / "lwbsza.mpg"), 4))
    return path


def test_zero_bytes(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    expect_error(tmp_path / "empty.mp4", tmp_path, 3, "empty")


def test_text_renamed_mp4(tmp_path):
    (tmp_path / "notes.mp4").write_text("lesson notes, not a video\n" * 50)
    expect_error(tmp_path / "notes.mp4", tmp_path, 3, "not a readable")


def test_missing_file_and_folder_input(tmp_path):
    expect_error(tmp_path / "absent.mp4", tmp_path, 3, "not found")
    (tmp_path / "folder.mp4").mkdir()
    expect_error(tmp_path / "folder.mp4", tmp_path, 3, "not a regular file")


def test_truncated_mp4_without_index(tmp_path, good_mp4):
    data = good_mp4.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])  # moov atom (the index) is at the end: lost
    expect_error(tmp_path / "cut.mp4", tmp_path, 3, "not a readable")


def test_truncated_streamable_mp4_reports_what_is_there(tmp_path, grid_clip):
    src = tmp_path / "fast.mp4"
    write_video(src, grid_clip("lwbsza.mpg") * 4, fps=25.0, container_options={"movflags": "+faststart"})
    data = src.read_bytes()
    (tmp_path / "fastcut.mp4").write_bytes(data[: int(len(data) * 0.5)])
    report = expect_report(tmp_path / "fastcut.mp4", tmp_path, {"truncated"})
    assert len(report.persons) == 1


def test_audio_only(tmp_path):
    path = tmp_path / "voice.m4a"
    with __import__("av").open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        from edcontrol.media.compose import _encode_audio

        _encode_audio(out, stream, read_audio(GRID / "lwbsza.mpg"), 16000)
    report = expect_report(path, tmp_path, {"no_video"})
    assert report.persons == [] and report.source.audio_codec == "aac"


def test_video_only(tmp_path, grid_clip):
    path = tmp_path / "silent.mp4"
    write_video(path, grid_clip("brbk7n.mpg"), fps=25.0)
    report = expect_report(path, tmp_path, {"no_audio"})
    assert len(report.persons) == 1


def test_no_face(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "wall.webm"
    write_video(path, (rng.integers(0, 255, (240, 320, 3), dtype=np.uint8) for _ in range(75)), codec="libvpx")
    report = expect_report(path, tmp_path, {"no_faces"})
    assert report.persons == [] and report.moments == []


def test_sixteen_pixel_video(tmp_path, grid_clip):
    import cv2

    path = tmp_path / "tiny.mp4"
    write_video(path, (cv2.resize(f, (16, 16)) for f in grid_clip("lwbsza.mpg")), fps=25.0)
    report = expect_report(path, tmp_path, {"low_resolution", "no_faces"})
    assert (report.source.width, report.source.height) == (16, 16)


def test_corrupt_packets_mid_stream(tmp_path):
    data = bytearray((GRID / "lwbsza.mpg").read_bytes())
    rng = np.random.default_rng(7)
    for start in (len(data) // 3, len(data) // 2, 2 * len(data) // 3):
        data[start : start + 4000] = rng.integers(0, 255, 4000, dtype=np.uint8).tobytes()
    path = tmp_path / "damaged.mpg"
    path.write_bytes(bytes(data))
    report = expect_report(path, tmp_path, set())
    assert len(report.persons) == 1  # the face is still found around the damage
    assert report.processing.frames_sampled >= 4


def test_rotated_phone_video(tmp_path, grid_clip):
    path = tmp_path / "phone.mp4"
    write_video(path, [np.ascontiguousarray(np.rot90(f)) for f in grid_clip("brbk7n.mpg")], fps=25.0)
    set_mp4_rotation(path, 90)
    report = expect_report(path, tmp_path, set())
    assert report.source.rotation_deg in (90, 270)
    assert len(report.persons) == 1 and report.persons[0].summary.presence_ratio > 0.9


@pytest.mark.parametrize("name", ["урок 1 (final).mp4", "$(touch pwned);'quote\".mp4", "-dash.mp4", "a" * 200 + ".mp4"])
def test_hostile_file_names(tmp_path, good_mp4, name):
    path = tmp_path / name
    path.write_bytes(good_mp4.read_bytes())
    res = cli("analyze", f"./{name}", "-o", "out.json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    report = LessonReport.model_validate_json((tmp_path / "out.json").read_text())
    assert report.source.file_name == name
    assert not (tmp_path / "pwned").exists()


def test_unwritable_output_is_exit_4_and_leaves_nothing(tmp_path, good_mp4):
    res = cli("analyze", good_mp4, "-o", tmp_path / "no" / "such" / "dir" / "r.json")
    assert res.returncode == 4 and "output folder does not exist" in res.stderr
    res = cli("analyze", good_mp4, "-o", tmp_path)
    assert res.returncode == 4 and "folder" in res.stderr


def test_bad_command_line_is_exit_2():
    assert cli("analyze").returncode == 2
    res = cli("analyze", "x.mp4", "--fps", "0")
    assert res.returncode == 2 and "must be > 0" in res.stderr


def test_success_prints_summary_and_valid_json(tmp_path, good_mp4):
    res, out = analyze(good_mp4, tmp_path)
    assert res.returncode == 0 and "1 person(s)" in res.stderr
    assert json.loads(out.read_text())["schema_version"]
