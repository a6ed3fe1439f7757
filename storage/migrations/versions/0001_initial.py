"""initial schema: forums, organisations, people, roles, channels, activations, audit

Revision ID: 0001
Revises: (none)
Created: 2026-11-23 09:21:22.796722
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "municipal",
                "emergency",
                "transport",
                "other",
                name="category",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "forum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "strategic",
                "coordinating",
                "operational",
                name="level",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "ordinary", "activated", "both", name="forumkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column(
            "mode",
            sa.Enum("ordinary", "activated", name="mode", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("mode_since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("host_organisation_id", sa.Integer(), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("schedule_rule", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("schedule_start", sa.Date(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("forum", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_slug"), ["slug"], unique=True)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "user_id"),
    )
    op.create_table(
        "activation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("activated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_by_id", sa.Integer(), nullable=False),
        sa.Column("called_out", sa.JSON(), nullable=False),
        sa.Column("stood_down_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stood_down_by_id", sa.Integer(), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["activated_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stood_down_by_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activation_forum_id"), ["forum_id"], unique=False)
        batch_op.create_index(
            "uq_activation_open_per_forum",
            ["forum_id"],
            unique=True,
            sqlite_where=sa.text("stood_down_at IS NULL"),
            postgresql_where=sa.text("stood_down_at IS NULL"),
        )

    op.create_table(
        "activationrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activationrequest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activationrequest_forum_id"), ["forum_id"], unique=False
        )

    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditevent_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditevent_forum_id"), ["forum_id"], unique=False)

    op.create_table(
        "channelbinding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("bound_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("bound_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bound_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "channel_id"),
    )
    with op.batch_alter_table("channelbinding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channelbinding_forum_id"), ["forum_id"], unique=False)

    op.create_table(
        "forumparticipant",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("forum_id", "organisation_id"),
    )
    op.create_table(
        "rolegrant",
        sa.Column("forum_id", sa.Integer(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("forum_id", "person_id"),
    )
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activation_id"],
            ["activation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activation_id", "organisation_id"),
    )
    with op.batch_alter_table("acknowledgement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_acknowledgement_activation_id"), ["activation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("acknowledgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acknowledgement_activation_id"))

    op.drop_table("acknowledgement")
    op.drop_table("rolegrant")
    op.drop_table("forumparticipant")
    with op.batch_alter_table("channelbinding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channelbinding_forum_id"))

    op.drop_table("channelbinding")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_forum_id"))
        batch_op.drop_index(batch_op.f("ix_auditevent_action"))

    op.drop_table("auditevent")
    with op.batch_alter_table("activationrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activationrequest_forum_id"))

    op.drop_table("activationrequest")
    with op.batch_alter_table("activation", schema=None) as batch_op:
        batch_op.drop_index("uq_activation_open_per_forum")
        batch_op.drop_index(batch_op.f("ix_activation_forum_id"))

    op.drop_table("activation")
    op.drop_table("person")
    with op.batch_alter_table("forum", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_slug"))

    op.drop_table("forum")
    op.drop_table("organisation")
