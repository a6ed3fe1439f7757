"""The storage layer on every backend: migrations, seed, time zones, units of work, constraints.

Every test that takes ``db_url``, ``empty_db`` or ``db`` runs twice (they all hang on the
``backend`` parameter): on SQLite (a file in a temporary directory) and on PostgreSQL (a fresh
database on one server started once per test session, by tests/support/databases.py).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dateutil.rrule import rrulestr
from sqlalchemy import JSON, Column, MetaData, String, func, inspect, text
from sqlalchemy import column as sa_column
from sqlalchemy import select as select_rows
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, col, select

from storage import AuditContext, Database, Store
from storage.migrate import alembic_config, current_revision, upgrade
from storage.models import (
    Acknowledgement,
    Activation,
    ActivationRequest,
    AuditEvent,
    Category,
    ChannelBinding,
    FormDialog,
    Forum,
    ForumKind,
    ForumParticipant,
    ItemKind,
    Level,
    Meeting,
    Mode,
    Organisation,
    Person,
    ReportRound,
    Representation,
    Role,
    RoundKind,
)
from storage.reports import ReportFields
from storage.seed import municipalities, seed_data
from storage.types import UTCDateTime
from tests.support.databases import BACKENDS, SEEDED_AT, Backend, Databases

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Thursday 26 November 2026, an hour before the samverkanskonferens (winter time, UTC+1).
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM)
WEEK = timedelta(days=7)

LANSSTYRELSEN = "Länsstyrelsen Stockholm"
POLISEN = "Polisen Region Stockholm"
TRAFIKVERKET = "Trafikverket"
KONFERENS = "samverkanskonferens"
SAMORDNANDE = "samordnande-forum"

# DOMAIN.md, "The forums": slug, name, level, kind (the model's mode column), host.
EXPECTED_FORUMS = [
    ("chefsgrupp", "Regional chefsgrupp", Level.STRATEGIC, ForumKind.ORDINARY, LANSSTYRELSEN),
    (
        "inriktande-forum",
        "Regionalt inriktande forum",
        Level.STRATEGIC,
        ForumKind.ACTIVATED,
        LANSSTYRELSEN,
    ),
    ("samordningsgrupp", "Regional samordningsgrupp", Level.COORDINATING, ForumKind.ORDINARY, None),
    (
        KONFERENS,
        "Regional samverkanskonferens",
        Level.COORDINATING,
        ForumKind.ORDINARY,
        LANSSTYRELSEN,
    ),
    (
        SAMORDNANDE,
        "Regionalt samordnande forum",
        Level.COORDINATING,
        ForumKind.ACTIVATED,
        LANSSTYRELSEN,
    ),
    (
        "tematiska-arbetsgrupper",
        "Tematiska arbetsgrupper",
        Level.COORDINATING,
        ForumKind.BOTH,
        None,
    ),
    (
        "verkstallande-forum",
        "Verkställande forum – Ledningscentraler",
        Level.OPERATIONAL,
        ForumKind.BOTH,
        None,
    ),
]

# DOMAIN.md, "The actors": the 26 municipalities by their official names.
MUNICIPALITIES = [
    "Botkyrka kommun",
    "Danderyds kommun",
    "Ekerö kommun",
    "Haninge kommun",
    "Huddinge kommun",
    "Järfälla kommun",
    "Lidingö stad",
    "Nacka kommun",
    "Norrtälje kommun",
    "Nykvarns kommun",
    "Nynäshamns kommun",
    "Salems kommun",
    "Sigtuna kommun",
    "Sollentuna kommun",
    "Solna stad",
    "Stockholms stad",
    "Sundbybergs stad",
    "Södertälje kommun",
    "Tyresö kommun",
    "Täby kommun",
    "Upplands-Bro kommun",
    "Upplands Väsby kommun",
    "Vallentuna kommun",
    "Vaxholms stad",
    "Värmdö kommun",
    "Österåkers kommun",
]
# The names seeded before migration 0010, and the official names they became.
FORMER_NAMES = {
    "Danderyd kommun": "Danderyds kommun",
    "Nykvarn kommun": "Nykvarns kommun",
    "Nynäshamn kommun": "Nynäshamns kommun",
    "Salem kommun": "Salems kommun",
    "Österåker kommun": "Österåkers kommun",
    "Lidingö kommun": "Lidingö stad",
    "Solna kommun": "Solna stad",
    "Sundbyberg kommun": "Sundbybergs stad",
    "Vaxholm kommun": "Vaxholms stad",
}
EXPECTED_ORGANISATIONS: dict[str, Category] = {
    LANSSTYRELSEN: Category.OTHER,
    "Kommunförbundet Stockholms län": Category.MUNICIPAL,
    POLISEN: Category.EMERGENCY,
    "Storstockholms brandförsvar": Category.EMERGENCY,
    "Södertörns brandförsvarsförbund": Category.EMERGENCY,
    "Brandkåren Attunda": Category.EMERGENCY,
    "SOS Alarm": Category.EMERGENCY,
    "Region Stockholm": Category.OTHER,
    TRAFIKVERKET: Category.TRANSPORT,
    "Stockholms hamnar": Category.TRANSPORT,
    "Försvarsmakten, Militärregion Mitt": Category.OTHER,
    **dict.fromkeys(MUNICIPALITIES, Category.MUNICIPAL),
}


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    name: Backend = request.param
    return name


@pytest.fixture
def db_url(backend: Backend, databases: Databases) -> str:
    """The URL of a new, empty database (no tables) on ``backend``."""
    return databases.empty(backend)


@pytest.fixture
def empty_db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def db(backend: Backend, databases: Databases) -> Iterator[Database]:
    """A new database as ``Database.prepare`` left it (migrated, seeded at SEEDED_AT)."""
    database = Database(databases.prepared(backend))
    yield database
    database.dispose()


# -- helpers -------------------------------------------------------------------------------


def ctx(
    user_id: str = "olle",
    display_name: str = "Olle Operatör",
    *,
    channel_id: str = "stab",
    platform: str = "test",
    at: datetime = NOW,
) -> AuditContext:
    return AuditContext(
        platform=platform,
        channel_id=channel_id,
        user_id=user_id,
        display_name=display_name,
        at=at,
    )


def forum(store: Store, slug: str) -> Forum:
    return store.session.exec(select(Forum).where(Forum.slug == slug)).one()


def organisation(store: Store, name: str) -> Organisation:
    return store.session.exec(select(Organisation).where(Organisation.name == name)).one()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def model_differences(engine: Engine, metadata: MetaData = SQLModel.metadata) -> list[Any]:
    """What alembic's autogenerate would put into a new migration for ``metadata``."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (alembic's too), in primary-key order."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with database.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            query = select_rows(table).order_by(*table.primary_key.columns)
            result[table.name] = [tuple(row) for row in connection.execute(query)]
        result["alembic_version"] = [
            tuple(row)
            for row in connection.execute(text("SELECT version_num FROM alembic_version"))
        ]
    return result


def count(database: Database, model: type[SQLModel]) -> int:
    with Session(database.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def audit_events(database: Database) -> list[AuditEvent]:
    with Session(database.engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))


