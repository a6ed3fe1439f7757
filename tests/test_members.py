"""A forum's members and representatives, and every count against them (issue 18).

``!forum medlemmar`` lists the member organisations with their ordinarie and ersättare in the
forum; a coordinator of the forum adds and removes members (``!forum medlem lägg till|ta
bort``) and names representatives (``!företrädare``); ``!aktör`` makes oneself ordinarie (or
ersättare) where one's organisation is a member, and never makes it one. The counts — the
joint picture, ``!saknas``, the nag before a meeting, the roll call, the minutes' absent
members — are against the members, and in an activation against those called in and not
released. Membership and the counts run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.render.text import render_text
from commands.core.clock import FixedClock
from commands.core.document import BulletList, Document, Mention, Paragraph
from commands.core.messages import Post
from commands.core.outbox import Delivery
from commands.minutes.record import minutes_of
from storage import AuditContext, Database
from storage.models import Meeting, SituationReport
from tests.conftest import STOCKHOLM, THURSDAY_1500
from tests.support.chat import Chat, Said
from tests.support.databases import BACKENDS, Backend, Databases

CHEFSGRUPP = "Regional chefsgrupp"
CONTROL_ROOMS = "Verkställande forum – Ledningscentraler"
CONFERENCE = "Regional samverkanskonferens"


@pytest.fixture(params=BACKENDS)
def any_database(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Database]:
    """A migrated, seeded database on each backend (PostgreSQL runs with the slow tests)."""
    backend: Backend = request.param
    database = Database(databases.prepared(backend))
    yield database
    database.dispose()


@pytest.fixture
def any_chat(any_database: Database) -> Chat:
    """Channel ``chef`` bound to Regional chefsgrupp, ``lc`` to Ledningscentraler, ``stab`` to
    the conference; on each backend."""
    chat = Chat(any_database, FixedClock(THURSDAY_1500))
    _bind(chat)
    return chat


@pytest.fixture
def bound(chat: Chat) -> Chat:
    """The same three channels on the SQLite test database."""
    _bind(chat)
    return chat


def _bind(chat: Chat) -> None:
    for channel, forum in (
        ("chef", "chefsgrupp"),
        ("lc", "verkstallande-forum"),
        ("stab", "samverkanskonferens"),
    ):
        _ok(chat, f"!forum koppla {forum}", channel=channel)


def _ok(chat: Chat, line: str, **kwargs: Any) -> Said:
    said = chat.say(line, **kwargs)
    assert said.ok, (line, said.text)
    return said


def _refused(chat: Chat, line: str, **kwargs: Any) -> Said:
    said = chat.say(line, **kwargs)
    assert not said.ok, (line, said.text)
    assert said.reply is not None, said.text
    assert said.reply.error_id is None, said.text
    assert said.posts == []
    return said


def _members(database: Database, slug: str) -> set[str]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT o.name FROM forumparticipant p"
                " JOIN organisation o ON o.id = p.organisation_id"
                " JOIN forum f ON f.id = p.forum_id WHERE f.slug = :slug"
            ),
            {"slug": slug},
        )
        return {name for (name,) in rows}


def _representatives(database: Database, slug: str) -> set[tuple[str, str, str]]:
    """(person, organisation, kind) of each representative in the forum."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT p.user_id, o.name, r.kind FROM forumrepresentative r"
                " JOIN person p ON p.id = r.person_id"
                " JOIN organisation o ON o.id = r.organisation_id"
                " JOIN forum f ON f.id = r.forum_id WHERE f.slug = :slug"
            ),
            {"slug": slug},
        )
        return {(user, org, kind) for user, org, kind in rows}


def _snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """What membership and representation are, and the audit log: a refusal changes none."""
    tables = {
        "forumparticipant": "forum_id, organisation_id",
        "forumrepresentative": "forum_id, person_id",
        "person": "id",
        "auditevent": "id",
    }
    with database.engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))  # noqa: S608
            ]
            for table, order in tables.items()
        }


