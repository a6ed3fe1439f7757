"""Matrix against a real Synapse: a tagged message kept current by an edit, reactions to it,
and direct rooms.

- An edit is an ``m.replace`` of the tagged message: a notice that mentions nobody, so the
  person the message called on is notified of the message and not of its edit, and the
  homeserver serves the message with the edit bundled (what clients show).
- 👍 (any skin tone) on a tagged message runs what its feature declared, as the person who
  reacted, once, answered in reply to that message; a replayed reaction runs nothing; another
  key, or a reaction to an untagged message, gets no answer at all.
- A direct post to a person is sent in a direct room the bot makes once (``is_direct``, the
  person invited, the bot's ``m.direct``) and uses again; encrypted where the deployment
  acts only on encrypted messages, and readable there.

The bot runs in this process (``tests/support/inprocess_bot.py``) with a feature of the
tests' own (``tests/support/tagged_feature.py``), independent of the call-out's wording.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from commands.core.capabilities import build
from commands.core.document import Document
from commands.core.messages import Post
from storage import Database
from storage.models import DoorState
from tests.support import tagged_feature
from tests.support.inprocess_bot import InProcessBot
from tests.support.matrix_bot import PASSWORD, registered_user
from tests.support.matrix_user import MatrixUser, Seen, ask
from tests.support.synapse import SERVER_NAME, SynapseServer

BOT_LOCALPART = "reaktionsbot"
OVE = f"@ove-reaktion:{SERVER_NAME}"


def _settings(synapse: SynapseServer, bot_id: str, directory: Path) -> Settings:
    return Settings(
        matrix_homeserver=synapse.url,
        matrix_user_id=bot_id,
        matrix_password=PASSWORD,
        matrix_store_path=str(directory / "matrix-store"),
    )


def _bot(synapse: SynapseServer, bot_id: str, directory: Path) -> InProcessBot:
    return InProcessBot(
        _settings(synapse, bot_id, directory), build([tagged_feature.FEATURE]), directory
    )


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[InProcessBot]:
    with _bot(synapse, bot_id, tmp_path_factory.mktemp("matrix-reactions")) as running:
        yield running


@pytest.fixture(scope="module")
def ylva(synapse: SynapseServer) -> Iterator[MatrixUser]:
    yield from registered_user(synapse, "ylva-reaktion")


@pytest.fixture(scope="module")
def ove(synapse: SynapseServer) -> Iterator[MatrixUser]:
    yield from registered_user(synapse, "ove-reaktion")


def _room(owner: MatrixUser, bot_id: str, *others: MatrixUser) -> str:
    """A room of ``owner``'s with the bot (and ``others``) in it."""
    room = owner.create_room(invite=[bot_id, *(other.user_id for other in others)])
    owner.wait_until_joined(room, bot_id)
    for other in others:
        other.join(room)
    return room


def _bundled_edit(user: MatrixUser, room: str, event_id: str) -> str | None:
    """The latest edit the homeserver bundles with ``event_id`` (what clients show)."""
    unsigned = user.get_event(room, event_id).get("unsigned") or {}
    edit = (unsigned.get("m.relations") or {}).get("m.replace") or {}
    found = edit.get("event_id")
    return found if isinstance(found, str) else None


