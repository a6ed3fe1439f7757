"""Meeting notes through the dispatcher: a meeting from start to minutes, as the host keeps it."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from storage import Database
from storage.models import Meeting, MeetingItem, ReportRound
from tests.support.chat import Chat


def _register(chat: Chat, **people: str) -> None:
    for person, organisation in people.items():
        said = chat.say(f"!aktör {organisation}", person=person)
        assert said.ok, said.text


def _count(database: Database, model: type[Meeting] | type[MeetingItem]) -> int:
    with Session(database.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _meetings(database: Database) -> list[Meeting]:
    with Session(database.engine) as session:
        return list(session.exec(select(Meeting).order_by(col(Meeting.id))))


def test_a_meeting_from_start_to_minutes(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen", bo="Trafikverket")
    forum_chat.advance(hours=1)  # Thursday 16:00
    started = forum_chat.say("!möte start Samverkanskonferens v. 48")
    assert started.ok, started.text
    assert "möte 1 har börjat" in started.text
    assert "1. Inledning och upprop" in started.text
    assert "7. Samlad lägesbild vecka 48" in started.text
    assert "9. Nästa möte" in started.text
    assert "Gemensam analys" not in started.text  # the ordinary agenda
    assert forum_chat.say("!närvarande", person="anna").ok
    forum_chat.say("!info SMHI varnar för kraftig vind", person="bo")
    moved = forum_chat.say("!punkt nästa")
    assert "Punkt 2 av 9: Uppföljning av åtgärder" in moved.text
    decided = forum_chat.say("!beslut Polisen leder trafikinsatsen", person="anna")
    assert "Under punkten: Uppföljning av åtgärder" in decided.text
    forum_chat.say("!läge Läge: E4 stängd vid Rotebro", person="bo")
    forum_chat.advance(minutes=40)
    ended = forum_chat.say("!möte slut")
    assert ended.ok, ended.text
    assert "Möte 1 avslutat 2026-11-26 16:40." in ended.text
    # The channel gets the minutes shortened: decisions kept, information counted.
    assert "Överenskommelse: Polisen leder trafikinsatsen (anna 16:00)" in ended.text
    assert "SMHI varnar" not in ended.text
    assert "Förkortat: 1 informationspunkt" in ended.text
    assert "Polisen Region Stockholm (1); Trafikverket (1)" in ended.text
    text = ended.full_minutes
    assert "Samverkanskonferens v. 48" in text
    assert "Tid: 2026-11-26 16:00 – 16:40" in text
    assert "Polisen Region Stockholm: anna" in text
    assert "Trafikverket: bo" in text  # spoke, so took part
    # Items under their agenda items, in order, with who and when.
    opening = text.index("Inledning och upprop:")
    follow_up = text.index("Uppföljning av åtgärder:")
    assert opening < text.index("Information: SMHI varnar för kraftig vind (bo 16:00)") < follow_up
    assert follow_up < text.index("Överenskommelse: Polisen leder trafikinsatsen (anna 16:00)")
    # The round's joint picture is in the minutes, and the round is closed.
    assert "Samlad lägesbild – Regional samverkanskonferens" in text
    assert "Läge: E4 stängd vid Rotebro" in text
    with Session(database.engine) as session:
        [report_round] = session.exec(select(ReportRound)).all()
        assert report_round.closed_at is not None
    # The minutes can be read again later.
    again = forum_chat.say("!protokoll")
    assert "Minnesanteckningar – Regional samverkanskonferens, möte 1" in again.text
    assert "Överenskommelse: Polisen leder trafikinsatsen" in again.text


def test_an_activated_forum_gets_the_activated_agenda(forum_chat: Chat) -> None:
    forum_chat.say("!aktivera Storm")
    started = forum_chat.say("!möte start")
    assert "Dagordning (aktiverat läge):" in started.text
    assert "2. Syfte och anledning till aktivering" in started.text
    assert "7. Gemensam analys" in started.text
    assert "10. Gemensam regional inriktning" in started.text
    assert "12. Nästa möte" in started.text


def test_reports_during_a_long_meeting_stay_in_its_round(forum_chat: Chat) -> None:
    _register(forum_chat, bo="Trafikverket")
    forum_chat.advance(hours=1)
    forum_chat.say("!möte start")
    forum_chat.advance(minutes=90)  # past the hour a meeting's round stays open by itself
    said = forum_chat.say("!läge Läge: E4 öppnad", person="bo")
    assert "runda 1 (möte 2026-11-26 16:00, v. 48)" in said.text
    assert "sen" not in said.text


def test_items_outside_a_meeting_are_refused_with_a_hint(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    for text in ("!info Något", "!beslut Något", "!punkt Något", "!närvarande", "!möte slut"):
        said = forum_chat.say(text, person="anna")
        assert not said.ok, text
        assert "har inget pågående möte" in said.text, text
        assert "!möte start" in said.text, text
    assert _count(database, MeetingItem) == 0


def test_only_chairs_end_undo_and_add_chairs(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen", bo="Trafikverket")
    forum_chat.say("!möte start")
    forum_chat.say("!info Första", person="bo")
    for text in ("!ångra", "!möte slut", "!ordförande @bo"):
        said = forum_chat.say(text, person="anna")
        assert not said.ok, text
        assert "Bara mötets ordförande" in said.text, text
    assert "anna är nu medordförande." in forum_chat.say("!ordförande @anna").text
    undone = forum_chat.say("!ångra", person="anna")
    assert "Borttaget ur minnesanteckningarna: Information ”Första”." in undone.text
    ended = forum_chat.say("!möte slut", person="anna")
    assert ended.ok, ended.text
    assert "Ordförande: operator, anna" in ended.text
    assert "Första" not in ended.text  # undone: not in the minutes
    with Session(database.engine) as session:  # but kept, marked removed
        [removed] = session.exec(select(MeetingItem).where(MeetingItem.text == "Första")).all()
        assert removed.removed_at is not None


def test_only_a_coordinator_starts_and_one_meeting_at_a_time(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    refused = forum_chat.say("!möte start", person="anna")
    assert not refused.ok
    assert "kräver rollen koordinator" in refused.text
    assert forum_chat.say("!möte start").ok
    again = forum_chat.say("!möte start")
    assert not again.ok
    assert "Möte 1 pågår redan sedan 2026-11-26 15:00." in again.text


def test_the_standing_agenda_runs_out(forum_chat: Chat) -> None:
    forum_chat.say("!möte start")
    for _ in range(8):
        assert forum_chat.say("!punkt nästa").ok
    done = forum_chat.say("!punkt nästa")
    assert not done.ok
    assert "ingen nästa punkt" in done.text


def test_a_meeting_spanning_midnight_and_meetings_numbered_per_forum(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.advance(hours=8)  # 23:00
    forum_chat.say("!möte start Nattmöte")
    forum_chat.say("!info Före midnatt")
    forum_chat.advance(hours=2)  # Friday 01:00
    forum_chat.say("!info Efter midnatt")
    ended = forum_chat.say("!möte slut")
    # Past midnight the end shows its date too.
    assert "Tid: 2026-11-26 23:00 – 2026-11-27 01:00" in ended.text
    assert "Före midnatt (operator 23:00)" in ended.full_minutes
    assert "Efter midnatt (operator 01:00)" in ended.full_minutes
    forum_chat.say("!möte start")
    assert [m.number for m in _meetings(database)] == [1, 2]
    first = forum_chat.say("!protokoll 1")
    assert "Nattmöte" in first.text
    unknown = forum_chat.say("!protokoll 7")
    assert not unknown.ok
    assert "Det finns inget möte ”7”" in unknown.text


def test_a_restart_mid_meeting_loses_nothing(forum_chat: Chat, database: Database) -> None:
    """The meeting is in the database: a new dispatcher (a restarted bot) carries on."""
    forum_chat.say("!möte start")
    forum_chat.say("!info Före omstarten")
    restarted = Chat(database, forum_chat.clock)
    restarted.say("!info Efter omstarten")
    ended = restarted.say("!möte slut")
    assert "Före omstarten" in ended.full_minutes
    assert "Efter omstarten" in ended.full_minutes


def test_an_english_forum_keeps_english_minutes(forum_chat: Chat) -> None:
    forum_chat.say("!forum språk en")
    started = forum_chat.say("!meeting start")
    assert "1. Opening and roll call" in started.text
    forum_chat.say("!agreed Joint message on power cuts")
    ended = forum_chat.say("!meeting end")
    assert "Minutes – Regional samverkanskonferens, meeting 1" in ended.text
    assert "Agreement: Joint message on power cuts" in ended.text


def test_a_chair_without_organisation_is_named_in_the_attendance(forum_chat: Chat) -> None:
    """Seen in filed minutes: "Utan organisation (1)" did not say who was there."""
    _register(forum_chat, anna="Polisen", bo="Trafikverket")
    assert forum_chat.say("!möte start").ok  # the operator chairs, for no organisation
    assert forum_chat.say("!närvarande", person="anna").ok
    assert forum_chat.say("!närvarande", person="bo").ok
    ended = forum_chat.say("!möte slut")
    assert ended.ok, ended.text
    # Short minutes: organisations counted, the chair by name (and last).
    assert (
        "Polisen Region Stockholm (1); Trafikverket (1); Utan organisation: operator" in ended.text
    )
    assert "Utan organisation (" not in ended.text
    full = ended.full_minutes
    assert "Ordförande: operator" in full
    assert "Utan organisation: operator" in full
