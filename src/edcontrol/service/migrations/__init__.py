"""Alembic migrations of the service store (run automatically at start-up: ``upgrade head``)."""
