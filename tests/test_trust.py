"""Who may command a forum: every role against every command in every kind of channel.

The channel kinds: bound to the forum acted on (A, the conference), bound to another forum
(B, Regional chefsgrupp), bound to none, and a direct conversation with the bot. The roles:
``BOT_ADMINS``, a coordinator of the region, a coordinator of A only, of B only, an actor,
an observer, nobody, and a platform moderator who has no role here. Every refusal is checked
to change nothing in any table, on SQLite and on PostgreSQL; every permitted command to be
carried out (on SQLite, each from a fresh copy of the same state).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from storage import Database
from tests.conftest import THURSDAY_1500
from tests.support.chat import OPERATOR, Chat
from tests.support.databases import BACKENDS, Backend, Databases

A = "samverkanskonferens"
B = "chefsgrupp"
CHANNELS = {"a": "bound to A", "b": "bound to B", "free": "bound to none", "dm": "direct"}
ROLES = ("admin", "regional", "coord_a", "coord_b", "actor", "observer", "nobody", "moderator")
PEOPLE = {
    "admin": OPERATOR,
    "regional": "rita",
    "coord_a": "ca",
    "coord_b": "cb",
    "actor": "anna",
    "observer": "olle",
    "nobody": "eve",
    "moderator": "mallory",
}

COMMANDS = {
    "bind_a": f"!forum koppla {A}",
    "unbind": "!forum lossa",
    "activate": "!aktivera Falsklarm",
    "stand_down": "!avaktivera",
    "publish": "!lägesbild publicera",
    "picture": "!lägesbild",
    "grant": "!roll @zed koordinator",
    "grant_regional": "!roll @zed koordinator regionalt",
    "create_forum": "!forum skapa Tematisk grupp vatten samordnande",
    "new_organisation": "!aktör ny Norrvatten övrig",
    "claim": "!aktör Trafikverket",
    "revoke_claim": "!aktör ta bort @anna",
    "meeting": "!möte start",
    "report": "!läge Läge: lugnt",
}

REGIONAL = {"admin", "regional"}


def _forum_of(channel: str) -> str | None:
    return {"a": "A", "b": "B"}.get(channel)


def permitted(role: str, command: str, channel: str) -> bool:
    """What the trust model says: the expected outcome of one cell of the matrix."""
    if channel == "dm":
        return False  # a direct conversation never acts on a forum
    forum = _forum_of(channel)
    coordinates = {
        "A": role in REGIONAL or role == "coord_a",
        "B": role in REGIONAL or role == "coord_b",
    }
    if command == "bind_a":  # the target forum's role, and the left forum's
        return coordinates["A"] and (forum is None or coordinates[forum])
    if command in ("create_forum", "new_organisation", "grant_regional"):
        return role in REGIONAL
    if forum is None:
        return False  # everything else acts on the channel's forum
    if command in ("unbind", "grant", "publish", "meeting", "revoke_claim"):
        return coordinates[forum]
    if command == "activate":
        return coordinates[forum] and forum == "B"  # A is activated already
    if command == "stand_down":
        return coordinates[forum] and forum == "A"  # A was activated beforehand
    if command == "picture":
        return True  # anyone in a forum's channel reads its picture
    if command == "claim":
        return True  # anyone may say whom they represent, in a forum's channel
    if command == "report":
        # Actors report for their organisation; coordinators have none here.
        return role == "actor" and forum is not None
    raise AssertionError(command)


# -- the state every cell starts from ----------------------------------------------------


def build_state(database: Database, clock: FixedClock) -> None:
    chat = Chat(database, clock)
    for channel, forum in (("a", A), ("b", B)):
        assert chat.say(f"!forum koppla {forum}", channel=channel).ok
    for _role, person in PEOPLE.items():
        chat.say("!hjälp", person=person, channel="a")  # the bot has met everyone
    steps = [
        ("!roll @rita koordinator regionalt", "free"),
        ("!roll @ca koordinator", "a"),
        ("!roll @cb koordinator", "b"),
        ("!roll @olle observatör", "a"),
        ("!roll @olle observatör", "b"),
        ("!schema varje torsdag 16:00", "b"),  # B gets rounds of reports too
    ]
    for line, channel in steps:
        said = chat.say(line, channel=channel)
        assert said.ok, (line, said.text)
    assert chat.say("!aktör Polisen", person="anna", channel="a").ok
    assert chat.say("!aktör SOS Alarm", person="olle", channel="a").ok
    assert chat.say("!aktör Polisen", person="anna", channel="b").ok
    assert chat.say("!aktivera Övning", channel="a").ok
    for channel in ("a", "b"):  # something to publish
        assert chat.say("!läge Läge: lugnt", person="anna", channel=channel).ok


def say(chat: Chat, role: str, command: str, channel: str) -> Any:
    return chat.say(
        COMMANDS[command],
        person=PEOPLE[role],
        channel=channel,
        moderator=role == "moderator",  # a room admin, which grants nothing
        direct=channel == "dm",
    )


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with database.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
            query = f'SELECT * FROM "{table.name}" ORDER BY {order}'  # noqa: S608 (our names)
            result = connection.execute(text(query))
            rows[table.name] = [tuple(map(repr, row)) for row in result]
    return rows


CELLS = [(role, command, channel) for role in ROLES for command in COMMANDS for channel in CHANNELS]
REFUSED = [cell for cell in CELLS if not permitted(*cell)]
ALLOWED = [cell for cell in CELLS if permitted(*cell)]


@dataclass
class Prepared:
    database: Database
    clock: FixedClock


@pytest.fixture(scope="module", params=BACKENDS)
def refusals_db(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Prepared]:
    backend: Backend = request.param
    database = Database(databases.prepared(backend))
    clock = FixedClock(THURSDAY_1500)
    build_state(database, clock)
    yield Prepared(database, clock)
    database.dispose()


def test_every_refusal_is_clear_and_changes_nothing(refusals_db: Prepared) -> None:
    chat = Chat(refusals_db.database, refusals_db.clock)
    before = snapshot(refusals_db.database)
    for role, command, channel in REFUSED:
        said = say(chat, role, command, channel)
        cell = f"{role} {COMMANDS[command]!r} in a channel {CHANNELS[channel]}"
        assert not said.ok, cell
        assert said.reply is not None, cell
        assert said.reply.error_id is None, cell
        assert said.posts == [], cell
        assert said.text.strip(), cell  # an answer in words, not silence
    assert snapshot(refusals_db.database) == before


@pytest.fixture(scope="module")
def allowed_template(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    path = tmp_path_factory.mktemp("trust") / "state.db"
    shutil.copyfile(template_db, path)
    database = Database(f"sqlite:///{path}")
    build_state(database, FixedClock(THURSDAY_1500))
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.mark.parametrize(("role", "command", "channel"), ALLOWED)
def test_what_is_permitted_is_done(
    role: str, command: str, channel: str, allowed_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "bot.db"
    shutil.copyfile(allowed_template, path)
    database = Database(f"sqlite:///{path}")
    try:
        chat = Chat(database, FixedClock(THURSDAY_1500))
        said = say(chat, role, command, channel)
        assert said.ok, said.text
    finally:
        database.dispose()


def test_the_matrix_covers_refusals_of_every_role() -> None:
    """The table above is not all yes or all no: each role is refused something, and the
    moderator is refused exactly what nobody is."""
    for role in ROLES:
        assert any(cell[0] == role for cell in REFUSED), role
    as_nobody = {(c, ch) for r, c, ch in REFUSED if r == "nobody"}
    as_moderator = {(c, ch) for r, c, ch in REFUSED if r == "moderator"}
    assert as_moderator == as_nobody


def test_the_old_rule_is_an_opt_in(database: Database, clock: FixedClock) -> None:
    """With PLATFORM_MODERATORS_ARE_COORDINATORS a room's moderator coordinates every
    forum again; without it, nothing."""
    strict = Chat(database, clock)
    said = strict.say(f"!forum koppla {A}", person="mallory", moderator=True, channel="own")
    assert not said.ok
    opted = Chat(database, clock, CoreConfig(platform_moderators_are_coordinators=True))
    assert opted.say(f"!forum koppla {A}", person="mallory", moderator=True, channel="own").ok
