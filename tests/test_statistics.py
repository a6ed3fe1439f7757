"""``!statistik`` over a generated year: 52 conferences with holidays, 6 activations and 2
exercises stored directly, the figures checked against ones computed here from the data."""

from __future__ import annotations

from datetime import datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.charts.statistics import completeness_chart
from bot.files import file_of, png_size
from commands.core.clock import FixedClock
from commands.statistics_data import StatisticsChart
from storage import Database
from storage.models import (
    Acknowledgement,
    Activation,
    Exercise,
    Forum,
    ForumParticipant,
    Meeting,
    Mode,
    Organisation,
    Person,
    ReportRound,
    RoundKind,
    SituationReport,
)
from tests.support.attachments import through_outbox
from tests.support.chat import Chat

STOCKHOLM = ZoneInfo("Europe/Stockholm")
JANUARY_2027 = datetime(2027, 1, 10, 12, 0, tzinfo=STOCKHOLM)

# The Thursdays of 2026 at 16:00 (1 January is a Thursday: 53 of them), and those that fall
# on a public holiday, skipped by the conference's policy: nyårsdagen, Kristi himmelsfärd.
THURSDAYS = [datetime(2026, 1, 1, 16, 0, tzinfo=STOCKHOLM) + timedelta(weeks=w) for w in range(53)]
HOLIDAYS = {
    datetime(2026, 1, 1, 16, 0, tzinfo=STOCKHOLM),
    datetime(2026, 5, 14, 16, 0, tzinfo=STOCKHOLM),
}
CONFERENCES = [at for at in THURSDAYS if at not in HOLIDAYS]

# (start, minutes to each called organisation's acknowledgement (None: never), minutes to
# the first meeting (None: none), hours until stood down (None: ongoing)); called in: the
# first len(acks) member organisations.
ACTIVATIONS = [
    (datetime(2026, 2, 3, 9, 0, tzinfo=STOCKHOLM), [5, 12, None], 45, 30),
    (datetime(2026, 3, 20, 22, 10, tzinfo=STOCKHOLM), [3, 20, 7, 40], 30, 6),
    (datetime(2026, 6, 1, 7, 0, tzinfo=STOCKHOLM), [9, None], 90, 50),
    (datetime(2026, 8, 15, 13, 0, tzinfo=STOCKHOLM), [2, 4, 6, 8, 10], 25, 12),
    (datetime(2026, 10, 2, 3, 30, tzinfo=STOCKHOLM), [15, 1], None, 4),
    (datetime(2026, 12, 28, 8, 0, tzinfo=STOCKHOLM), [11, 13, 17], 20, None),
]
# Exercises: slower than anything real, so that mixing them in would show.
EXERCISES = [
    (datetime(2026, 4, 10, 9, 0, tzinfo=STOCKHOLM), [500, 600], 400, 100),
    (datetime(2026, 11, 5, 9, 0, tzinfo=STOCKHOLM), [700], 300, 200),
]


def _reports_before(member: int, week: int) -> bool:
    """Whether member ``member`` reported in time to the ``week``-th conference (at 14:00,
    two hours before it)."""
    return (week * 7 + member * 3) % (member + 2) != 0


def _in_drill(at: datetime) -> bool:
    """Whether ``at`` falls while one of the exercises was under way."""
    return any(start <= at <= start + timedelta(hours=hours) for start, _, _, hours in EXERCISES)


def _counted(member: int, week: int) -> bool:
    """Whether that report counts: in time, and not sent during an exercise (the second
    exercise, 5–13 November, covers two conferences' reports)."""
    return _reports_before(member, week) and not _in_drill(CONFERENCES[week] - timedelta(hours=2))