def _mentions(document: Document) -> set[str]:
    found: set[str] = set()
    for block in document.blocks:
        rows: tuple[tuple[object, ...], ...] = ()
        if isinstance(block, BulletList):
            rows = block.items
        elif isinstance(block, Paragraph):
            rows = (block.parts,)
        for row in rows:
            found.update(part.user_id for part in row if isinstance(part, Mention))
    return found


def _example(said: Said) -> str:
    """The command the reply shows as the way forward (``!forum medlem lägg till …``)."""
    found = re.search(r"(!forum medlem lägg till [^\n]+?)\.?$", said.text, re.MULTILINE)
    assert found is not None, said.text
    return found.group(1)


# -- the listing -------------------------------------------------------------------------------


def test_the_members_by_category_with_ordinarie_and_ersattare(bound: Chat) -> None:
    _ok(bound, "!aktör Polisen", person="anna", channel="lc")
    said = _ok(bound, "!företrädare @bo Polisen ersättare", channel="lc")
    assert "bo är nu registrerad som företrädare för Polisen Region Stockholm." in said.text
    assert (
        f"bo är nu företrädare för Polisen Region Stockholm i {CONTROL_ROOMS} (ersättare)."
        in said.text
    )
    listing = _ok(bound, "!forum medlemmar", person="eve", channel="lc")
    assert listing.text.startswith(f"Medlemmar i {CONTROL_ROOMS} (8 medlemmar)\n")
    assert "Blåljus:" in listing.text
    assert "Polisen Region Stockholm: anna (ordinarie); bo (ersättare)" in listing.text
    assert "Trafikverket: ingen registrerad företrädare" in listing.text
    assert "Nacka kommun" not in listing.text  # no member of Ledningscentraler
    assert "!forum medlem lägg till <organisation>" in listing.text
    # !aktörer (and the English names) show the same listing.
    assert _ok(bound, "!aktörer", channel="lc").text == listing.text
    english = _ok(bound, "!forum members", channel="lc").text
    assert english == listing.text  # the forum speaks Swedish: the alias only differs
    _ok(bound, "!forum språk en", channel="lc")
    english = _ok(bound, "!forum members", channel="lc").text
    assert f"Members of {CONTROL_ROOMS} (8 members)" in english
    assert "Polisen Region Stockholm: anna (principal); bo (deputy)" in english


def test_one_person_represents_polisen_in_the_conference_and_not_in_chefsgrupp(
    bound: Chat, database: Database
) -> None:
    _ok(bound, "!aktör Polisen", person="anna", channel="stab")
    conference = _ok(bound, "!forum medlemmar", channel="stab").text
    assert "Polisen Region Stockholm: anna (ordinarie)" in conference
    chefsgrupp = _ok(bound, "!forum medlemmar", channel="chef").text
    assert chefsgrupp.startswith(f"Medlemmar i {CHEFSGRUPP} (37 medlemmar)\n")
    assert "Polisen Region Stockholm: ingen registrerad företrädare" in chefsgrupp
    assert _representatives(database, "chefsgrupp") == set()
    # In chefsgrupp too, once she says so there; then each forum has her.
    said = _ok(bound, "!aktör Polisen", person="anna", channel="chef")
    assert (
        f"anna är företrädare för Polisen Region Stockholm i {CHEFSGRUPP} (ordinarie)." in said.text
    )
    assert "Inget har ändrats" not in said.text
    assert _representatives(database, "chefsgrupp") == {
        ("anna", "Polisen Region Stockholm", "ordinary")
    }
    # Saying it again changes nothing.
    again = _ok(bound, "!aktör Polisen", person="anna", channel="chef")
    assert "redan registrerad som företrädare för Polisen Region Stockholm" in again.text
    assert "Inget har ändrats." in again.text


