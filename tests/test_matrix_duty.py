"""The duty handover and the green button in Matrix, against a real Synapse.

One bot process (``samverkan-bot run``) for the module, real users: a coordinator of the
region (``BOT_ADMINS``) who makes the forum's room, two coordinators who take over as RSK and
TiB, and an actor who presses the green button. The request mentions those on duty (pills and
``m.mentions``: their clients notify them) and reaches each in a direct room the bot opens
with them, where the RSK acknowledges it; the forum's room hears it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.bot_process import BotProcess
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

# Names of their own: other modules register their users in the same (session) Synapse.
BOT_LOCALPART = "beredskapsbot"
COORDINATOR = "bered-koord"
KONFERENS = 4  # the forum's number in `!forum lista`


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-duty-bot")
    settings = bot_settings(
        synapse.url, bot_id, directory, BOT_ADMINS=f"@{COORDINATOR}:{SERVER_NAME}"
    )
    with running_bot(directory, settings) as process:
        yield process


@pytest.fixture(scope="module")
def koord(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Makes the room; a coordinator of the region (BOT_ADMINS)."""
    yield from registered_user(synapse, COORDINATOR)


@pytest.fixture(scope="module")
def rsk(synapse: SynapseServer) -> Iterator[MatrixUser]:
    yield from registered_user(synapse, "bered-rsk")


@pytest.fixture(scope="module")
def tib(synapse: SynapseServer) -> Iterator[MatrixUser]:
    yield from registered_user(synapse, "bered-tib")


@pytest.fixture(scope="module")
def aktor(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Represents Polisen; no power in the room."""
    yield from registered_user(synapse, "bered-aktor")


def test_a_handover_and_the_green_button_reach_those_on_duty(
    bot: BotProcess,
    bot_id: str,
    koord: MatrixUser,
    rsk: MatrixUser,
    tib: MatrixUser,
    aktor: MatrixUser,
) -> None:
    room = bound_room(koord, bot_id, KONFERENS, rsk, tib, aktor)
    registered = ask(aktor, room, bot_id, "!aktör Polisen")
    assert "företrädare för" in (registered.body or ""), registered.describe()
    for person in (rsk, tib):
        granted = ask(koord, room, bot_id, f"!roll {person.user_id} koordinator regionalt")
        assert "hela regionen" in (granted.body or ""), granted.describe()

    # The handover: an actor is refused, a coordinator takes over.
    refused = ask(aktor, room, bot_id, "!beredskap ta över RSK")
    assert "får bara regionens koordinatorer använda" in (refused.body or "")
    took = ask(rsk, room, bot_id, "!beredskap ta över RSK")
    assert "är nu RSK i beredskap" in (took.body or ""), took.describe()
    assert "Ingen var RSK i beredskap före." in (took.body or "")
    took = ask(tib, room, bot_id, "!beredskap ta över tib")
    assert "är nu TiB i beredskap" in (took.body or ""), took.describe()
    shown = ask(aktor, room, bot_id, "!beredskap")
    assert "RSK – regional samverkanskoordinator i beredskap: bered-rsk sedan" in (
        shown.body or ""
    ), shown.describe()

    # The green button: those on duty are mentioned, and written to directly.
    known = {person.user_id: person.invitations() for person in (rsk, tib)}
    request = ask(aktor, room, bot_id, "!begär aktivering Stormvarning klass 2")
    body = request.body or ""
    assert "Begäran om aktivering av Regional samverkanskonferens" in body, request.describe()
    assert f"I beredskap: RSK {rsk.user_id}, TiB {tib.user_id}" in body, body
    assert "kvitterar med !kvittera begäran" in body  # no buttons in Matrix: the hint
    assert request.msgtype == "m.text"  # it mentions people: it notifies them
    assert set(request.mentions) == {rsk.user_id, tib.user_id}
    assert koord.user_id not in request.mentions  # the coordinators come later, if need be

    direct = {}
    for person in (rsk, tib):
        invited = person.wait_for_invitation(known[person.user_id])
        person.join(invited)
        letter = person.wait_for_message(
            invited, containing("begäran om aktivering"), sender=bot_id
        )
        assert "Stormvarning klass 2" in (letter.body or ""), letter.describe()
        direct[person.user_id] = (invited, letter)
    assert "Till RSK i beredskap" in (direct[rsk.user_id][1].body or "")
    assert "Till TiB i beredskap" in (direct[tib.user_id][1].body or "")

    # The RSK takes it in the direct room; the forum's room hears it.
    mark = koord.mark(room)
    taken = ask(rsk, direct[rsk.user_id][0], bot_id, "!kvittera begäran")
    assert "är kvitterad av bered-rsk (RSK)" in (taken.body or ""), taken.describe()
    heard = koord.wait_for_message(
        room, containing("kvitterad av bered-rsk (RSK)"), sender=bot_id, since=mark
    )
    assert "Regional samverkanskonferens" in (heard.body or "")
    again = ask(tib, room, bot_id, "!kvittera begäran")
    assert "redan kvitterad av bered-rsk" in (again.body or ""), again.describe()
