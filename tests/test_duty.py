"""The duty roster through the dispatcher: who is TiB and RSK on duty (``!beredskap``), taking
a role over (a coordinator's act), a weekly rota (the region's), and attacks on both."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from commands.core.clock import FixedClock
from storage import Database
from storage.models import AuditEvent, Duty, DutyRota, DutyShift, Person
from tests.support.chat import Chat

# Thursday 26 November 2026 15:00 (conftest): this week's Monday is the 23rd.


def _ok(chat: Chat, line: str, **options: Any) -> str:
    said = chat.say(line, **options)
    assert said.ok, (line, said.text)
    return said.text


def _duty_rows(database: Database) -> dict[str, list[tuple[object, ...]]]:
    with database.engine.connect() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608
            for table in ("dutyshift", "dutyrota", "auditevent", "rolegrant", "regionalgrant")
        }


def _shifts(database: Database) -> list[tuple[Duty, str]]:
    with Session(database.engine) as session:
        query = (
            select(DutyShift.duty, Person.user_id)
            .join(Person, col(Person.id) == DutyShift.person_id)
            .order_by(col(DutyShift.id))
        )
        return [(duty, user) for duty, user in session.exec(query)]


# -- !beredskap -----------------------------------------------------------------------------------


def test_with_nobody_on_duty_it_says_so_and_how_to_take_over(forum_chat: Chat) -> None:
    shown = _ok(forum_chat, "!beredskap")
    assert "Beredskap just nu" in shown
    assert "RSK – regional samverkanskoordinator i beredskap: ingen i beredskap" in shown
    assert "TiB – Länsstyrelsens tjänsteman i beredskap: ingen i beredskap" in shown
    assert "En koordinator för regionen tar över med !beredskap ta över RSK." in shown
    # The example works as written.
    assert "operator är nu RSK i beredskap" in _ok(forum_chat, "!beredskap ta över RSK")
    shown = _ok(forum_chat, "!duty", person="anna")
    assert "operator sedan 2026-11-26 15:00, tog över" in shown
    assert "ta över RSK" not in shown
    assert "!beredskap ta över TiB" in shown


def test_it_is_answered_in_a_direct_conversation_and_in_english(forum_chat: Chat) -> None:
    _ok(forum_chat, "!beredskap ta över TiB")
    shown = _ok(forum_chat, "!beredskap", person="eve", direct=True, channel="dm-eve")
    assert "TiB – Länsstyrelsens tjänsteman i beredskap: operator sedan 2026-11-26 15:00" in shown
    _ok(forum_chat, "!forum språk en")
    shown = _ok(forum_chat, "!duty")
    assert "On duty now" in shown
    assert "RSK – regional collaboration coordinator on duty: nobody on duty" in shown
    assert "operator since 2026-11-26 15:00, took over" in shown
    assert "A coordinator of the region takes over with !duty take over RSK." in shown


# -- !beredskap ta över ---------------------------------------------------------------------------


def test_a_take_over_says_who_had_it_before_and_tells_them(
    forum_chat: Chat, database: Database
) -> None:
    _ok(forum_chat, "!roll @lisa koordinator regionalt")
    _ok(forum_chat, "!roll @mats koordinator regionalt")
    first = forum_chat.say("!beredskap ta över rsk", person="lisa")
    assert first.ok, first.text
    assert "lisa är nu RSK i beredskap från 2026-11-26 15:00." in first.text
    assert "Ingen var RSK i beredskap före." in first.text
    assert first.posts == []
    forum_chat.advance(hours=2)
    second = forum_chat.say("!Beredskap Ta Över RSK", person="mats")
    assert second.ok, second.text
    assert "mats är nu RSK i beredskap från 2026-11-26 17:00." in second.text
    assert "Före: lisa, sedan 2026-11-26 15:00, tog över" in second.text
    [told] = second.posts
    assert (told.channel_id, told.direct) == ("lisa", True)
    assert "mats har tagit över som RSK i beredskap 2026-11-26 17:00" in (
        told.document.plain_text()
    )
    assert "mats sedan 2026-11-26 17:00, tog över" in _ok(forum_chat, "!beredskap")
    # Taking over what one holds changes nothing.
    again = forum_chat.say("!beredskap ta över RSK", person="mats")
    assert again.ok
    assert "Du är redan RSK i beredskap sedan 2026-11-26 17:00. Inget har ändrats." in again.text
    assert _shifts(database) == [(Duty.RSK, "lisa"), (Duty.RSK, "mats")]
    with Session(database.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "duty.take_over")).all()
    assert [(e.details["duty"], e.details["name"]) for e in events] == [
        ("rsk", "lisa"),
        ("rsk", "mats"),
    ]


def test_a_regional_coordinator_takes_over_in_a_direct_conversation(
    forum_chat: Chat, database: Database
) -> None:
    _ok(forum_chat, "!roll @rita koordinator regionalt")
    said = forum_chat.say("!duty take over TIB", person="rita", direct=True, channel="dm-rita")
    assert said.ok, said.text
    assert "rita är nu TiB i beredskap" in said.text
    assert _shifts(database) == [(Duty.TIB, "rita")]


def test_a_forums_coordinator_does_not_take_over_a_regional_duty(
    chat: Chat, database: Database
) -> None:
    """The duty roles are the region's: a coordinator of chefsgrupp alone would otherwise
    receive, and could silence, every request for activation in the region."""
    _ok(chat, "!forum koppla chefsgrupp", channel="ledning")
    _ok(chat, "!roll @cb koordinator", channel="ledning")
    said = chat.say("!beredskap ta över TiB", person="cb", channel="ledning")
    assert not said.ok
    assert "får bara regionens koordinatorer använda" in said.text
    assert _shifts(database) == []


ATTACKS = [
    # (who, line, where): each refused, nothing changed.
    ("anna", "!beredskap ta över RSK", "stab"),  # an actor
    ("mallory", "!beredskap ta över RSK", "stab"),  # a room admin without a role
    ("cb", "!beredskap ta över RSK", "stab"),  # coordinator of another forum
    ("fia", "!beredskap ta över RSK", "stab"),  # coordinator of this forum only
    ("fia", "!beredskap ta över RSK", "dm"),
    ("eve", "!beredskap ta över TiB", "dm"),  # nobody
    ("lisa", "!beredskap ta över RSK @anna", "stab"),  # nobody else is put on duty
    ("lisa", "!beredskap ta över", "stab"),
    ("lisa", "!beredskap ta över XYZ", "stab"),
    ("lisa", "!beredskap ta över RSK; DROP TABLE dutyshift", "stab"),
    ("fia", "!beredskap schema RSK @anna @bo måndag 08:00", "stab"),  # not regional
    ("anna", "!beredskap schema RSK @anna @bo måndag 08:00", "stab"),
    ("mallory", "!beredskap schema RSK ta bort", "stab"),
    ("eve", "!beredskap schema TiB @eve måndag 08:00", "dm"),
    ("operator", "!beredskap schema RSK @anna", "stab"),  # no weekday and time
    ("operator", "!beredskap schema RSK måndag 08:00", "stab"),  # nobody on it
    ("operator", "!beredskap schema RSK @anna varannan måndag 08:00", "stab"),
    ("operator", "!beredskap schema RSK @anna måndag 25:00", "stab"),
    ("operator", "!beredskap schema RSK @anna okänd person måndag 08:00", "stab"),
    ("operator", "!beredskap schema XYZ @anna måndag 08:00", "stab"),
    ("operator", "!beredskap schema TiB ta bort", "stab"),  # there is none
    ("operator", "!beredskap schema RSK " + "@anna " * 60 + "måndag 08:00", "stab"),
]


@pytest.mark.parametrize(("who", "line", "where"), ATTACKS)
def test_attacks_on_the_take_over_and_the_rota_are_refused_and_change_nothing(
    forum_chat: Chat, database: Database, who: str, line: str, where: str
) -> None:
    _ok(forum_chat, "!forum koppla chefsgrupp", channel="ledning")
    _ok(forum_chat, "!roll @lisa koordinator regionalt")
    _ok(forum_chat, "!roll @cb koordinator", channel="ledning")
    _ok(forum_chat, "!roll @fia koordinator")  # of this forum only
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!beredskap ta över TiB", person="lisa")
    _ok(forum_chat, "!beredskap schema RSK @lisa @anna måndag 08:00")
    before = _duty_rows(database)
    said = forum_chat.say(
        line,
        person=who,
        channel=where,
        direct=where == "dm",
        moderator=who == "mallory",
    )
    assert not said.ok, said.text
    assert said.reply is not None
    assert said.reply.error_id is None, said.text
    assert said.posts == []
    assert said.text.strip()
    assert _duty_rows(database) == before


def test_refusals_say_what_to_do(forum_chat: Chat) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    actor = forum_chat.say("!beredskap ta över RSK", person="anna")
    assert "får bara regionens koordinatorer använda" in actor.text
    role = forum_chat.say("!beredskap ta över XYZ")
    assert "”XYZ” är ingen beredskapsroll: rollerna är RSK och TiB." in role.text
    assert "!beredskap ta över RSK" in role.text
    time = forum_chat.say("!beredskap schema RSK @anna")
    assert "Jag hittar ingen veckodag och tid för överlämningen" in time.text
    assert "!beredskap schema RSK @anna @bo @cia måndag 08:00" in time.text
    nobody = forum_chat.say("!beredskap schema RSK måndag 08:00")
    assert "Schemat behöver minst en person" in nobody.text
    regional = forum_chat.say("!beredskap schema RSK @anna måndag 08:00", person="anna")
    assert "bara regionens koordinatorer" in regional.text


# -- !beredskap schema ----------------------------------------------------------------------------


def test_a_rota_hands_over_weekly_from_this_weeks_handover(
    forum_chat: Chat, clock: FixedClock, database: Database
) -> None:
    said = forum_chat.say("!beredskap schema RSK @anna, @bo, @cia måndag 08:00")
    assert said.ok, said.text
    assert "Schemat för RSK är satt" in said.text
    # This week's handover (Monday the 23rd) was to the first: anna is on duty by the rota.
    assert "anna sedan 2026-11-23 08:00, enligt schemat" in said.text
    assert "Schema för RSK: anna, bo, cia, överlämning varje måndag 08:00." in said.text
    assert "Nästa överlämning måndag 2026-11-30 08:00 till bo." in said.text
    forum_chat.advance(days=3, hours=17)  # Monday 30th 08:00
    shown = _ok(forum_chat, "!beredskap")
    assert "bo sedan 2026-11-30 08:00, enligt schemat" in shown
    assert "Nästa överlämning måndag 2026-12-07 08:00 till cia." in shown
    # A take-over after the last handover wins until the next one.
    _ok(forum_chat, "!roll @lisa koordinator regionalt")
    forum_chat.advance(hours=4)
    took = _ok(forum_chat, "!beredskap ta över RSK", person="lisa")
    assert "Före: bo, sedan 2026-11-30 08:00, enligt schemat" in took
    assert "Schemat lämnar över till cia måndag 2026-12-07 08:00" in took
    assert "lisa sedan 2026-11-30 12:00, tog över" in _ok(forum_chat, "!beredskap")
    forum_chat.advance(days=7)
    assert "cia sedan 2026-12-07 08:00, enligt schemat" in _ok(forum_chat, "!beredskap")
    forum_chat.advance(days=7)  # and round again
    assert "anna sedan 2026-12-14 08:00, enligt schemat" in _ok(forum_chat, "!beredskap")
    with Session(database.engine) as session:
        [rota] = session.exec(select(DutyRota)).all()
    assert (rota.duty, rota.weekday, rota.time, str(rota.start)) == (
        Duty.RSK,
        0,
        "08:00",
        "2026-11-23",
    )


def test_a_rota_whose_handover_is_still_ahead_this_week(forum_chat: Chat) -> None:
    said = forum_chat.say("!beredskap schema TiB @anna @bo varje fredag kl 08")
    assert said.ok, said.text
    assert "TiB – Länsstyrelsens tjänsteman i beredskap: ingen i beredskap" in said.text
    assert "Nästa överlämning fredag 2026-11-27 08:00 till anna." in said.text
    forum_chat.advance(hours=17)
    assert "anna sedan 2026-11-27 08:00, enligt schemat" in _ok(forum_chat, "!beredskap")


@pytest.mark.parametrize(
    "when",
    ["måndag 08:00", "varje måndag 08:00", "måndag kl 8", "mån 08.00", "Monday 8am"],
)
def test_the_handover_is_read_in_swedish_or_english(forum_chat: Chat, when: str) -> None:
    said = forum_chat.say(f"!beredskap schema RSK @anna och @bo {when}")
    assert said.ok, said.text
    assert "Schema för RSK: anna, bo, överlämning varje måndag 08:00." in said.text


def test_a_rota_in_english_and_removed(forum_chat: Chat, database: Database) -> None:
    _ok(forum_chat, "!forum språk en")
    said = forum_chat.say("!duty rota TiB @anna, @bo Monday 08:00")
    assert said.ok, said.text
    assert "Rota for TiB: anna, bo, handover every Monday 08:00." in said.text
    assert "anna since 2026-11-23 08:00, by the rota" in said.text
    removed = forum_chat.say("!duty rota TiB remove")
    assert removed.ok, removed.text
    assert "The rota for TiB is removed" in removed.text
    assert "TiB – duty officer of the County Administrative Board (Länsstyrelsen): nobody" in (
        removed.text
    )
    _ok(forum_chat, "!forum språk sv")
    _ok(forum_chat, "!beredskap schema RSK @anna måndag 08:00")
    assert "Schemat för RSK är borttaget" in _ok(forum_chat, "!beredskap schema RSK ta bort")
    with Session(database.engine) as session:
        assert session.exec(select(DutyRota)).all() == []
        actions = [
            e.action
            for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
            if e.action.startswith("duty.")
        ]
    assert actions == ["duty.rota", "duty.rota_removed", "duty.rota", "duty.rota_removed"]


def test_names_as_people_write_them(forum_chat: Chat) -> None:
    for person in ("anna", "bo"):
        _ok(forum_chat, "!aktör Polisen", person=person)  # the bot knows them
    said = forum_chat.say("!beredskap schema RSK anna, bo, @cia måndag 08:00")
    assert said.ok, said.text
    assert "anna, bo, cia" in said.text
