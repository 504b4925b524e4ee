"""Decoding: codecs and containers, exact timestamps, VFR, start offsets, rotation, audio."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import GRID
from edcontrol.errors import InputError
from edcontrol.media.audio import read_audio
from edcontrol.media.compose import set_mp4_rotation, write_video
from edcontrol.media.frames import DecodeStats, decode_only, iter_frames
from edcontrol.media.probe import probe


def test_probe_grid_mpeg1():
    info = probe(GRID / "lwbsza.mpg")
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (360, 288, "mpeg1video", "mp2")
    assert info.fps == pytest.approx(25.0)
    assert info.duration_s == pytest.approx(3.0, abs=0.1)
    assert info.audio_sample_rate == 44100


def test_sampling_two_fps_on_grid_keeps_one_frame_per_slot():
    stats = DecodeStats()
    frames = list(iter_frames(GRID / "lwbsza.mpg", fps=2.0, stats=stats))
    times = [f.t for f in frames]
    assert times == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5], abs=0.041)
    assert frames[0].image.shape == (288, 360, 3) and frames[0].image.dtype == np.uint8
    assert stats.kept == 6 and stats.decoded >= 6


@pytest.mark.parametrize(
    ("ext", "codec"),
    [("mp4", "libx264"), ("webm", "libvpx"), ("webm", "libvpx-vp9"), ("mkv", "libx264"), ("mov", "libx264")],
)
def test_common_codecs_decode(media_dir, grid_clip, ext, codec):
    path = media_dir / f"clip_{codec}.{ext}"
    audio_codec = "libopus" if ext == "webm" else "aac"
    audio = read_audio(GRID / "lwbsza.mpg")
    write_video(path, grid_clip("lwbsza.mpg"), fps=25.0, codec=codec, audio=audio, audio_codec=audio_codec)
    frames = list(iter_frames(path, fps=2.0))
    assert 5 <= len(frames) <= 7
    assert frames[0].image.shape == (288, 360, 3)
    info = probe(path)
    assert info.has_audio and info.has_video
    assert len(read_audio(path)) == pytest.approx(48000, rel=0.05)


def test_variable_frame_rate_and_late_start_keep_exact_times(media_dir):
    times = [4.0, 4.1, 4.15, 4.9, 5.3, 5.31, 6.7, 7.0, 9.0, 9.1]
    frames = [np.full((64, 96, 3), 20 * i, np.uint8) for i in range(len(times))]
    path = media_dir / "vfr.mp4"
    write_video(path, frames, fps=25.0, times=times)
    assert probe(path).start_time_s == pytest.approx(4.0)
    got = [(f.t, int(f.image.mean())) for f in iter_frames(path, fps=2.0, skip_nonref=False)]
    # one frame per 0.5 s slot: the first frame at or after the slot; brightness tells which one
    assert [t for t, _ in got] == pytest.approx([0.0, 0.9, 1.3, 2.7, 3.0, 5.0], abs=0.002)
    assert [round(b / 20) for _, b in got] == [0, 3, 4, 6, 7, 8]


def test_rotated_phone_video_is_turned_upright(media_dir, grid_clip):
    # A phone stores landscape sensor pixels and a display matrix; the viewer must see the face upright.
    upright = grid_clip("brbk7n.mpg")[:25]
    sensor = [np.ascontiguousarray(np.rot90(f, k=1)) for f in upright]  # stored turned 90 deg CCW
    path = media_dir / "phone.mp4"
    write_video(path, sensor, fps=25.0)
    set_mp4_rotation(path, 90)
    stats = DecodeStats()
    frames = list(iter_frames(path, fps=2.0, stats=stats))
    assert stats.rotation in (90, 270)
    assert frames[0].image.shape == upright[0].shape
    diff = np.abs(frames[0].image.astype(int) - upright[0].astype(int)).mean()
    assert diff < 12  # same picture up to compression


def test_skip_nonref_keeps_slots_and_decodes_less(media_dir, grid_clip):
    path = media_dir / "bframes.mp4"
    frames = grid_clip("lwbsza.mpg") * 4
    write_video(path, frames, fps=25.0, options={"preset": "veryfast", "bf": "3"})
    full, skip = DecodeStats(), DecodeStats()
    a = [f.t for f in iter_frames(path, fps=2.0, stats=full, skip_nonref=False)]
    b = [f.t for f in iter_frames(path, fps=2.0, stats=skip)]
    assert len(a) == len(b)
    assert np.max(np.abs(np.array(a) - np.array(b))) <= 0.2
    assert skip.decoded < full.decoded
    assert decode_only(path).decoded == full.decoded


def test_audio_is_16k_mono(media_dir):
    audio = read_audio(GRID / "lwbsza.mpg")
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert len(audio) == pytest.approx(48000, rel=0.03)
    assert 0.01 < float(np.abs(audio).max()) <= 1.0


@pytest.mark.parametrize("content", [b"", b"this is not a video\n" * 10])
def test_unreadable_files_raise_input_error(media_dir, content):
    path = media_dir / f"bad_{len(content)}.mp4"
    path.write_bytes(content)
    with pytest.raises(InputError):
        probe(path)


def test_missing_file_raises_input_error(media_dir):
    with pytest.raises(InputError, match="not found"):
        probe(media_dir / "nope.mp4")
