"""The engine and the unit of work. The only place that opens connections."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from storage.changes import ForumChanges
from storage.checkpoint import WalCheckpointer
from storage.door_state import DoorStates, HandledEvents
from storage.leases import Held, Leases
from storage.models import FormDialog
from storage.outbox import Outbox
from storage.store import AuditContext, Store

log = logging.getLogger(__name__)

# The advisory lock that bot processes starting together take turns on to migrate and seed.
PREPARE_LOCK = 0x5A4D5645  # "SMVE"


def _sqlite_pragmas(autocheckpoint: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    return on_connect


def sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return str(Path(parsed.database).expanduser())


# The database holds everything the forums said: for the bot's own user only. SQLite gives
# its -wal, -shm and journal files the database file's mode, so that one mode covers them.
PRIVATE_FILE = 0o600


def _create_private(path: str) -> None:
    """Create ``path`` empty and 0600 if it does not exist, whatever the umask (SQLite would
    create it with the umask's mode on first connect); an existing file is left alone."""
    if os.path.exists(path):
        return  # also on a read-only file system, where creating would fail
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, PRIVATE_FILE)
    finally:
        os.close(descriptor)


def make_engine(url: str, *, autocheckpoint: bool = True) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout.

    ``autocheckpoint=False`` leaves WAL checkpoints to a :class:`WalCheckpointer`. A failed
    statement's values (report texts, the web pages' secret) stay out of its error, and so
    out of the logs (``hide_parameters``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        path = sqlite_file(url)
        if path is None:
            kwargs["poolclass"] = StaticPool
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _create_private(path)
        engine = create_engine(url, hide_parameters=True, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(autocheckpoint))
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


class Database:
    """The bot's database: migrate, seed, and hand out units of work."""

    def __init__(self, url: str, *, background_checkpoints: bool = False) -> None:
        """``background_checkpoints``: a SQLite file's WAL is checkpointed by a thread of its
        own rather than by whichever commit fills it (the running bot wants this)."""
        self.url = url
        path = sqlite_file(url)
        self._checkpointer = (
            WalCheckpointer(path) if background_checkpoints and path is not None else None
        )
        self.engine = make_engine(url, autocheckpoint=self._checkpointer is None)
        # Which forums committed units of work changed (storage/changes.py).
        self.changes = ForumChanges()
        if self._checkpointer is not None:
            self._checkpointer.start()

    def migrate(self) -> None:
        from storage.migrate import upgrade

        upgrade(self.engine)

    def seed(self, now: datetime) -> bool:
        """Fill an empty database with the model's forums and actors; False if not empty."""
        from storage.seed import seed

        with Session(self.engine) as session:
            seeded = seed(session, now)
            session.commit()
        return seeded

    def prepare(self, now: datetime) -> None:
        """What every start does: migrate to the newest schema, seed on first start.

        Several bot processes starting at once (replicas rolled out together) take turns:
        one migrates and seeds, the others find it done."""
        with self._preparing():
            self.migrate()
            if self.seed(now):
                log.info("seeded a new database with the model's forums and actors")

    @contextmanager
    def _preparing(self) -> Iterator[None]:
        """Held by one process at a time: a PostgreSQL advisory lock, or a lock file beside
        a SQLite file."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": PREPARE_LOCK})
                try:
                    yield
                finally:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": PREPARE_LOCK}
                    )
                    connection.commit()
            return
        path = sqlite_file(self.url)
        if path is None:
            yield
            return
        import fcntl

        _create_private(path + ".prepare-lock")
        with open(path + ".prepare-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def unit_of_work(self, context: AuditContext) -> Iterator[Store]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                store = Store(session, context)
                yield store
                store.audit.write_pending()
                changed = frozenset(store.audit.changed_forums)
                self.changes.notify_in(session, changed)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        self.changes.announce(changed)

    @contextmanager
    def reading(self, context: AuditContext) -> Iterator[Store]:
        """A unit of work whose changes are always thrown away."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield Store(session, context)
            finally:
                session.rollback()

    # -- what doors keep; technical state, not audited ------------------------------------

    def door_state(self, platform: str, key: str) -> str | None:
        with Session(self.engine) as session:
            return DoorStates(session).get(platform, key)

    def keep_door_state(self, platform: str, key: str, value: str, at: datetime) -> None:
        with Session(self.engine) as session:
            DoorStates(session).put(platform, key, value, at)
            session.commit()

    def mark_handled(self, platform: str, event_id: str, at: datetime) -> None:
        """Remember an event id outside a command's transaction (after a refusal)."""
        with Session(self.engine) as session:
            if HandledEvents(session).first_time(platform, event_id, at):
                session.commit()

    def end_dialog(self, platform: str, channel_id: str, user_id: str) -> None:
        """Drop a form dialog outside a command's transaction (after its submit was refused)."""
        with Session(self.engine) as session:
            dialog = session.get(FormDialog, (platform, channel_id, user_id))
            if dialog is not None:
                session.delete(dialog)
                session.commit()

    def forget_handled_before(self, when: datetime) -> int:
        with Session(self.engine) as session:
            dropped = HandledEvents(session).forget_before(when)
            session.commit()
        return dropped

    # -- several processes: the leader's lease ---------------------------------------------

    def hold_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> Held | None:
        """Take or renew lease ``name`` (see storage/leases.py); None when another has it."""
        with Session(self.engine) as session:
            held = Leases(session).hold(name, holder, now, ttl)
            session.commit()
        return held

    def release_lease(self, name: str, holder: str, now: datetime) -> bool:
        with Session(self.engine) as session:
            released = Leases(session).release(name, holder, now)
            session.commit()
        return released

    def lease_holder(self, name: str, now: datetime) -> str | None:
        with Session(self.engine) as session:
            return Leases(session).holder(name, now)

    def take_back_claims(
        self,
        holder: str,
        now: datetime | None = None,
        *,
        previous: str | None = None,
        leader_platforms: Sequence[str] = (),
    ) -> int:
        """A new leader takes back the posts its predecessor had claimed and not finished:
        scheduled posts it was wording, and outbox messages on the platforms only the leader
        serves or claimed by ``previous`` (the outbox's ready again at once, ``now``)."""
        with Session(self.engine) as session:
            taken = Leases(session).take_back_claims(holder)
            if now is not None:
                taken += Outbox(session).take_back(holder, now, leader_platforms, previous)
            session.commit()
        return taken

    def ping(self) -> None:
        """One round trip to the database; raises when it cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        if self._checkpointer is not None:
            self._checkpointer.stop()
