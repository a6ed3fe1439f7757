"""Meetings in Matrix against a real Synapse: notes, minutes with the full minutes as a file,
who may end a meeting, an item raised to another forum's room, and a restart mid-meeting.

As in ``test_matrix_reports.py``: one bot process (``samverkan-bot run``) for the module, real
users that create rooms and read the bot's answers back. The full minutes come as an ``m.file``
after the short minutes; the test downloads it from Synapse as a client would (and decrypts it
in an encrypted room). Each test binds its rooms to forums of its own: one meeting at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.flaky_proxy import FlakyProxy
from tests.support.matrix_bot import (
    PASSWORD,
    bot_settings,
    bound_room,
    registered_user,
    running_bot,
)
from tests.support.matrix_user import MatrixUser, Seen, ask
from tests.support.pdf import pdf_as_line
from tests.support.synapse import SynapseServer

# Names of their own: other modules register their users in the same (session) Synapse.
BOT_LOCALPART = "motesbot"
# Forums by their number in `!forum lista` (the seeded order).
CHEFSGRUPP, INRIKTANDE, SAMORDNINGSGRUPP, KONFERENS, SAMORDNANDE, TEMATISKA, VERKSTALLANDE = range(
    1, 8
)
PDF = "application/pdf"


@pytest.fixture(scope="module")
def bot_id(synapse: SynapseServer) -> str:
    return synapse.register(BOT_LOCALPART, PASSWORD).user_id


@pytest.fixture(scope="module")
def bot(
    synapse: SynapseServer, bot_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    directory = tmp_path_factory.mktemp("matrix-meeting-bot")
    with running_bot(directory, bot_settings(synapse.url, bot_id, directory)) as process:
        yield process


_user = registered_user


@pytest.fixture(scope="module")
def mira(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Creates the rooms; in BOT_ADMINS, so a coordinator, and the chair."""
    yield from _user(synapse, "mira")


@pytest.fixture(scope="module")
def nils(synapse: SynapseServer) -> Iterator[MatrixUser]:
    """Represents Polisen; no power in the rooms."""
    yield from _user(synapse, "nils")


# -- helpers ------------------------------------------------------------------------------------


def end_meeting(user: MatrixUser, room: str, bot_id: str) -> tuple[Seen, Seen]:
    """``!möte slut``: the short minutes, and the full minutes file sent after them."""
    ended = ask(user, room, bot_id, "!möte slut")
    assert "Möte 1 avslutat" in (ended.body or ""), ended.describe()
    attached = user.wait_for_message(
        room, sender=bot_id, msgtype="m.file", after_event_id=ended.event_id
    )
    return ended, attached


def files_in(user: MatrixUser, room: str, bot_id: str) -> list[Seen]:
    return [seen for seen in user.messages(room, bot_id) if seen.msgtype == "m.file"]


# -- a meeting from start to minutes ------------------------------------------------------------


