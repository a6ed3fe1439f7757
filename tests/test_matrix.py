"""The Matrix door against a real Synapse: real users, the bot as its own process.

The bot runs as ``samverkan-bot run`` with Matrix credentials, as in production. People are
matrix-nio clients that create rooms, invite the bot and read its replies back from the room.
Each test binds its room to a different forum of the seeded model, so they do not interfere.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.flaky_proxy import FlakyProxy
from tests.support.matrix_bot import PASSWORD, bot_settings, registered_user, running_bot
from tests.support.matrix_user import MatrixUser, Seen
from tests.support.synapse import SynapseServer

BOT_LOCALPART = "samverkan"
# Forums by their number in `!forum lista` (the seeded order).
CHEFSGRUPP, INRIKTANDE, SAMORDNINGSGRUPP, KONFERENS, SAMORDNANDE, TEMATISKA, VERKSTALLANDE = range(
    1, 8
)


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


def _settings(synapse: SynapseServer, bot_id: str, directory: Path) -> dict[str, str]:
    return bot_settings(synapse.url, bot_id, directory)


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-bot")
    with running_bot(directory, _settings(synapse, bot_id, directory)) as process:
        yield process


_user = registered_user


@pytest.fixture(scope="module")
def anna(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Creates the rooms; in BOT_ADMINS (tests/support/matrix_bot.py), so a coordinator."""
    yield from _user(synapse, "anna")