def test_aktor_ersattare_makes_oneself_deputy_here(bound: Chat, database: Database) -> None:
    said = _ok(bound, "!aktör Polisen ersättare", person="bo", channel="lc")
    assert "bo är nu registrerad som företrädare för Polisen Region Stockholm." in said.text
    assert (
        f"bo är företrädare för Polisen Region Stockholm i {CONTROL_ROOMS} (ersättare)."
        in said.text
    )
    assert _representatives(database, "verkstallande-forum") == {
        ("bo", "Polisen Region Stockholm", "deputy")
    }
    # The plain shortcut keeps a deputy a deputy; "ordinarie" makes them one.
    assert "redan registrerad" in _ok(bound, "!aktör Polisen", person="bo", channel="lc").text
    said = _ok(bound, "!aktör Polisen ordinarie", person="bo", channel="lc")
    assert (
        f"bo är företrädare för Polisen Region Stockholm i {CONTROL_ROOMS} (ordinarie)."
        in said.text
    )
    assert f"bo är företrädare för Polisen Region Stockholm i {CONTROL_ROOMS} (ordinarie)." in (
        _ok(bound, "!aktör", person="bo", channel="lc").text
    )


# -- !aktör in a forum where the organisation is no member -----------------------------------


def test_a_claim_never_makes_an_organisation_a_member(bound: Chat, database: Database) -> None:
    before = _members(database, "verkstallande-forum")
    said = _ok(bound, "!aktör Nacka", person="nina", channel="lc")
    # The organisation is registered (a claim, told to the coordinators) ...
    assert "nina är nu registrerad som företrädare för Nacka kommun." in said.text
    assert "Forumets koordinatorer får veta det" in said.text
    # ... but it is said plainly that it is no member, with how a coordinator adds it.
    assert f"Nacka kommun är inte medlem i {CONTROL_ROOMS}" in said.text
    assert "så du är inte företrädare för den här" in said.text
    assert "deltar nu" not in said.text
    assert _members(database, "verkstallande-forum") == before
    assert _representatives(database, "verkstallande-forum") == set()
    assert "Nacka kommun är inte medlem" in _ok(bound, "!aktör", person="nina", channel="lc").text
    # The example works when a coordinator types it; then the claim makes her ordinarie.
    example = _example(said)
    assert example == "!forum medlem lägg till Nacka kommun"
    assert _refused(bound, example, person="nina", channel="lc")
    added = _ok(bound, example, channel="lc")
    assert f"Nacka kommun är nu medlem i {CONTROL_ROOMS}." in added.text
    assert f"{CONTROL_ROOMS} har nu 9 medlemmar." in added.text
    said = _ok(bound, "!aktör Nacka", person="nina", channel="lc")
    assert f"nina är företrädare för Nacka kommun i {CONTROL_ROOMS} (ordinarie)." in said.text
    assert ("nina", "Nacka kommun", "ordinary") in _representatives(database, "verkstallande-forum")


def test_a_claim_in_chefsgrupp_for_an_organisation_removed_from_it(
    bound: Chat, database: Database
) -> None:
    """Regional chefsgrupp keeps to the members its coordinators chose."""
    _ok(bound, "!forum medlem ta bort Stockholms hamnar", channel="chef")
    said = _ok(bound, "!aktör Stockholms hamnar", person="hampus", channel="chef")
    assert f"Stockholms hamnar är inte medlem i {CHEFSGRUPP}" in said.text
    assert "Stockholms hamnar" not in _members(database, "chefsgrupp")
    assert len(_members(database, "chefsgrupp")) == 36


def test_changing_organisation_ends_representing_the_old_one_elsewhere(
    bound: Chat, database: Database
) -> None:
    _ok(bound, "!aktör Polisen", person="anna", channel="stab")
    _ok(bound, "!aktör Polisen", person="anna", channel="chef")
    said = _ok(bound, "!aktör Trafikverket", person="anna", channel="lc")
    assert "Du företräder inte längre Polisen Region Stockholm i de 2 andra forum" in said.text
    assert f"anna är företrädare för Trafikverket i {CONTROL_ROOMS} (ordinarie)." in said.text
    assert _representatives(database, "samverkanskonferens") == set()
    assert _representatives(database, "chefsgrupp") == set()


