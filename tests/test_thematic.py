"""Thematic working groups under a forum (``!forum skapa … tematisk under …``) and their
reports back (``!återrapport``): to the parent, or to the activated coordinating forum while
there is one; on the target's next meeting agenda as ``!lyft`` items are; refused where there
is no parent (commands/forum.py, commands/report_back.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.export.minutes_export import minutes_from_json
from storage import Database
from storage.models import Escalation, EscalationKind, Forum, ForumKind, Level
from tests.support.chat import Chat, Said
from tests.test_export import ordered
from tests.test_export_minutes import export

GROUP = "Analysgrupp snö"
CREATE = f"!forum skapa {GROUP} tematisk under Regional samordningsgrupp"


def _ok(chat: Chat, text: str, **kwargs: Any) -> Said:
    said = chat.say(text, **kwargs)
    assert said.ok, (text, said.text)
    return said


def _forum(database: Database, name: str) -> Forum:
    with Session(database.engine) as session:
        return session.exec(select(Forum).where(Forum.name == name)).one()


def _forums(database: Database) -> int:
    with Session(database.engine) as session:
        return session.exec(select(func.count()).select_from(Forum)).one()


def _escalations(database: Database) -> list[Escalation]:
    with Session(database.engine) as session:
        return list(session.exec(select(Escalation)))


@pytest.fixture
def group(chat: Chat) -> Chat:
    """Channel ``rsg`` serves Regional samordningsgrupp, ``grupp`` its thematic group
    Analysgrupp snö, ``sf`` Regionalt samordnande forum; anna (Polisen) speaks in the group."""
    _ok(chat, "!forum koppla samordningsgrupp", channel="rsg")
    _ok(chat, CREATE, channel="rsg")
    _ok(chat, f"!forum koppla {GROUP}", channel="grupp")
    _ok(chat, "!forum koppla samordnande-forum", channel="sf")
    _ok(chat, "!aktör Polisen", person="anna", channel="grupp")
    return chat


# -- creating ----------------------------------------------------------------------------------


def test_a_thematic_group_is_created_under_its_forum(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    said = _ok(chat, CREATE)
    assert (
        f"Den tematiska arbetsgruppen {GROUP} (regionalt samordnande) är skapad under "
        "Regional samordningsgrupp."
    ) in said.text
    assert "återrapporterar gruppen till Regional samordningsgrupp med !återrapport <text>" in (
        said.text
    )
    assert f"!forum koppla {GROUP}" in said.text
    made = _forum(database, GROUP)
    parent = _forum(database, "Regional samordningsgrupp")
    assert (made.level, made.kind, made.thematic, made.parent_id) == (
        Level.COORDINATING,
        ForumKind.BOTH,
        True,
        parent.id,
    )
    # In English, and under a forum named by its number or a short name.
    _ok(chat, "!forum create Kommunikationsgrupp thematic under 3")
    assert _forum(database, "Kommunikationsgrupp").parent_id == parent.id


def test_the_existing_forms_still_work_and_any_level_may_stand_under_a_forum(
    chat: Chat, database: Database
) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    plain = _ok(chat, "!forum skapa Tematisk grupp vatten samordnande")
    assert "Forumet Tematisk grupp vatten (regionalt samordnande) är skapat." in plain.text
    water = _forum(database, "Tematisk grupp vatten")
    assert (water.parent_id, water.thematic) == (None, False)
    # A word "under" in a name is only a name.
    _ok(chat, "!forum skapa Samverkan under sommaren verkställande")
    assert _forum(database, "Samverkan under sommaren").parent_id is None
    planning = _ok(chat, "!forum skapa Planeringsgrupp evenemang inriktande under chefsgrupp")
    assert (
        "Forumet Planeringsgrupp evenemang (regionalt inriktande) är skapat under "
        "Regional chefsgrupp."
    ) in planning.text
    made = _forum(database, "Planeringsgrupp evenemang")
    assert (made.level, made.thematic, made.parent_id) == (
        Level.STRATEGIC,
        False,
        _forum(database, "Regional chefsgrupp").id,
    )


def test_bad_creations_change_nothing(chat: Chat, database: Database) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!aktör Polisen", person="anna")
    before = _forums(database)
    no_parent = chat.say(f"!forum skapa {GROUP} tematisk")
    assert not no_parent.ok
    assert "skriv vilket efter ”tematisk under”" in no_parent.text
    assert f"Till exempel: {CREATE}" in no_parent.text
    unknown = chat.say(f"!forum skapa {GROUP} tematisk under Påhittat forum för fiske")
    assert not unknown.ok
    assert "Jag känner inte till något forum" in unknown.text
    actor = chat.say(CREATE, person="anna")
    assert not actor.ok
    assert _forums(database) == before
    # The example given works as typed.
    _ok(chat, no_parent.text.split("Till exempel: ", 1)[1].strip())
    assert _forums(database) == before + 1


def test_forum_shows_a_groups_parent_and_a_parents_groups(group: Chat) -> None:
    shown = _ok(group, "!forum", channel="grupp").text
    assert "Tematisk arbetsgrupp under: Regional samordningsgrupp" in shown
    assert "Värd: ingen fast värd" in shown  # the operator has no organisation
    _ok(group, "!forum skapa Kommunikationsgrupp tematisk under samordningsgrupp", channel="rsg")
    parent = _ok(group, "!forum", channel="rsg").text
    assert f"Arbetsgrupper under forumet: {GROUP}, Kommunikationsgrupp" in parent


# -- reporting back ----------------------------------------------------------------------------


def test_a_report_back_reaches_the_parents_next_meeting(group: Chat, database: Database) -> None:
    said = _ok(
        group,
        "!återrapport Analysen av snöläget är klar; utkast till inriktning i kanalen.",
        person="anna",
        channel="grupp",
        permalink="https://chat.example/#/room/grupp/$1",
    )
    assert (
        "Återrapport till Regional samordningsgrupp: Analysen av snöläget är klar; "
        "utkast till inriktning i kanalen."
    ) in said.text
    assert "Skickad till kanalen för Regional samordningsgrupp" in said.text
    notice = said.post_text("rsg")
    ordered(
        notice,
        f"Återrapport från {GROUP}",
        "Analysen av snöläget är klar",
        f"Av anna (Polisen Region Stockholm) i {GROUP}, 2026-11-26 15:00.",
        "gå till ursprunget",
        "Den tas upp under ”De tematiska arbetsgruppernas återrapportering” när Regional "
        "samordningsgrupp startar sitt nästa möte (!möte start).",
    )
    assert said.post_text("sf") == ""
    [row] = _escalations(database)
    assert row.kind is EscalationKind.REPORT_BACK
    assert (row.item_id, row.from_meeting_id, row.taken_up_meeting_id) == (None, None, None)
    group.advance(days=4)
    started = _ok(group, "!möte start", channel="rsg")
    ordered(
        started.text,
        "Punkt 1 av 6: Inledning och upprop",
        "De tematiska arbetsgruppernas återrapportering",
        f"Återrapport från {GROUP}: Analysen av snöläget är klar",
        "(anna 2026-11-26 15:00) gå till ursprunget",
    )
    minutes = _ok(group, "!möte slut", channel="rsg").full_minutes
    assert (
        f"De tematiska arbetsgruppernas återrapportering:\n  • Återrapport från {GROUP}: "
        "Analysen av snöläget är klar"
    ) in minutes
    # Taken up once: not on the meeting after.
    again = _ok(group, "!möte start", channel="rsg")
    assert "Analysen av snöläget" not in again.text


def test_a_report_back_during_the_groups_meeting_is_in_its_minutes(
    group: Chat, database: Database
) -> None:
    _ok(group, "!möte start", channel="grupp")
    said = _ok(group, "!återrapport Prognosen är klar", person="anna", channel="grupp")
    assert "Den står också i minnesanteckningarna från möte 1 här." in said.text
    _ok(group, "!återrapport Andra delen, ångras", person="anna", channel="grupp")
    _ok(group, "!ångra", channel="grupp")
    minutes = _ok(group, "!möte slut", channel="grupp")
    assert "Återrapport till Regional samordningsgrupp: Prognosen är klar (anna 15:00)" in (
        minutes.text
    )
    assert "Andra delen" not in minutes.full_minutes
    started = _ok(group, "!möte start", channel="rsg")
    assert f"Återrapport från {GROUP}: Prognosen är klar" in started.text
    assert "Andra delen" not in started.text
    rows = _escalations(database)
    assert [row.withdrawn_at is None for row in rows] == [True, False]
    assert rows[0].from_meeting_id is not None
    assert rows[0].item_id is not None


def test_while_the_coordinating_forum_is_activated_the_report_goes_there(
    group: Chat, database: Database
) -> None:
    _ok(group, "!aktivera Snöoväder", channel="sf")
    said = _ok(group, "!återrapport Snödjup och prognos per kommun", person="anna", channel="grupp")
    assert "Återrapport till Regionalt samordnande forum: Snödjup och prognos" in said.text
    assert (
        "Regionalt samordnande forum är aktiverat, så återrapporten går dit i stället för till "
        "Regional samordningsgrupp."
    ) in said.text
    assert f"Återrapport från {GROUP}" in said.post_text("sf")
    assert "Den tas upp under ”Uppföljning” när Regionalt samordnande forum startar" in (
        said.post_text("sf")
    )
    assert said.post_text("rsg") == ""
    started = _ok(group, "!möte start", channel="sf")
    assert f"Uppföljning\n  • Återrapport från {GROUP}: Snödjup och prognos per kommun" in (
        started.text
    )
    assert "Snödjup" not in _ok(group, "!möte start", channel="rsg").text
    # Stood down: the group reports to its parent again.
    _ok(group, "!möte slut", channel="sf")
    _ok(group, "!avaktivera", channel="sf")
    back = _ok(group, "!återrapport Läget normalt", person="anna", channel="grupp")
    assert "Återrapport till Regional samordningsgrupp" in back.text
    assert "i stället" not in back.text


def test_a_group_under_a_strategic_forum_reports_to_it_even_then(chat: Chat) -> None:
    _ok(chat, "!forum koppla chefsgrupp", channel="rcg")
    _ok(chat, "!forum koppla samordnande-forum", channel="sf")
    _ok(chat, "!forum skapa Planeringsgrupp evenemang inriktande under chefsgrupp", channel="rcg")
    _ok(chat, "!forum koppla Planeringsgrupp evenemang", channel="plan")
    _ok(chat, "!aktivera Snöoväder", channel="sf")
    said = _ok(chat, "!återrapport Planen är klar", channel="plan")
    assert "Återrapport till Regional chefsgrupp: Planen är klar" in said.text
    assert "Den tas upp under ”Frågor som lyfts till forumet”" in said.post_text("rcg")


def test_a_forum_without_a_parent_refuses_with_a_hint_that_works(
    chat: Chat, database: Database
) -> None:
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!aktör Polisen", person="anna")
    said = chat.say("!återrapport Något", person="anna")
    assert not said.ok
    assert "Regional samverkanskonferens arbetar inte under något annat forum" in said.text
    assert "Inget har skickats." in said.text
    assert CREATE in said.text
    nobody = chat.say("!återrapport Något", person="eve")
    assert not nobody.ok
    assert _escalations(database) == []
    _ok(chat, CREATE)  # the hint's example, as the operator types it


def test_the_exports_place_reports_back_under_their_item(
    group: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _ok(group, "!möte start", channel="grupp")
    _ok(group, "!återrapport Prognosen är klar", person="anna", channel="grupp")
    _ok(group, "!möte slut", channel="grupp")
    _ok(group, "!möte start", channel="rsg")
    _ok(group, "!möte slut", channel="rsg")
    md = export(database, capsys, "--forum", "samordningsgrupp", "--format", "md").out
    ordered(
        md,
        "## De tematiska arbetsgruppernas återrapportering",
        f"- **Återrapport från {GROUP}**: Prognosen är klar (anna 2026-11-26 15:00)",
        "## Inledning och upprop",
    )
    assert "## Uppföljning\n" not in md
    own = export(database, capsys, "--forum", GROUP, "--format", "md").out
    assert "- **Återrapport** till Regional samordningsgrupp: Prognosen är klar (anna 15:00)" in own
    data = json.loads(
        export(database, capsys, "--forum", "samordningsgrupp", "--format", "json").out
    )
    [received] = data["minutes"]["follow_up"]["escalations"]
    assert (received["kind"], received["from_forum"]) == ("report_back", GROUP)
    assert "thematic_reports" in data["minutes"]["agenda_keys"]
    assert minutes_from_json(data).follow_up_escalations[0].kind == "report_back"