def assert_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is UTC, value


class Boom(Exception):
    """Raised inside a unit of work to make it roll back."""


# -- 1. prepare: migrate and seed ----------------------------------------------------------


def test_prepare_migrates_an_empty_database_to_head(empty_db: Database) -> None:
    assert current_revision(empty_db.engine) is None
    assert inspect(empty_db.engine).get_table_names() == []

    empty_db.prepare(NOW)

    assert head_revision(empty_db.engine) is not None
    assert current_revision(empty_db.engine) == head_revision(empty_db.engine)
    assert set(inspect(empty_db.engine).get_table_names()) == {
        "alembic_version",
        *SQLModel.metadata.tables,
    }


def test_prepare_seeds_the_forums_of_the_model(empty_db: Database) -> None:
    empty_db.prepare(NOW)

    with empty_db.reading(ctx()) as store:
        forums = store.forums.all()
        hosts = {o.id: o.name for o in store.organisations.all()}
        got = [
            (f.slug, f.name, f.level, f.kind, hosts.get(f.host_organisation_id or -1))
            for f in forums
        ]
        assert got == EXPECTED_FORUMS
        for seeded in forums:
            assert seeded.mode is Mode.ORDINARY
            assert seeded.language == "sv"
            assert seeded.timezone == "Europe/Stockholm"
            assert seeded.mode_since == NOW
            assert seeded.created_at == NOW
            assert_utc(seeded.mode_since)
            assert_utc(seeded.created_at)
            if seeded.slug != KONFERENS:
                assert seeded.schedule_rule is None, seeded.slug
                assert seeded.schedule_start is None, seeded.slug


def test_the_samverkanskonferens_meets_every_thursday_at_1600_stockholm_time(
    empty_db: Database,
) -> None:
    empty_db.prepare(NOW)

    with empty_db.unit_of_work(ctx()) as store:
        konferens = forum(store, KONFERENS)
    assert konferens.schedule_rule is not None
    assert konferens.schedule_start == date(2010, 1, 7)  # a Thursday
    zone = ZoneInfo(konferens.timezone)
    start = datetime.combine(konferens.schedule_start, clock_time(), tzinfo=zone)
    rule = rrulestr(konferens.schedule_rule, dtstart=start)

    assert rule.after(start, inc=True) == datetime(2010, 1, 7, 16, 0, tzinfo=STOCKHOLM)
    # Winter time (UTC+1) and summer time (UTC+2): 16:00 on the wall clock both times.
    winter = rule.after(datetime(2026, 11, 20, tzinfo=STOCKHOLM))
    summer = rule.after(datetime(2026, 6, 1, tzinfo=STOCKHOLM))
    assert winter == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert summer == datetime(2026, 6, 4, 14, 0, tzinfo=UTC)
    spring = rule.between(
        datetime(2026, 3, 1, tzinfo=STOCKHOLM), datetime(2026, 5, 1, tzinfo=STOCKHOLM)
    )
    assert len(spring) == 9
    for meeting in spring:
        local = meeting.astimezone(STOCKHOLM)
        assert (local.isoweekday(), local.hour, local.minute) == (4, 16, 0), local
    # In UTC, the week into summer time (29 March 2026) is an hour shorter.
    gaps = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in itertools.pairwise(spring)]
    assert gaps.count(timedelta(days=7)) == len(gaps) - 1
    assert gaps.count(timedelta(days=7) - timedelta(hours=1)) == 1


def test_prepare_seeds_the_37_actors_with_their_categories(empty_db: Database) -> None:
    empty_db.prepare(NOW)

    with empty_db.reading(ctx()) as store:
        organisations = store.organisations.all()
        got = {o.name: o.category for o in organisations}
        assert len(organisations) == 37
        assert got == EXPECTED_ORGANISATIONS
        assert got[POLISEN] is Category.EMERGENCY
        assert got[TRAFIKVERKET] is Category.TRANSPORT
        assert got["Nacka kommun"] is Category.MUNICIPAL
        assert got[LANSSTYRELSEN] is Category.OTHER
        by_name = {o.name: o for o in organisations}
        assert "KSL" in by_name["Kommunförbundet Stockholms län"].aliases
        assert by_name["Nacka kommun"].aliases == ["Nacka"]
        for seeded in organisations:
            assert seeded.created_at == NOW
            assert_utc(seeded.created_at)


def test_the_municipalities_are_known_by_their_short_and_former_names_too(
    empty_db: Database,
) -> None:
    empty_db.prepare(NOW)

    with empty_db.reading(ctx()) as store:
        aliases = {o.name: o.aliases for o in store.organisations.all()}
    assert aliases["Solna stad"] == ["Solna", "Solna kommun"]
    assert aliases["Danderyds kommun"] == ["Danderyd", "Danderyd kommun"]
    assert aliases["Botkyrka kommun"] == ["Botkyrka"]
    for former, official in FORMER_NAMES.items():
        assert former not in aliases
        assert former in aliases[official]


def seed_organisations_at_old_revision(engine: Engine) -> None:
    """The seed's organisations, written as rows: the models (and ``seed``) are today's, the
    schema an older revision's."""
    data = seed_data()
    rows = [
        (entry["name"], entry["category"], entry.get("aliases", []))
        for entry in data["organisation"]
    ] + [(name, "municipal", aliases) for name, aliases in municipalities(data).items()]
    table = sa_table(
        "organisation",
        sa_column("name", String()),
        sa_column("category", String()),
        sa_column("aliases", JSON()),
        sa_column("created_at", UTCDateTime()),
    )
    with engine.begin() as connection:
        connection.execute(
            table.insert(),
            [
                {"name": name, "category": category, "aliases": aliases, "created_at": NOW}
                for name, category, aliases in rows
            ],
        )


def test_migration_0010_gives_a_database_seeded_before_it_the_official_names(
    empty_db: Database,
) -> None:
    """A database seeded with the old names ("Solna kommun") comes out with the official
    names on the same rows (reports and representatives stay theirs), and the old names and
    short forms as aliases."""
    upgrade(empty_db.engine, "0009")
    seed_organisations_at_old_revision(empty_db.engine)
    with empty_db.engine.begin() as connection:
        # Back to what the seed of revision 0009 wrote.
        for former, official in FORMER_NAMES.items():
            short = former.removesuffix(" kommun")
            connection.execute(
                text(
                    "UPDATE organisation SET name = :former, aliases = :aliases WHERE name = :new"
                ),
                {"former": former, "aliases": f'["{short}"]', "new": official},
            )
        connection.execute(
            text("UPDATE organisation SET aliases = :aliases WHERE name = 'Solna kommun'"),
            {"aliases": '["Solna", "Solna sthlm"]'},  # one added by a coordinator
        )
        ids_before = dict(connection.execute(text("SELECT name, id FROM organisation")).all())

    upgrade(empty_db.engine)

    with empty_db.reading(ctx()) as store:
        by_name = {o.name: (o.id, o.aliases) for o in store.organisations.all()}
    assert set(by_name) == set(EXPECTED_ORGANISATIONS)
    for former, official in FORMER_NAMES.items():
        row_id, aliases = by_name[official]
        assert row_id == ids_before[former]
        assert former in aliases
        assert former.removesuffix(" kommun") in aliases
    assert by_name["Solna stad"][1] == ["Solna", "Solna sthlm", "Solna kommun"]
    assert by_name["Nacka kommun"][1] == ["Nacka"]

    # And back: the old names, without the aliases the upgrade added.
    command.downgrade(alembic_config(empty_db.engine), "0009")
    with Session(empty_db.engine) as session:
        back = {o.name: o.aliases for o in session.exec(select(Organisation))}
    assert back["Solna kommun"] == ["Solna", "Solna sthlm"]
    assert back["Danderyd kommun"] == ["Danderyd"]


