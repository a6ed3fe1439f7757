"""A sign-in link works once, on SQLite and on PostgreSQL, however many requests race for it.

``WebLinks.redeem`` is one guarded UPDATE (the link's nonce, not used, not revoked, not
expired): of requests made at the same moment in separate transactions exactly one gets a
session, whichever backend serialises them. An expired or revoked link gets none, and using a
link changes nothing else of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest

from storage import AuditContext, Database
from storage.models import WebLink
from tests.support.databases import BACKENDS, SEEDED_AT, Backend, Databases

NOW = SEEDED_AT + timedelta(days=30)
RACERS = 8


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, databases: Databases) -> Iterator[Database]:
    backend: Backend = request.param
    database = Database(databases.prepared(backend))
    yield database
    database.dispose()


def _context() -> AuditContext:
    return AuditContext("matrix", "!rum:example.org", "@anna:example.org", "Anna", NOW)


def _issue(db: Database, *, minutes: int = 10) -> tuple[int, str]:
    with db.unit_of_work(_context()) as store:
        anna = store.people.ensure("matrix", "@anna:example.org", "Anna")
        forum = store.forums.all()[0]
        assert forum.id is not None
        link = store.web_links.issue(
            anna, {forum.id: "actor"}, NOW, NOW + timedelta(minutes=minutes)
        )
        assert link.id is not None
        return link.id, link.nonce


def _redeem(db: Database, link_id: int, nonce: str, at: object = NOW) -> str | None:
    with db.unit_of_work(_context()) as store:
        return store.web_links.redeem(link_id, nonce, at, NOW + timedelta(hours=12))  # type: ignore[arg-type]


def test_of_requests_racing_for_one_link_exactly_one_signs_in(db: Database) -> None:
    link_id, nonce = _issue(db)
    start = Barrier(RACERS)

    def race() -> str | None:
        start.wait()
        return _redeem(db, link_id, nonce)

    with ThreadPoolExecutor(RACERS) as pool:
        results = list(pool.map(lambda _: race(), range(RACERS)))
    sessions = [key for key in results if key is not None]
    assert len(sessions) == 1, results  # the others were refused, none failed
    with db.reading(_context()) as store:
        link = store.web_links.get(link_id)
        assert link is not None
        assert link.session_key == sessions[0]
        assert store.web_links.session(link_id, sessions[0], NOW) is not None


def test_an_expired_or_wrong_link_signs_nobody_in_and_stays_as_it_was(db: Database) -> None:
    link_id, nonce = _issue(db, minutes=10)
    assert _redeem(db, link_id, nonce, NOW + timedelta(minutes=10)) is None  # at its end
    assert _redeem(db, link_id, "not-its-nonce") is None
    with db.reading(_context()) as store:
        link = store.web_links.get(link_id)
        assert isinstance(link, WebLink)
        assert link.used_at is None
        assert link.session_key is None
    assert _redeem(db, link_id, nonce, NOW + timedelta(minutes=9)) is not None