def test_a_new_organisation_is_a_member_where_a_coordinator_creates_it(
    bound: Chat, database: Database
) -> None:
    said = _ok(bound, "!aktör ny Norrvatten övrig", channel="lc")
    assert f"Norrvatten deltar nu i {CONTROL_ROOMS}" in said.text
    assert "Norrvatten" in _members(database, "verkstallande-forum")
    assert "Norrvatten" not in _members(database, "chefsgrupp")


# -- adding and removing members -----------------------------------------------------------------


def test_adding_several_members_at_once(any_chat: Chat, any_database: Database) -> None:
    said = _ok(
        any_chat,
        "!forum medlem lägg till Nacka, Försvarsmakten, Militärregion Mitt, nacka kommun",
        channel="lc",
    )
    assert (
        f"2 organisationer är nu medlemmar i {CONTROL_ROOMS}: "
        "Nacka kommun; Försvarsmakten, Militärregion Mitt." in said.text
    )
    assert f"{CONTROL_ROOMS} har nu 10 medlemmar." in said.text
    assert "!företrädare <person> <organisation>" in said.text
    members = _members(any_database, "verkstallande-forum")
    assert {"Nacka kommun", "Försvarsmakten, Militärregion Mitt"} <= members
    assert len(members) == 10
    # Some already members: said, the others added.
    said = _ok(any_chat, "!forum member add SOS, Solna", channel="lc")
    assert f"Solna stad är nu medlem i {CONTROL_ROOMS}." in said.text
    assert f"SOS Alarm är redan medlem i {CONTROL_ROOMS}." in said.text
    # All already members: nothing changes, not even the audit log.
    before = _snapshot(any_database)
    said = _ok(any_chat, "!forum medlem lägg till Polisen, SOS Alarm", channel="lc")
    assert (
        f"2 organisationer är redan medlemmar i {CONTROL_ROOMS}: "
        "Polisen Region Stockholm; SOS Alarm." in said.text
    )
    assert "Inget har ändrats." in said.text
    assert _snapshot(any_database) == before


def test_an_unknown_organisation_refuses_the_whole_command(
    any_chat: Chat, any_database: Database
) -> None:
    before = _snapshot(any_database)
    said = _refused(any_chat, "!forum medlem lägg till Nacka, Påhittade verket", channel="lc")
    assert "Jag känner inte till någon organisation ”Påhittade verket”." in said.text
    assert "till exempel !forum medlem lägg till Trafikverket, SOS Alarm" in said.text
    said = _refused(any_chat, "!forum medlem lägg till Nacka, Stockholm", channel="lc")
    assert "”Stockholm” kan betyda flera" in said.text
    said = _refused(any_chat, "!forum medlem lägg till , ,", channel="lc")
    assert "Vilka organisationer?" in said.text
    said = _refused(any_chat, "!forum medlem lägg till", channel="lc")
    assert "Det saknas <organisation>" in said.text
    assert _snapshot(any_database) == before
    assert "Nacka kommun" not in _members(any_database, "verkstallande-forum")