@pytest.fixture(scope="module")
def bo(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Represents an organisation; no power in the rooms."""
    yield from _user(synapse, "bo")


def _notified(user: MatrixUser) -> set[str]:
    """The event ids the homeserver has notified ``user`` of (its push rules applied)."""
    client = user.client
    request = urllib.request.Request(  # noqa: S310  (our own Synapse on 127.0.0.1)
        f"{client.homeserver}/_matrix/client/v3/notifications?limit=100",
        headers={"Authorization": f"Bearer {client.access_token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        found = json.loads(response.read())
    return {item["event"]["event_id"] for item in found.get("notifications", [])}


def room_with_bot(
    owner: MatrixUser, bot_id: str, *guests: MatrixUser, encrypted: bool = False
) -> str:
    """A room ``owner`` made, with the bot and ``guests`` in it; the bot's welcome read."""
    mark = 0
    room = owner.create_room(
        "Stab", encrypted=encrypted, invite=[bot_id, *(guest.user_id for guest in guests)]
    )
    for guest in guests:
        guest.join(room)
    owner.wait_until_joined(room, bot_id)
    welcome = owner.wait_for_message(room, sender=bot_id, since=mark)
    assert "inte kopplad till något forum" in welcome.body, welcome.describe()
    assert welcome.msgtype == "m.notice"
    for guest in guests:
        owner.wait_until_joined(room, guest.user_id)
    return room


def ask(user: MatrixUser, room: str, bot_id: str, text: str, **options: object) -> Seen:
    """Send ``text`` and wait for the bot's answer to it."""
    timeout = float(options.pop("timeout", 20.0))  # type: ignore[arg-type]
    sent = user.send(room, text, **options)  # type: ignore[arg-type]
    # After the message itself: the asker may not have seen earlier answers to others yet.
    return user.wait_for_message(
        room, sender=bot_id, after_event_id=sent, replying_to=sent, timeout=timeout
    )


# -- the whole flow ----------------------------------------------------------------------------


def test_bind_register_activate_acknowledge_stand_down(
    bot: BotProcess, bot_id: str, anna: MatrixUser, bo: MatrixUser
) -> None:
    room = room_with_bot(anna, bot_id, bo)

    bound = ask(anna, room, bot_id, f"!forum koppla {KONFERENS}")
    assert "kopplad till Regional samverkanskonferens" in bound.body, bound.describe()
    assert bound.msgtype == "m.notice"
    assert bound.formatted_body  # HTML as well as the plain body

    registered = ask(bo, room, bot_id, "!aktör Polisen")
    assert "företrädare för Polisen Region Stockholm" in registered.body

    callout = ask(anna, room, bot_id, "!aktivera Storm Dagmar kalla: Polisen")
    assert "INKALLNING – Regional samverkanskonferens" in callout.body
    # Bo is really mentioned: a pill in the HTML and m.mentions, so his client notifies him.
    assert f'href="https://matrix.to/#/{bo.user_id}"' in (callout.formatted_body or "")
    assert callout.content["m.mentions"] == {"user_ids": [bo.user_id]}
    # Synapse's push rules really notify Bo of the call-out, and of nothing else the bot said.
    anna.wait_until(lambda: callout.event_id in _notified(bo), what="Bo notified of the call-out")
    assert _notified(bo) & {bound.event_id, registered.event_id} == set()

    ack = ask(bo, room, bot_id, "!kvittera")
    assert "Kvittens från Polisen Region Stockholm" in ack.body
    assert "1 av 1 inkallad organisation har kvitterat" in ack.body

    status = ask(bo, room, bot_id, "!status")
    assert "Läge: aktiverat läge" in status.body
    assert "Polisen Region Stockholm" in status.body

    refused = ask(bo, room, bot_id, "!avaktivera")
    assert "kräver rollen koordinator" in refused.body
    stood_down = ask(anna, room, bot_id, "!avaktivera Elen är tillbaka")
    assert "avaktiverad" in stood_down.body
    assert "Kvittenser: 1 av 1" in stood_down.body


def test_a_command_can_be_addressed_to_the_bot_by_name(
    bot: BotProcess, bot_id: str, anna: MatrixUser
) -> None:
    room = room_with_bot(anna, bot_id)
    by_name = ask(anna, room, bot_id, f"{BOT_LOCALPART}: forum lista")
    assert "Regional samverkanskonferens" in by_name.body
    pill = f'<a href="https://matrix.to/#/{bot_id}">{BOT_LOCALPART}</a> forum lista'
    by_pill = ask(
        anna, room, bot_id, f"{BOT_LOCALPART} forum lista", formatted_body=pill, mentions=[bot_id]
    )
    assert "Regional samverkanskonferens" in by_pill.body
    bare = ask(anna, room, bot_id, BOT_LOCALPART)
    assert "Kommandon du kan använda här" in bare.body
    # Talk that is not for the bot gets no answer.
    mark = anna.mark(room)
    anna.send(room, "Mötet börjar 16.00, samverkan som vanligt")
    anna.no_message(room, bot_id, since=mark, seconds=1.5)


# -- who may do what -------------------------------------------------------------------------


def test_a_room_of_ones_own_grants_nothing_and_a_binding_is_announced(
    bot: BotProcess, bot_id: str, anna: MatrixUser, bo: MatrixUser
) -> None:
    """Bo, who holds no role, is the admin of a room he made: he can neither bind it to
    the regional conference nor activate it nor read its picture. Promoted to moderator
    in a forum's room he still changes nothing. Anna (BOT_ADMINS) binds, and the forum's
    other room is told."""
    forum_room = room_with_bot(anna, bot_id, bo)
    assert "kopplad till" in ask(anna, forum_room, bot_id, f"!forum koppla {SAMORDNINGSGRUPP}").body

    own = room_with_bot(bo, bot_id)  # bo's own room: he is its admin, power level 100
    refused = ask(bo, own, bot_id, f"!forum koppla {SAMORDNINGSGRUPP}")
    assert "Bara en koordinator för Regional samordningsgrupp" in refused.body
    assert "Inget har ändrats" in refused.body
    for line in ("!aktivera Falsklarm", "!lägesbild", "!avaktivera", "!lägesbild publicera"):
        answer = ask(bo, own, bot_id, line)
        assert "inte kopplad till något forum" in answer.body, (line, answer.body)

    anna.set_power_level(forum_room, bo.user_id, 50)
    anna.wait_until(
        lambda: anna.power_level(forum_room, bo.user_id) == 50, what="bo's new power level"
    )
    for line in ("!forum lossa", "!aktivera Falsklarm", "!roll @bo:localhost koordinator"):
        answer = ask(bo, forum_room, bot_id, line)
        assert "koordinator" in answer.body, (line, answer.body)
        assert "Inget har ändrats" in answer.body, (line, answer.body)
    assert "Ingen pågående aktivering" in ask(anna, forum_room, bot_id, "!status").body

    second = room_with_bot(anna, bot_id)
    mark = anna.mark(forum_room)
    bound = ask(anna, second, bot_id, f"!forum koppla {SAMORDNINGSGRUPP}")
    assert "kopplad till Regional samordningsgrupp" in bound.body
    told = anna.wait_for_message(forum_room, sender=bot_id, since=mark)
    assert "anna har kopplat" in told.body, told.describe()
    assert "till Regional samordningsgrupp." in told.body, told.describe()


# -- bad input -------------------------------------------------------------------------------


def test_markup_in_user_text_is_shown_not_run(
    bot: BotProcess, bot_id: str, anna: MatrixUser
) -> None:
    room = room_with_bot(anna, bot_id)
    ask(anna, room, bot_id, f"!forum koppla {TEMATISKA}")
    reply = ask(anna, room, bot_id, '!aktivera <script>alert("x")</script><b>fet</b> & mer')
    html = reply.formatted_body or ""
    assert "<script>" not in html
    assert "<b>fet</b>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp; mer" in html
    assert '<script>alert("x")</script><b>fet</b> & mer' in reply.body
    ask(anna, room, bot_id, "!avaktivera")


def test_a_huge_message_and_an_unknown_command_get_a_clear_answer(
    bot: BotProcess, bot_id: str, anna: MatrixUser
) -> None:
    room = room_with_bot(anna, bot_id)
    huge = ask(anna, room, bot_id, "!status " + "x" * 10_000)
    assert "för långt" in huge.body, huge.describe()
    unknown = ask(anna, room, bot_id, "!kvitera")
    assert "kvittera" in unknown.body
    # An event type the bot does not know is ignored; the bot still answers afterwards.
    anna.send_event(room, "org.example.unknown", {"body": "!status"})
    assert "inte kopplad" in ask(anna, room, bot_id, "!forum").body


def test_an_edited_command_is_not_run_again(bot: BotProcess, bot_id: str, anna: MatrixUser) -> None:
    room = room_with_bot(anna, bot_id)
    ask(anna, room, bot_id, f"!forum koppla {VERKSTALLANDE}")
    mark = anna.mark(room)
    original = anna.send(room, "!status")
    anna.wait_for_message(room, sender=bot_id, since=mark)
    mark = anna.mark(room)
    anna.edit(room, original, "!aktivera Övning")
    notice = anna.wait_for_message(room, sender=bot_id, since=mark)
    assert "Ändrade meddelanden körs inte" in notice.body
    status = ask(anna, room, bot_id, "!status")
    assert "Ingen pågående aktivering" in status.body  # the edit activated nothing


# -- tied to the command (seen in a real client) ---------------------------------------------


def _replied_to(seen: Seen) -> str | None:
    relation = seen.content.get("m.relates_to") or {}
    return (relation.get("m.in_reply_to") or {}).get("event_id")


def test_an_answer_is_a_reply_to_its_command_and_a_post_elsewhere_is_not(
    bot: BotProcess, bot_id: str, anna: MatrixUser, bo: MatrixUser
) -> None:
    """In a busy room "Du är nu registrerad …" must say whose command it answers."""
    room = room_with_bot(anna, bot_id, bo)
    command = anna.send(room, f"!forum koppla {INRIKTANDE}")
    bound = anna.wait_for_message(room, sender=bot_id, after_event_id=command)
    assert "kopplad till Regionalt inriktande forum" in bound.body, bound.describe()
    assert _replied_to(bound) == command
    assert bound.msgtype == "m.notice"

    command = bo.send(room, "!aktör Polisen")
    registered = bo.wait_for_message(room, sender=bot_id, after_event_id=command)
    assert "företrädare för Polisen Region Stockholm" in registered.body
    assert _replied_to(registered) == command
    # Refusals too.
    command = bo.send(room, "!aktivera Övning")
    refused = bo.wait_for_message(room, sender=bot_id, after_event_id=command)
    assert "koordinator" in refused.body
    assert _replied_to(refused) == command

    # The forum's other room is told of a new binding: a post, not a reply.
    second = room_with_bot(anna, bot_id)
    mark = anna.mark(room)
    command = anna.send(second, f"!forum koppla {INRIKTANDE}")
    answer = anna.wait_for_message(second, sender=bot_id, after_event_id=command)
    assert _replied_to(answer) == command
    told = anna.wait_for_message(room, sender=bot_id, since=mark)
    assert "till Regionalt inriktande forum" in told.body, told.describe()
    assert "m.relates_to" not in told.content


def test_a_command_in_a_thread_is_answered_in_the_thread(
    bot: BotProcess, bot_id: str, anna: MatrixUser
) -> None:
    room = room_with_bot(anna, bot_id)
    root = anna.send(room, "Tråd om läget")
    command = anna.send_event(
        room,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": "!forum",
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": root},
            },
        },
    )
    answer = anna.wait_for_message(room, sender=bot_id, after_event_id=command)
    assert "inte kopplad" in answer.body, answer.describe()
    assert answer.content["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": command},
    }