def _build(database: Database) -> list[str]:
    """Store the year; return the conference's member organisations' names, in id order."""
    with Session(database.engine) as session:
        forum = session.exec(select(Forum).where(Forum.slug == "samverkanskonferens")).one()
        # The bot has kept the forum since before the year (its meetings counted from then).
        forum.created_at = THURSDAYS[0] - timedelta(days=30)
        session.add(forum)
        members = list(
            session.exec(
                select(Organisation)
                .join(ForumParticipant, col(ForumParticipant.organisation_id) == Organisation.id)
                .where(ForumParticipant.forum_id == forum.id)
                .order_by(col(Organisation.id))
            )
        )
        person = Person(
            platform="terminal",
            user_id="generator",
            display_name="Generator",
            created_at=THURSDAYS[0],
        )
        session.add(person)
        session.flush()
        assert forum.id is not None
        assert person.id is not None
        for week, at in enumerate(CONFERENCES):
            round_ = ReportRound(
                forum_id=forum.id,
                number=week + 1,
                kind=RoundKind.MEETING,
                meeting_at=at,
                opened_at=at - timedelta(days=6),
                closes_at=at + timedelta(hours=1),
            )
            session.add(round_)
            session.flush()
            assert round_.id is not None
            for index, org in enumerate(members):
                assert org.id is not None
                on_time = _reports_before(index, week)
                # Not in time: reported during the meeting, or late (after the round closed).
                when = at - timedelta(hours=2) if on_time else at + timedelta(minutes=10)
                late = not on_time and week % 2 == 0
                session.add(
                    SituationReport(
                        round_id=round_.id,
                        organisation_id=org.id,
                        person_id=person.id,
                        at=when + (timedelta(hours=2) if late else timedelta()),
                        late=late,
                        text="Inget nytt.",
                    )
                )
        number = 1000
        for drill, batch in ((False, ACTIVATIONS), (True, EXERCISES)):
            for start, acks, convene, hours in batch:
                exercise_id = None
                if drill:  # each exercise with its activation
                    exercise = Exercise(
                        forum_id=forum.id,
                        name="Snö",
                        started_at=start,
                        started_by_id=person.id,
                        ended_at=start + timedelta(hours=hours),
                    )
                    session.add(exercise)
                    session.flush()
                    exercise_id = exercise.id
                called = [org.id for org in members[: len(acks)] if org.id is not None]
                activation = Activation(
                    forum_id=forum.id,
                    reason="Generated",
                    activated_at=start,
                    activated_by_id=person.id,
                    called_out=called,
                    exercise_id=exercise_id,
                    stood_down_at=start + timedelta(hours=hours) if hours else None,
                )
                session.add(activation)
                session.flush()
                assert activation.id is not None
                for oid, minutes in zip(called, acks, strict=True):
                    if minutes is not None:
                        session.add(
                            Acknowledgement(
                                activation_id=activation.id,
                                organisation_id=oid,
                                person_id=person.id,
                                at=start + timedelta(minutes=minutes),
                            )
                        )
                if convene is not None:
                    number += 1
                    session.add(
                        Meeting(
                            forum_id=forum.id,
                            number=number,
                            title="Aktiveringsmöte",
                            mode=Mode.ACTIVATED,
                            platform="terminal",
                            channel_id="stab",
                            started_at=start + timedelta(minutes=convene),
                            started_by_id=person.id,
                            ended_at=start + timedelta(minutes=convene + 30),
                        )
                    )
        session.commit()
        return [org.name for org in members]


def _duration(minutes: float) -> str:
    whole = int(minutes)
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def _figures(values: list[int]) -> str:
    return f"median {_duration(median(values))}, längst {_duration(max(values))}"