def test_removing_a_member_takes_its_representatives_and_keeps_its_reports(
    any_chat: Chat, any_database: Database
) -> None:
    _ok(any_chat, "!aktör Polisen", person="anna", channel="lc")
    _ok(any_chat, "!företrädare @bo Polisen ersättare", channel="lc")
    _ok(any_chat, "!aktivera Stormen Dagmar", channel="lc")
    _ok(any_chat, "!läge Läge: hög belastning", person="anna", channel="lc")
    said = _ok(any_chat, "!forum medlem ta bort Polisen", channel="lc")
    assert (
        f"Polisen Region Stockholm är inte längre medlem i {CONTROL_ROOMS} (7 medlemmar kvar)."
        in said.text
    )
    assert "Dess företrädare i forumet är borttagna: anna, bo." in said.text
    assert "Organisationens lägesrapporter finns kvar." in said.text
    assert "Polisen Region Stockholm" not in _members(any_database, "verkstallande-forum")
    assert _representatives(any_database, "verkstallande-forum") == set()
    with Session(any_database.engine) as session:
        assert len(session.exec(select(SituationReport)).all()) == 1
    # Anna still speaks for Polisen: in the conference she is its ordinarie at once.
    said = _ok(any_chat, "!aktör Polisen", person="anna", channel="stab")
    assert (
        f"anna är företrädare för Polisen Region Stockholm i {CONFERENCE} (ordinarie)." in said.text
    )
    # Removing one that is no member: a clear answer, nothing changed.
    before = _snapshot(any_database)
    said = _refused(any_chat, "!forum member remove Polisen", channel="lc")
    assert f"Polisen Region Stockholm är inte medlem i {CONTROL_ROOMS}. Inget har ändrats." in (
        said.text
    )
    assert "!forum medlemmar" in said.text
    assert _snapshot(any_database) == before


ATTACKS = (
    "!forum medlem lägg till Nacka",
    "!forum medlem ta bort Polisen",
    "!forum member add Nacka",
    "!företrädare @anna Polisen",
    "!företrädare ta bort @anna",
)


def test_only_a_coordinator_of_this_forum_changes_members(
    any_chat: Chat, any_database: Database
) -> None:
    _ok(any_chat, "!aktör Polisen", person="anna", channel="lc")
    _ok(any_chat, "!roll @rita koordinator", channel="chef")  # coordinator of chefsgrupp only
    _ok(any_chat, "!aktör Trafikverket", person="rita", channel="chef")
    before = _snapshot(any_database)
    for line in ATTACKS:
        # An actor of the forum.
        said = _refused(any_chat, line, person="anna", channel="lc")
        assert "kräver rollen koordinator; din roll här: aktör" in said.text, line
        # A coordinator of another forum.
        said = _refused(any_chat, line, person="rita", channel="lc")
        assert "kräver rollen koordinator; din roll här: aktör" in said.text, line
        # A Matrix room admin (the platform's moderator) without a role here.
        said = _refused(any_chat, line, person="mallory", channel="lc", moderator=True)
        assert "kräver rollen koordinator; din roll här: ingen" in said.text, line
        # In a direct conversation nobody acts on a forum.
        _refused(any_chat, line, channel="dm", direct=True)
    assert _snapshot(any_database) == before
    # Where rita coordinates, she may.
    assert _ok(any_chat, "!forum medlem ta bort Stockholms hamnar", person="rita", channel="chef")


# -- representatives -----------------------------------------------------------------------------


