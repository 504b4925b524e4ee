"""Retention: delete lessons (files and rows) older than their tenant's retention period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from edcontrol.service.storage import Storage
from edcontrol.service.store import Lesson, Tenant, now


def purge(sessions: sessionmaker, storage: Storage) -> int:
    """Returns how many lessons were deleted. Running jobs are left alone until they finish."""
    removed = 0
    with sessions() as s:
        for tenant in s.scalars(select(Tenant).where(Tenant.retention_days.is_not(None))):
            cutoff = now() - timedelta(days=tenant.retention_days or 0)
            old = s.scalars(
                select(Lesson).where(
                    Lesson.tenant_id == tenant.id, Lesson.created_at < cutoff, Lesson.status != "running"
                )
            )
            for lesson in old:
                storage.delete_lesson(tenant.id, lesson.id)
                s.delete(lesson)
                removed += 1
        s.commit()
    return removed
