"""Measurement on labelled data (``edcontrol eval ...``): each command ends with one JSON line."""