def test_a_coordinator_names_and_removes_representatives(bound: Chat, database: Database) -> None:
    _ok(bound, "!aktör Trafikverket", person="tom", channel="stab")
    said = _ok(bound, "!företrädare @bo Polisen Region Stockholm", channel="lc")
    assert (
        f"bo är nu företrädare för Polisen Region Stockholm i {CONTROL_ROOMS} (ordinarie)."
        in said.text
    )
    again = _ok(bound, "!representative @bo Polisen ordinarie", channel="lc")
    assert (
        f"bo är redan företrädare för Polisen Region Stockholm i {CONTROL_ROOMS}, som ordinarie."
        " Inget har ändrats." in again.text
    )
    before = _snapshot(database)
    # Someone registered for another organisation is refused, with how to put it right.
    said = _refused(bound, "!företrädare @tom Polisen", channel="lc")
    assert "tom är registrerad som företrädare för Trafikverket, inte för Polisen" in said.text
    assert "!aktör ta bort tom" in said.text
    # An organisation that is no member here: the example adds it first.
    said = _refused(bound, "!företrädare @bo Nacka ersättare", channel="lc")
    assert f"Nacka kommun är inte medlem i {CONTROL_ROOMS}, så ingen företräder den här." in (
        said.text
    )
    assert _example(said) == "!forum medlem lägg till Nacka kommun"
    said = _refused(bound, "!företrädare @bo Påhittade verket", channel="lc")
    assert "Jag känner inte till någon organisation" in said.text
    assert "!företrädare @anna Polisen Region Stockholm ersättare" in said.text
    assert _snapshot(database) == before
    removed = _ok(bound, "!företrädare ta bort @bo", channel="lc")
    assert f"bo företräder inte längre Polisen Region Stockholm i {CONTROL_ROOMS}." in removed.text
    assert _representatives(database, "verkstallande-forum") == set()
    said = _refused(bound, "!företrädare ta bort @bo", channel="lc")
    assert f"bo företräder ingen organisation i {CONTROL_ROOMS}. Inget har ändrats." in said.text
    # bo still speaks for Polisen; only this forum's role ended, and he is told how to take
    # it up again himself.
    own = _ok(bound, "!aktör", person="bo", channel="lc").text
    assert "Du företräder Polisen Region Stockholm." in own
    assert f"I {CONTROL_ROOMS} är du inte företrädare för Polisen Region Stockholm" in own
    again = re.search(r"det blir du med (!aktör [^\n]+)$", own, re.MULTILINE)
    assert again is not None, own
    said = _ok(bound, again.group(1), person="bo", channel="lc")
    assert f"bo är företrädare för Polisen Region Stockholm i {CONTROL_ROOMS} (ordinarie)." in (
        said.text
    )


# -- counts: members ----------------------------------------------------------------------------


def _schedule(chat: Chat, *channels: str) -> None:
    for channel in channels:
        _ok(chat, "!schema varje torsdag 16:00", channel=channel)


def _travel(chat: Chat, until: datetime) -> list[tuple[datetime, Post]]:
    """Tick through the timed jobs up to ``until``, as the hub's ticker would; what went out."""
    sent: list[tuple[datetime, Post]] = []
    while True:
        posts = chat.tick()
        for number, post in enumerate(posts):
            if post.outbox_id is not None:
                chat.record_delivery(Delivery(post.outbox_id, message_id=f"m{number}"))
        sent.extend((chat.clock.now(), post) for post in posts)
        now = chat.clock.now()
        if now >= until:
            return sent
        step = min(until, now + timedelta(days=1))
        due = chat.next_due()
        if due is not None and now < due < step:
            step = due
        chat.clock.set(step)


def test_chefsgrupp_counts_37_and_ledningscentraler_8(any_chat: Chat) -> None:
    _schedule(any_chat, "chef", "lc")
    _ok(any_chat, "!aktör Polisen", person="anna", channel="chef")
    _ok(any_chat, "!aktör Polisen", person="anna", channel="lc")
    _ok(any_chat, "!läge Läge: lugnt", person="anna", channel="chef")
    chef = _ok(any_chat, "!lägesbild", channel="chef").text
    assert "1 av 37 organisationer har rapporterat." in chef
    assert "Har inte rapporterat (36)" in chef
    lc = _ok(any_chat, "!lägesbild", channel="lc").text
    assert "0 av 8 organisationer har rapporterat." in lc
    _ok(any_chat, "!läge Läge: lugnt", person="anna", channel="lc")
    missing = _ok(any_chat, "!saknas", channel="lc").text
    assert "7 av 8 organisationer har inte rapporterat (1 har)." in missing
    assert "Nacka kommun" not in missing
    missing = _ok(any_chat, "!saknas", channel="chef").text
    assert "36 av 37 organisationer har inte rapporterat (1 har)." in missing