# -- encryption ------------------------------------------------------------------------------


def test_the_bot_works_in_an_encrypted_room(
    synapse: SynapseServer, bot: BotProcess, bot_id: str, tmp_path: Path
) -> None:
    for carin in _user(synapse, "carin", encryption=True, store_dir=tmp_path / "carin"):
        room = room_with_bot(carin, bot_id, encrypted=True)
        assert carin.is_encrypted(room)
        bound = ask(carin, room, bot_id, f"!forum koppla {CHEFSGRUPP}")
        assert bound.encrypted, bound.describe()  # the bot's answer was encrypted too
        assert "kopplad till Regional chefsgrupp" in bound.body
        status = ask(carin, room, bot_id, "!status")
        assert status.encrypted
        assert "Status för Regional chefsgrupp" in status.body


# -- restarts --------------------------------------------------------------------------------


def test_a_restarted_bot_neither_replays_nor_loses_messages(
    bot: BotProcess, bot_id: str, anna: MatrixUser, bo: MatrixUser
) -> None:
    room = room_with_bot(anna, bot_id, bo)
    ask(anna, room, bot_id, f"!forum koppla {INRIKTANDE}")
    ask(bo, room, bot_id, "!aktör SOS Alarm")
    ask(anna, room, bot_id, "!aktivera Skyfall kalla: SOS Alarm")

    assert bot.stop() == 0
    mark = anna.mark(room)
    anna.send(room, "!status")  # sent while the bot is away
    bot.start()
    answer = anna.wait_for_message(room, sender=bot_id, since=mark, timeout=30)
    assert "Status för Regionalt inriktande forum" in answer.body
    # Nothing from before the restart was run again: one answer, to the one new message.
    anna.no_message(room, bot_id, since=answer.index + 1, seconds=2)
    assert len(anna.messages(room, bot_id, since=mark)) == 1
    ack = ask(bo, room, bot_id, "!kvittera")
    assert "1 av 1 inkallad organisation har kvitterat" in ack.body
    ask(anna, room, bot_id, "!avaktivera")
    # The same device both times: its encryption keys stay valid across restarts.
    devices = re.findall(r"logged in to Matrix as \S+ \(device (\w+)\)", bot.log())
    assert len(devices) >= 2
    assert len(set(devices)) == 1, devices