def test_a_meeting_ends_with_short_minutes_and_the_full_minutes_as_a_file(
    bot: BotProcess, bot_id: str, mira: MatrixUser, nils: MatrixUser
) -> None:
    room = bound_room(mira, bot_id, CHEFSGRUPP, nils)
    registered = ask(nils, room, bot_id, "!aktör Polisen")
    assert "företrädare för" in (registered.body or ""), registered.describe()

    started = ask(mira, room, bot_id, "!möte start Stormmöte")
    assert "möte 1 har börjat" in (started.body or ""), started.describe()
    ask(nils, room, bot_id, "!info SMHI varnar för kraftig vind")
    # Regional chefsgrupp takes consensus decisions: its agreed points are "Beslut".
    ask(mira, room, bot_id, "!beslut Polisen leder trafikinsatsen")
    noted = ask(mira, room, bot_id, "!åtgärd Polisen Ta fram trafikplan senast imorgon kl 12")
    assert "Åtgärd 1 antecknad: Ta fram trafikplan" in (noted.body or ""), noted.describe()
    assert "12:00" in (noted.body or "")

    # Only a chair ends it: the refusal is shown in the room.
    refused = ask(nils, room, bot_id, "!möte slut")
    assert "Bara mötets ordförande" in (refused.body or ""), refused.describe()

    ended, attached = end_meeting(mira, room, bot_id)
    short = ended.body or ""
    assert "Beslut: Polisen leder trafikinsatsen" in short
    assert "Åtgärder (1)" in short
    assert "SMHI varnar" not in short  # information is counted, not repeated
    assert "Förkortat: 1 informationspunkt" in short
    assert attached.index > ended.index
    assert attached.filename is not None
    assert attached.filename.startswith("minnesanteckningar-")
    assert attached.filename.endswith("-1.pdf")
    assert attached.body == attached.filename
    assert "url" in attached.content
    assert "file" not in attached.content
    content = mira.download(attached)
    assert attached.file_info == {"mimetype": PDF, "size": len(content)}
    full = pdf_as_line(content)
    assert "Regional chefsgrupp" in full
    assert "SMHI varnar för kraftig vind" in full  # what the short minutes left out
    assert "Polisen leder trafikinsatsen" in full
    assert "Åtgärder per ansvarig" in full
    assert "Ta fram trafikplan" in full
    assert len(files_in(mira, room, bot_id)) == 1  # none with the refusal

    # Everyone in the room reads the same file; !protokoll attaches it again.
    assert nils.download(nils.wait_for_event(room, lambda s: s.event_id == attached.event_id)) == (
        content
    )
    again = ask(nils, room, bot_id, "!protokoll")
    assert "Beslut: Polisen leder trafikinsatsen" in (again.body or ""), again.describe()
    resent = nils.wait_for_message(
        room, sender=bot_id, msgtype="m.file", after_event_id=again.event_id
    )
    assert resent.filename == attached.filename
    assert nils.download(resent) == content


def test_in_an_encrypted_room_the_minutes_file_is_encrypted_too(
    synapse: SynapseServer, bot: BotProcess, bot_id: str, tmp_path: Path
) -> None:
    for erik in _user(synapse, "erik", encryption=True, store_dir=tmp_path / "erik"):
        room = bound_room(erik, bot_id, INRIKTANDE, encrypted=True)
        assert erik.is_encrypted(room)
        ask(erik, room, bot_id, "!möte start")
        ask(erik, room, bot_id, "!info Krypterat möte om elavbrott")
        ended, attached = end_meeting(erik, room, bot_id)
        assert ended.encrypted, ended.describe()
        assert attached.encrypted, attached.describe()
        encrypted_file = MatrixUser.content_file(attached)
        assert encrypted_file is not None, attached.content  # keys in the message, no url
        assert "url" not in attached.content
        content = erik.download(attached)
        full = pdf_as_line(content)
        assert full.startswith("Minnesanteckningar – Regionalt inriktande forum, möte 1")
        assert "Krypterat möte om elavbrott" in full
        # What Synapse holds is ciphertext: not the PDF (nor any PDF).
        stored = erik.fetch(encrypted_file["url"])
        assert len(stored) == len(content)
        assert stored != content
        assert b"%PDF" not in stored


# -- raising an item to another forum -----------------------------------------------------------


def test_an_item_raised_arrives_in_the_other_forums_room_with_a_link_back(
    bot: BotProcess, bot_id: str, mira: MatrixUser, nils: MatrixUser
) -> None:
    room = bound_room(mira, bot_id, SAMORDNINGSGRUPP, nils)
    other_room = bound_room(mira, bot_id, KONFERENS)
    ask(nils, room, bot_id, "!aktör Polisen")
    ask(mira, room, bot_id, "!möte start")

    mark = mira.mark(other_room)
    command = nils.send(room, "!lyft samverkanskonferens Behov av samordnad kommunikation")
    answer = nils.wait_for_message(room, sender=bot_id, after_event_id=command)
    assert "Lyft till Regional samverkanskonferens" in (answer.body or ""), answer.describe()
    notice = mira.wait_for_message(
        other_room,
        lambda seen: "Behov av samordnad kommunikation" in (seen.body or ""),
        sender=bot_id,
        since=mark,
    )
    link = f"https://matrix.to/#/{room}/{command}"
    assert "Lyft från Regional samordningsgrupp" in (notice.body or ""), notice.describe()
    assert "Lyft av nils under möte 1" in (notice.body or "")
    assert f'<a href="{link}">gå till ursprunget</a>' in (notice.formatted_body or ""), (
        notice.formatted_body
    )


