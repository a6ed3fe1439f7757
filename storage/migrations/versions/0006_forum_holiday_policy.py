"""forum holiday policy

Revision ID: 0006
Revises: 0005
Created: 2026-11-23 16:34:41.130351
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("forum", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "holiday_policy",
                sa.Enum(
                    "skip", "previous", "hold", name="holidaypolicy", native_enum=False, length=20
                ),
                server_default="skip",
                nullable=False,
            )
        )


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies and drops the forum table, which its foreign
    # keys forbid; SQLite 3.35 and later drop a column in place.
    op.drop_column("forum", "holiday_policy")
