"""Audit retention: the timed job deletes audit events older than AUDIT_RETENTION_DAYS (730 by
default, 0 keeps them for ever), through ``Timekeeper.tick``, at most once a day, a bounded
batch at a time; the forums' own records (reports, minutes) are never deleted."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, func, select

import commands  # registers every timed job, the retention job among them
from bot.config import load_settings
from commands.core.clock import FixedClock
from commands.core.config import CoreConfig
from storage import AuditContext, Database
from storage.models import AuditEvent, Meeting, MeetingItem, SituationReport
from tests.support.chat import Chat

DAY = timedelta(days=1)


def record(database: Database, at: datetime, action: str) -> None:
    """An audit event at ``at``, written the way every change writes one."""
    with database.unit_of_work(AuditContext("test", "stab", "operator", "operator", at)) as store:
        store.audit.record(action)


def actions(database: Database) -> list[str]:
    with Session(database.engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
        return [event.action for event in events]


def retention_events(database: Database) -> list[dict[str, object]]:
    with Session(database.engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "audit.retention")
            .order_by(col(AuditEvent.id))
        )
        return [event.details for event in events]


def count(database: Database, model: type[SituationReport | Meeting | MeetingItem]) -> int:
    with Session(database.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_events_older_than_two_years_are_deleted_and_the_rest_kept(
    database: Database, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    now = clock.now()
    record(database, now - timedelta(days=731), "old.one")
    record(database, now - timedelta(days=730, minutes=1), "old.two")
    record(database, now - timedelta(days=729), "recent")
    record(database, now - timedelta(days=10), "newer")
    chat = Chat(database, clock)  # the default configuration: 730 days
    with caplog.at_level(logging.INFO, logger="commands.retention"):
        assert chat.tick() == []
    assert actions(database)[:2] == ["recent", "newer"]
    [done] = retention_events(database)
    assert done["deleted"] == 2
    assert done["retention_days"] == 730
    assert datetime.fromisoformat(str(done["before"])) == now - timedelta(days=730)
    assert "deleted 2 audit events older than 730 days" in caplog.text


def test_reports_and_minutes_are_not_subject_to_retention(
    database: Database, clock: FixedClock
) -> None:
    """Three years later the audit events of a meeting are gone; the meeting and the
    reports, the forum's own records, are all there."""
    chat = Chat(database, clock)
    chat.say("!forum koppla samverkanskonferens")
    chat.say("!aktör Polisen", person="anna")
    chat.say("!läge Läge: lugnt", person="anna")
    chat.say("!möte start")
    chat.say("!beslut Vi följer läget", person="anna")
    assert chat.say("!möte slut").ok
    written = len(actions(database))
    chat.advance(days=3 * 365)
    chat.tick()
    [done] = retention_events(database)
    assert done["deleted"] == written
    assert count(database, SituationReport) == 1
    assert count(database, Meeting) == 1
    assert count(database, MeetingItem) == 2  # the opening topic and the decision
    assert "Överenskommelse: Vi följer läget" in chat.say("!protokoll").text


def test_zero_keeps_every_event_for_ever(database: Database, clock: FixedClock) -> None:
    record(database, clock.now() - timedelta(days=20 * 365), "ancient")
    chat = Chat(database, clock, replace(CoreConfig(), audit_retention_days=0))
    chat.tick()
    chat.advance(days=2)
    chat.tick()
    assert actions(database) == ["ancient"]


def test_the_job_works_at_most_once_a_day(database: Database, clock: FixedClock) -> None:
    chat = Chat(database, clock, replace(CoreConfig(), audit_retention_days=30))
    record(database, clock.now() - timedelta(days=31), "first")
    chat.tick()
    assert actions(database) == ["audit.retention"]
    # Older than 30 days, but the job ran less than a day ago.
    record(database, clock.now() - timedelta(days=31), "second")
    chat.advance(hours=23, minutes=59)
    chat.tick()
    assert actions(database) == ["audit.retention", "second"]
    chat.advance(minutes=1)
    chat.tick()
    assert actions(database) == ["audit.retention", "audit.retention"]
    assert [done["deleted"] for done in retention_events(database)] == [1, 1]


def test_a_backlog_goes_in_batches_on_consecutive_ticks(
    database: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full batch means there may be more: the next tick goes on, not a day later."""
    monkeypatch.setattr(commands.retention, "BATCH", 3)
    for number in range(7):
        record(database, clock.now() - timedelta(days=800 - number), f"old.{number}")
    record(database, clock.now() - DAY, "kept")
    chat = Chat(database, clock)
    for _ in range(4):
        chat.tick()
    assert [done["deleted"] for done in retention_events(database)] == [3, 3, 1]
    assert actions(database)[0] == "kept"  # the oldest went first, the recent one stays


def test_each_database_has_its_own_day(
    database: Database, clock: FixedClock, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = Database(f"sqlite:///{tmp_path_factory.mktemp('other') / 'other.db'}")
    try:
        other.prepare(clock.now())
        for each in (database, other):
            record(each, clock.now() - timedelta(days=731), "old")
        Chat(database, clock).tick()
        Chat(other, clock).tick()
        assert actions(database) == actions(other) == ["audit.retention"]
    finally:
        other.dispose()


def test_the_setting_is_two_years_by_default_and_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AUDIT_RETENTION_DAYS", "SAMVERKAN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings().core().audit_retention_days == 730
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "0")
    assert load_settings().core().audit_retention_days == 0
