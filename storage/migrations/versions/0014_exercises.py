"""exercises: an exercise of a forum and the activations it flags

Revision ID: 0014
Revises: 0013
Created: 2026-12-06 19:45:00

Issue 20. An exercise (``exercise``: a forum's, from start to end, when its data was removed,
its scenario of injects) and the flag on an activation that belongs to one
(``activation.exercise_id``, a plain id: the activation table is referred to by others, so it
is changed in place).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.add_column("activation", sa.Column("exercise_id", sa.Integer(), nullable=True))
    op.create_table(
        "exercise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        _when("started_at"),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        _when("ended_at", nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        _when("cleared_at", nullable=True),
        sa.Column("cleared_by_id", sa.Integer(), nullable=True),
        sa.Column("scenario", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["started_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["ended_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["cleared_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exercise_forum_id", "exercise", ["forum_id"])


def downgrade() -> None:
    op.drop_index("ix_exercise_forum_id", table_name="exercise")
    op.drop_table("exercise")
    op.drop_column("activation", "exercise_id")
