"""A lesson's audio spooled to a temporary file and read by slices: the same samples as in memory, safe to
read from two threads at once, gone from the disk when closed; the audio track gives the same result on it."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from conftest import SAMPLE
from edcontrol.media.audio import SAMPLE_RATE, AudioSpan, read_audio, samples, spool_audio


def test_slices_are_the_samples_read_in_memory():
    whole = read_audio(SAMPLE)
    with spool_audio(SAMPLE) as audio:
        assert len(audio) == len(whole) and audio.shape == whole.shape
        for a, b in ((0, 1), (12345, 12345 + 10 * SAMPLE_RATE), (len(whole) - 100, len(whole) + 500), (-50, None)):
            assert np.array_equal(audio[a:b], whole[a:b])
        assert len(audio[len(whole) + 10 :]) == 0
        assert np.array_equal(np.asarray(audio), whole)
        span = samples(audio, SAMPLE_RATE, 3 * SAMPLE_RATE)
        assert isinstance(span, AudioSpan) and len(span) == 2 * SAMPLE_RATE
        assert np.array_equal(np.asarray(span, dtype=np.float32), whole[SAMPLE_RATE : 3 * SAMPLE_RATE])
        with pytest.raises(TypeError):
            audio[5]
        starts = list(range(0, len(whole) - SAMPLE_RATE, SAMPLE_RATE // 3))
        with ThreadPoolExecutor(2) as pool:  # positional reads: two threads never move each other's place
            got = list(pool.map(lambda a: audio[a : a + SAMPLE_RATE], starts))
        assert all(np.array_equal(g, whole[a : a + SAMPLE_RATE]) for g, a in zip(got, starts, strict=True))
        fd = audio._file.fileno()
        assert os.fstat(fd).st_nlink == 0  # no name on disk: nothing is left behind, even by a killed worker
    with pytest.raises(OSError):
        os.fstat(fd)


@pytest.mark.slow
def test_audio_track_hears_the_same_from_disk_as_from_memory():
    from edcontrol.pipeline.audio_track import AudioTrackConfig, analyze_audio

    config, models = AudioTrackConfig(asr_model=None), {}
    in_memory = analyze_audio(read_audio(SAMPLE), config, models=models)
    with spool_audio(SAMPLE) as audio:
        spooled = analyze_audio(audio, config, models=models)
    assert spooled.info.model_dump() == in_memory.info.model_dump()  # turns, speakers, timelines, emotion
    assert [s.model_dump() for s in spooled.signals] == [s.model_dump() for s in in_memory.signals]
    assert len(in_memory.info.turns) >= 8  # the sample's two people take turns
