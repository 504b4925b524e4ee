"""Recognising data folders by their layout, so `edcontrol eval` scores any folder laid out the same way."""

from __future__ import annotations

import csv
from pathlib import Path

VIDEO_SUFFIXES = {".mp4", ".mkv", ".webm", ".mov", ".avi", ".mpg"}


def video_label_rows(folder: Path, columns: set[str]) -> list[dict[str, str]]:
    """The rows of ``folder/labels.csv`` when it has ``columns`` (``file`` among them) and every ``file`` is a
    video in the folder; else an empty list."""
    labels = folder / "labels.csv"
    if not labels.is_file():
        return []
    with labels.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ok = all(
        (columns | {"file"}) <= r.keys()
        and Path(r["file"]).suffix.lower() in VIDEO_SUFFIXES
        and (folder / r["file"]).is_file()
        for r in rows
    )
    return rows if rows and ok else []