def test_a_year_of_figures_with_the_exercises_apart(
    forum_chat: Chat, database: Database, clock: FixedClock
) -> None:
    names = _build(database)
    clock.set(JANUARY_2027)
    said = forum_chat.say("!statistik 2026")
    assert said.ok, said.text
    shown = said.text
    assert "Perioden 2026-01-01 00:00 – 2027-01-01 00:00" in shown

    assert "Aktiveringar: 6 (pågående: 1)" in shown
    assert "Övningar: 2 (räknas inte i siffrorna)" in shown
    ended = [hours * 60 for _s, _a, _c, hours in ACTIVATIONS if hours]
    assert f"Längd (avslutade): {_figures(ended)}" in shown
    convened = [c for _s, _a, c, _h in ACTIVATIONS if c is not None]
    assert f"Tid från aktivering till första möte: {_figures(convened)}" in shown

    for index, name in enumerate(names):
        called = [acks[index] for _s, acks, _c, _h in ACTIVATIONS if index < len(acks)]
        if not called:
            assert (
                f"• {name}: median"
                not in shown.split("Tid till kvittering")[1].split("Lägesrapporter")[0]
            )
            continue
        acked = [m for m in called if m is not None]
        never = len(called) - len(acked)
        assert (
            f"• {name}: {_figures(acked)} (inkallad: {len(called)}, kvitterade aldrig: {never})"
            in shown
        ), name

    assert len(CONFERENCES) == 51
    for index, name in enumerate(names):
        reported = sum(_counted(index, week) for week in range(len(CONFERENCES)))
        percent = round(100 * reported / len(CONFERENCES))
        assert f"• {name}: {percent} % ({reported} av {len(CONFERENCES)} möten)" in shown, name

    # The year's Thursdays: nyårsdagen and Kristi himmelsfärd skipped, the rest held.
    assert f"Hållna: {len(CONFERENCES)}, flyttade för helgdag: 0, inställda: 2." in shown


def test_the_default_period_is_the_last_12_months_in_either_language(forum_chat: Chat) -> None:
    shown = forum_chat.say("!statistik").text
    assert "Perioden 2025-11-26 15:00 – 2026-11-26 15:00" in shown
    assert shown == forum_chat.say("!statistik senaste 12 månader").text
    english = forum_chat.say("!statistics last 3 months")
    assert english.ok
    assert "Perioden 2026-08-26 15:00 – 2026-11-26 15:00" in english.text


def test_an_unreadable_period_is_refused_with_an_example_that_works(forum_chat: Chat) -> None:
    for wrong in ("igår", "2099", "senaste 0 månader"):
        said = forum_chat.say(f"!statistik {wrong}")
        assert not said.ok
        assert f"Jag förstår inte perioden ”{wrong}”" in said.text
        assert "!statistik 2026" in said.text
    assert forum_chat.say("!statistik 2026").ok


def test_the_weekly_chart_comes_as_an_image_drawn_from_the_figures(
    forum_chat: Chat, database: Database, clock: FixedClock
) -> None:
    _build(database)
    clock.set(JANUARY_2027)
    said = forum_chat.say("!statistik 2026")
    assert said.reply is not None
    [attachment] = said.reply.attachments
    image = file_of(attachment)
    assert image.filename == "statistik-2026-01-01.png"
    assert image.mimetype == "image/png"
    assert image.size == png_size(image.content)
    assert image.description is not None
    assert "51" in image.description  # one bar per conference held
    payload = attachment.payload
    assert isinstance(payload, StatisticsChart)
    assert [week.meeting_at for week in payload.statistics.weeks] == CONFERENCES
    drawn = completeness_chart(payload.statistics.weeks, ZoneInfo("Europe/Stockholm"), "sv")
    assert image.content == drawn.png
    # It waits in the outbox as plain data and comes back the same.
    [back] = through_outbox(forum_chat, [attachment])
    assert file_of(back).content == image.content


def test_without_a_scheduled_meeting_no_chart_is_attached(forum_chat: Chat) -> None:
    said = forum_chat.say("!statistik senaste 1 månad")
    assert said.reply is not None
    assert "Inga lägesrapporter i rundorna före de ordinarie mötena under perioden." in said.text
    assert said.reply.attachments == ()


def test_meetings_are_counted_only_since_the_forum_was_kept_here(forum_chat: Chat) -> None:
    # Seeded 2026-11-01 09:00: the Thursdays before were not this bot's to count.
    shown = forum_chat.say("!statistik 2026").text
    assert "Hållna: 3, flyttade för helgdag: 0, inställda: 0." in shown  # 5, 12 and 19 Nov
