"""What the Matrix door vouches for, against the test Synapse: who someone is, where they
come from, whether the room is a direct chat, and which devices and key store it trusts.

- A person's name comes from the room's member state, never from someone else's message (a
  pill's link text, a bare ``@user:server``).
- ``Speaker.home`` (the user's homeserver) and ``Incoming.direct`` (the bot was invited to a
  direct chat, remembered across restarts) reach the core, which acts on them.
- ``MATRIX_STORE_KEY`` encrypts the key store; a store written under nio's default key is
  re-encrypted, keeping the device; a store opens with its own key only (also tested on
  stores made here).
- ``MATRIX_REQUIRE_CROSS_SIGNED_DEVICES`` acts only on messages from cross-signed devices;
  the signature check itself is also tested on keys made here with vodozemac.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import vodozemac
from nio.crypto.sessions import OlmAccount

from bot.matrix.store_key import (
    NIO_DEFAULT_KEY,
    PICKLED,
    StoreKeyError,
    account_pickle,
    opens,
    prepare_store,
    store_file,
)
from bot.matrix.trust import canonical_json, cross_signed_devices
from tests.support.bot_process import BotProcess
from tests.support.matrix_bot import PASSWORD, bot_settings, registered_user, running_bot
from tests.support.matrix_user import MatrixUser
from tests.support.synapse import SynapseServer
from tests.test_matrix import ask, room_with_bot

BOT_LOCALPART = "tillitbot"
KONFERENS = 4  # the samverkanskonferens in `!forum lista`
POLICE = "Polisen Region Stockholm"
REFUSED_DEVICE = "enheter som ägaren har verifierat"


@pytest.fixture(scope="module")
def koord(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """A coordinator of the region (BOT_ADMINS); no power in any room that matters."""
    yield from registered_user(synapse, "koord-tillit")


def person(synapse: SynapseServer, localpart: str, name: str) -> Iterator[MatrixUser]:
    """A user with a display name of their own choosing."""
    for user in registered_user(synapse, localpart):
        user.set_display_name(name)
        yield user


@pytest.fixture(scope="module")
def bertil(synapse: SynapseServer) -> Iterator[MatrixUser]:
    yield from person(synapse, "bertil-tillit", "Bertil Berg")


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer,
    bot_id: str,
    koord: MatrixUser,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    """The bot with its coordinator in BOT_ADMINS."""
    directory = tmp_path_factory.mktemp("tillit-bot")
    settings = bot_settings(synapse.url, bot_id, directory, BOT_ADMINS=koord.user_id)
    with running_bot(directory, settings) as process:
        yield process


def pill(user_id: str, text: str) -> str:
    return f'<a href="https://matrix.to/#/{user_id}">{text}</a>'


# -- names come from the homeserver ----------------------------------------------------------


def test_a_pill_or_a_bare_id_names_people_as_they_named_themselves(
    synapse: SynapseServer, bot: BotProcess, bot_id: str, koord: MatrixUser, bertil: MatrixUser
) -> None:
    for cecilia in person(synapse, "cecilia-tillit", "Cecilia Ceder"):
        for david in person(synapse, "david-tillit", "David Dahl"):
            room = room_with_bot(koord, bot_id, bertil, cecilia)
            assert "kopplad till" in ask(koord, room, bot_id, f"!forum koppla {KONFERENS}").body

            # Before Bertil has said anything here: a pill whose link text is a name of the
            # writer's choosing, as any client can send.
            granted = ask(
                koord,
                room,
                bot_id,
                "!roll Skurken observatör",
                formatted_body=f"!roll {pill(bertil.user_id, 'Skurken')} observatör",
                mentions=[bertil.user_id],
            )
            assert "Bertil Berg har nu rollen observatör" in granted.body, granted.describe()
            again = ask(koord, room, bot_id, f"!roll {bertil.user_id} observatör")
            assert "Bertil Berg har redan rollen observatör" in again.body, again.describe()
            # A bare id: the name of a member of the room, or else the person's profile.
            member = ask(koord, room, bot_id, f"!roll {cecilia.user_id} observatör")
            assert "Cecilia Ceder har nu rollen" in member.body, member.describe()
            outside = ask(koord, room, bot_id, f"!roll {david.user_id} observatör")
            assert "David Dahl har nu rollen" in outside.body, outside.describe()

            registered = ask(bertil, room, bot_id, "!aktör Polisen")
            assert f"företrädare för {POLICE}" in registered.body, registered.describe()
            actors = ask(koord, room, bot_id, "!aktörer")
            assert f"{POLICE}: Bertil Berg" in actors.body, actors.describe()
            assert "Skurken" not in actors.body


# -- the door's facts: where someone's account lives, a direct chat ---------------------------


def test_the_homeserver_a_person_comes_from_reaches_the_core(
    synapse: SynapseServer, koord: MatrixUser, tmp_path: Path
) -> None:
    """The deployment ties this homeserver's accounts to the police: another claim is refused,
    and the refusal names the homeserver the door reported."""
    account = synapse.register("hemmabot", PASSWORD)
    settings = bot_settings(
        synapse.url,
        account.user_id,
        tmp_path,
        BOT_ADMINS=koord.user_id,
        ORGANISATION_IDENTITIES=json.dumps({POLICE: [f"matrix:{synapse.server_name}"]}),
    )
    for sara in registered_user(synapse, "sara-tillit"):
        with running_bot(tmp_path, settings):
            room = room_with_bot(koord, account.user_id, sara)
            bound = ask(koord, room, account.user_id, f"!forum koppla {KONFERENS}")
            assert "kopplad till" in bound.body, bound.describe()
            refused = ask(sara, room, account.user_id, "!aktör SOS Alarm")
            assert f"Ditt konto hör till {synapse.server_name}" in refused.body, refused.describe()
            police = ask(sara, room, account.user_id, "!aktör Polisen")
            assert f"företrädare för {POLICE}" in police.body, police.describe()


def test_a_direct_chat_acts_on_no_forum_even_after_a_restart(
    bot: BotProcess, bot_id: str, koord: MatrixUser
) -> None:
    direct = koord.create_room("Bot", invite=[bot_id], is_direct=True)
    koord.wait_until_joined(direct, bot_id)
    welcome = koord.wait_for_message(direct, sender=bot_id)
    assert "mellan oss två" in welcome.body, welcome.describe()  # not "bind this channel"
    refused = ask(koord, direct, bot_id, f"!forum koppla {KONFERENS}")
    assert "fungerar inte i en direktkonversation" in refused.body, refused.describe()

    assert bot.stop() == 0
    bot.start()  # the bot's memory of the room is gone; the database's is not
    again = ask(koord, direct, bot_id, f"!forum koppla {KONFERENS}", timeout=40)
    assert "fungerar inte i en direktkonversation" in again.body, again.describe()
    # A room the bot was invited to the usual way is no direct chat.
    room = room_with_bot(koord, bot_id)
    assert "kopplad till" in ask(koord, room, bot_id, f"!forum koppla {KONFERENS}").body


# -- the key store's passphrase ---------------------------------------------------------------


def _pickles(path: Path) -> list[tuple[str, bytes]]:
    """Every pickle nio keeps in the store file, by table."""
    with closing(sqlite3.connect(path)) as connection:
        return [
            (table, bytes(blob))
            for table, column, _read in PICKLED
            for (blob,) in connection.execute(f"SELECT {column} FROM {table}")  # noqa: S608
        ]


def _exit_status(process: BotProcess, timeout: float = 30.0) -> int | None:
    """The status ``process`` exits with by itself, or None (it is stopped) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while process.running and time.monotonic() < deadline:
        time.sleep(0.05)
    exited = not process.running
    status = process.stop()
    return status if exited else None


