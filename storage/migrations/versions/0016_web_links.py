"""web links: a person's sign-in link to the web pages and the session it opened

Revision ID: 0016
Revises: 0015
Created: 2026-12-06 22:40:00

Issue 21. ``!webb`` gives a personal link (signed with the web secret, which is kept in
``doorstate`` as ``web``/``secret`` when ``WEB_SECRET`` is not set); its row (``weblink``)
makes it single-use and revocable, and holds the session it opened: the forums it covers with
the person's role in each, until when.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "weblink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("forums", sa.JSON(), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
        sa.Column("session_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        _when("session_until", nullable=True),
        _when("revoked_at", nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_weblink_person_id", "weblink", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_weblink_person_id", table_name="weblink")
    op.drop_table("weblink")