def test_the_bot_carries_on_when_the_homeserver_goes_away(
    synapse: SynapseServer, bot: BotProcess, bot_id: str, anna: MatrixUser
) -> None:
    room = room_with_bot(anna, bot_id)
    ask(anna, room, bot_id, f"!forum koppla {SAMORDNANDE}")
    since = len(bot.log())
    synapse.stop()
    try:
        bot.wait_for_log("Matrix sync failed", since=since, timeout=40)
    finally:
        synapse.start()  # the other tests need it, whatever happened here
    bot.wait_for_log("Matrix sync works again", since=since, timeout=60)
    answer = ask(anna, room, bot_id, "!status", timeout=30)
    assert "Status för Regionalt samordnande forum" in answer.body
    assert bot.running


# -- rooms the bot should not be in ---------------------------------------------------------------


def test_a_room_the_bot_was_kicked_from_does_not_stop_it(
    bot: BotProcess, bot_id: str, anna: MatrixUser
) -> None:
    main = room_with_bot(anna, bot_id)
    other = room_with_bot(anna, bot_id)
    ask(anna, main, bot_id, f"!forum koppla {KONFERENS}")
    ask(anna, other, bot_id, f"!forum koppla {KONFERENS}")
    anna.kick(other, bot_id, "test")
    since = len(bot.log())
    # The forum-wide call-out would go to the room the bot was kicked from, too.
    callout = ask(anna, main, bot_id, "!aktivera Kick-test")
    assert "INKALLNING" in callout.body
    bot.wait_for_log(other, since=since, timeout=20)
    assert "avaktiverad" in ask(anna, main, bot_id, "!avaktivera").body
    assert bot.running


