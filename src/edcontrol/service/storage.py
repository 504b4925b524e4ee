"""Media and report files under generated names (never the uploaded name), written atomically."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO


class UploadTooLarge(Exception):
    pass


class LessonGone(Exception):
    """The lesson's folder no longer exists (it was deleted): nothing may be written for it again."""


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def lesson_dir(self, tenant_id: str, lesson_id: str) -> Path:
        return self.root / tenant_id / lesson_id

    def save_upload(self, tenant_id: str, lesson_id: str, stream: BinaryIO, limit: int) -> tuple[Path, int]:
        """Stream an upload to disk in 1 MiB chunks; over ``limit`` or on any error nothing is left."""
        folder = self.lesson_dir(tenant_id, lesson_id)
        folder.mkdir(parents=True, exist_ok=True)
        tmp, final = folder / "media.part", folder / "media"
        size = 0
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(1 << 20):
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge(f"upload exceeds the limit of {limit} bytes")
                    out.write(chunk)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return final, size

    def write_report(self, tenant_id: str, lesson_id: str, text: str, name: str = "report.json") -> Path:
        """Atomic write into the lesson's existing folder. The folder is never re-created: once a lesson is
        deleted (folder removed), a late write by a worker still running it fails with ``LessonGone``."""
        folder = self.lesson_dir(tenant_id, lesson_id)
        if Path(name).name != name or not folder.is_dir():
            raise LessonGone(lesson_id)
        tmp, final = folder / f".{name}.part", folder / name
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, final)
        except FileNotFoundError:  # deleted between the check and the write
            raise LessonGone(lesson_id) from None
        return final

    def lesson_dirs(self) -> list[tuple[str, str, Path]]:
        """(tenant id, lesson id, folder) of every lesson folder on disk."""
        return [
            (t.name, d.name, d)
            for t in sorted(self.root.iterdir())
            if t.is_dir()
            for d in sorted(t.iterdir())
            if d.is_dir()
        ]

    def delete_lesson(self, tenant_id: str, lesson_id: str) -> None:
        shutil.rmtree(self.lesson_dir(tenant_id, lesson_id), ignore_errors=True)