def _device(log: str) -> list[str]:
    return re.findall(r"logged in to Matrix as \S+ \(device (\w+)\)", log)


def test_the_key_store_is_encrypted_with_its_key_and_an_old_store_moves_to_it(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    account = synapse.register("nyckelbot", PASSWORD)
    # One database and key store; each run of the bot with a log of its own.
    data = tmp_path / "data"
    plain = bot_settings(synapse.url, account.user_id, data)
    store = data / "bot.db.matrix-store"
    key = "ett långt och hemligt lösenord för nycklarna"
    for vera in registered_user(synapse, "vera-tillit", encryption=True):
        # Written as before the setting existed: under nio's default key, and said so.
        with running_bot(tmp_path / "before", plain) as old:
            assert "protected by file permissions only" in old.log()
            room = room_with_bot(vera, account.user_id, encrypted=True)
            before = ask(vera, room, account.user_id, "!forum lista")
            assert before.encrypted
            assert "Regional samverkanskonferens" in before.body
            device = _device(old.log())[-1]
        path = store_file(store, account.user_id, device)
        old_pickles = _pickles(path)
        assert {table for table, _ in old_pickles} == {t for t, _, _ in PICKLED}
        assert all(
            opens(blob, NIO_DEFAULT_KEY) for table, blob in old_pickles if table == "accounts"
        )

        keyed = {**plain, "MATRIX_STORE_KEY": key}
        with running_bot(tmp_path / "moved", keyed) as moved:
            assert "re-encrypted its" in moved.log(), moved.log()[-3000:]
            assert _device(moved.log())[-1] == device  # the same device, its keys kept
            # Vera's room key (sent before) still decrypts her message; the answer is encrypted.
            after = ask(vera, room, account.user_id, "!forum lista")
            assert after.encrypted
            assert "Regional samverkanskonferens" in after.body

        # Nothing in the file opens with the default key any more, nor is an old pickle left.
        account_blob = account_pickle(path, account.user_id, device)
        assert account_blob is not None
        assert not opens(account_blob, NIO_DEFAULT_KEY)
        assert opens(account_blob, key)
        stored = path.read_bytes()
        assert not any(blob in stored for _table, blob in old_pickles)

        with running_bot(tmp_path / "again", keyed) as again:
            log = again.log()
            assert "re-encrypted" not in log
            assert "protected by file permissions only" not in log
            assert _device(log)[-1] == device
            third = ask(vera, room, account.user_id, "!forum lista")
            assert third.encrypted
            assert "Regional samverkanskonferens" in third.body

        # The wrong key stops the bot with a message, rather than starting a new device.
        wrong = BotProcess(tmp_path / "wrong", {**plain, "MATRIX_STORE_KEY": "fel"})
        wrong.start()
        assert _exit_status(wrong) == 2
        assert "MATRIX_STORE_KEY does not open the Matrix key store" in wrong.log()
        assert account_pickle(path, account.user_id, device) == account_blob


# -- cross-signed devices only ------------------------------------------------------------------


def test_with_the_setting_only_cross_signed_devices_give_commands(
    synapse: SynapseServer, tmp_path: Path, bot: BotProcess, bot_id: str
) -> None:
    account = synapse.register("korsbot", PASSWORD)
    settings = bot_settings(
        synapse.url, account.user_id, tmp_path, MATRIX_REQUIRE_CROSS_SIGNED_DEVICES="true"
    )
    strict = account.user_id
    for dora in registered_user(synapse, "dora-tillit", encryption=True):
        for egon in registered_user(synapse, "egon-tillit", encryption=True):
            dora.cross_sign_device()
            # Without the setting (the module's bot), a device nobody signed works as ever.
            room = room_with_bot(egon, bot_id, encrypted=True)
            assert "Regional samverkanskonferens" in ask(egon, room, bot_id, "!forum lista").body

            with running_bot(tmp_path, settings):
                room = room_with_bot(dora, strict, egon, encrypted=True)
                answer = ask(dora, room, strict, "!forum lista")
                assert "Regional samverkanskonferens" in answer.body, answer.describe()

                refused = ask(egon, room, strict, "!forum lista")
                assert REFUSED_DEVICE in refused.body, refused.describe()
                assert refused.encrypted  # and Egon's unsigned device can read why
                mark = egon.mark(room)
                egon.send(room, "hej, är mötet kvar 16.00?")  # not for the bot: no answer
                egon.no_message(room, strict, since=mark, seconds=1.5)

                # Once he cross-signs it, the homeserver tells the bot, which asks again.
                egon.cross_sign_device()
                allowed = ask(egon, room, strict, "!forum lista")
                assert "Regional samverkanskonferens" in allowed.body, allowed.describe()

                # Unencrypted messages cannot come from a known device at all.
                clear = room_with_bot(dora, strict)
                unencrypted = ask(dora, clear, strict, "!forum lista")
                assert REFUSED_DEVICE in unencrypted.body, unencrypted.describe()


# -- the signature check itself, on keys made here ----------------------------------------------


class Keys:
    """One user's devices and cross-signing keys as /keys/query gives them, made here."""

    user = "@ada:example.org"

    def __init__(self) -> None:
        self.master = vodozemac.Account()
        self.self_signing = vodozemac.Account()
        self.devices = {"PHONE": vodozemac.Account(), "LAPTOP": vodozemac.Account()}

    @staticmethod
    def public(pair: vodozemac.Account) -> str:
        return str(pair.ed25519_key.to_base64())

    def sign(self, pair: vodozemac.Account, key_id: str, signed: dict[str, Any]) -> None:
        bare = {k: v for k, v in signed.items() if k not in ("signatures", "unsigned")}
        signature = pair.sign(canonical_json(bare)).to_base64()
        signed.setdefault("signatures", {}).setdefault(self.user, {})[key_id] = signature

    def cross_signing(self, usage: str, pair: vodozemac.Account) -> dict[str, Any]:
        public = self.public(pair)
        return {"user_id": self.user, "usage": [usage], "keys": {f"ed25519:{public}": public}}

    def answer(self, cross_signed: set[str]) -> dict[str, Any]:
        master = self.cross_signing("master", self.master)
        self_signing = self.cross_signing("self_signing", self.self_signing)
        self.sign(self.master, f"ed25519:{self.public(self.master)}", self_signing)
        devices: dict[str, Any] = {}
        for device_id, pair in self.devices.items():
            device = {
                "user_id": self.user,
                "device_id": device_id,
                "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
                "keys": {
                    f"curve25519:{device_id}": pair.curve25519_key.to_base64(),
                    f"ed25519:{device_id}": self.public(pair),
                },
                "unsigned": {"device_display_name": "a name the server may change"},
            }
            self.sign(pair, f"ed25519:{device_id}", device)
            if device_id in cross_signed:
                self.sign(self.self_signing, f"ed25519:{self.public(self.self_signing)}", device)
            devices[device_id] = device
        return {
            "device_keys": {self.user: devices},
            "master_keys": {self.user: master},
            "self_signing_keys": {self.user: self_signing},
        }


def _signed_ids(answer: dict[str, Any]) -> set[str]:
    return {device.device_id for device in cross_signed_devices(answer, Keys.user)}


def test_only_devices_signed_by_a_self_signing_key_the_master_key_signed_count() -> None:
    keys = Keys()
    answer = keys.answer({"PHONE"})
    assert _signed_ids(answer) == {"PHONE"}
    (phone,) = cross_signed_devices(answer, Keys.user)
    assert phone.ed25519 == keys.public(keys.devices["PHONE"])
    assert phone.curve25519 == keys.devices["PHONE"].curve25519_key.to_base64()

    # The homeserver changes a signed device's keys (its own device in its place): no longer.
    forged = keys.answer({"PHONE"})
    forged["device_keys"][Keys.user]["PHONE"]["keys"]["curve25519:PHONE"] = keys.devices[
        "LAPTOP"
    ].curve25519_key.to_base64()
    assert _signed_ids(forged) == set()

    # A self-signing key the master key did not sign (the homeserver's own): nothing counts.
    swapped = keys.answer({"PHONE", "LAPTOP"})
    other = vodozemac.Account()
    replaced = keys.cross_signing("self_signing", other)
    keys.sign(other, f"ed25519:{keys.public(other)}", replaced)
    swapped["self_signing_keys"][Keys.user] = replaced
    assert _signed_ids(swapped) == set()

    # Another user's keys, or the keys under another user's name, do not count either.
    assert {d.device_id for d in cross_signed_devices(answer, "@eve:example.org")} == set()
    # What the server may change freely (unsigned) changes nothing.
    answer["device_keys"][Keys.user]["PHONE"]["unsigned"] = {"device_display_name": "x"}
    assert _signed_ids(answer) == {"PHONE"}


# -- the key store's passphrase, on stores made here --------------------------------------------

USER, DEVICE = "@bot:example.org", "BOTDEVICE"


def _store(folder: Path, key: str, *, room_key: bytes | None = None) -> Path:
    """A key store as nio lays it out, its account pickled under ``key``."""
    path = store_file(folder, USER, DEVICE)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE accounts (account, user_id, device_id, shared)")
        connection.execute("CREATE TABLE olmsessions (session)")
        connection.execute("CREATE TABLE megolminboundsessions (session)")
        connection.execute(
            "INSERT INTO accounts VALUES (?, ?, ?, 1)", (OlmAccount().pickle(key), USER, DEVICE)
        )
        if room_key is not None:
            connection.execute("INSERT INTO megolminboundsessions VALUES (?)", (room_key,))
    return path


def test_a_store_is_opened_only_with_its_own_key(tmp_path: Path) -> None:
    _store(tmp_path, "vårt hemliga")
    with pytest.raises(StoreKeyError, match="is encrypted with a key: set MATRIX_STORE_KEY"):
        prepare_store(tmp_path, USER, DEVICE, None)
    with pytest.raises(StoreKeyError, match="MATRIX_STORE_KEY does not open"):
        prepare_store(tmp_path, USER, DEVICE, "ett annat")
    assert prepare_store(tmp_path, USER, DEVICE, "vårt hemliga") == "vårt hemliga"
    # No store yet (a new device): nothing to open, nothing to move.
    assert prepare_store(tmp_path, USER, "NEWDEVICE", None) == NIO_DEFAULT_KEY


def test_a_store_that_cannot_be_moved_whole_is_left_as_it_was(tmp_path: Path) -> None:
    path = _store(tmp_path, NIO_DEFAULT_KEY, room_key=b"not a pickle")
    before = _pickles(path)
    with pytest.raises(StoreKeyError, match="it is unchanged"):
        prepare_store(tmp_path, USER, DEVICE, "nytt")
    assert _pickles(path) == before
