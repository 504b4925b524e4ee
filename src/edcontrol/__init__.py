"""EdControl: offline analytics of recorded video lessons."""

__version__ = "0.1.0"
