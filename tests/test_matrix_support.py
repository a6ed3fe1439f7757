"""Tests for tests/support/synapse.py and matrix_user.py: real Synapse, real matrix-nio.

One homeserver serves the whole module (the first run installs Synapse, ~35 s).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.matrix_user import MatrixUser, Seen
from tests.support.synapse import RegisteredUser, SynapseServer

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def alice_account(synapse: SynapseServer) -> RegisteredUser:
    return synapse.register("alice", PASSWORD)


@pytest.fixture(scope="module")
def bob_account(synapse: SynapseServer) -> RegisteredUser:
    return synapse.register("bob", PASSWORD)


@pytest.fixture(scope="module")
def alice(synapse: SynapseServer, alice_account: RegisteredUser) -> Iterator[MatrixUser]:
    with MatrixUser(synapse.url, alice_account.user_id, PASSWORD) as user:
        yield user


@pytest.fixture(scope="module")
def bob(synapse: SynapseServer, bob_account: RegisteredUser) -> Iterator[MatrixUser]:
    with MatrixUser(synapse.url, bob_account.user_id, PASSWORD) as user:
        yield user


def _shared_room(
    owner: MatrixUser,
    guest: MatrixUser,
    *,
    encrypted: bool = False,
    room_version: str | None = None,
) -> str:
    room = owner.create_room(
        "Samverkan test", encrypted=encrypted, invite=[guest.user_id], room_version=room_version
    )
    guest.join(room)
    owner.wait_until_joined(room, guest.user_id)
    return room


def _get(url: str, token: str) -> tuple[int, Any]:
    """GET `url` with an access token: (HTTP status, decoded JSON body)."""
    # Always our own http://127.0.0.1 URL.
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_register_makes_logged_in_users_and_admins(
    synapse: SynapseServer, alice_account: RegisteredUser
) -> None:
    assert synapse.url == f"http://127.0.0.1:{synapse.port}"
    assert alice_account.user_id == "@alice:localhost" == synapse.user_id("alice")
    whoami = f"{synapse.url}/_matrix/client/v3/account/whoami"
    assert _get(whoami, alice_account.access_token) == (
        200,
        {
            "user_id": alice_account.user_id,
            "device_id": alice_account.device_id,
            "is_guest": False,
        },
    )

    admin = synapse.register("moderator", PASSWORD, admin=True)
    user_admin_api = f"{synapse.url}/_synapse/admin/v2/users/{alice_account.user_id}"
    assert _get(user_admin_api, admin.access_token)[0] == 200
    assert _get(user_admin_api, alice_account.access_token)[0] == 403

    with pytest.raises(RuntimeError, match="User ID already taken"):
        synapse.register("alice", PASSWORD)


def test_message_notice_and_mentions_arrive(alice: MatrixUser, bob: MatrixUser) -> None:
    room = _shared_room(alice, bob)
    assert bob.joined_members(room) == {alice.user_id, bob.user_id}

    mark = bob.mark(room)
    sent = alice.send(
        room,
        "Hej Bob",
        formatted_body="Hej <b>Bob</b>",
        mentions=[bob.user_id],
    )
    seen = bob.wait_for_message(room, sender=alice.user_id, since=mark)
    assert (seen.event_id, seen.msgtype, seen.body) == (sent, "m.text", "Hej Bob")
    assert seen.formatted_body == "Hej <b>Bob</b>"
    assert seen.mentions == [bob.user_id]
    assert not seen.encrypted

    mark = alice.mark(room)
    bob.send(room, "Status: allt lugnt", msgtype="m.notice")
    notice = alice.wait_for_message(room, since=mark)
    assert (notice.sender, notice.msgtype, notice.body) == (
        bob.user_id,
        "m.notice",
        "Status: allt lugnt",
    )
    assert [m.body for m in alice.messages(room, sender=bob.user_id)] == ["Status: allt lugnt"]


def test_waiting_fails_with_what_was_seen(alice: MatrixUser, bob: MatrixUser) -> None:
    room = _shared_room(alice, bob)
    mark = bob.mark(room)
    alice.send(room, "första")
    bob.wait_for_message(room, since=mark)

    with pytest.raises(AssertionError, match="första") as excinfo:
        bob.wait_for_message(room, lambda seen: seen.body == "andra", since=mark, timeout=1.5)
    assert alice.user_id in str(excinfo.value)

    bob.no_message(room, alice.user_id, since=bob.mark(room), seconds=0.5)
    mark = bob.mark(room)
    alice.send(room, "ändå")
    with pytest.raises(AssertionError, match="ändå"):
        bob.no_message(room, alice.user_id, since=mark, seconds=10)


def test_edit_is_seen(alice: MatrixUser, bob: MatrixUser) -> None:
    room = _shared_room(alice, bob)
    original = alice.send(room, "Möte kl 15")
    bob.wait_for_message(room, lambda seen: seen.event_id == original)

    edit = alice.edit(room, original, "Möte kl 16")
    seen: Seen = bob.wait_for_message(room, after_event_id=original)
    assert seen.event_id == edit
    assert seen.replaces == original
    assert seen.new_content == {"msgtype": "m.text", "body": "Möte kl 16"}


def test_power_level_change_is_visible(alice: MatrixUser, bob: MatrixUser) -> None:
    room = _shared_room(alice, bob, room_version="11")
    assert bob.power_level(room, alice.user_id) == 100
    assert bob.power_level(room, bob.user_id) == 0

    mark = bob.mark(room)
    event_id = alice.set_power_level(room, bob.user_id, 50)
    seen = bob.wait_for_event(room, type="m.room.power_levels", since=mark)
    assert seen.event_id == event_id
    assert seen.content["users"][bob.user_id] == 50
    bob.wait_until(lambda: bob.power_level(room, bob.user_id) == 50, what="power level 50")
    assert bob.power_level(room, alice.user_id) == 100


def test_room_version_12_creator_is_not_in_power_levels(alice: MatrixUser, bob: MatrixUser) -> None:
    """Synapse 1.163 makes version 12 rooms: the bot door must not trust nio's levels there."""
    room = _shared_room(alice, bob)
    assert ":" not in room  # v12 room ids are a hash, without the server name
    create = next(s for s in bob.events(room) if s.type == "m.room.create")
    assert create.content["room_version"] == "12"
    assert create.sender == alice.user_id
    power_levels = next(s for s in bob.events(room) if s.type == "m.room.power_levels")
    assert alice.user_id not in power_levels.content["users"]
    assert bob.power_level(room, alice.user_id) == 0  # nio's reading, though alice is creator

    # The creator's unlimited power still works on the server.
    alice.set_power_level(room, bob.user_id, 100)
    bob.wait_until(lambda: bob.power_level(room, bob.user_id) == 100, what="power level 100")


