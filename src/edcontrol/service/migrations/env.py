"""Alembic environment: the URL and connection come from EdControl (see service/store.py)."""

from __future__ import annotations

from alembic import context

from edcontrol.service.store import Base

config = context.config
target_metadata = Base.metadata
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - EdControl always passes its own connection
    raise RuntimeError("run migrations through edcontrol.service.store.migrate()")
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
