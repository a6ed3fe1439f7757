"""Actions and escalations in meetings, through the dispatcher: noted, listed, closed, followed
up."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage import Database
from storage.models import Action, Escalation, MeetingItem
from tests.support.chat import Chat


def _register(chat: Chat, **people: str) -> None:
    for person, organisation in people.items():
        said = chat.say(f"!aktör {organisation}", person=person)
        assert said.ok, said.text


def _actions(database: Database) -> list[Action]:
    with Session(database.engine) as session:
        return list(session.exec(select(Action).order_by(col(Action.number))))


def _meeting(chat: Chat, **people: str) -> None:
    _register(chat, **people)
    started = chat.say("!möte start")
    assert started.ok, started.text


def test_an_action_for_an_organisation_with_a_due_time(
    forum_chat: Chat, database: Database
) -> None:
    _meeting(forum_chat, anna="Polisen")
    said = forum_chat.say(
        "!åtgärd Polisen Ta fram trafikplan för E4 senast fredag kl 12", person="anna"
    )
    assert said.ok, said.text
    assert "Åtgärd 1 antecknad: Ta fram trafikplan för E4" in said.text
    assert "Ansvarig: Polisen Region Stockholm (organisation)" in said.text
    assert "Senast: fredag 2026-11-27 12:00" in said.text
    [action] = _actions(database)
    assert action.text == "Ta fram trafikplan för E4"
    assert action.owner_name == "Polisen Region Stockholm"
    assert action.owner_organisation_id is not None
    assert action.due_at is not None
    assert action.due_at.isoformat() == "2026-11-27T11:00:00+00:00"


def test_owners_written_in_full_quoted_misspelt_mentioned_or_everyone(
    forum_chat: Chat, database: Database
) -> None:
    _meeting(forum_chat, anna="Polisen", bo="Trafikverket")
    full = forum_chat.say("!åtgärd Region Stockholm Bemanna vårdupplysningen")
    assert "Ansvarig: Region Stockholm (organisation)" in full.text
    assert "Åtgärd 1 antecknad: Bemanna vårdupplysningen" in full.text
    quoted = forum_chat.say('!åtgärd "Region Stockholm" Öppna trygghetspunkt')
    assert "Åtgärd 2 antecknad: Öppna trygghetspunkt" in quoted.text
    typo = forum_chat.say("!åtgärd Trafikverkt Skylta om vid Rotebro")
    assert "Ansvarig: Trafikverket (organisation)" in typo.text
    assert "Jag tolkade ”Trafikverkt” som Trafikverket" in typo.text
    person = forum_chat.say("!åtgärd @bo Ring SMHI")
    assert "Ansvarig: bo (person)" in person.text
    everyone = forum_chat.say("!åtgärd alla Uppdatera kontaktlistorna")
    assert "Ansvarig: Alla aktörer (alla)" in everyone.text
    assert "Senast: inget slutdatum" in everyone.text
    assert [a.owner_name for a in _actions(database)] == [
        "Region Stockholm",
        "Region Stockholm",
        "Trafikverket",
        "bo",
        "Alla aktörer",
    ]


def test_bad_actions_are_refused_with_an_example_and_change_nothing(
    forum_chat: Chat, database: Database
) -> None:
    forum_chat.say("!åtgärd Polisen Utanför mötet")
    outside = forum_chat.say("!åtgärd Polisen Utanför mötet")
    assert not outside.ok
    assert "har inget pågående möte" in outside.text
    _meeting(forum_chat, anna="Polisen")
    unknown = forum_chat.say("!åtgärd Xyzzyverket Gör något")
    assert not unknown.ok
    assert "Jag känner inte till någon organisation eller person ”Xyzzyverket”" in unknown.text
    assert "!åtgärd Polisen Ta fram trafikplan" in unknown.text  # an example that works
    vague = forum_chat.say("!åtgärd Polisen Ta fram plan senast snart")
    assert not vague.ok
    assert "Jag förstår inte tiden ”snart” efter ”senast”" in vague.text
    assert "senast imorgon kl 15" in vague.text
    past = forum_chat.say("!åtgärd Polisen Ta fram plan senast 2026-11-20 10:00")
    assert not past.ok
    assert (
        "blir fredag 2026-11-20 10:00, och den tiden har redan passerat" in past.text
    )  # issue 15: with weekday
    no_text = forum_chat.say("!åtgärd Polisen senast fredag")
    assert not no_text.ok
    assert "Vad ska göras?" in no_text.text
    missing = forum_chat.say("!åtgärd")
    assert not missing.ok
    assert _actions(database) == []
    with Session(database.engine) as session:
        kinds = [item.kind.value for item in session.exec(select(MeetingItem))]
    assert "action" not in kinds


def test_listing_closing_and_who_may_close(forum_chat: Chat, database: Database) -> None:
    _meeting(forum_chat, anna="Polisen", bo="Trafikverket")
    forum_chat.say("!åtgärd Polisen Ta fram trafikplan senast fredag kl 12")
    forum_chat.say("!åtgärd Trafikverket Skylta om")
    listed = forum_chat.say("!åtgärder", person="bo")
    assert "Regional samverkanskonferens: 2 öppna åtgärder" in listed.text
    assert (
        "#1 Polisen Region Stockholm: Ta fram trafikplan – senast 2026-11-27 12:00" in listed.text
    )
    assert "#2 Trafikverket: Skylta om – inget slutdatum" in listed.text
    refused = forum_chat.say("!åtgärd klar 1", person="bo")
    assert not refused.ok
    assert "Bara den ansvarige" in refused.text
    assert forum_chat.say("!åtgärd klar 1", person="anna").ok
    again = forum_chat.say("!åtgärd klar 1", person="anna")
    assert not again.ok
    assert "markerades redan som klar 2026-11-26 15:00" in again.text
    unknown = forum_chat.say("!åtgärd klar 9", person="bo")
    assert "Det finns ingen åtgärd ”9”" in unknown.text
    assert "!åtgärder" in unknown.text
    forum_chat.advance(days=2)
    later = forum_chat.say("!åtgärder")
    assert "1 öppen åtgärd" in later.text
    assert "#1" not in later.text
    forum_chat.say("!möte slut")
    # Outside the meeting the coordinator still closes it.
    assert forum_chat.say("!åtgärd klar #2").ok
    assert forum_chat.say("!åtgärder").text.count("Inga öppna åtgärder") == 1


def test_an_overdue_action_is_marked(forum_chat: Chat) -> None:
    _meeting(forum_chat, anna="Polisen")
    forum_chat.say("!åtgärd Polisen Rapportera läget senast imorgon kl 9")
    assert "försenad" not in forum_chat.say("!åtgärder").text
    forum_chat.advance(days=1)
    assert "senast 2026-11-27 09:00 försenad" in forum_chat.say("!åtgärder").text


def test_undo_takes_the_action_back(forum_chat: Chat, database: Database) -> None:
    _meeting(forum_chat, anna="Polisen")
    forum_chat.say("!åtgärd Polisen Fel åtgärd")
    undone = forum_chat.say("!ångra")
    assert "Borttaget ur minnesanteckningarna: Åtgärd ”Fel åtgärd”" in undone.text
    assert "Inga öppna åtgärder" in forum_chat.say("!åtgärder").text
    [action] = _actions(database)
    assert action.withdrawn_at is not None
    ended = forum_chat.say("!möte slut")
    assert "Fel åtgärd" not in ended.full_minutes


def test_minutes_list_actions_and_the_next_meeting_follows_them_up(forum_chat: Chat) -> None:
    _meeting(forum_chat, anna="Polisen", bo="Trafikverket")
    forum_chat.say("!åtgärd Trafikverket Skylta om vid Rotebro senast fredag 15:00")
    forum_chat.say("!åtgärd Polisen Ta fram trafikplan")
    forum_chat.say("!åtgärd Polisen Kontakta kommunerna senast 30/11 10:00")
    ended = forum_chat.say("!möte slut")
    full = ended.full_minutes
    assert "Åtgärd #1: Trafikverket: Skylta om vid Rotebro – senast 2026-11-27 15:00" in full
    assert "Åtgärder (3)" in full
    by_owner = full.index("Åtgärder per ansvarig")
    assert full.index("Polisen Region Stockholm", by_owner) < full.index("Trafikverket", by_owner)
    assert "#3 Kontakta kommunerna – senast 2026-11-30 10:00" in full
    assert "Åtgärder (3)" in ended.text  # kept in the channel's short minutes
    forum_chat.say("!åtgärd klar 2")
    forum_chat.advance(days=7)
    started = forum_chat.say("!möte start")
    assert "Uppföljning" in started.text
    assert "#1 Trafikverket: Skylta om vid Rotebro – senast 2026-11-27 15:00 (från möte 1)" in (
        started.text
    )
    assert "#3 Polisen Region Stockholm: Kontakta kommunerna" in started.text
    assert "Ta fram trafikplan" not in started.text  # done before this meeting
    second = forum_chat.say("!möte slut").full_minutes
    assert "#1 Trafikverket: Skylta om vid Rotebro" in second  # under follow-up
    assert "Åtgärder (0)" in second


def test_a_first_meeting_has_nothing_to_follow_up(forum_chat: Chat) -> None:
    started = forum_chat.say("!möte start")
    assert "Inga öppna åtgärder och inga punkter lyfta från andra forum." in started.text


def test_an_item_raised_to_another_forum_arrives_there(
    chat: Chat, forum_chat: Chat, database: Database
) -> None:
    assert chat.say("!forum koppla samordningsgrupp", channel="rsk").ok
    _meeting(forum_chat, anna="Polisen")
    link = "https://matrix.to/#/!stab:example.org/$abc"
    raised = forum_chat.say(
        "!lyft samordningsgrupp Behov av samordnad kommunikation om vattenläckan",
        person="anna",
        permalink=link,
    )
    assert raised.ok, raised.text
    assert "Lyft till Regional samordningsgrupp: Behov av samordnad" in raised.text
    assert "Skickat till kanalen för Regional samordningsgrupp" in raised.text
    notice = raised.post_text("rsk")
    assert "Lyft från Regional samverkanskonferens" in notice
    assert "Behov av samordnad kommunikation om vattenläckan" in notice
    assert "Lyft av anna under möte 1 i Regional samverkanskonferens" in notice
    assert f"gå till ursprunget ({link})" in notice
    ended = forum_chat.say("!möte slut")
    assert "Lyfts till Regional samordningsgrupp: Behov av samordnad" in ended.text
    # The other forum's next meeting has it under follow-up, with the way back.
    started = chat.say("!möte start", channel="rsk")
    assert "Lyft från Regional samverkanskonferens: Behov av samordnad" in started.text
    assert link in started.text
    minutes = chat.say("!möte slut", channel="rsk").full_minutes
    assert "Lyft från Regional samverkanskonferens: Behov av samordnad" in minutes
    # Taken up once: the meeting after that does not have it again.
    again = chat.say("!möte start", channel="rsk")
    assert "Behov av samordnad" not in again.text


def test_raising_by_full_name_and_the_refusals(
    chat: Chat, forum_chat: Chat, database: Database
) -> None:
    _meeting(forum_chat, anna="Polisen")
    full = forum_chat.say("!lyft Regional chefsgrupp Resursbrist i länet")
    assert "Lyft till Regional chefsgrupp: Resursbrist i länet" in full.text
    assert "har ingen kanal kopplad ännu" in full.text
    assert full.posts == []
    same = forum_chat.say("!lyft samverkanskonferens Något")
    assert not same.ok
    assert "En punkt kan bara lyftas till ett annat forum" in same.text
    unknown = forum_chat.say("!lyft Xyzzyforum Något")
    assert not unknown.ok
    assert "!lyft samordningsgrupp" in unknown.text
    undone = forum_chat.say("!ångra")
    assert "Resursbrist i länet" in undone.text
    with Session(database.engine) as session:
        [escalation] = session.exec(select(Escalation)).all()
    assert escalation.withdrawn_at is not None
    assert chat.say("!forum koppla chefsgrupp", channel="ledning").ok
    started = chat.say("!möte start", channel="ledning")
    assert "Resursbrist" not in started.text


def test_english_actions_by_a_time_or_by_other_means(forum_chat: Chat) -> None:
    forum_chat.say("!forum språk en")
    _meeting(forum_chat, anna="Polisen")
    timed = forum_chat.say("!action Polisen Draw up a traffic plan by friday 12:00")
    assert timed.ok, timed.text
    assert "Action 1 noted: Draw up a traffic plan" in timed.text
    assert "Due: Friday 2026-11-27 12:00" in timed.text
    means = forum_chat.say("!action Polisen Inform residents by phone")
    assert "Action 2 noted: Inform residents by phone" in means.text
    assert "Due: no due date" in means.text
    strict = forum_chat.say("!action Polisen Inform residents due whenever")
    assert not strict.ok
    assert "I do not understand the time “whenever”" in strict.text
