"""situation reports, rounds, published pictures, form dialogs

Revision ID: 0003
Revises: 0002
Created: 2026-11-23 14:14:23.228975
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "formdialog",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("form", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "channel_id", "user_id"),
    )
    op.create_table(
        "reportround",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("meeting", "activation", name="roundkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("meeting_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("activation_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["activation_id"],
            ["activation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forum.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activation_id"),
        sa.UniqueConstraint("forum_id", "meeting_at"),
        sa.UniqueConstraint("forum_id", "number"),
    )
    with op.batch_alter_table("reportround", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reportround_forum_id"), ["forum_id"], unique=False)

    op.create_table(
        "publishedpicture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reportround.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "version"),
    )
    with op.batch_alter_table("publishedpicture", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publishedpicture_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "situationreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("unchanged_from_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=True),
        sa.Column("impact", sa.Text(), nullable=True),
        sa.Column("actions_taken", sa.Text(), nullable=True),
        sa.Column("planned_actions", sa.Text(), nullable=True),
        sa.Column("needs", sa.Text(), nullable=True),
        sa.Column("communication", sa.Text(), nullable=True),
        sa.Column("outlook", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reportround.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unchanged_from_id"],
            ["situationreport.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("situationreport", schema=None) as batch_op:
        batch_op.create_index(
            "ix_situationreport_organisation_latest", ["organisation_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_situationreport_round_id"), ["round_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("situationreport", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_situationreport_round_id"))
        batch_op.drop_index("ix_situationreport_organisation_latest")

    op.drop_table("situationreport")
    with op.batch_alter_table("publishedpicture", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publishedpicture_round_id"))

    op.drop_table("publishedpicture")
    with op.batch_alter_table("reportround", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reportround_forum_id"))

    op.drop_table("reportround")
    op.drop_table("formdialog")
