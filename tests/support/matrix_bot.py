"""The bot as a real process against the test Synapse, and the people who talk to it.

Each Matrix test module starts its own bot account (a localpart of its own: the Synapse is
shared by the session) with :func:`running_bot`, and registers its users with
:func:`registered_user`; :func:`room_with_bot` and :func:`bound_room` make the rooms they talk
to it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.bot_process import BotProcess
from tests.support.matrix_user import MatrixUser, Seen, ask
from tests.support.synapse import SERVER_NAME, SynapseServer

PASSWORD = "samverkan test password"
# The people who create the forum rooms in the Matrix test modules coordinate the region:
# BOT_ADMINS, as a deployment names its own (a room's creator is not a coordinator as such).
COORDINATORS = ("anna", "carin", "mira", "erik", "rut", "lena", "lena-replik")


def bot_settings(homeserver: str, bot_id: str, directory: Path, **extra: str) -> dict[str, str]:
    """The bot's environment: the Matrix door on ``homeserver`` (Synapse, or a proxy before
    it), SQLite in ``directory``, INFO logs; ``extra`` adds or overrides settings."""
    return {
        "MATRIX_HOMESERVER": homeserver,
        "MATRIX_USER_ID": bot_id,
        "MATRIX_PASSWORD": PASSWORD,
        "DATABASE_URL": f"sqlite:///{directory / 'bot.db'}",
        "LOG_LEVEL": "INFO",
        "BOT_ADMINS": ",".join(f"@{localpart}:{SERVER_NAME}" for localpart in COORDINATORS),
        **extra,
    }


@contextmanager
def running_bot(directory: Path, settings: dict[str, str]) -> Iterator[BotProcess]:
    """The bot process, once it has logged in; afterwards its log must hold no traceback."""
    with BotProcess(directory, settings) as process:
        process.wait_for_log("logged in to Matrix")
        yield process
        log = process.log()
    assert "Traceback" not in log, log[-4000:]


def registered_user(
    synapse: SynapseServer, localpart: str, **options: object
) -> Iterator[MatrixUser]:
    """A new account on the Synapse, logged in (``options``: encryption, a store)."""
    account = synapse.register(localpart, PASSWORD)
    with MatrixUser(synapse.url, account.user_id, PASSWORD, **options) as user:  # type: ignore[arg-type]
        yield user


def room_with_bot(
    owner: MatrixUser, bot_id: str, *guests: MatrixUser, encrypted: bool = False
) -> str:
    """A room ``owner`` made, with the bot and ``guests`` in it; the bot's welcome read (the
    room is bound to no forum yet)."""
    room = owner.create_room(
        "Samverkan", encrypted=encrypted, invite=[bot_id, *(g.user_id for g in guests)]
    )
    for guest in guests:
        guest.join(room)
    owner.wait_until_joined(room, bot_id)
    welcome = owner.wait_for_message(room, sender=bot_id)
    assert "inte kopplad till något forum" in (welcome.body or ""), welcome.describe()
    for guest in guests:
        owner.wait_until_joined(room, guest.user_id)
    return room


def bound_room(
    owner: MatrixUser, bot_id: str, forum: int, *guests: MatrixUser, encrypted: bool = False
) -> str:
    """A room as :func:`room_with_bot` makes it, bound by ``owner`` (a coordinator) to
    ``forum``, its number in ``!forum lista``."""
    room = room_with_bot(owner, bot_id, *guests, encrypted=encrypted)
    bound = ask(owner, room, bot_id, f"!forum koppla {forum}")
    assert "kopplad till" in (bound.body or ""), bound.describe()
    return room


def containing(*texts: str) -> Callable[[Seen], bool]:
    """A message whose body holds every one of ``texts`` (to wait for)."""
    return lambda seen: all(text in (seen.body or "") for text in texts)