def test_a_report_from_outside_the_members_is_shown_but_not_counted(bound: Chat) -> None:
    _schedule(bound, "lc")
    _ok(bound, "!aktör Nacka", person="nina", channel="lc")
    _ok(bound, "!läge Läge: vattenläcka i Sickla", person="nina", channel="lc")
    picture = _ok(bound, "!lägesbild", channel="lc").text
    assert "0 av 8 organisationer har rapporterat." in picture
    assert "Nacka kommun" in picture
    assert "vattenläcka i Sickla" in picture
    assert "räknas inte: inte medlem i forumet" in picture
    assert "8 av 8 organisationer har inte rapporterat (0 har)." in (
        _ok(bound, "!saknas", channel="lc").text
    )


def test_the_nag_counts_the_members_and_mentions_the_ordinarie(bound: Chat) -> None:
    _schedule(bound, "lc")
    _ok(bound, "!aktör Polisen", person="anna", channel="lc")
    _ok(bound, "!företrädare @bo Polisen ersättare", channel="lc")
    _ok(bound, "!företrädare @cia SOS ersättare", channel="lc")
    _ok(bound, "!aktör Region Stockholm", person="rut", channel="lc")
    _travel(bound, datetime(2026, 12, 1, 9, 0, tzinfo=STOCKHOLM))  # the next week's round
    _ok(bound, "!läge Läge: lugnt", person="rut", channel="lc")
    sent = _travel(bound, datetime(2026, 12, 3, 14, 0, tzinfo=STOCKHOLM))
    [nag] = [
        post
        for at, post in sent
        if at == datetime(2026, 12, 3, 14, 0, tzinfo=STOCKHOLM) and post.channel_id == "lc"
    ]
    nag_text = render_text(nag.document)
    assert "7 av 8 organisationer har inte skickat sin lägesrapport:" in nag_text
    # Polisen's ordinarie, not its ersättare; SOS Alarm has only an ersättare: her.
    assert _mentions(nag.document) == {"anna", "cia"}
    assert "  • Polisen Region Stockholm: @anna\n" in nag_text
    assert "  • SOS Alarm: @cia\n" in nag_text
    assert "  • Trafikverket (ingen registrerad företrädare)\n" in nag_text
    assert "Nacka kommun" not in nag_text
    # !saknas says the same, and mentions the same people for a coordinator.
    missing = _ok(bound, "!saknas", channel="lc")
    assert "7 av 8 organisationer har inte rapporterat (1 har)." in missing.text
    assert missing.reply is not None
    assert _mentions(missing.reply.document) == {"anna", "cia"}


# -- counts: an activation ----------------------------------------------------------------------


def test_an_activation_counts_those_called_in_not_those_released(
    any_chat: Chat, any_database: Database
) -> None:
    _ok(any_chat, "!aktör Polisen", person="anna", channel="chef")
    _ok(any_chat, "!aktör SOS", person="bo", channel="chef")
    _ok(any_chat, "!aktör Nacka", person="nina", channel="chef")
    _ok(any_chat, "!aktivera Snöstorm kalla: Polisen, SOS Alarm, Trafikverket", channel="chef")
    picture = _ok(any_chat, "!lägesbild", channel="chef").text
    assert "0 av 3 organisationer har rapporterat." in picture
    _ok(any_chat, "!läge Läge: många olyckor", person="anna", channel="chef")
    _ok(any_chat, "!läge Läge: lugnt i Nacka", person="nina", channel="chef")  # not called in
    picture = _ok(any_chat, "!lägesbild", channel="chef").text
    assert "1 av 3 organisationer har rapporterat." in picture
    assert "räknas inte: inte inkallad" in picture
    assert "Har inte rapporterat (2)" in picture
    missing = _ok(any_chat, "!saknas", channel="chef").text
    assert "2 av 3 organisationer har inte rapporterat (1 har)." in missing
    assert "Nacka kommun" not in missing
    listing = _ok(any_chat, "!forum medlemmar", channel="chef").text
    assert "Under aktiveringen väntas 3 organisationer" in listing
    # SOS Alarm reports and is released: it is no longer counted, its report still shown.
    _ok(any_chat, "!läge Läge: normalt", person="bo", channel="chef")
    assert "2 av 3 organisationer har rapporterat." in (
        _ok(any_chat, "!lägesbild", channel="chef").text
    )
    _ok(any_chat, "!släpp SOS Alarm", channel="chef")
    picture = _ok(any_chat, "!lägesbild", channel="chef").text
    assert "1 av 2 organisationer har rapporterat." in picture
    assert "räknas inte: släppt från inkallningen" in picture
    assert "SOS Alarm" in picture
    assert "Läge: normalt" in picture
    missing = _ok(any_chat, "!saknas", channel="chef").text
    assert "1 av 2 organisationer har inte rapporterat (1 har)." in missing
    assert "Trafikverket" in missing
    assert "SOS Alarm" not in missing


