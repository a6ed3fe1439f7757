"""display links: a staff-room screen's link to one forum's page, valid until revoked

Revision ID: 0017
Revises: 0016
Created: 2026-12-07 00:10:00

Issue 21. ``!webb skärm`` gives a coordinator a display link (``weblink`` with ``kind``
"display"): it names one forum (``forum_id``, a plain id) and is kept until revoked
(``!webb återkalla``); ``last_seen_at`` says when a screen last fetched the page.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("weblink", sa.Column("forum_id", sa.Integer(), nullable=True))
    op.add_column(
        "weblink",
        sa.Column("last_seen_at", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_weblink_forum_id", "weblink", ["forum_id"])


def downgrade() -> None:
    op.drop_index("ix_weblink_forum_id", table_name="weblink")
    op.drop_column("weblink", "last_seen_at")
    op.drop_column("weblink", "forum_id")
