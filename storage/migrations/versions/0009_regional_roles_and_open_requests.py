"""regional roles and open activation requests

Revision ID: 0009
Revises: 0008
Created: 2026-12-06 10:00:00

The trust model of issue 14: a platform's moderators are no longer coordinators, so
coordinators of the whole region get a table of their own (``regionalgrant``); a request for
activation made again while one is open is added to it (``repeats``). Nothing existing is
dropped: bindings, grants and requests stay as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "regionalgrant",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "none",
                "observer",
                "actor",
                "coordinator",
                name="role",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("granted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["granted_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )
    with op.batch_alter_table("activationrequest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeats", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activationrequest", schema=None) as batch_op:
        batch_op.drop_column("repeats")
    op.drop_table("regionalgrant")
