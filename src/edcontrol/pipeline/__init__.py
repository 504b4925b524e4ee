"""Stages that turn media into artefacts on one lesson timeline, and their fusion into a report."""
