"""Lesson score column (report 1.1.0 carries a score with reasons).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("score", sa.Float(), nullable=True))
    op.create_index("ix_lessons_score", "lessons", ["score"])


def downgrade() -> None:
    op.drop_index("ix_lessons_score", "lessons")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("score")