def test_an_activation_of_all_members_counts_all_of_them(bound: Chat) -> None:
    _ok(bound, "!aktivera Stormen Dagmar", channel="lc")
    assert "0 av 8 organisationer har rapporterat." in _ok(bound, "!lägesbild", channel="lc").text


# -- the roll call and the minutes --------------------------------------------------------------


def test_the_roll_call_and_the_minutes_count_the_members(bound: Chat, database: Database) -> None:
    _schedule(bound, "lc")
    _ok(bound, "!aktör Polisen", person="anna", channel="lc")
    _ok(bound, "!aktör Nacka", person="nina", channel="lc")  # no member
    bound.clock.set(datetime(2026, 11, 26, 16, 0, tzinfo=STOCKHOLM))
    _ok(bound, "!möte start", channel="lc")
    said = _ok(bound, "!närvarande", person="anna", channel="lc")
    assert "Upprop: 1 av 8 organisationer är närvarande." in said.text
    assert "Inte närvarande (7): Brandkåren Attunda; Region Stockholm;" in said.text
    assert "Polisen" not in said.text.split("Inte närvarande")[1]
    said = _ok(bound, "!närvarande", person="nina", channel="lc")
    assert "Upprop: 1 av 8 organisationer är närvarande." in said.text
    ended = _ok(bound, "!möte slut", channel="lc")
    # The minutes say which members took no part, counted against the 8.
    assert (
        "Frånvarande medlemsorganisationer (7 av 8): Brandkåren Attunda; Region Stockholm;"
        in ended.text
    )
    with Session(database.engine) as session:
        meeting = session.exec(select(Meeting)).one()
    context = AuditContext("test", "lc", "operator", "operator", bound.clock.now())
    with database.reading(context) as store:
        minutes = minutes_of(store, meeting, "sv")
    assert minutes.awaited == 8
    assert len(minutes.absent) == 7
    assert "Polisen Region Stockholm" not in minutes.absent
    assert "Nacka kommun" not in minutes.absent
    assert minutes.absent[0] == "Brandkåren Attunda"


def test_a_forum_without_members_awaits_nobody(chat: Chat) -> None:
    _ok(chat, "!forum skapa Tematisk grupp vatten samordnande", channel="ny")
    _ok(chat, '!forum koppla "Tematisk grupp vatten"', channel="ny")
    _ok(chat, "!schema varje torsdag 16:00", channel="ny")
    listing = _ok(chat, "!forum medlemmar", channel="ny").text
    assert "Medlemmar i Tematisk grupp vatten (0 medlemmar)" in listing
    assert "Tematisk grupp vatten har inga medlemsorganisationer ännu." in listing
    missing = _ok(chat, "!saknas", channel="ny").text
    assert (
        "Ingen organisation väntas rapportera i den här rundan: Tematisk grupp vatten har inga"
        " medlemmar." in missing
    )
    _ok(chat, "!forum medlem lägg till Nacka, Värmdö", channel="ny")
    assert "2 av 2 organisationer har inte rapporterat (0 har)." in (
        _ok(chat, "!saknas", channel="ny").text
    )
