"""channel names, and the exercise a direction belongs to

Revision ID: 0015
Revises: 0014
Created: 2026-12-06 21:10:00

Issue 20.

- A Matrix room's id (``!abc:example.org``) and a Slack channel's (``C0123``) say nothing to
  a person; an exercise's scenario names its channels as people see them (``kanal: stab``).
  The name is noted when a channel is bound and whenever a command there shows it changed
  (``channelbinding.name``; nullable: bindings made before are named on their next command).
- A joint regional direction drafted in an exercise is the exercise's
  (``direction.exercise_id``, a plain id as ``activation.exercise_id``): it supersedes only
  the exercise's directions, is in force only in the exercise's forum while it lasts, and
  ends with it — never replacing the real direction in force.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "channelbinding",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    )
    op.add_column("direction", sa.Column("exercise_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("direction", "exercise_id")
    op.drop_column("channelbinding", "name")
