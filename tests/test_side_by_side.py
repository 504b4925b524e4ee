"""The face and audio tracks run at the same time: the same report as one after the other, errors and
cancellation from either side surface, progress stays one rising percentage."""

from __future__ import annotations

import os
import threading

import pytest

from conftest import SAMPLE
from edcontrol.media.compose import write_video
from edcontrol.pipeline.analyze import analyze_video
from edcontrol.pipeline.audio_track import AudioTrackConfig
from edcontrol.pipeline.config import FaceTrackConfig
from edcontrol.pipeline.progress import STAGES, OverallProgress
from edcontrol.pipeline.side_by_side import OtherSideFailed, side_by_side
from edcontrol.service.jobs import JobCancelled
from speech_factory import espeak_available, spoken_lesson


def test_both_sides_run_at_the_same_time():
    met = threading.Barrier(2, timeout=20)  # one after the other, the first side would wait here in vain

    def side(name):
        def run(progress):
            progress("faces" if name == "a" else "voice", 0.5)
            met.wait()
            return name

        return run

    calls = []
    assert side_by_side(side("a"), side("b"), lambda s, f: calls.append(s)) == ("a", "b")
    assert sorted(calls) == ["faces", "voice"]


def test_sequential_gives_the_same_results_in_order():
    order = []

    def side(name):
        def run(progress):
            order.append(name)
            return name

        return run

    assert side_by_side(side("a"), side("b"), lambda s, f: None, parallel=False) == ("a", "b")
    assert order == ["a", "b"]


def _stops_at_next_progress(started: threading.Event, seen: list[str]):
    def run(progress):
        started.set()
        for i in range(2000):
            try:
                progress("voice", i / 2000)
            except OtherSideFailed:
                seen.append("stopped")
                raise
            threading.Event().wait(0.005)
        return "finished"

    return run


@pytest.mark.parametrize("failing", ["first", "second"])
def test_an_error_on_either_side_stops_the_other_and_is_raised(failing):
    started, seen = threading.Event(), []
    waiting = _stops_at_next_progress(started, seen)

    def broken(progress):
        assert started.wait(10)
        raise ValueError("bad frame")

    first, second = (broken, waiting) if failing == "first" else (waiting, broken)
    with pytest.raises(ValueError, match="bad frame"):
        side_by_side(first, second, lambda s, f: None)
    assert seen == ["stopped"]  # the other side did not run its 10 s to the end


def test_a_cancelled_job_stops_both_tracks():
    started, seen = threading.Event(), []
    calls = []

    def job_progress(stage, fraction):  # what JobContext.progress does once the lease is lost
        calls.append(stage)
        if stage == "faces" and fraction >= 0.5:
            raise JobCancelled("lesson-1")

    def faces(progress):
        assert started.wait(10)
        for i in range(100):
            progress("faces", i / 100)
        return "faces"

    with pytest.raises(JobCancelled):
        side_by_side(faces, _stops_at_next_progress(started, seen), job_progress)
    assert seen == ["stopped"]


def test_overall_progress_rises_through_interleaved_tracks():
    overall = OverallProgress()
    calls = [("decode", 0.0), ("decode", 1.0)]
    faces = [("faces", i / 10) for i in range(11)]
    audio = [(s, f) for s in ("voice", "diarization", "transcript", "emotion", "tone") for f in (0.0, 0.5, 1.0)]
    for i in range(max(len(faces), len(audio))):  # the two tracks interleaved
        calls += faces[i : i + 1] + audio[i : i + 1]
    calls += [("fusion", 0.0), ("report", 1.0)]
    seen = [overall.update(s, f) for s, f in calls]
    assert seen == sorted(seen) and seen[-1] == pytest.approx(100.0)
    # halfway through both tracks the bar shows both tracks' work, not the later track's start
    half = OverallProgress()
    half.update("faces", 0.5)
    expected = STAGES["decode"] + STAGES["faces"] / 2 + STAGES["voice"] + STAGES["diarization"] / 2
    assert half.update("diarization", 0.5) == pytest.approx(expected)
    assert OverallProgress().update("no such stage", 0.5) is None


def _content(report) -> dict:
    """Everything a report says about the lesson, without when and how fast it was made."""
    data = report.model_dump(mode="json")
    data.pop("generated_at")
    data["processing"].pop("wall_time_s")
    return data


@pytest.mark.slow
def test_side_by_side_report_is_the_sequential_report_on_the_sample():
    audio = AudioTrackConfig(asr_model="tiny.en")
    together = analyze_video(SAMPLE, FaceTrackConfig(), None, audio)
    apart = analyze_video(SAMPLE, FaceTrackConfig(), None, audio, parallel=False)
    assert len(together.moments) >= 1 and len(together.audio.turns) >= 9
    assert _content(together) == _content(apart)


@pytest.mark.slow
@pytest.mark.skipif(not espeak_available(), reason="espeak-ng missing: scripts/test.sh installs it")
@pytest.mark.parametrize("script", ["en", "en_polite"])
def test_side_by_side_report_is_the_sequential_report_on_test_lessons(tmp_path, grid_clip, script):
    audio, _ = spoken_lesson(script)
    faces = grid_clip("lwbsza.mpg")
    path = tmp_path / f"lesson_{script}.mp4"
    n = int(len(audio) / 16000 * 5)
    write_video(path, (faces[i % len(faces)][::2, ::2] for i in range(n)), fps=5.0, audio=audio, audio_rate=16000)
    together = analyze_video(path, FaceTrackConfig(), None, AudioTrackConfig(asr_model="tiny.en"))
    apart = analyze_video(path, FaceTrackConfig(), None, AudioTrackConfig(asr_model="tiny.en"), parallel=False)
    assert len(together.persons) == 1 and len(together.audio.speakers) == 2 and together.audio.transcript.words
    assert _content(together) == _content(apart)


def test_malloc_arenas_are_capped_where_the_c_library_is_glibc():
    import platform

    from edcontrol.pipeline.malloc_arenas import cap_malloc_arenas

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("only glibc has malloc arenas to cap")
    assert cap_malloc_arenas(2) is True


def test_free_pages_below_live_blocks_go_back_to_the_system_while_trimming():
    """Blocks freed below one that lives on stay resident (free returns only the heap's top) until
    ``trimming`` hands them back; outside it nothing runs."""
    import platform
    import time

    from edcontrol.pipeline.malloc_arenas import trimming

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")

    def resident_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    blocks = [bytearray(64 * 1024) for _ in range(3000)]  # ~190 MB of heap blocks (below the mmap threshold)
    for b in blocks:
        b[::4096] = b"\x01" * len(b[::4096])  # touched: resident
    pinned = bytearray(64 * 1024)  # a block that lives on above them
    before = resident_mb()
    del blocks
    kept = resident_mb()
    with trimming(every_s=0.05) as works:
        assert works and any(t.name == "edcontrol-malloc-trim" for t in threading.enumerate())
        time.sleep(0.5)
        trimmed = resident_mb()
    assert not any(t.name == "edcontrol-malloc-trim" for t in threading.enumerate())
    assert before - kept < 50, (before, kept)  # free alone gave little back
    assert kept - trimmed > 150, (kept, trimmed)  # the trim gave the freed pages back
    del pinned
