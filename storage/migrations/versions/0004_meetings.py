"""meetings

Revision ID: 0004
Revises: 0003
Created: 2026-11-23 15:25:20.770155
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("ordinary", "activated", name="mode", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_automatically", sa.Boolean(), nullable=False),
        sa.Column("agenda_position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reportround.id"],
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forum_id", "number"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_forum_id"), ["forum_id"], unique=False)
        batch_op.create_index(
            "uq_meeting_open_per_forum",
            ["forum_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "meetingattendee",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person_id"),
    )
    op.create_table(
        "meetingchair",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person_id"),
    )
    op.create_table(
        "meetingitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "topic",
                "info",
                "decision",
                "action",
                "escalation",
                name="itemkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["meetingitem.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "sequence"),
    )
    with op.batch_alter_table("meetingitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetingitem_meeting_id"), ["meeting_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("meetingitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetingitem_meeting_id"))

    op.drop_table("meetingitem")
    op.drop_table("meetingchair")
    op.drop_table("meetingattendee")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_meeting_open_per_forum",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_meeting_forum_id"))

    op.drop_table("meeting")