def test_migration_0010_leaves_an_official_name_added_by_hand_beside_the_old_one(
    empty_db: Database,
) -> None:
    upgrade(empty_db.engine, "0009")
    seed_organisations_at_old_revision(empty_db.engine)
    with empty_db.engine.begin() as connection:
        connection.execute(
            text("UPDATE organisation SET name = 'Nykvarn kommun' WHERE name = 'Nykvarns kommun'")
        )
    with Session(empty_db.engine) as session:
        # What "!aktör ny Nykvarns kommun kommun" could do before issue 15.
        session.add(
            Organisation(name="Nykvarns kommun", category=Category.MUNICIPAL, created_at=NOW)
        )
        session.commit()

    upgrade(empty_db.engine)

    with empty_db.reading(ctx()) as store:
        names = {o.name for o in store.organisations.all()}
    assert {"Nykvarn kommun", "Nykvarns kommun"} <= names


CONTROL_ROOMS = {
    "Polisen Region Stockholm",
    "Storstockholms brandförsvar",
    "Södertörns brandförsvarsförbund",
    "Brandkåren Attunda",
    "SOS Alarm",
    "Trafikverket",
    "Region Stockholm",
    "Stockholms stad",
}


def test_the_seeded_forums_have_the_members_the_model_gives_them(empty_db: Database) -> None:
    """Every actor in the conference, the coordinating forums and the strategic level; only
    the organisations with control rooms around the clock in Verkställande forum –
    Ledningscentraler."""
    empty_db.prepare(NOW)

    with empty_db.reading(ctx()) as store:
        everyone = sorted(o.id for o in store.organisations.all() if o.id is not None)
        assert len(everyone) == 37
        for seeded in store.forums.all():
            members = store.forums.participants(seeded)
            if seeded.slug == "verkstallande-forum":
                assert {o.name for o in members} == CONTROL_ROOMS
            else:
                assert sorted(o.id for o in members if o.id) == everyone, seeded.slug
    assert count(empty_db, ForumParticipant) == 6 * 37 + len(CONTROL_ROOMS)


def test_a_second_prepare_changes_nothing(empty_db: Database) -> None:
    empty_db.prepare(NOW)
    before = snapshot(empty_db)
    assert len(before["forum"]) == 7
    assert len(before["organisation"]) == 37

    empty_db.prepare(NOW + timedelta(days=30))
    assert empty_db.seed(NOW + timedelta(days=31)) is False

    assert snapshot(empty_db) == before
    assert current_revision(empty_db.engine) == head_revision(empty_db.engine)


def test_prepare_does_not_seed_again_when_the_forums_were_changed(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        store.forums.create(
            name="Stormgruppen",
            slug="stormgruppen",
            level=Level.COORDINATING,
            kind=ForumKind.ACTIVATED,
            language="sv",
            timezone="Europe/Stockholm",
            host=None,
        )
    before = snapshot(db)

    db.prepare(NOW + timedelta(days=1))

    assert snapshot(db) == before
    assert len(before["forum"]) == 8


def test_prepare_works_when_the_url_has_a_percent_sign(
    backend: Backend, databases: Databases, tmp_path: Path
) -> None:
    """A password with "@" (rendered "%40") or a file name with "%" must not stop migrations.

    The test server trusts every local connection, so the password is accepted unchecked.
    """
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'samverkan-100%.db'}"
    else:
        url = (
            make_url(databases.empty(backend))
            .set(password="hemlig@lösen%1")
            .render_as_string(hide_password=False)
        )
    database = Database(url)
    try:
        database.prepare(NOW)
        assert current_revision(database.engine) == head_revision(database.engine)
        assert count(database, Forum) == 7
    finally:
        database.dispose()


# -- 2. the migrations match the models ----------------------------------------------------


def test_the_migrations_match_the_models(db: Database) -> None:
    assert current_revision(db.engine) == head_revision(db.engine)
    assert model_differences(db.engine) == []


def test_the_comparison_notices_a_model_change_without_a_migration(db: Database) -> None:
    """The check above is not vacuous: it sees a new column and a changed type."""
    drifted = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["forum"].append_column(Column("motto", String(80), nullable=True))
    drifted.tables["organisation"].c.name.type = String(200)

    differences = model_differences(db.engine, drifted)

    flat = [d for entry in differences for d in (entry if isinstance(entry, list) else [entry])]
    assert ("add_column", "forum", "motto") in [
        (d[0], d[2], d[3].name) for d in flat if d[0] == "add_column"
    ]
    assert ("modify_type", "organisation", "name") in [
        (d[0], d[2], d[3]) for d in flat if d[0] == "modify_type"
    ]


# -- 3. time zones -------------------------------------------------------------------------


def _start_activation(database: Database, at: datetime, slug: str = KONFERENS) -> int:
    with database.unit_of_work(ctx(at=at)) as store:
        activation = store.activations.start(
            forum(store, slug), "Storm", store.ensure_me(), [organisation(store, POLISEN)]
        )
        assert activation.id is not None
        return activation.id


def test_an_activation_comes_back_as_the_same_instant_in_utc(db: Database) -> None:
    summer = datetime(2026, 6, 4, 16, 0, tzinfo=STOCKHOLM)  # UTC+2
    activation_id = _start_activation(db, NOW)  # winter, UTC+1
    with db.unit_of_work(ctx(at=summer)) as store:
        activation = store.session.get(Activation, activation_id)
        assert activation is not None
        store.activations.stand_down(activation, store.ensure_me(), "Över")

    with db.reading(ctx()) as store:
        stored = store.session.get(Activation, activation_id)
        assert stored is not None
        assert stored.activated_at == NOW
        assert stored.activated_at == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
        assert stored.stood_down_at == datetime(2026, 6, 4, 14, 0, tzinfo=UTC)
        assert_utc(stored.activated_at)
        assert_utc(stored.stood_down_at)
        (event,) = [e for e in store.audit.recent() if e.action == "activation.start"]
        assert event.at == NOW
        assert_utc(event.at)


def test_instants_are_stored_as_utc_whatever_the_session_time_zone(db: Database) -> None:
    activation_id = _start_activation(db, NOW)

    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TIME ZONE 'Asia/Tokyo'")
            raw = connection.execute(
                text("SELECT activated_at AT TIME ZONE 'UTC' FROM activation")
            ).scalar_one()
            assert raw == datetime(2026, 11, 26, 14, 0)
        else:
            raw = connection.execute(text("SELECT activated_at FROM activation")).scalar_one()
            assert str(raw).startswith("2026-11-26 14:00:00"), raw
        with Session(bind=connection) as session:
            stored = session.get(Activation, activation_id)
            assert stored is not None
            assert stored.activated_at == NOW
            assert_utc(stored.activated_at)


