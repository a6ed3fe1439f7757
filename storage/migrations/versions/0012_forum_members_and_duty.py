"""forums as the model defines them: members, representatives, duty roster

Revision ID: 0012
Revises: 0011
Created: 2026-12-06 15:30:00

Issue 18. A person now represents an organisation *in a forum* (``forumrepresentative``,
ordinarie or ersättare); every person who represented an organisation becomes its ordinarie
in each forum the organisation is a member of, which is whom the bot called and mentioned
before. The duty roster (``dutyshift``: who took over TiB or RSK when; ``dutyrota``: a weekly
rota), a thematic group's reports back (an escalation without a meeting), an activation's released organisations, its own host and a linked activation, a
request's acknowledgement, a forum's parent, eve policy and own agenda, and a tag on the
outbox messages the bot finds again (a call-out).

Two seeded forums are given what the model says, unless someone has changed them: the
seeded "Verkställande forum" becomes "Verkställande forum – Ledningscentraler" with the
organisations that run control rooms around the clock as members (when its members are
still every organisation); Regional chefsgrupp and Regional samordningsgrupp get their own
standing agendas (when they have none).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copies, not read from seed.toml: a migration must do the same whenever it runs.
OPERATIONAL_OLD_NAME = "Verkställande forum"
OPERATIONAL_NAME = "Verkställande forum – Ledningscentraler"
CONTROL_ROOMS = (
    "Polisen Region Stockholm",
    "Storstockholms brandförsvar",
    "Södertörns brandförsvarsförbund",
    "Brandkåren Attunda",
    "SOS Alarm",
    "Trafikverket",
    "Region Stockholm",
    "Stockholms stad",
)
AGENDAS = {
    "chefsgrupp": {
        "ordinary": [
            {"key": "opening"},
            {"key": "decisions_follow_up"},
            {"key": "region_plans"},
            {"key": "coordination_group_report"},
            {"key": "raised_items"},
            {"key": "next"},
        ]
    },
    "samordningsgrupp": {
        "ordinary": [
            {"key": "opening"},
            {"key": "follow_up"},
            {"key": "thematic_reports"},
            {"key": "raised_items"},
            {"key": "to_chefsgrupp"},
            {"key": "next"},
        ]
    },
}

_policy = sa.Enum("skip", "previous", "hold", name="holidaypolicy", native_enum=False, length=20)
_duty = sa.Enum("tib", "rsk", name="duty", native_enum=False, length=20)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # In place, not in batch mode: on SQLite that copies and drops the table, which the
    # foreign keys of the tables referring to it forbid. Hence the plain ids (no constraint)
    # of the forum's parent and the activation's host and link.
    op.add_column("forum", sa.Column("eve_policy", _policy, nullable=False, server_default="hold"))
    op.add_column("forum", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.add_column(
        "forum",
        sa.Column("thematic", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )
    op.add_column("forum", sa.Column("agenda", sa.JSON(), nullable=True))

    op.create_table(
        "forumrepresentative",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("ordinary", "deputy", name="representation", native_enum=False, length=20),
            nullable=False,
        ),
        _when("since"),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("forum_id", "person_id"),
    )
    op.create_index(
        "ix_forumrepresentative_organisation_id", "forumrepresentative", ["organisation_id"]
    )
    op.create_table(
        "dutyshift",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty", _duty, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        _when("since"),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "dutyrota",
        sa.Column("duty", _duty, nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        _when("set_at"),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["set_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("duty"),
    )
    op.add_column("activation", sa.Column("released", sa.JSON(), nullable=True))
    op.execute(sa.text("UPDATE activation SET released = '[]'"))
    op.add_column("activation", sa.Column("host_organisation_id", sa.Integer(), nullable=True))
    op.add_column("activation", sa.Column("linked_activation_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("activationrequest", schema=None) as batch_op:
        batch_op.add_column(_when("acknowledged_at", nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("from_activation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_request_acknowledged_by", "person", ["acknowledged_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_request_from_activation", "activation", ["from_activation_id"], ["id"]
        )
    op.add_column(
        "outbox", sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
    )
    tagged = sa.text("tag IS NOT NULL")
    op.create_index(
        "ix_outbox_tag", "outbox", ["tag"], sqlite_where=tagged, postgresql_where=tagged
    )
    op.create_index(
        "ix_outbox_tagged_message",
        "outbox",
        ["message_id"],
        sqlite_where=tagged,
        postgresql_where=tagged,
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("from_meeting_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "raised", "report_back", name="escalationkind", native_enum=False, length=20
                ),
                nullable=False,
                server_default="raised",
            )
        )
    _representatives()
    _operational_forum()
    _agendas()


def _representatives() -> None:
    """Whoever represented an organisation is its ordinarie in each forum it is a member of."""
    op.execute(
        sa.text(
            "INSERT INTO forumrepresentative (forum_id, person_id, organisation_id, kind, since)"
            " SELECT fp.forum_id, p.id, p.organisation_id, 'ordinary', p.created_at"
            " FROM person p JOIN forumparticipant fp"
            " ON fp.organisation_id = p.organisation_id"
            " WHERE p.organisation_id IS NOT NULL"
        )
    )


def _operational_forum() -> None:
    connection = op.get_bind()
    row = connection.execute(
        sa.text("SELECT id FROM forum WHERE slug = 'verkstallande-forum' AND name = :name"),
        {"name": OPERATIONAL_OLD_NAME},
    ).first()
    if row is None:
        return
    forum_id = row[0]
    members = connection.execute(
        sa.text("SELECT count(*) FROM forumparticipant WHERE forum_id = :f"), {"f": forum_id}
    ).scalar_one()
    everyone = connection.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one()
    taken = connection.execute(
        sa.text("SELECT count(*) FROM forum WHERE name = :name"), {"name": OPERATIONAL_NAME}
    ).scalar_one()
    if taken:
        return
    connection.execute(
        sa.text("UPDATE forum SET name = :name WHERE id = :f"),
        {"name": OPERATIONAL_NAME, "f": forum_id},
    )
    if members != everyone:
        return  # a coordinator chose its members: theirs stay
    rooms = [
        org_id
        for (org_id,) in connection.execute(
            sa.text("SELECT id FROM organisation WHERE name IN :names").bindparams(
                sa.bindparam("names", expanding=True)
            ),
            {"names": list(CONTROL_ROOMS)},
        )
    ]
    if not rooms:
        return
    keep = sa.bindparam("keep", expanding=True)
    params = {"f": forum_id, "keep": rooms}
    connection.execute(
        sa.text(
            "DELETE FROM forumrepresentative WHERE forum_id = :f AND organisation_id NOT IN :keep"
        ).bindparams(keep),
        params,
    )
    connection.execute(
        sa.text(
            "DELETE FROM forumparticipant WHERE forum_id = :f AND organisation_id NOT IN :keep"
        ).bindparams(keep),
        params,
    )


def _agendas() -> None:
    forum = sa.table("forum", sa.column("id"), sa.column("slug"), sa.column("agenda", sa.JSON()))
    connection = op.get_bind()
    for slug, agenda in AGENDAS.items():
        connection.execute(
            forum.update()
            .where(forum.c.slug == slug, forum.c.agenda.is_(None))
            .values(agenda=agenda)
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM escalation WHERE item_id IS NULL"))
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_column("kind")
        batch_op.alter_column("from_meeting_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("item_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_outbox_tagged_message", table_name="outbox")
    op.drop_index("ix_outbox_tag", table_name="outbox")
    op.drop_column("outbox", "tag")
    with op.batch_alter_table("activationrequest", schema=None) as batch_op:
        batch_op.drop_constraint("fk_request_from_activation", type_="foreignkey")
        batch_op.drop_constraint("fk_request_acknowledged_by", type_="foreignkey")
        batch_op.drop_column("from_activation_id")
        batch_op.drop_column("acknowledged_by_id")
        batch_op.drop_column("acknowledged_at")
    # In place (SQLite 3.35 and later), as they were added.
    for column in ("linked_activation_id", "host_organisation_id", "released"):
        op.drop_column("activation", column)
    op.drop_table("dutyrota")
    op.drop_table("dutyshift")
    op.drop_index("ix_forumrepresentative_organisation_id", table_name="forumrepresentative")
    op.drop_table("forumrepresentative")
    for column in ("agenda", "thematic", "parent_id", "eve_policy"):
        op.drop_column("forum", column)