# -- a restart mid-meeting ----------------------------------------------------------------------


def test_a_meeting_goes_on_after_the_bot_restarts(
    bot: BotProcess, bot_id: str, mira: MatrixUser, nils: MatrixUser
) -> None:
    room = bound_room(mira, bot_id, SAMORDNANDE, nils)
    ask(mira, room, bot_id, "!möte start Före och efter")
    ask(nils, room, bot_id, "!info Noterat före omstarten")

    assert bot.stop() == 0
    since = len(bot.log())
    bot.start()
    bot.wait_for_log("logged in to Matrix", since=since)

    after = ask(nils, room, bot_id, "!info Noterat efter omstarten", timeout=30)
    assert "Noterat efter omstarten" in (after.body or ""), after.describe()
    ended, attached = end_meeting(mira, room, bot_id)
    assert "Förkortat: 2 informationspunkter" in (ended.body or ""), ended.body
    full = pdf_as_line(mira.download(attached))
    assert "Före och efter" in full
    assert full.index("Noterat före omstarten") < full.index("Noterat efter omstarten")


# -- uploads that do not get through ------------------------------------------------------------


class UploadProxy(FlakyProxy):
    """The flaky proxy, losing or refusing the bot's uploads (``POST …/upload``) instead."""

    def __init__(self, target_url: str) -> None:
        super().__init__(target_url)
        self._refuse = 0
        self.refused = 0

    def refuse_uploads(self, count: int) -> None:
        """Answer the next ``count`` uploads as a homeserver does a file too large (413)."""
        with self._lock:
            self._refuse = count

    def _take_loss(self, path: str, method: str) -> tuple[bool, bool]:
        if method != "POST" or "/upload" not in path:
            return False, False
        with self._lock:
            if self._to_lose <= 0:
                return False, False
            self._to_lose -= 1
            self.lost += 1
            return True, self._after_delivery

    def _take_refusal(self, path: str, method: str) -> bool:
        with self._lock:
            if method != "POST" or "/upload" not in path or self._refuse <= 0:
                return False
            self._refuse -= 1
            self.refused += 1
            return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        forwarding = super()._handler_class()

        class Handler(forwarding):  # type: ignore[valid-type,misc]
            def _refuse_or_forward(self) -> None:
                if not proxy._take_refusal(self.path, self.command):
                    self._forward()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = json.dumps({"errcode": "M_TOO_LARGE", "error": "too large"}).encode()
                self.send_response(413)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = _refuse_or_forward

        return Handler


def test_an_upload_that_fails_is_tried_again_and_one_refused_is_given_up(
    synapse: SynapseServer, tmp_path: Path, mira: MatrixUser
) -> None:
    account = synapse.register("motesbot-envis", PASSWORD)
    with UploadProxy(synapse.url) as proxy:
        settings = bot_settings(proxy.url, account.user_id, tmp_path)
        with BotProcess(tmp_path, settings) as stubborn:
            stubborn.wait_for_log("logged in to Matrix")
            bot_id = account.user_id
            room = bound_room(mira, bot_id, TEMATISKA)
            ask(mira, room, bot_id, "!möte start")
            ask(mira, room, bot_id, "!info Uppladdningen tappas en gång")

            # Lost on the way: uploaded again after a backoff, and sent once.
            proxy.lose_sends(1)
            _, attached = end_meeting(mira, room, bot_id)
            assert proxy.lost == 1
            stubborn.wait_for_log("could not be sent (attempt 1)")
            assert "Uppladdningen tappas en gång" in pdf_as_line(mira.download(attached))

            # Refused (413): given up and logged; what comes after still goes out.
            proxy.refuse_uploads(1)
            minutes = ask(mira, room, bot_id, "!protokoll")
            assert "möte 1" in (minutes.body or ""), minutes.describe()
            stubborn.wait_for_log("Matrix refused the file minnesanteckningar-")
            status = ask(mira, room, bot_id, "!forum")
            assert "Tematiska arbetsgrupper" in (status.body or ""), status.describe()
            assert proxy.refused == 1
            assert [seen.event_id for seen in files_in(mira, room, bot_id)] == [attached.event_id]
            log = stubborn.log()
        assert "Traceback" not in log, log[-4000:]
