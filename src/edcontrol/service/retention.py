"""Deleting lessons for good: on request, by retention, and the clean-up of anything left behind.

``delete_lesson`` writes a tombstone and removes the row (its webhook events go with it) in one
transaction, then the files; a worker still running the lesson loses its lease at once (fenced writes), so
it can write nothing back, and whatever it wrote in between is removed when it notices (see ``jobs``).
``purge`` is the safety net: retention, folders no lesson row owns (crashes between steps), old tombstones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from edcontrol.service.storage import Storage
from edcontrol.service.store import Lesson, Tenant, Tombstone, now


def delete_lesson(s: Session, storage: Storage, lesson: Lesson) -> None:
    tenant_id, lesson_id = lesson.tenant_id, lesson.id
    s.merge(Tombstone(lesson_id=lesson_id, tenant_id=tenant_id, deleted_at=now()))
    s.delete(lesson)
    s.commit()
    storage.delete_lesson(tenant_id, lesson_id)


@dataclass(frozen=True)
class PurgeResult:
    lessons: int  # past their tenant's retention period
    orphaned_folders: int  # on disk with no lesson row (deleted lessons' late files, crashed uploads)
    tombstones: int  # older than the tombstone time-to-live


def _expired(sessions: sessionmaker, storage: Storage) -> int:
    removed = 0
    with sessions() as s:
        for tenant in s.scalars(select(Tenant).where(Tenant.retention_days.is_not(None))).all():
            cutoff = now() - timedelta(days=tenant.retention_days or 0)
            old = s.scalars(select(Lesson).where(Lesson.tenant_id == tenant.id, Lesson.created_at < cutoff)).all()
            for lesson in old:
                delete_lesson(s, storage, lesson)
                removed += 1
    return removed


def _orphans(sessions: sessionmaker, storage: Storage, grace_s: float) -> int:
    """A folder is an orphan when no lesson row owns it and it is tombstoned or older than ``grace_s``
    (a folder younger than that may be an upload whose row is not written yet)."""
    removed = 0
    cutoff = now().timestamp() - grace_s
    with sessions() as s:
        for tenant_id, lesson_id, folder in storage.lesson_dirs():
            if s.get(Lesson, lesson_id) is not None:
                continue
            if s.get(Tombstone, lesson_id) is not None or folder.stat().st_mtime < cutoff:
                storage.delete_lesson(tenant_id, lesson_id)
                removed += 1
    return removed


def purge(
    sessions: sessionmaker, storage: Storage, orphan_grace_s: float = 3600.0, tombstone_ttl_s: float = 7 * 86400.0
) -> PurgeResult:
    """Retention first, then orphaned folders, then tombstones old enough that no lease can still be alive."""
    lessons = _expired(sessions, storage)
    orphans = _orphans(sessions, storage, orphan_grace_s)
    with sessions() as s:
        gone = s.execute(delete(Tombstone).where(Tombstone.deleted_at <= now() - timedelta(seconds=tombstone_ttl_s)))
        s.commit()
    return PurgeResult(lessons, orphans, gone.rowcount)
