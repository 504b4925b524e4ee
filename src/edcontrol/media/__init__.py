"""Decoding and sampling of lesson recordings. Knows containers and codecs, not models."""

from edcontrol.media.audio import read_audio
from edcontrol.media.frames import SampledFrame, iter_frames
from edcontrol.media.probe import MediaInfo, probe

__all__ = ["MediaInfo", "SampledFrame", "iter_frames", "probe", "read_audio"]