def test_an_edit_replaces_the_tagged_message_and_notifies_nobody(
    bot: InProcessBot, bot_id: str, ylva: MatrixUser, ove: MatrixUser
) -> None:
    room = _room(ylva, bot_id, ove)
    card = ask(ylva, room, bot_id, f"!kort Läget lugnt {OVE}")
    assert card.body is not None
    assert card.body.startswith("Kort: Läget lugnt")
    assert card.mentions == [OVE]  # the card calls on Ove: he is notified of it

    mark = ylva.mark(room)
    answer = ask(ylva, room, bot_id, f"!ändra Läget ansträngt {OVE}")
    assert answer.body == "Ändrat"
    edit = ylva.wait_for_message(
        room, sender=bot_id, since=mark, predicate=lambda seen: seen.replaces == card.event_id
    )
    assert edit.msgtype == "m.notice"
    assert edit.content["m.mentions"] == {}
    assert (edit.body or "").startswith("* Kort: Läget ansträngt")
    new = edit.new_content
    assert new is not None
    assert new["msgtype"] == "m.notice"
    assert new["m.mentions"] == {}
    assert new["body"].startswith("Kort: Läget ansträngt")
    assert "Ove" in new["formatted_body"] or "ove-reaktion" in new["formatted_body"]
    # The room shows the card as edited.
    assert _bundled_edit(ylva, room, card.event_id) == edit.event_id
    # Ove was notified of the card, and not of its edit.
    deadline = time.monotonic() + 10
    while card.event_id not in ove.notified() and time.monotonic() < deadline:
        time.sleep(0.1)
    notified = ove.notified()
    assert card.event_id in notified
    assert edit.event_id not in notified


def _clicks_in(room: str) -> list[tuple[str, str | None]]:
    return [click for click in tagged_feature.CLICKS if click[1] == tagged_feature.card_tag(room)]


def test_a_thumbs_up_on_a_tagged_message_runs_its_command_once_answered_in_reply(
    bot: InProcessBot, bot_id: str, ylva: MatrixUser
) -> None:
    room = _room(ylva, bot_id)
    card = ask(ylva, room, bot_id, "!kort Läget lugnt")
    mark = ylva.mark(room)
    ylva.react(room, card.event_id, "👍🏽")
    answer = ylva.wait_for_message(room, sender=bot_id, since=mark, replying_to=card.event_id)
    assert answer.msgtype == "m.notice"  # reactions notify nobody: the bot confirms quietly
    assert (answer.body or "").splitlines()[-1] == "Klickat av ylva-reaktion"
    assert "ylva-reaktion reagerade med 👍🏽" in (answer.body or "")
    assert _clicks_in(room) == [(ylva.user_id, tagged_feature.card_tag(room))]

    # Another key, and a reaction to a message that is not tagged: no answer, nothing run.
    mark = ylva.mark(room)
    ylva.react(room, card.event_id, "❤️")
    untagged = ylva.send(room, "Vi ses kl 16")
    ylva.react(room, untagged, "👍")
    ylva.no_message(room, sender=bot_id, since=mark, seconds=3)
    assert len(_clicks_in(room)) == 1


def _sync_token(database_file: Path, bot_id: str) -> str:
    database = Database(f"sqlite:///{database_file}")
    try:
        with Session(database.engine) as session:
            return session.exec(
                select(DoorState.value).where(DoorState.key == f"sync_token:{bot_id}")
            ).one()
    finally:
        database.dispose()


def _set_sync_token(database_file: Path, bot_id: str, token: str) -> None:
    database = Database(f"sqlite:///{database_file}")
    try:
        with Session(database.engine) as session:
            state = session.exec(
                select(DoorState).where(DoorState.key == f"sync_token:{bot_id}")
            ).one()
            state.value = token
            session.add(state)
            session.commit()
    finally:
        database.dispose()