def test_an_invitation_from_a_server_not_allowed_is_declined(
    synapse: SynapseServer, tmp_path: Path, anna: MatrixUser
) -> None:
    account = synapse.register("vaktad", PASSWORD)
    settings = _settings(synapse, account.user_id, tmp_path)
    settings["MATRIX_ALLOWED_SERVERS"] = "example.org"
    with BotProcess(tmp_path, settings) as guarded:
        guarded.wait_for_log("logged in to Matrix")
        room = anna.create_room("Utanför", invite=[account.user_id])
        guarded.wait_for_log("declining the invitation", timeout=20)
        assert account.user_id not in anna.joined_members(room)
        anna.no_message(room, account.user_id, since=0, seconds=1)


# -- replies that do not get through -----------------------------------------------------------


def test_a_reply_that_could_not_be_sent_is_sent_again_once(
    synapse: SynapseServer, tmp_path: Path, anna: MatrixUser
) -> None:
    account = synapse.register("envis", PASSWORD)
    with FlakyProxy(synapse.url) as proxy:
        settings = _settings(synapse, account.user_id, tmp_path)
        settings["MATRIX_HOMESERVER"] = proxy.url
        with BotProcess(tmp_path, settings) as stubborn:
            stubborn.wait_for_log("logged in to Matrix")
            room = room_with_bot(anna, account.user_id)

            # Lost before Synapse saw it: sent again after a backoff. (aiohttp itself may
            # retry a PUT once on a dropped connection; the bot's backoff does the rest.)
            proxy.lose_sends(3)
            answer = ask(anna, room, account.user_id, "!forum lista", timeout=30)
            assert "Regional samverkanskonferens" in answer.body
            assert proxy.lost == 3
            stubborn.wait_for_log("could not be sent (attempt 1)")

            # Synapse took it but the answer was lost: the retry carries the same
            # transaction id, so the room gets the reply once, not twice.
            proxy.lose_sends(1, after_delivery=True)
            sent = anna.send(room, "!forum")
            first = anna.wait_for_message(room, sender=account.user_id, after_event_id=sent)
            assert "inte kopplad" in first.body
            anna.wait_until(lambda: proxy.lost == 4, what="the lost answer")
            anna.no_message(room, account.user_id, since=first.index + 1, seconds=3)
            assert stubborn.running


def test_the_bot_logs_in_with_an_access_token_and_keeps_its_device(
    synapse: SynapseServer, tmp_path: Path, anna: MatrixUser
) -> None:
    account = synapse.register("tokenbot", PASSWORD)
    settings = _settings(synapse, account.user_id, tmp_path)
    del settings["MATRIX_PASSWORD"]
    settings["MATRIX_ACCESS_TOKEN"] = account.access_token
    with BotProcess(tmp_path, settings) as token_bot:
        token_bot.wait_for_log(f"logged in to Matrix as {account.user_id} (device")
        assert f"(device {account.device_id})" in token_bot.log()
        room = room_with_bot(anna, account.user_id)
        assert "Regional chefsgrupp" in ask(anna, room, account.user_id, "!forum lista").body
        assert account.access_token not in token_bot.log()
