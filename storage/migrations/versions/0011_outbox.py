"""the outbox

Revision ID: 0011
Revises: 0010
Created: 2026-12-06 13:00:00

Issue 17: everything the bot says goes through one table, written in the transaction of the
change that made it, so that a process dying between its commit and its sending leaves the
message for another. Scheduled posts are handed to it once worded (state ``queued``), and
their retries happen there; the relays of a post to the process that serves Matrix are
outbox rows like any other. Two partial indexes on the scheduled posts (the pending ones on their first attempt,
by due time; those waiting for a retry, by its time) let "when is the next one" be read
without reading every pending row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

# Copies, not imported from storage.models: a migration must do the same whenever it runs.
FIRST_DUE = "state = 'pending' AND next_attempt_at IS NULL"
RETRY_DUE = "state = 'pending' AND next_attempt_at IS NOT NULL"

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("scheduled_id", sa.Integer(), nullable=True),
        sa.Column("route", sa.Text(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ready_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="outboxstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(["scheduled_id"], ["scheduledpost.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_state_ready", ["state", "ready_at"], unique=False)
    # Partial indexes, each of the rows one read of "when is the next" is about.
    op.create_index(
        "ix_scheduledpost_first_due",
        "scheduledpost",
        ["due_at"],
        unique=False,
        sqlite_where=sa.text(FIRST_DUE),
        postgresql_where=sa.text(FIRST_DUE),
    )
    op.create_index(
        "ix_scheduledpost_retry_due",
        "scheduledpost",
        ["next_attempt_at"],
        unique=False,
        sqlite_where=sa.text(RETRY_DUE),
        postgresql_where=sa.text(RETRY_DUE),
    )
    # Posts an older version left for the process that serves Matrix (kind "relay", the
    # encoded post in ``text``) are outbox messages now: moved, to be sent as they were.
    op.execute(
        sa.text(
            "INSERT INTO outbox (key, platform, channel_id, kind, scheduled_id, ok, payload,"
            " created_at, due_at, ready_at, state, attempts, failures)"
            " SELECT 'relay-' || CAST(id AS VARCHAR(20)), platform, channel_id, 'post', NULL,"
            " :true, text, created_at, NULL, due_at, 'pending', 0, 0"
            " FROM scheduledpost WHERE kind = 'relay' AND state IN ('pending', 'sending')"
            " AND text IS NOT NULL"
        ).bindparams(true=True)
    )
    op.execute(
        "UPDATE scheduledpost SET state = 'cancelled', claimed_until = NULL, claimed_by = NULL"
        " WHERE kind = 'relay' AND state IN ('pending', 'sending')"
    )


def downgrade() -> None:
    op.drop_index("ix_scheduledpost_retry_due", table_name="scheduledpost")
    op.drop_index("ix_scheduledpost_first_due", table_name="scheduledpost")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_ready")
    op.drop_table("outbox")
