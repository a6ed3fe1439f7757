"""Hosts (commands/hosting.py): a forum's host organisation (``!forum värd``), an activation's
own host decided at its first meeting (``!värd``), in ``!forum``, the minutes and the exports;
set by the forum's coordinators only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.export.minutes_export import minutes_from_json
from bot.export.source import MinutesQuery, load_minutes
from storage import Database
from storage.models import Activation, AuditEvent, Forum, Organisation
from tests.support.chat import Chat, Said
from tests.test_export import elements, markdown_html, ordered
from tests.test_export_minutes import export


def _ok(chat: Chat, text: str, **kwargs: Any) -> Said:
    said = chat.say(text, **kwargs)
    assert said.ok, (text, said.text)
    return said


def _forum_host(database: Database, slug: str) -> str | None:
    with Session(database.engine) as session:
        forum = session.exec(select(Forum).where(Forum.slug == slug)).one()
        if forum.host_organisation_id is None:
            return None
        return session.get(Organisation, forum.host_organisation_id).name  # type: ignore[union-attr]


def _activation_host(database: Database) -> str | None:
    with Session(database.engine) as session:
        [activation] = session.exec(select(Activation)).all()
        if activation.host_organisation_id is None:
            return None
        return session.get(Organisation, activation.host_organisation_id).name  # type: ignore[union-attr]


def _host_events(database: Database) -> list[str]:
    with Session(database.engine) as session:
        rows = session.exec(
            select(AuditEvent).where(
                AuditEvent.action.in_(("forum.host", "activation.host"))  # type: ignore[attr-defined]
            )
        ).all()
        return [row.action for row in rows]


# -- the forum's host ---------------------------------------------------------------------------


def test_the_forums_host_is_shown_to_anyone(chat: Chat) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla samordningsgrupp", channel="rsg")
    _ok(chat, "!aktör Polisen", person="anna")
    said = _ok(chat, "!forum värd", person="anna")
    assert "Värd för Regional samverkanskonferens: Länsstyrelsen Stockholm." in said.text
    assert "!forum värd <organisation>" in said.text
    rotating = _ok(chat, "!forum värd", channel="rsg")
    assert "Regional samordningsgrupp har ingen fast värd." in rotating.text
    assert "Värd: ingen fast värd" in _ok(chat, "!forum", channel="rsg").text


def test_a_coordinator_passes_the_samordningsgrupps_host_on(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla samordningsgrupp")
    _ok(chat, "!forum koppla samordningsgrupp", channel="rsg-matrix")
    _ok(chat, "!roll @rut koordinator")
    said = _ok(chat, "!forum värd SOS Alarm", person="rut")
    assert "SOS Alarm är nu värd för Regional samordningsgrupp." in said.text
    assert "rut har gjort SOS Alarm till värd för Regional samordningsgrupp." in said.post_text(
        "rsg-matrix"
    )
    assert "Värd: SOS Alarm" in _ok(chat, "!forum").text
    assert _forum_host(database, "samordningsgrupp") == "SOS Alarm"
    again = _ok(chat, "!forum värd sos alarm", person="rut")
    assert "SOS Alarm är redan värd för Regional samordningsgrupp. Inget har ändrats." in again.text
    _ok(chat, "!forum host Trafikverket")
    assert _forum_host(database, "samordningsgrupp") == "Trafikverket"
    assert _host_events(database) == ["forum.host", "forum.host"]


def test_an_actor_or_another_forums_coordinator_cannot_set_the_host(
    chat: Chat, database: Database
) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla chefsgrupp", channel="rcg")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!roll @cilla koordinator", channel="rcg")  # coordinates chefsgrupp only
    for person in ("anna", "cilla", "eve"):
        said = chat.say("!forum värd Polisen", person=person)
        assert not said.ok, person
        assert "Bara en koordinator för Regional samverkanskonferens" in said.text
        assert said.posts == []
    unknown = chat.say("!forum värd Påhittade verket")
    assert not unknown.ok
    assert "Jag känner inte till någon organisation" in unknown.text
    assert _forum_host(database, "samverkanskonferens") == "Länsstyrelsen Stockholm"
    assert _host_events(database) == []


# -- the activation's host -----------------------------------------------------------------------


def test_the_activations_host_is_refused_outside_an_activation(
    forum_chat: Chat, database: Database
) -> None:
    said = forum_chat.say("!värd Polisen")
    assert not said.ok
    assert "Regional samverkanskonferens är inte aktiverad just nu" in said.text
    assert "!värd Polisen" in said.text  # the hint: during an activation
    assert "!forum värd" in said.text
    assert not forum_chat.say("!värd").ok
    assert _host_events(database) == []


def test_the_first_meeting_decides_the_activations_host(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla samordnande-forum")
    _ok(chat, "!forum koppla samordnande-forum", channel="sf-slack")
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktivera Snöstorm")
    before = _ok(chat, "!värd", person="anna")
    assert (
        "Aktiveringen har inte bestämt någon egen värd; forumets värd gäller: "
        "Länsstyrelsen Stockholm."
    ) in before.text
    refused = chat.say("!värd Polisen", person="anna")
    assert not refused.ok
    assert "Bara en koordinator för Regionalt samordnande forum" in refused.text
    assert _activation_host(database) is None
    _ok(chat, "!möte start")
    said = _ok(chat, "!värd Polisen")
    assert (
        "Polisen Region Stockholm är nu värd för aktiveringen av Regionalt samordnande forum"
        in (said.text)
    )
    assert "operator har gjort Polisen Region Stockholm till värd för aktiveringen" in (
        said.post_text("sf-slack")
    )
    assert _activation_host(database) == "Polisen Region Stockholm"
    assert _forum_host(database, "samordnande-forum") == "Länsstyrelsen Stockholm"
    shown = _ok(chat, "!forum").text
    assert "Värd: Länsstyrelsen Stockholm" in shown
    assert "Värd för aktiveringen: Polisen Region Stockholm" in shown
    assert "Värd för aktiveringen av Regionalt samordnande forum: Polisen Region Stockholm." in (
        _ok(chat, "!värd", person="anna").text
    )
    minutes = _ok(chat, "!möte slut")
    assert "Värd: Polisen Region Stockholm (värd för aktiveringen)" in minutes.text
    assert "Värd: Polisen Region Stockholm (värd för aktiveringen)" in minutes.full_minutes
    # After the stand-down the forum's own host hosts its meetings again.
    _ok(chat, "!avaktivera")
    _ok(chat, "!möte start")
    assert "Värd: Länsstyrelsen Stockholm\n" in _ok(chat, "!möte slut").full_minutes
    assert _host_events(database) == ["activation.host"]


def test_minutes_without_a_host_have_no_host_line(chat: Chat) -> None:
    _ok(chat, "!forum koppla samordningsgrupp")
    _ok(chat, "!möte start")
    assert "Värd" not in _ok(chat, "!möte slut").full_minutes


# -- the exports ----------------------------------------------------------------------------------


@pytest.fixture
def hosted(chat: Chat) -> Chat:
    """Meeting 1 of Regional samordningsgrupp hosted by Trafikverket; meeting 2 in an
    activation hosted by SOS Alarm."""
    _ok(chat, "!forum koppla samordningsgrupp")
    _ok(chat, "!forum värd Trafikverket")
    _ok(chat, "!möte start")
    _ok(chat, "!info Vinterläget")
    _ok(chat, "!möte slut")
    _ok(chat, "!aktivera Snöstorm")
    _ok(chat, "!möte start")
    _ok(chat, "!värd SOS Alarm")
    _ok(chat, "!möte slut")
    return chat


FORUM = ("--forum", "samordningsgrupp")


def test_the_exports_show_the_host(
    hosted: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    first = export(database, capsys, *FORUM, "--meeting", "1", "--format", "md").out
    ordered(
        first,
        "- **Ordförande:** operator",
        "- **Värd:** Trafikverket",
        "## Närvarande",
    )
    second = export(database, capsys, *FORUM, "--meeting", "2", "--format", "md").out
    ordered(
        second,
        "- **Läge:** aktiverat läge",
        "- **Värd:** SOS Alarm (värd för aktiveringen)",
        "## Närvarande",
    )
    assert "Värd:" in elements(markdown_html(second)).texts("strong")
    html = export(database, capsys, *FORUM, "--meeting", "2", "--format", "html").out
    page = elements(html)
    assert page.texts("dt")[:5] == ["Möte", "Läge", "Tid", "Ordförande", "Värd"]
    assert page.texts("dd")[4] == "SOS Alarm (värd för aktiveringen)"
    english = export(database, capsys, *FORUM, "--meeting", "2", "--format", "html", "--lang", "en")
    assert elements(english.out).texts("dd")[4] == "SOS Alarm (host of the activation)"
    result = export(database, capsys, *FORUM, "--meeting", "2", "--format", "json")
    data = json.loads(result.out)
    assert data["labels"]["fields"]["host"] == "Värd"
    assert data["minutes"]["host"] == "SOS Alarm"
    assert data["minutes"]["host_of_activation"] is True
    compiled = load_minutes(
        database, MinutesQuery("samordningsgrupp", meeting_number=2), hosted.clock.now()
    )
    assert minutes_from_json(data) == compiled.minutes
    ordinary = json.loads(
        export(database, capsys, *FORUM, "--meeting", "1", "--format", "json").out
    )
    assert (ordinary["minutes"]["host"], ordinary["minutes"]["host_of_activation"]) == (
        "Trafikverket",
        False,
    )
