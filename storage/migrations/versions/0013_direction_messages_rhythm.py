"""the joint regional direction, joint messages and the meeting rhythm of an activation

Revision ID: 0013
Revises: 0012
Created: 2026-12-06 18:10:00

Issue 19. A joint regional direction (``direction``) and its versions
(``directionversion``: each edit, who, when, in which forum) and the organisations that have
confirmed it (``directionconfirmation``); joint messages to the public (``jointmessage``), their
versions and each organisation's answer to a version (ok or an objection); an activation's
meeting rhythm (``activation.rhythm_minutes``, ``rhythm_from``, ``next_meeting_at``) and the
round of each of its meetings (``reportround.rhythm_activation_id``, a plain id: the table is
referred to by others, so it is changed in place).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def _state(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.add_column("activation", sa.Column("rhythm_minutes", sa.Integer(), nullable=True))
    op.add_column("activation", _when("rhythm_from", nullable=True))
    op.add_column("activation", _when("next_meeting_at", nullable=True))
    op.add_column("reportround", sa.Column("rhythm_activation_id", sa.Integer(), nullable=True))

    op.create_table(
        "direction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("drafted_in_id", sa.Integer(), nullable=False),
        sa.Column("activation_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            _state("directionstate", "draft", "presented", "adopted", "superseded"),
            nullable=False,
        ),
        _when("created_at"),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("presented_to_id", sa.Integer(), nullable=True),
        _when("presented_at", nullable=True),
        sa.Column("presented_by_id", sa.Integer(), nullable=True),
        _when("adopted_at", nullable=True),
        sa.Column("adopted_by_id", sa.Integer(), nullable=True),
        _when("superseded_at", nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        _when("valid_until", nullable=True),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["drafted_in_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["activation_id"], ["activation.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["presented_to_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["presented_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["adopted_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_direction_forum_id", "direction", ["forum_id"])
    op.create_table(
        "directionversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("priorities", sa.Text(), nullable=True),
        sa.Column("constraints", sa.Text(), nullable=True),
        sa.Column("guidelines", sa.Text(), nullable=True),
        sa.Column("communication", sa.Text(), nullable=True),
        _when("valid_until", nullable=True),
        sa.Column("valid_until_text", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["direction_id"], ["direction.id"]),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("direction_id", "version"),
    )
    op.create_index("ix_directionversion_direction_id", "directionversion", ["direction_id"])
    op.create_table(
        "directionconfirmation",
        sa.Column("direction_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        _when("at"),
        sa.ForeignKeyConstraint(["direction_id"], ["direction.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("direction_id", "organisation_id"),
    )
    op.create_table(
        "jointmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("activation_id", sa.Integer(), nullable=True),
        sa.Column(
            "state", _state("jointmessagestate", "proposed", "agreed", "retired"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _when("proposed_at"),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        _when("agreed_at", nullable=True),
        sa.Column("agreed_by_id", sa.Integer(), nullable=True),
        _when("retired_at", nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["activation_id"], ["activation.id"]),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["agreed_by_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["retired_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forum_id", "number"),
    )
    op.create_index("ix_jointmessage_forum_id", "jointmessage", ["forum_id"])
    op.create_table(
        "jointmessageversion",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _when("at"),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["jointmessage.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("message_id", "version"),
    )
    op.create_table(
        "jointmessageanswer",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("objection", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        _when("at"),
        sa.ForeignKeyConstraint(["message_id"], ["jointmessage.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("message_id", "version", "organisation_id"),
    )


def downgrade() -> None:
    for table in (
        "jointmessageanswer",
        "jointmessageversion",
        "jointmessage",
        "directionconfirmation",
        "directionversion",
        "direction",
    ):
        op.drop_table(table)
    op.drop_column("reportround", "rhythm_activation_id")
    op.drop_column("activation", "next_meeting_at")
    op.drop_column("activation", "rhythm_from")
    op.drop_column("activation", "rhythm_minutes")
