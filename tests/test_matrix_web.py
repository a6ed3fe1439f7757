"""``!webb`` in Matrix, against a real Synapse: the link comes in a direct room, never in the
forum's room, and signs in on the pages of the same ``samverkan-bot run``, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.bot_process import BotProcess
from tests.support.http_get import get, sign_in
from tests.support.loopback import free_port
from tests.support.matrix_bot import (
    PASSWORD,
    bot_settings,
    bound_room,
    containing,
    registered_user,
    running_bot,
)
from tests.support.matrix_user import MatrixUser, ask
from tests.support.synapse import SERVER_NAME, SynapseServer

BOT_LOCALPART = "webbbot"
COORDINATOR = "webb-koord"
KONFERENS = 4  # the forum's number in `!forum lista`
LINK = re.compile(r"http://127\.0\.0\.1:\d+/w/[A-Za-z0-9_.\-]+")
PORT = free_port()


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-web-bot")
    settings = bot_settings(
        synapse.url,
        bot_id,
        directory,
        BOT_ADMINS=f"@{COORDINATOR}:{SERVER_NAME}",
        HTTP_PORT=str(PORT),
        HTTP_HOST="127.0.0.1",
    )
    with running_bot(directory, settings) as process:
        yield process


@pytest.fixture(scope="module")
def koord(synapse: SynapseServer) -> Iterator[MatrixUser]:
    yield from registered_user(synapse, COORDINATOR)


@pytest.fixture(scope="module")
def aktor(synapse: SynapseServer) -> Iterator[MatrixUser]:
    yield from registered_user(synapse, "webb-aktor")


def test_the_link_comes_in_a_direct_room_and_signs_in_once(
    bot: BotProcess, bot_id: str, koord: MatrixUser, aktor: MatrixUser
) -> None:
    room = bound_room(koord, bot_id, KONFERENS, aktor)
    registered = ask(aktor, room, bot_id, "!aktör Polisen")
    assert "företrädare för" in (registered.body or ""), registered.describe()

    known = aktor.invitations()
    told = ask(aktor, room, bot_id, "!webb")
    assert "direktmeddelande" in (told.body or ""), told.describe()
    assert "/w/" not in (told.body or "") + (told.formatted_body or "")

    direct = aktor.wait_for_invitation(known)
    aktor.join(direct)
    letter = aktor.wait_for_message(direct, containing("/w/"), sender=bot_id)
    link = LINK.search(letter.body or "")
    assert link is not None, letter.describe()
    assert link[0].startswith(f"http://127.0.0.1:{PORT}/w/")

    signed_in = sign_in(link[0])
    assert signed_in.status == 303, signed_in.body
    cookie = signed_in.cookie
    page = get(f"http://127.0.0.1:{PORT}/", cookie)
    assert page.status == 200
    assert "Regional samverkanskonferens" in page.body
    assert get(link[0]).status == 403
