"""the municipalities' official names

Revision ID: 0010
Revises: 0009
Created: 2026-12-06 10:30:00

Issue 15: nine municipalities were seeded by names they do not bear ("Solna kommun" is
Solna stad, "Danderyd kommun" is Danderyds kommun). A data migration: each is renamed, and its
old name and short form become aliases, so that every lookup that worked still works. The
schema does not change.

A database where someone has already added the official name as a second organisation (the
bug of issue 15, section 3) keeps both as they are: merging two organisations' reports,
representatives and acknowledgements is a coordinator's decision, not a migration's.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Old name -> (official name, short form). A copy, not read from seed.toml: a migration must
# do the same thing whenever it runs.
RENAMED: dict[str, tuple[str, str]] = {
    "Danderyd kommun": ("Danderyds kommun", "Danderyd"),
    "Nykvarn kommun": ("Nykvarns kommun", "Nykvarn"),
    "Nynäshamn kommun": ("Nynäshamns kommun", "Nynäshamn"),
    "Salem kommun": ("Salems kommun", "Salem"),
    "Österåker kommun": ("Österåkers kommun", "Österåker"),
    "Lidingö kommun": ("Lidingö stad", "Lidingö"),
    "Solna kommun": ("Solna stad", "Solna"),
    "Sundbyberg kommun": ("Sundbybergs stad", "Sundbyberg"),
    "Vaxholm kommun": ("Vaxholms stad", "Vaxholm"),
}

organisation = sa.table(
    "organisation",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("aliases", sa.JSON()),
)


def _rename(old: str, new: str, aliases: list[str]) -> None:
    connection = op.get_bind()
    rows = {
        name: (row_id, list(stored or []))
        for row_id, name, stored in connection.execute(
            sa.select(organisation.c.id, organisation.c.name, organisation.c.aliases).where(
                organisation.c.name.in_([old, new])
            )
        )
    }
    if old not in rows:
        return  # not seeded here, or renamed by hand
    if new in rows:
        log.warning("organisation %r not renamed: %r exists already", old, new)
        return
    row_id, stored = rows[old]
    # The old aliases first (a coordinator may have added some), then the new ones.
    merged = [*stored, *(alias for alias in aliases if alias not in stored and alias != new)]
    connection.execute(
        organisation.update()
        .where(organisation.c.id == row_id)
        .values(name=new, aliases=[alias for alias in merged if alias != new])
    )


def upgrade() -> None:
    for old, (new, short) in RENAMED.items():
        _rename(old, new, [short, old])


def downgrade() -> None:
    # The old name is the name again, and so no longer an alias (see _rename).
    for old, (new, short) in RENAMED.items():
        _rename(new, old, [short])