def test_encrypted_room_round_trip(
    synapse: SynapseServer, alice_account: RegisteredUser, bob_account: RegisteredUser
) -> None:
    with (
        MatrixUser(synapse.url, alice_account.user_id, PASSWORD, encryption=True) as alice,
        MatrixUser(synapse.url, bob_account.user_id, PASSWORD, encryption=True) as bob,
    ):
        room = _shared_room(alice, bob, encrypted=True)
        assert alice.is_encrypted(room)
        assert bob.is_encrypted(room)

        mark = bob.mark(room)
        sent = alice.send(room, "Hemligt: lägesbild 14:00")
        seen = bob.wait_for_message(room, sender=alice.user_id, since=mark)
        assert (seen.event_id, seen.body, seen.encrypted) == (
            sent,
            "Hemligt: lägesbild 14:00",
            True,
        )
        assert not seen.undecryptable

        mark = alice.mark(room)
        bob.send(room, "Mottaget", msgtype="m.notice")
        reply = alice.wait_for_message(room, sender=bob.user_id, since=mark)
        assert (reply.msgtype, reply.body, reply.encrypted) == ("m.notice", "Mottaget", True)

        edit = alice.edit(room, sent, "Hemligt: lägesbild 15:00")
        edited = bob.wait_for_message(room, lambda s: s.replaces == sent)
        assert edited.event_id == edit
        assert edited.encrypted
        assert edited.new_content == {"msgtype": "m.text", "body": "Hemligt: lägesbild 15:00"}

        # The homeserver only ever had ciphertext.
        status, event = _get(
            f"{synapse.url}/_matrix/client/v3/rooms/{room}/event/{sent}",
            alice_account.access_token,
        )
        assert status == 200
        assert event["type"] == "m.room.encrypted"
        assert "lägesbild" not in json.dumps(event, ensure_ascii=False)


def test_device_without_keys_sees_undecryptable_events(
    synapse: SynapseServer, alice_account: RegisteredUser, bob: MatrixUser
) -> None:
    """`bob` here is a device without encryption: the room key is never sent to it."""
    with MatrixUser(synapse.url, alice_account.user_id, PASSWORD, encryption=True) as alice:
        room = alice.create_room("Krypterat", encrypted=True, invite=[bob.user_id])
        bob.join(room)
        alice.wait_until_joined(room, bob.user_id)
        assert bob.is_encrypted(room)

        mark = bob.mark(room)
        sent = alice.send(room, "Bara för nycklar")
        with pytest.raises(AssertionError, match=r"undecryptable m\.room\.encrypted"):
            bob.wait_for_message(room, sender=alice.user_id, since=mark, timeout=2)
        [seen] = bob.messages(room, alice.user_id, since=mark)
        assert (seen.event_id, seen.type, seen.body) == (sent, "m.room.encrypted", None)
        assert seen.undecryptable
        with pytest.raises(AssertionError, match="undecryptable"):
            bob.no_message(room, alice.user_id, since=mark, seconds=0.1)

        with pytest.raises(RuntimeError, match="without encryption=True"):
            bob.send(room, "i klartext")


def test_restart_keeps_port_data_and_clients(
    synapse: SynapseServer, alice: MatrixUser, bob: MatrixUser
) -> None:
    room = _shared_room(alice, bob)
    port = synapse.port

    synapse.restart()
    assert synapse.port == port
    assert synapse.running

    mark = bob.mark(room)
    sent = alice.send(room, "Efter omstarten")
    seen = bob.wait_for_message(room, sender=alice.user_id, since=mark, timeout=30)
    assert seen.event_id == sent

    synapse.stop()
    assert not synapse.running
    synapse.start()
    mark = alice.mark(room)
    bob.send(room, "Igen")
    assert alice.wait_for_message(room, since=mark, timeout=30).body == "Igen"