def test_the_two_hours_0230_of_the_autumn_change_stay_apart(db: Database) -> None:
    # 25 October 2026: the clocks go back from 03:00 CEST to 02:00 CET.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=0)  # 00:30 UTC
    second = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=1)  # 01:30 UTC
    first_id = _start_activation(db, first, KONFERENS)
    second_id = _start_activation(db, second, SAMORDNANDE)

    with db.reading(ctx()) as store:
        ordered = store.session.exec(select(Activation).order_by(col(Activation.activated_at)))
        got = [(a.id, a.activated_at) for a in ordered]
    assert got == [
        (first_id, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (second_id, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ]


def test_a_naive_datetime_is_refused(db: Database) -> None:
    with (  # noqa: PT012
        pytest.raises(StatementError, match="naive datetime") as raised,
        db.unit_of_work(ctx()) as store,
    ):
        konferens = forum(store, KONFERENS)
        store.session.add(
            Activation(
                forum_id=konferens.id,  # type: ignore[arg-type]
                reason="Storm",
                activated_at=datetime(2026, 11, 26, 15, 0),
                activated_by_id=store.ensure_me().id,  # type: ignore[arg-type]
            )
        )
        store.session.flush()
    assert isinstance(raised.value.orig, ValueError)
    assert count(db, Activation) == 0
    assert count(db, Person) == 0


def test_a_naive_time_in_the_audit_context_is_refused(db: Database) -> None:
    before = snapshot(db)
    with (
        pytest.raises(StatementError, match="naive datetime"),
        db.unit_of_work(ctx(at=datetime(2026, 11, 26, 15, 0))) as store,
    ):
        store.activations.start(forum(store, KONFERENS), "Storm", store.ensure_me(), [])
    assert snapshot(db) == before


# -- 4. the unit of work -------------------------------------------------------------------


def test_changes_are_committed_with_their_audit_events(db: Database) -> None:
    olle = ctx("olle", "Olle Operatör", channel_id="stab")
    anna = ctx("anna", "Anna Andersson", channel_id="polis-stab", at=NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=5)

    with db.unit_of_work(olle) as store:
        olle_id = store.ensure_me().id
        konferens = forum(store, KONFERENS)
        polisen = organisation(store, POLISEN)
        trafikverket = organisation(store, TRAFIKVERKET)
        lansstyrelsen = organisation(store, LANSSTYRELSEN)
        assert store.forums.bind(konferens, "test", "stab", store.ensure_me()) is None
        storm = store.forums.create(
            name="Stormgruppen",
            slug="stormgruppen",
            level=Level.COORDINATING,
            kind=ForumKind.ACTIVATED,
            language="sv",
            timezone="Europe/Stockholm",
            host=lansstyrelsen,
        )
        assert store.forums.add_participant(storm, polisen) is True
        assert store.forums.add_participant(storm, polisen) is False  # no second event
        person_anna = store.people.ensure("test", "anna", "Anna Andersson")
        store.people.set_organisation(person_anna, polisen)
        store.people.grant(konferens, store.ensure_me(), Role.COORDINATOR, store.ensure_me())
        storm_id, konferens_id = storm.id, konferens.id
        polisen_id, anna_id = polisen.id, person_anna.id

    with db.unit_of_work(anna) as store:
        assert store.ensure_me().id == anna_id
        store.activations.request(forum(store, KONFERENS), "Storm Ylva", store.ensure_me(), polisen)

    with db.unit_of_work(ctx("olle", "Olle Operatör", at=NOW + timedelta(minutes=2))) as store:
        activation = store.activations.start(
            forum(store, KONFERENS), "Storm Ylva", store.ensure_me(), [polisen, trafikverket]
        )
        activation_id = activation.id

    with db.unit_of_work(ctx("anna", "Anna Andersson", channel_id="polis-stab", at=later)) as s:
        current = s.activations.current(forum(s, KONFERENS))
        assert current is not None
        s.activations.acknowledge(current, organisation(s, POLISEN), s.ensure_me())

    with db.unit_of_work(ctx("olle", "Olle Operatör", at=later + timedelta(hours=1))) as store:
        current = store.activations.current(forum(store, KONFERENS))
        assert current is not None
        store.activations.stand_down(current, store.ensure_me(), "Ingen fortsatt påverkan")

    olle_actor, anna_actor = "Olle Operatör (test:olle)", "Anna Andersson (test:anna)"
    got = [
        (e.action, e.actor, e.platform, e.channel_id, e.person_id, e.forum_id, e.details, e.at)
        for e in audit_events(db)
    ]
    assert got == [
        (
            "forum.bind",
            olle_actor,
            "test",
            "stab",
            olle_id,
            konferens_id,
            {"channel": "test:stab", "previous_forum_id": None},
            NOW,
        ),
        (
            "forum.create",
            olle_actor,
            "test",
            "stab",
            olle_id,
            storm_id,
            {"name": "Stormgruppen", "level": "coordinating"},
            NOW,
        ),
        (
            "forum.participant",
            olle_actor,
            "test",
            "stab",
            olle_id,
            storm_id,
            {"organisation": POLISEN},
            NOW,
        ),
        (
            "person.organisation",
            olle_actor,
            "test",
            "stab",
            olle_id,
            None,
            {"person": "anna", "organisation": POLISEN, "previous_organisation_id": None},
            NOW,
        ),
        (
            "person.role",
            olle_actor,
            "test",
            "stab",
            olle_id,
            konferens_id,
            {"person": "olle", "role": "coordinator"},
            NOW,
        ),
        (
            "activation.request",
            anna_actor,
            "test",
            "polis-stab",
            anna_id,
            konferens_id,
            {"request_id": 1, "reason": "Storm Ylva", "organisation": POLISEN},
            NOW + timedelta(minutes=1),
        ),
        (
            "activation.start",
            olle_actor,
            "test",
            "stab",
            olle_id,
            konferens_id,
            {
                "activation_id": activation_id,
                "reason": "Storm Ylva",
                "called_out": [POLISEN, TRAFIKVERKET],
            },
            NOW + timedelta(minutes=2),
        ),
        (
            "activation.ack",
            anna_actor,
            "test",
            "polis-stab",
            anna_id,
            konferens_id,
            {"activation_id": activation_id, "organisation": POLISEN},
            later,
        ),
        (
            "activation.stand_down",
            olle_actor,
            "test",
            "stab",
            olle_id,
            konferens_id,
            {"activation_id": activation_id, "summary": "Ingen fortsatt påverkan"},
            later + timedelta(hours=1),
        ),
    ]

    # And the changes themselves are there.
    with db.reading(ctx()) as store:
        konferens = forum(store, KONFERENS)
        assert store.forums.for_channel("test", "stab") == konferens
        storm = forum(store, "stormgruppen")
        assert storm.host_organisation_id == organisation(store, LANSSTYRELSEN).id
        assert [o.name for o in store.forums.participants(storm)] == [POLISEN]
        stored_anna = store.people.lookup("test", "anna")
        assert stored_anna is not None
        assert stored_anna.organisation_id == polisen_id
        person_olle = store.people.lookup("test", "olle")
        assert person_olle is not None
        assert store.people.granted_role(konferens, person_olle) is Role.COORDINATOR
        assert store.activations.current(konferens) is None
        latest = store.activations.latest(konferens)
        assert latest is not None
        assert latest.id == activation_id
        assert latest.called_out == [polisen_id, organisation(store, TRAFIKVERKET).id]
        assert latest.stood_down_at == later + timedelta(hours=1)
        assert latest.stood_down_by_id == olle_id
        assert latest.summary == "Ingen fortsatt påverkan"
        (ack,) = store.activations.acknowledgements(latest)
        assert (ack.organisation_id, ack.person_id, ack.at) == (polisen_id, anna_id, later)
        (request,) = store.session.exec(select(ActivationRequest))
        assert (request.forum_id, request.requested_by_id, request.organisation_id) == (
            konferens.id,
            anna_id,
            polisen_id,
        )


def test_an_exception_rolls_back_everything_with_the_audit_rows(db: Database) -> None:
    before = snapshot(db)

    with (  # noqa: PT012
        pytest.raises(Boom),
        db.unit_of_work(ctx("kalle", "Kalle Kula", channel_id="ny-kanal")) as store,
    ):
        me = store.ensure_me()  # created now, and flushed: it has an id
        assert me.id is not None
        konferens = forum(store, KONFERENS)
        store.forums.bind(konferens, "test", "ny-kanal", me)
        store.forums.create(
            name="Stormgruppen",
            slug="stormgruppen",
            level=Level.COORDINATING,
            kind=ForumKind.ACTIVATED,
            language="sv",
            timezone="Europe/Stockholm",
            host=None,
        )
        store.people.set_organisation(me, organisation(store, POLISEN))
        store.people.grant(konferens, me, Role.ACTOR, me)
        store.activations.start(konferens, "Storm", me, [organisation(store, POLISEN)])
        store.session.flush()
        assert len(store.audit.recent()) == 5  # visible inside the unit of work
        raise Boom

    assert snapshot(db) == before
    with db.reading(ctx()) as store:
        assert store.people.lookup("test", "kalle") is None
        assert store.forums.for_channel("test", "ny-kanal") is None
    assert count(db, AuditEvent) == 0


def test_the_audit_actor_is_kept_whole_for_the_longest_legal_names(db: Database) -> None:
    """``actor`` is "name (platform:user)": a person's name may have 255 characters and the
    user id 255 more (Matrix ids run long), so the column has no length limit."""
    name = "Anna " + "Andersson-" * 23  # 235 characters: a legal Person.display_name
    user_id = "@anna.andersson:matrix.example.se"
    channel = "!stab:matrix.example.se"
    with db.unit_of_work(ctx(user_id, name, platform="matrix", channel_id=channel)) as store:
        assert store.ensure_me().display_name == name
        store.forums.bind(forum(store, KONFERENS), "matrix", channel, store.ensure_me())

    (event,) = audit_events(db)
    assert event.action == "forum.bind"
    assert event.actor == f"{name} (matrix:{user_id})"
    assert event.person_id is not None


def test_a_display_name_longer_than_the_column_is_cut_not_refused(db: Database) -> None:
    name = "Å" * 300
    with db.unit_of_work(ctx("@long:matrix.example.se", name, platform="matrix")) as store:
        store.forums.bind(forum(store, KONFERENS), "matrix", "!r:x", store.ensure_me())
    (event,) = audit_events(db)
    assert event.actor.startswith("Å" * 255 + " (matrix:")


def test_two_open_activations_of_one_forum_are_refused_by_the_database(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        konferens = forum(store, KONFERENS)
        store.activations.start(konferens, "Storm", store.ensure_me(), [])

    def open_a_second() -> None:
        with db.unit_of_work(ctx()) as store:
            konferens = forum(store, KONFERENS)
            second = Activation(
                forum_id=konferens.id,
                reason="Storm igen",
                activated_at=NOW,
                activated_by_id=store.ensure_me().id,
            )
            store.session.add(second)
            store.session.flush()

    with pytest.raises(IntegrityError):
        open_a_second()
    with db.unit_of_work(ctx()) as store:  # once stood down, a new one may open
        konferens = forum(store, KONFERENS)
        current = store.activations.current(konferens)
        assert current is not None
        store.activations.stand_down(current, store.ensure_me(), None)
        store.activations.start(konferens, "Ny storm", store.ensure_me(), [])


def test_reading_throws_its_changes_away(db: Database) -> None:
    before = snapshot(db)
    with db.reading(ctx("kalle", "Kalle Kula")) as store:
        store.forums.bind(forum(store, KONFERENS), "test", "stab", store.ensure_me())
    assert snapshot(db) == before


# -- 5. constraints ------------------------------------------------------------------------


def test_rebinding_a_channel_moves_it_to_the_new_forum(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        konferens, samordnande = forum(store, KONFERENS), forum(store, SAMORDNANDE)
        assert store.forums.bind(konferens, "test", "stab", store.ensure_me()) is None
        konferens_id, samordnande_id = konferens.id, samordnande.id
    with db.unit_of_work(ctx(at=NOW + timedelta(hours=1))) as store:
        samordnande = forum(store, SAMORDNANDE)
        previous = store.forums.bind(samordnande, "test", "stab", store.ensure_me())
        assert previous is not None
        assert previous.id == konferens_id
        # The same channel name on another platform is another channel.
        assert (
            store.forums.bind(forum(store, KONFERENS), "matrix", "stab", store.ensure_me()) is None
        )

    with db.reading(ctx()) as store:
        bindings = store.session.exec(
            select(ChannelBinding).where(
                ChannelBinding.platform == "test", ChannelBinding.channel_id == "stab"
            )
        )
        (binding,) = bindings
        assert binding.forum_id == samordnande_id
        assert binding.bound_at == NOW + timedelta(hours=1)
        found = store.forums.for_channel("test", "stab")
        assert found is not None
        assert found.id == samordnande_id
        channels = store.forums.channels(forum(store, KONFERENS))
        assert [(c.platform, c.channel_id) for c in channels] == [("matrix", "stab")]
    moved = [e for e in audit_events(db) if e.action == "forum.bind"][1]
    assert moved.details == {"channel": "test:stab", "previous_forum_id": konferens_id}
    assert moved.forum_id == samordnande_id


def test_the_database_allows_one_binding_per_channel(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        store.forums.bind(forum(store, KONFERENS), "test", "stab", store.ensure_me())
    with pytest.raises(IntegrityError), db.unit_of_work(ctx()) as store:  # noqa: PT012
        store.session.add(
            ChannelBinding(
                platform="test",
                channel_id="stab",
                forum_id=forum(store, SAMORDNANDE).id,  # type: ignore[arg-type]
                bound_at=NOW,
            )
        )
        store.session.flush()
    assert count(db, ChannelBinding) == 1


def test_the_database_allows_one_acknowledgement_per_organisation(db: Database) -> None:
    activation_id = _start_activation(db, NOW)
    with db.unit_of_work(ctx("anna", "Anna Andersson")) as store:
        activation = store.session.get(Activation, activation_id)
        assert activation is not None
        store.activations.acknowledge(activation, organisation(store, POLISEN), store.ensure_me())

    with pytest.raises(IntegrityError), db.unit_of_work(ctx("bo", "Bo Berg")) as store:  # noqa: PT012
        store.session.add(
            Acknowledgement(
                activation_id=activation_id,
                organisation_id=organisation(store, POLISEN).id,  # type: ignore[arg-type]
                person_id=store.ensure_me().id,  # type: ignore[arg-type]
                at=NOW + timedelta(minutes=1),
            )
        )
        store.session.flush()

    with db.reading(ctx()) as store:
        activation = store.session.get(Activation, activation_id)
        assert activation is not None
        (ack,) = store.activations.acknowledgements(activation)
        assert ack.at == NOW
        # Another organisation may still acknowledge.
        store.activations.acknowledge(
            activation, organisation(store, TRAFIKVERKET), store.ensure_me()
        )
        store.session.flush()
        assert len(store.activations.acknowledgements(activation)) == 2


def test_a_person_is_unique_per_platform_and_user_id(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        first = store.people.ensure("test", "anna", "Anna")
        again = store.people.ensure("test", "anna", "Anna Andersson")
        assert again is first
        elsewhere = store.people.ensure("matrix", "anna", "Anna (Matrix)")
        assert elsewhere.id != first.id
        first_id = first.id

    with db.reading(ctx()) as store:
        stored = store.people.lookup("test", "anna")
        assert stored is not None
        assert (stored.id, stored.display_name) == (first_id, "Anna Andersson")

    with pytest.raises(IntegrityError), db.unit_of_work(ctx()) as store:  # noqa: PT012
        store.session.add(
            Person(platform="test", user_id="anna", display_name="Anna igen", created_at=NOW)
        )
        store.session.flush()
    assert count(db, Person) == 2


def test_current_finds_only_the_activation_not_stood_down(db: Database) -> None:
    first_id = _start_activation(db, NOW)
    with db.unit_of_work(ctx(at=NOW + timedelta(hours=1))) as store:
        first = store.session.get(Activation, first_id)
        assert first is not None
        store.activations.stand_down(first, store.ensure_me(), None)
    second_id = _start_activation(db, NOW + timedelta(hours=2))
    other_id = _start_activation(db, NOW + timedelta(hours=2), SAMORDNANDE)

    with db.reading(ctx()) as store:
        konferens = forum(store, KONFERENS)
        current = store.activations.current(konferens)
        assert current is not None
        assert current.id == second_id
        latest = store.activations.latest(konferens)
        assert latest is not None
        assert latest.id == second_id
        other = store.activations.current(forum(store, SAMORDNANDE))
        assert other is not None
        assert other.id == other_id
        assert store.activations.current(forum(store, "chefsgrupp")) is None

    with db.unit_of_work(ctx(at=NOW + timedelta(hours=3))) as store:
        konferens = forum(store, KONFERENS)
        current = store.activations.current(konferens)
        assert current is not None
        store.activations.stand_down(current, store.ensure_me(), "Klart")
    with db.reading(ctx()) as store:
        assert store.activations.current(forum(store, KONFERENS)) is None


def test_the_open_activation_loaded_with_the_forum_follows_changes_in_the_unit(
    db: Database,
) -> None:
    with db.unit_of_work(ctx()) as store:
        store.forums.bind(forum(store, KONFERENS), "test", "stab", store.ensure_me())
    with db.unit_of_work(ctx()) as store:
        konferens = store.forum_for_channel("test", "stab")
        assert konferens is not None
        assert konferens.slug == KONFERENS
        assert store.activations.current(konferens) is None
        started = store.activations.start(konferens, "Storm", store.ensure_me(), [])
        assert store.activations.current(konferens) is started
    with db.unit_of_work(ctx(at=NOW + timedelta(hours=1))) as store:
        konferens = store.forum_for_channel("test", "stab")
        assert konferens is not None
        current = store.activations.current(konferens)
        assert current is not None
        assert current.reason == "Storm"
        store.activations.stand_down(current, store.ensure_me(), None)
        assert store.activations.current(konferens) is None
    with db.reading(ctx()) as store:
        assert store.forum_for_channel("test", "okänd") is None
        konferens = store.forum_for_channel("test", "stab")
        assert konferens is not None
        assert store.activations.current(konferens) is None


def test_the_roster_lists_participants_by_name_with_their_representatives(
    db: Database,
) -> None:
    with db.unit_of_work(ctx()) as store:
        storm = store.forums.create(
            name="Storm",
            slug="storm",
            level=Level.OPERATIONAL,
            kind=ForumKind.ACTIVATED,
            language="sv",
            timezone="Europe/Stockholm",
            host=None,
        )
        for name in (TRAFIKVERKET, POLISEN, LANSSTYRELSEN):
            store.forums.add_participant(storm, organisation(store, name))
        polisen = organisation(store, POLISEN)
        for user_id, display_name in (("ulla", "Ulla"), ("bertil", "Bertil")):
            person = store.people.ensure("test", user_id, display_name)
            store.people.set_organisation(person, polisen)
            store.forums.represent(storm, person, polisen, Representation.ORDINARY, None)
        stina = store.people.ensure("test", "stina", "Stina")
        store.forums.represent(storm, stina, polisen, Representation.DEPUTY, None)
        # Speaks for Polisen, but not in this forum: not on its roster.
        olle = store.people.ensure("test", "olle", "Olle")
        store.people.set_organisation(olle, polisen)
        # Not yet committed: the roster still sees it.
        kalle = store.people.ensure("matrix", "@kalle:example.org", "Kalle")
        store.forums.represent(
            storm, kalle, organisation(store, TRAFIKVERKET), Representation.ORDINARY, None
        )
        roster = store.forums.roster(storm)
    assert [(entry.name, entry.category) for entry in roster] == [
        (LANSSTYRELSEN, Category.OTHER),
        (POLISEN, Category.EMERGENCY),
        (TRAFIKVERKET, Category.TRANSPORT),
    ]
    assert [[person.display_name for person in entry.people] for entry in roster] == [
        [],
        ["Bertil", "Ulla"],
        ["Kalle"],
    ]
    assert [person.display_name for person in roster[1].deputies] == ["Stina"]
    assert roster[2].people[0].platform == "matrix"
    assert roster[2].people[0].user_id == "@kalle:example.org"


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.unit_of_work(ctx()) as store:  # noqa: PT012
        store.session.add(
            ChannelBinding(platform="test", channel_id="stab", forum_id=999_999, bound_at=NOW)
        )
        store.session.flush()
    assert count(db, ChannelBinding) == 0


# -- 6. downgrade and upgrade again --------------------------------------------------------


def test_downgrade_to_base_and_upgrade_again(db: Database) -> None:
    command.downgrade(alembic_config(db.engine), "base")

    assert current_revision(db.engine) is None
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision(db.engine)
    assert model_differences(db.engine) == []
    db.prepare(NOW)
    assert count(db, Forum) == 7
    assert count(db, Organisation) == 37


# -- 7. SQLite specifics -------------------------------------------------------------------


def test_a_sqlite_file_runs_in_wal_mode_with_foreign_keys(
    databases: Databases,
) -> None:
    database = Database(databases.prepared("sqlite"))
    try:
        for _ in range(2):  # every new connection, not only the first one
            with database.engine.connect() as connection:
                pragma = connection.exec_driver_sql
                assert pragma("PRAGMA journal_mode").scalar_one() == "wal"
                assert pragma("PRAGMA foreign_keys").scalar_one() == 1
                assert pragma("PRAGMA busy_timeout").scalar_one() > 0
            database.engine.dispose()
    finally:
        database.dispose()


def test_background_checkpoints_keep_the_wal_out_of_commits_and_fold_it_in(
    databases: Databases,
) -> None:
    url = databases.prepared("sqlite")
    path = Path(make_url(url).database or "")
    database = Database(url, background_checkpoints=True)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
        with database.unit_of_work(ctx()) as store:
            store.forums.bind(forum(store, KONFERENS), "test", "stab", store.ensure_me())
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 0
    finally:
        database.dispose()
    # A clean shutdown folds the whole log into the file: nothing is left to replay.
    assert not wal.exists() or wal.stat().st_size == 0
    reopened = Database(url)
    try:
        with reopened.reading(ctx()) as store:
            assert store.forums.for_channel("test", "stab") is not None
    finally:
        reopened.dispose()


def test_the_background_checkpointer_copies_the_log_while_the_bot_runs(
    databases: Databases,
) -> None:
    url = databases.prepared("sqlite")
    database = Database(url, background_checkpoints=True)
    checkpointer = database._checkpointer  # what the thread calls
    assert checkpointer is not None
    try:
        with database.unit_of_work(ctx()) as store:
            store.forums.bind(forum(store, KONFERENS), "test", "stab", store.ensure_me())
        result = checkpointer.checkpoint()
        assert result is not None
        busy, log_pages, copied = result
        assert busy == 0
        assert log_pages > 0
        assert copied == log_pages
    finally:
        database.dispose()


def test_without_background_checkpoints_sqlite_checkpoints_by_itself(
    databases: Databases,
) -> None:
    database = Database(databases.prepared("sqlite"))
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
    finally:
        database.dispose()


def test_two_databases_on_one_sqlite_file_both_write(databases: Databases) -> None:
    url = databases.prepared("sqlite")
    first, second = Database(url), Database(url)
    try:
        with first.unit_of_work(ctx("anna", "Anna")) as store:
            store.forums.bind(forum(store, KONFERENS), "test", "stab", store.ensure_me())
        with second.unit_of_work(ctx("bo", "Bo")) as store:
            assert store.forums.for_channel("test", "stab") is not None
            store.forums.bind(forum(store, SAMORDNANDE), "test", "larm", store.ensure_me())
        with first.unit_of_work(ctx("anna", "Anna")) as store:
            assert store.forums.for_channel("test", "larm") is not None
            store.forums.bind(forum(store, SAMORDNANDE), "test", "stab", store.ensure_me())

        # While one holds the write lock, the other waits for it instead of failing.
        holder = first.engine.raw_connection()
        try:
            holder.cursor().execute("BEGIN IMMEDIATE")
            release = threading.Timer(0.3, holder.commit)
            release.start()
            began = time.monotonic()
            with second.unit_of_work(ctx("bo", "Bo")) as store:
                store.forums.bind(forum(store, KONFERENS), "test", "tredje", store.ensure_me())
            waited = time.monotonic() - began
            release.join()
        finally:
            holder.close()
        assert waited >= 0.25

        with first.reading(ctx()) as store:
            bindings = store.session.exec(select(ChannelBinding))
            assert sorted(b.channel_id for b in bindings) == ["larm", "stab", "tredje"]
            assert [e.action for e in store.audit.recent()] == ["forum.bind"] * 4
    finally:
        first.dispose()
        second.dispose()


def test_seeded_at_is_the_time_the_prepared_databases_were_seeded(db: Database) -> None:
    with db.reading(ctx()) as store:
        assert {f.created_at for f in store.forums.all()} == {SEEDED_AT}


def test_an_event_id_is_first_seen_once_per_platform(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        assert store.handled_events.first_time("matrix", "$a", NOW)
        assert not store.handled_events.first_time("matrix", "$a", NOW)
        assert store.handled_events.first_time("slack", "$a", NOW)
    with db.unit_of_work(ctx()) as store:
        assert not store.handled_events.first_time("matrix", "$a", NOW)
    with pytest.raises(Boom), db.unit_of_work(ctx()) as store:  # noqa: PT012
        assert store.handled_events.first_time("matrix", "$b", NOW)
        raise Boom
    with db.unit_of_work(ctx()) as store:  # rolled back with its unit of work
        assert store.handled_events.first_time("matrix", "$b", NOW)
    assert db.forget_handled_before(NOW + timedelta(seconds=1)) == 3
    db.keep_door_state("matrix", "sync_token:@bot:x", "s1", NOW)
    db.keep_door_state("matrix", "sync_token:@bot:x", "s2", NOW)
    assert db.door_state("matrix", "sync_token:@bot:x") == "s2"
    assert db.door_state("matrix", "device_id:@bot:x") is None


# -- 6. situation reports, rounds, published pictures, form dialogs ------------------------


def test_rounds_are_numbered_per_forum_and_found_by_meeting_and_activation(db: Database) -> None:
    meeting = NOW + timedelta(hours=1)
    with db.unit_of_work(ctx()) as store:
        konferens, samordnande = forum(store, KONFERENS), forum(store, SAMORDNANDE)
        first = store.reports.open_round(
            konferens, RoundKind.MEETING, meeting_at=meeting, closes_at=meeting + timedelta(hours=1)
        )
        activation = store.activations.start(samordnande, "Storm", store.ensure_me(), [])
        other = store.reports.open_round(samordnande, RoundKind.ACTIVATION, activation=activation)
        second = store.reports.open_round(konferens, RoundKind.MEETING, meeting_at=meeting + WEEK)
        assert (first.number, second.number, other.number) == (1, 2, 1)
        activation_id = activation.id
    with db.unit_of_work(ctx()) as store:
        konferens, samordnande = forum(store, KONFERENS), forum(store, SAMORDNANDE)
        found = store.reports.meeting_round(konferens, meeting.astimezone(UTC))
        assert found is not None
        assert found.number == 1
        assert_utc(found.meeting_at)
        assert found.closes_at == meeting + timedelta(hours=1)
        opened = store.session.get(Activation, activation_id)
        assert opened is not None
        by_activation = store.reports.activation_round(opened)
        assert by_activation is not None
        assert by_activation.forum_id == samordnande.id
        latest = store.reports.latest_round(konferens)
        assert latest is not None
        assert latest.number == 2


def test_the_database_allows_one_round_per_meeting_and_per_number(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        store.reports.open_round(forum(store, KONFERENS), RoundKind.MEETING, meeting_at=NOW)

    def again(**values: Any) -> None:
        with db.unit_of_work(ctx()) as store:
            konferens = forum(store, KONFERENS)
            store.session.add(
                ReportRound(
                    forum_id=konferens.id,
                    kind=RoundKind.MEETING,
                    opened_at=NOW,
                    **values,
                )
            )
            store.session.flush()

    with pytest.raises(IntegrityError):
        again(number=2, meeting_at=NOW)  # the same meeting twice
    with pytest.raises(IntegrityError):
        again(number=1, meeting_at=NOW + WEEK)  # the same number twice
    again(number=2, meeting_at=NOW + WEEK)


def test_reports_are_all_kept_and_the_newest_per_organisation_counts(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        konferens = forum(store, KONFERENS)
        polisen, trafikverket = organisation(store, POLISEN), organisation(store, TRAFIKVERKET)
        last_week = store.reports.open_round(konferens, RoundKind.MEETING, meeting_at=NOW - WEEK)
        now = store.reports.open_round(konferens, RoundKind.MEETING, meeting_at=NOW)
        older = store.reports.add(
            last_week,
            polisen,
            store.ensure_me(),
            text="Läge: lugnt",
            fields=ReportFields(situation="lugnt"),
            late=False,
        )
        store.reports.add(
            now,
            polisen,
            store.ensure_me(),
            text="storm",
            fields=ReportFields(situation="storm"),
            late=False,
        )
        newest = store.reports.add(
            now,
            polisen,
            store.ensure_me(),
            text="Läge: storm\nBehov: el",
            fields=ReportFields(situation="storm", needs="el"),
            late=True,
            on_behalf=True,
        )
        store.reports.add(
            now,
            trafikverket,
            store.ensure_me(),
            text="E4 <b>stängd</b> ✓",
            fields=ReportFields(situation="E4 <b>stängd</b> ✓"),
            late=False,
            source="form",
        )
        round_id, newest_id, older_id, polisen_id = now.id, newest.id, older.id, polisen.id
    with db.unit_of_work(ctx()) as store:
        now = store.reports.round_by_id(round_id or 0)
        assert now is not None
        assert len(store.reports.in_round(now)) == 3  # the superseded one is kept
        latest = store.reports.latest_in_round(now)
        assert latest[polisen_id or 0].id == newest_id
        assert latest[polisen_id or 0].late
        assert latest[polisen_id or 0].on_behalf
        assert ReportFields.of(latest[polisen_id or 0]).items() == [
            ("situation", "storm"),
            ("needs", "el"),
        ]
        polisen = organisation(store, POLISEN)
        previous = store.reports.previous(polisen)
        assert previous is not None
        assert previous.id == newest_id
        texts = {r.text for r in store.reports.in_round(now)}
        assert "E4 <b>stängd</b> ✓" in texts  # kept exactly as written
        assert store.reports.by_ids([older_id or 0])[older_id or 0].text == "Läge: lugnt"
    assert [e.action for e in audit_events(db)].count("report.add") == 4


def test_published_versions_keep_their_content(db: Database) -> None:
    content = {"forum": "Regional samverkanskonferens", "reports": [{"organisation": "Å"}]}
    with db.unit_of_work(ctx()) as store:
        now = store.reports.open_round(forum(store, KONFERENS), RoundKind.MEETING, meeting_at=NOW)
        assert store.reports.published(now) is None
        store.reports.publish(now, store.ensure_me(), 1, content)
        store.reports.publish(now, store.ensure_me(), 2, {**content, "version": 2})
        round_id = now.id
    with db.unit_of_work(ctx()) as store:
        now = store.reports.round_by_id(round_id or 0)
        assert now is not None
        newest = store.reports.published(now)
        assert newest is not None
        assert newest.version == 2
        assert store.reports.published_version(now, 1).content == content
        with pytest.raises(LookupError):
            store.reports.published_version(now, 3)

    def publish_version_2_again() -> None:
        with db.unit_of_work(ctx()) as store:
            now = store.reports.round_by_id(round_id or 0)
            assert now is not None
            store.reports.publish(now, store.ensure_me(), 2, content)

    with pytest.raises(IntegrityError):  # a version is frozen once
        publish_version_2_again()


def test_a_form_dialog_is_kept_per_person_and_channel(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        dialog = store.dialogs.start("matrix", "!rum", "@anna:x", "report", {"round_id": 1})
        store.dialogs.answer(dialog, "lugnt")
        store.dialogs.start("matrix", "!rum", "@bo:x", "report", {})
    with db.unit_of_work(ctx(at=NOW + timedelta(minutes=5))) as store:
        dialog = store.dialogs.get("matrix", "!rum", "@anna:x")
        assert dialog is not None
        assert (dialog.step, dialog.answers, dialog.context) == (1, ["lugnt"], {"round_id": 1})
        store.dialogs.answer(dialog, "")
        assert store.dialogs.get("matrix", "!annat", "@anna:x") is None
    with db.unit_of_work(ctx()) as store:
        dialog = store.dialogs.get("matrix", "!rum", "@anna:x")
        assert dialog is not None
        assert dialog.answers == ["lugnt", ""]
        assert dialog.updated_at == NOW + timedelta(minutes=5)
        store.dialogs.start("matrix", "!rum", "@anna:x", "report", {})  # starts over
    with db.unit_of_work(ctx()) as store:
        dialog = store.dialogs.get("matrix", "!rum", "@anna:x")
        assert dialog is not None
        assert dialog.answers == []
        store.dialogs.end(dialog)
    assert count(db, FormDialog) == 1


def test_the_database_allows_one_open_meeting_per_forum(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        konferens = forum(store, KONFERENS)
        first = store.meetings.start(
            konferens,
            "Möte",
            store.ensure_me(),
            platform="test",
            channel_id="stab",
            report_round=None,
        )
        store.meetings.add_item(first, ItemKind.INFO, "Åäö <b>", store.ensure_me(), topic=None)
        store.meetings.add_item(first, ItemKind.DECISION, "Beslut", store.ensure_me(), topic=None)

    def open_a_second() -> None:
        with db.unit_of_work(ctx()) as store:
            store.session.add(
                Meeting(
                    forum_id=forum(store, KONFERENS).id,
                    number=2,
                    title="Till",
                    mode=Mode.ORDINARY,
                    platform="test",
                    channel_id="stab",
                    started_at=NOW,
                    started_by_id=store.ensure_me().id,
                )
            )
            store.session.flush()

    with pytest.raises(IntegrityError):
        open_a_second()
    with db.unit_of_work(ctx(at=NOW + timedelta(hours=1))) as store:
        konferens = forum(store, KONFERENS)
        meeting = store.meetings.open(konferens)
        assert meeting is not None
        assert [(i.sequence, i.text) for i in store.meetings.items(meeting)] == [
            (1, "Åäö <b>"),
            (2, "Beslut"),
        ]
        store.meetings.end(meeting, store.ensure_me())
        assert store.meetings.open(konferens) is None
        second = store.meetings.start(
            konferens,
            "Nästa",
            store.ensure_me(),
            platform="test",
            channel_id="stab",
            report_round=None,
        )
        assert second.number == 2
