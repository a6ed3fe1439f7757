"""Issue 15 through the dispatcher: a time the bot cannot read exactly is refused with the
reason, creating nothing; a time it reads is said back with weekday, date and time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from storage import Database
from storage.models import Action, ScheduledPost
from tests.conftest import STOCKHOLM
from tests.support.chat import Chat
from tests.test_console import Run, console


def _reminders(database: Database) -> list[ScheduledPost]:
    with Session(database.engine) as session:
        return list(session.exec(select(ScheduledPost).where(ScheduledPost.kind == "reminder")))


def test_a_time_the_spring_switch_skips_is_refused_naming_the_switch(
    chat: Chat, database: Database
) -> None:
    said = chat.say("!påminn 2027-03-28 02:30 gap")
    assert not said.ok
    assert "Klockan 02:30 finns inte söndag 2027-03-28" in said.text
    assert "ställs klockan fram en timme, när sommartiden börjar" in said.text
    assert "03:30" in said.text  # a time that works
    assert _reminders(database) == []


def test_a_date_that_does_not_exist_is_refused(chat: Chat, database: Database) -> None:
    said = chat.say("!påminn 29 februari 2027 test")
    assert not said.ok
    assert "Datumet ”29 februari 2027” finns inte" in said.text
    assert _reminders(database) == []


def test_a_date_just_passed_is_refused_showing_what_was_read(
    chat: Chat, database: Database
) -> None:
    chat.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM))
    said = chat.say("!påminn 23 nov 09:00 test")
    assert not said.ok
    assert (
        "”23 nov 09:00” blir måndag 2026-11-23 09:00, och den tiden har redan passerat" in said.text
    )
    assert "2027-11-23 09:00" in said.text  # how to say next year's
    assert _reminders(database) == []


def test_an_autumn_hour_that_occurs_twice_is_the_first_and_the_reply_says_so(
    chat: Chat, database: Database
) -> None:
    chat.clock.set(datetime(2027, 10, 30, 12, 0, tzinfo=STOCKHOLM))  # the Saturday before
    said = chat.say("!påminn imorgon 02:30 Byt batterier")
    assert said.ok, said.text
    assert "Påminnelse 1: söndag 2027-10-31 02:30" in said.text
    assert "Klockan 02:30 finns två gånger söndag 2027-10-31" in said.text
    assert "räknat med den första, på sommartid" in said.text
    [post] = _reminders(database)
    assert post.due_at.isoformat() == "2027-10-31T00:30:00+00:00"  # summer time, UTC+2


def test_snoozing_to_a_time_the_spring_switch_skips_is_refused(
    chat: Chat, database: Database
) -> None:
    chat.clock.set(datetime(2027, 3, 27, 12, 0, tzinfo=STOCKHOLM))
    assert chat.say("!påminn om 1 timme Ring SMHI").ok
    chat.advance(hours=1)
    chat.tick()
    said = chat.say("!snooza 1 imorgon 02:30")
    assert not said.ok
    assert "Klockan 02:30 finns inte söndag 2027-03-28" in said.text
    assert "!snooza" in said.text  # the snooze example
    assert len(_reminders(database)) == 1


def test_an_action_due_at_an_impossible_time_is_refused_precisely(
    forum_chat: Chat, database: Database
) -> None:
    assert forum_chat.say("!aktör Polisen", person="anna").ok
    assert forum_chat.say("!möte start").ok
    gap = forum_chat.say("!åtgärd Polisen X senast 2027-03-28 02:30")
    assert not gap.ok
    assert "Klockan 02:30 finns inte söndag 2027-03-28" in gap.text
    no_date = forum_chat.say("!åtgärd Polisen X senast 31 nov")
    assert not no_date.ok
    assert "Datumet ”31 nov” finns inte" in no_date.text
    mismatch = forum_chat.say("!åtgärd Polisen X senast fredag 3 december")
    assert not mismatch.ok
    assert "2026-12-03 är en torsdag, inte en fredag" in mismatch.text
    two = forum_chat.say("!åtgärd Polisen X senast nästa fredag")  # asked on a Thursday
    assert not two.ok
    assert "fredag 2026-11-27" in two.text
    assert "fredag 2026-12-04" in two.text
    with Session(database.engine) as session:
        assert list(session.exec(select(Action))) == []
    done = forum_chat.say("!åtgärd Polisen X senast fredag nästa vecka")
    assert done.ok, done.text
    assert "Senast: fredag 2026-12-04" in done.text


def test_ambiguous_phrases_are_refused_with_both_readings(chat: Chat, database: Database) -> None:
    chat.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM))  # Monday
    next_thursday = chat.say("!påminn nästa torsdag Konferens")
    assert not next_thursday.ok
    assert "torsdag 2026-11-26" in next_thursday.text
    assert "torsdag 2026-12-03" in next_thursday.text
    assert "”torsdag nästa vecka”" in next_thursday.text
    half = chat.say("!påminn halv fyra Ring")
    assert not half.ok
    assert "måndag 2026-11-23 15:30" in half.text
    assert "tisdag 2026-11-24 03:30" in half.text
    three = chat.say("!påminn kl 3 Ring")
    assert not three.ok
    assert "15:00" in three.text
    assert "03:00" in three.text
    evening = chat.say("!påminn imorgon kväll Ring")
    assert not evening.ok
    assert "”imorgon kväll” behöver ett klockslag" in evening.text
    hour_or_year = chat.say("!påminn 24 nov 15 Ring")
    assert not hour_or_year.ok
    assert "kl 15" in hour_or_year.text
    leftover = chat.say("!påminn kl. 20 över 15 Ring")  # read whole: 15:20
    assert leftover.ok, leftover.text
    assert "måndag 2026-11-23 15:20" in leftover.text
    assert len(_reminders(database)) == 1


def test_replies_restate_the_instant_with_weekday_date_and_time(chat: Chat) -> None:
    chat.clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM))  # Monday
    for phrase, shown in (
        ("torsdag nästa vecka kl 16", "torsdag 2026-12-03 16:00"),
        ("tis 24/11 15:00", "tisdag 2026-11-24 15:00"),
        ("imorrn bitti", "tisdag 2026-11-24 07:00"),
        ("Fre, Nov 27", "fredag 2026-11-27 09:00"),
        ("första advent", "söndag 2026-11-29 09:00"),
        ("24/11-26 kl 1530", "tisdag 2026-11-24 15:30"),
        ("vid 15-tiden", "måndag 2026-11-23 15:00"),
    ):
        said = chat.say(f"!påminn {phrase} Gör det", channel=phrase)
        assert said.ok, (phrase, said.text)
        assert f"Påminnelse 1: {shown}" in said.text, (phrase, said.text)


def test_the_console_refuses_to_travel_to_an_impossible_time(tmp_path: Path) -> None:
    session = console(
        tmp_path / "bot.db",
        Run(("~tid 2027-03-28 02:30", "~tid 31 nov", "~tid om 1 timme"), now="2027-03-27 12:00"),
    )
    session.assert_clean_exit()
    gap = session.one("finns inte söndag 2027-03-28")
    assert "~tid behöver en tid framåt" in gap.text
    no_date = session.one("”31 nov” finns inte")
    assert "~tid behöver en tid framåt" in no_date.text
    assert "Klockan är nu lördag 2027-03-27 13:00." in [m.text for m in session.messages]
