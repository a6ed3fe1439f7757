"""The passphrase of the Matrix key store (``MATRIX_STORE_KEY``), and the move to it.

nio keeps the bot's end-to-end encryption secrets in an SQLite file in the store folder, one
file a device (``<user id>_<device id>.db``): the Olm account (the device's identity keys),
the Olm sessions with other devices and the Megolm room keys the bot was given, which read
everything said in encrypted rooms. Each is pickled, that is encrypted, with a passphrase;
nio's default is the fixed string ``DEFAULT_KEY``, which protects nothing.

With ``MATRIX_STORE_KEY`` the pickles are made with that key instead. A store written before
the key was set is re-pickled under it in one transaction when the bot starts (losing the
store would mean a new device, and encrypted messages it could no longer read), and the log
says so. A store that opens with neither key stops the bot with a message saying what to set.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Protocol

from nio import ClientConfig
from nio.crypto.sessions import InboundGroupSession, OlmAccount, Session

log = logging.getLogger(__name__)

NIO_DEFAULT_KEY: str = ClientConfig.pickle_key  # "DEFAULT_KEY"


class StoreKeyError(RuntimeError):
    """The key store cannot be opened with the key configured; the message says what to do."""


class _Pickled(Protocol):
    def pickle(self, passphrase: str = "") -> bytes: ...


def _account(blob: bytes, key: str) -> _Pickled:
    account: _Pickled = OlmAccount.from_pickle(blob, key)
    return account


def _session(blob: bytes, key: str) -> _Pickled:
    session: _Pickled = Session.from_pickle(blob, datetime.now(), key)
    return session


def _room_key(blob: bytes, key: str) -> _Pickled:
    room_key: _Pickled = InboundGroupSession.from_pickle(blob, "", "", "", key)
    return room_key


# Every pickle nio's store holds: table, column, and how to read one. (nio's peewee models
# ``Accounts``, ``OlmSessions`` and ``MegolmInboundSessions``, in nio.store.models.)
PICKLED: tuple[tuple[str, str, Callable[[bytes, str], _Pickled]], ...] = (
    ("accounts", "account", _account),
    ("olmsessions", "session", _session),
    ("megolminboundsessions", "session", _room_key),
)


def store_file(folder: Path, user_id: str, device_id: str) -> Path:
    """The device's store, named as nio's ``DefaultStore`` names it."""
    return folder / f"{user_id}_{device_id}.db"


def opens(blob: bytes, key: str) -> bool:
    """Whether ``key`` decrypts the account pickle ``blob`` (its MAC checks out)."""
    try:
        _account(blob, key)
    except ValueError:  # vodozemac's PickleException and LibolmPickleException
        return False
    return True


def account_pickle(path: Path, user_id: str, device_id: str) -> bytes | None:
    """The pickled Olm account of the device in the store at ``path``, if it has one."""
    with closing(sqlite3.connect(path)) as connection:
        try:
            row = connection.execute(
                "SELECT account FROM accounts WHERE user_id = ? AND device_id = ?",
                (user_id, device_id),
            ).fetchone()
        except sqlite3.OperationalError:
            return None  # no tables yet: nio creates them
    return bytes(row[0]) if row is not None else None


def prepare_store(folder: Path, user_id: str, device_id: str, key: str | None) -> str:
    """The passphrase to give nio for this device's store: ``key``, or nio's default when no
    key is configured.

    A store still pickled under nio's default key is re-pickled under ``key`` first. Raises
    :class:`StoreKeyError` when the store's account opens with neither."""
    wanted = key if key is not None else NIO_DEFAULT_KEY
    path = store_file(folder, user_id, device_id)
    account = account_pickle(path, user_id, device_id) if path.exists() else None
    if account is None or opens(account, wanted):
        return wanted
    if key is not None and opens(account, NIO_DEFAULT_KEY):
        try:
            count = repickle(path, NIO_DEFAULT_KEY, key)
        except ValueError as error:  # a pickle that does not open: nio could not load it either
            raise StoreKeyError(
                f"could not re-encrypt the Matrix key store {path} with MATRIX_STORE_KEY "
                f"({error}); it is unchanged"
            ) from None
        log.warning(
            "the Matrix key store %s was encrypted with nio's default key only: re-encrypted "
            "its %d keys with MATRIX_STORE_KEY, keeping device %s",
            path,
            count,
            device_id,
        )
        return wanted
    if key is None:
        raise StoreKeyError(
            f"the Matrix key store {path} is encrypted with a key: set MATRIX_STORE_KEY to it"
        )
    raise StoreKeyError(
        f"MATRIX_STORE_KEY does not open the Matrix key store {path}: set the key it was "
        "written with (without it the store cannot be read, and the bot must log in as a new "
        "device: see docs/matrix-trust.md)"
    )


def repickle(path: Path, old: str, new: str) -> int:
    """Every pickle in the store at ``path`` read with ``old`` and written with ``new``, in
    one transaction (all or none); how many."""
    with closing(sqlite3.connect(path)) as connection:
        # Overwrite the old pickles' bytes rather than leave them in free pages (as nio does).
        connection.execute("PRAGMA secure_delete = ON")
        with connection:
            count = _repickle_rows(connection, old, new)
    return count


def _repickle_rows(connection: sqlite3.Connection, old: str, new: str) -> int:
    count = 0
    for table, column, read in PICKLED:
        rows = connection.execute(f"SELECT rowid, {column} FROM {table}").fetchall()  # noqa: S608 (our own constants)
        for rowid, blob in rows:
            fresh = read(bytes(blob), old).pickle(new)
            connection.execute(
                f"UPDATE {table} SET {column} = ? WHERE rowid = ?",  # noqa: S608
                (fresh, rowid),
            )
            count += 1
    return count
