"""Signal features shared by models and stages (pure NumPy DSP: mel spectra, loudness, pitch)."""