def test_a_reaction_delivered_again_after_a_restart_runs_nothing(
    synapse: SynapseServer, ylva: MatrixUser, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A bot of its own, stopped and started again: the module's bot runs on.
    bot_id = synapse.register("reaktionsbot-igen", PASSWORD).user_id
    room = ylva.create_room(invite=[bot_id])
    with _bot(synapse, bot_id, tmp_path):
        ylva.wait_until_joined(room, bot_id)
        joined = _sync_token(tmp_path / "bot.db", bot_id)
        card = ask(ylva, room, bot_id, "!kort Läget lugnt")
        # How far the bot had read once it saw the card: a sync after the one it joined in.
        deadline = time.monotonic() + 10
        before = joined
        while before == joined and time.monotonic() < deadline:
            time.sleep(0.05)
            before = _sync_token(tmp_path / "bot.db", bot_id)
        assert before != joined
        mark = ylva.mark(room)
        reaction = ylva.react(room, card.event_id, "✅")
        ylva.wait_for_message(room, sender=bot_id, since=mark, replying_to=card.event_id)
    assert len(_clicks_in(room)) == 1
    # As if the bot had died before saving how far it had read: the reaction comes again.
    _set_sync_token(tmp_path / "bot.db", bot_id, before)
    mark = ylva.mark(room)
    with (
        caplog.at_level(logging.INFO, logger="commands.core.dispatcher"),
        _bot(synapse, bot_id, tmp_path),
    ):
        deadline = time.monotonic() + 20
        replayed = f"event {reaction} was handled before"
        while replayed not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.1)
        assert replayed in caplog.text  # it did come again, and was not acted on
        ylva.no_message(room, sender=bot_id, since=mark, seconds=2)
    assert len(_clicks_in(room)) == 1


def _dm_rooms(bot: InProcessBot) -> dict[str, list[str]]:
    from nio import DirectRoomsResponse

    assert bot.matrix is not None

    async def listed() -> dict[str, list[str]]:
        client = bot.matrix._client  # the door's own client: the bot's account data
        assert client is not None
        response = await client.list_direct_rooms()
        assert isinstance(response, DirectRoomsResponse), response
        return {user: list(rooms) for user, rooms in response.rooms.items()}

    return bot.call(listed())


def test_a_direct_post_makes_a_direct_room_once_and_uses_it_again(
    bot: InProcessBot, bot_id: str, ylva: MatrixUser, ove: MatrixUser
) -> None:
    room = _room(ylva, bot_id)
    known = ove.invitations()
    assert ask(ylva, room, bot_id, f"!dm {OVE} Begäran om aktivering").body == "Skickat"
    direct = ove.wait_for_invitation(known)
    ove.join(direct)
    first: Seen = ove.wait_for_message(
        direct, sender=bot_id, predicate=lambda seen: seen.body == "Begäran om aktivering"
    )
    assert first.msgtype == "m.notice"
    assert _dm_rooms(bot).get(OVE) == [direct]  # marked direct for the bot's own clients

    mark = ove.mark(direct)
    assert ask(ylva, room, bot_id, f"!dm {OVE} Begäran kvitterad").body == "Skickat"
    ove.wait_for_message(
        direct, sender=bot_id, since=mark, predicate=lambda seen: seen.body == "Begäran kvitterad"
    )
    assert ove.invitations() == known  # no new room
    assert _dm_rooms(bot).get(OVE) == [direct]


def test_where_only_encrypted_messages_count_the_direct_room_is_encrypted_and_readable(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    # A deployment that acts only on encrypted messages from cross-signed devices: the room
    # the bot makes to write to one person is encrypted, and the person can read it.
    bot_id = synapse.register("reaktionsbot-krypto", PASSWORD).user_id
    account = synapse.register("vera-krypto", PASSWORD)
    settings = _settings(synapse, bot_id, tmp_path).model_copy(
        update={"matrix_require_cross_signed_devices": True}
    )
    with (
        MatrixUser(synapse.url, account.user_id, PASSWORD, encryption=True) as vera,
        InProcessBot(settings, build([tagged_feature.FEATURE]), tmp_path) as bot,
    ):
        hub = bot.hub
        assert hub is not None
        document = Document().paragraph("Begäran om aktivering")
        bot.call(hub.send([Post("matrix", vera.user_id, document, direct=True)], wait=True))
        direct = vera.wait_for_invitation(set())
        vera.join(direct)
        assert vera.is_encrypted(direct)
        seen = vera.wait_for_message(
            direct, sender=bot_id, predicate=lambda seen: seen.body == "Begäran om aktivering"
        )
        assert seen.encrypted
