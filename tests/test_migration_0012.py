"""Migration 0012 (issue 18) on a database in use: bindings, people and reports are kept, whoever
represented an organisation becomes its ordinarie in the forums it is a member of, and the
seeded Verkställande forum and the strategic and coordinating groups get what the model says
unless someone has changed them. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select

from storage import AuditContext, Database, Store
from storage.migrate import alembic_config, current_revision, upgrade
from storage.models import (
    ChannelBinding,
    Duty,
    Forum,
    ForumRepresentative,
    Organisation,
    Person,
    Representation,
    RoundKind,
    SituationReport,
)
from storage.reports import ReportFields
from tests.support.databases import BACKENDS, Backend, Databases

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
POLISEN = "Polisen Region Stockholm"
NACKA = "Nacka kommun"
OPERATIONAL = "Verkställande forum – Ledningscentraler"


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Database]:
    backend: Backend = request.param
    database = Database(databases.prepared(backend))
    yield database
    database.dispose()


def ctx() -> AuditContext:
    return AuditContext(
        platform="test", channel_id="stab", user_id="olle", display_name="Olle", at=NOW
    )


def _forum(store: Store, slug: str) -> Forum:
    return store.session.exec(select(Forum).where(Forum.slug == slug)).one()


def _organisation(store: Store, name: str) -> Organisation:
    return store.session.exec(select(Organisation).where(Organisation.name == name)).one()


def _as_before_0012(db: Database) -> None:
    """Today's seed, with what a database of revision 0011 holds in use: two people who
    said which organisation they represent, a bound channel, a report; then back to 0011
    (the seeded operational forum as it was: every organisation a member)."""
    with db.unit_of_work(ctx()) as store:
        konferens = _forum(store, "samverkanskonferens")
        store.forums.bind(konferens, "matrix", "!stab:example.org", store.ensure_me())
        anna = store.people.ensure("matrix", "@anna:polisen.se", "Anna")
        store.people.set_organisation(anna, _organisation(store, POLISEN))
        nils = store.people.ensure("matrix", "@nils:nacka.se", "Nils")
        store.people.set_organisation(nils, _organisation(store, NACKA))
        report_round = store.reports.open_round(konferens, RoundKind.MEETING, meeting_at=NOW)
        store.reports.add(
            report_round,
            _organisation(store, POLISEN),
            anna,
            text="Läge: normalt",
            fields=ReportFields(situation="normalt"),
            late=False,
        )
    command.downgrade(alembic_config(db.engine), "0011")
    with db.engine.begin() as connection:
        (forum_id,) = connection.execute(
            text("SELECT id FROM forum WHERE slug = 'verkstallande-forum'")
        ).one()
        connection.execute(
            text("UPDATE forum SET name = 'Verkställande forum' WHERE id = :f"), {"f": forum_id}
        )
        connection.execute(
            text(
                "INSERT INTO forumparticipant (forum_id, organisation_id)"
                " SELECT :f, id FROM organisation WHERE id NOT IN"
                " (SELECT organisation_id FROM forumparticipant WHERE forum_id = :f)"
            ),
            {"f": forum_id},
        )


def test_0012_keeps_what_is_in_use_and_makes_representatives_of_the_forums_members(
    db: Database,
) -> None:
    _as_before_0012(db)
    assert current_revision(db.engine) == "0011"

    upgrade(db.engine)

    with db.reading(ctx()) as store:
        bindings = store.session.exec(select(ChannelBinding)).all()
        assert [(b.platform, b.channel_id) for b in bindings] == [("matrix", "!stab:example.org")]
        anna = store.people.lookup("matrix", "@anna:polisen.se")
        nils = store.people.lookup("matrix", "@nils:nacka.se")
        assert anna is not None
        assert nils is not None
        assert anna.organisation_id == _organisation(store, POLISEN).id
        reports = store.session.exec(select(SituationReport)).all()
        assert [(r.text, r.person_id) for r in reports] == [("Läge: normalt", anna.id)]

        represented = {
            (row.person_id, store.forums.get(row.forum_id).slug)  # type: ignore[union-attr]
            for row in store.session.exec(select(ForumRepresentative))
        }
        every_forum = {forum.slug for forum in store.forums.all()}
        # Polisen runs a control room: a member everywhere, so Anna represents it everywhere.
        assert {slug for person_id, slug in represented if person_id == anna.id} == every_forum
        # Nacka kommun is no member of Ledningscentraler any more.
        assert {slug for person_id, slug in represented if person_id == nils.id} == (
            every_forum - {"verkstallande-forum"}
        )
        kinds = {row.kind for row in store.session.exec(select(ForumRepresentative))}
        assert kinds == {Representation.ORDINARY}

        operational = _forum(store, "verkstallande-forum")
        assert operational.name == OPERATIONAL
        assert len(store.forums.participants(operational)) == 8
        konferens = _forum(store, "samverkanskonferens")
        assert len(store.forums.participants(konferens)) == 37
        roster = {entry.name: entry for entry in store.forums.roster(konferens)}
        assert [c.display_name for c in roster[POLISEN].people] == ["Anna"]

        chefsgrupp = _forum(store, "chefsgrupp")
        assert chefsgrupp.agenda is not None
        assert chefsgrupp.agenda["ordinary"][1] == {"key": "decisions_follow_up"}
        assert konferens.agenda is None
        assert konferens.eve_policy.value == "hold"


def test_0012_leaves_members_a_coordinator_chose_alone(db: Database) -> None:
    """An operational forum whose members someone changed keeps them (only the name is
    the model's)."""
    _as_before_0012(db)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "DELETE FROM forumparticipant WHERE forum_id ="
                " (SELECT id FROM forum WHERE slug = 'verkstallande-forum')"
                " AND organisation_id = (SELECT id FROM organisation WHERE name = :name)"
            ),
            {"name": "Stockholms hamnar"},
        )

    upgrade(db.engine)

    with db.reading(ctx()) as store:
        operational = _forum(store, "verkstallande-forum")
        assert operational.name == OPERATIONAL
        assert len(store.forums.participants(operational)) == 36


def test_0012_downgrades_and_upgrades_again(db: Database) -> None:
    with db.unit_of_work(ctx()) as store:
        anna = store.people.ensure("matrix", "@anna:polisen.se", "Anna")
        store.forums.represent(
            _forum(store, "chefsgrupp"),
            anna,
            _organisation(store, POLISEN),
            Representation.DEPUTY,
            None,
        )
        store.duties.take_over(Duty.RSK, anna)
    command.downgrade(alembic_config(db.engine), "0011")
    assert current_revision(db.engine) == "0011"
    upgrade(db.engine)
    with db.reading(ctx()) as store:
        assert store.people.lookup("matrix", "@anna:polisen.se") is not None
        assert store.duties.on_duty(Duty.RSK, NOW) is None  # the roster went with 0012


def test_person_rows_are_untouched_by_0012(db: Database) -> None:
    _as_before_0012(db)
    with db.engine.connect() as connection:
        before = connection.execute(text("SELECT id, organisation_id FROM person")).all()
    upgrade(db.engine)
    with db.reading(ctx()) as store:
        after = [(p.id, p.organisation_id) for p in store.session.exec(select(Person))]
    assert sorted(after) == sorted(tuple(row) for row in before)
