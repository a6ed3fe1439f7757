"""The model's worked example 4, through the dispatcher, up to the strategic forum's activation.

An SMHI class-2 snow warning: Trafikverket presses the green button in the Thursday
conference's channel; it reaches the RSK and the TiB on duty (mentioned, and a direct
message each), the RSK takes it; the conference is activated and calls four organisations,
Länsstyrelsen's ordinarie does not answer and its ersättare is called after the set time;
the first meeting convenes, the host of the activation is decided, reports come in and are
counted against those called in; the conference asks for the strategic level
(``!lyft inriktande``), the TiB activates Regionalt inriktande forum, and the two activations
show each other.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.render.text import render_text
from tests.support.chat import Chat, Said

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _ok(chat: Chat, line: str, person: str = "operator", channel: str = "konferens") -> Said:
    said = chat.say(line, person=person, channel=channel)
    assert said.ok, (line, said.text)
    return said


def _direct(said: Said) -> dict[str, str]:
    return {post.channel_id: render_text(post.document) for post in said.posts if post.direct}


def test_worked_example_4_from_the_green_button_to_the_strategic_forum(chat: Chat) -> None:
    chat.clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=STOCKHOLM))
    # The secretariat: two coordinators of the region, on duty as RSK and TiB.
    _ok(chat, "!forum koppla samverkanskonferens")
    _ok(chat, "!forum koppla inriktande forum", channel="inriktande")
    _ok(chat, "!roll @rut koordinator regionalt")
    _ok(chat, "!roll @tina koordinator regionalt")
    _ok(chat, "!beredskap ta över RSK", person="rut")
    _ok(chat, "!beredskap ta över TiB", person="tina")
    duty = _ok(chat, "!beredskap", person="anna")
    assert "RSK – regional samverkanskoordinator i beredskap: rut" in duty.text
    assert "TiB – Länsstyrelsens tjänsteman i beredskap: tina" in duty.text
    # The actors' representatives in the conference; Länsstyrelsen with an ersättare.
    for person, organisation in (
        ("anna", "Polisen"),
        ("sven", "SOS Alarm"),
        ("tom", "Trafikverket"),
        ("lena", "Länsstyrelsen"),
    ):
        _ok(chat, f"!aktör {organisation}", person=person)
    _ok(chat, "!företrädare @lisa Länsstyrelsen ersättare")

    # 1. The green button reaches those on duty first.
    green = _ok(chat, "!begär aktivering SMHI varnar för snöoväder klass 2", person="tom")
    assert "I beredskap: RSK @rut, TiB @tina" in green.text
    direct = _direct(green)
    assert set(direct) == {"rut", "tina"}
    assert (
        "Till RSK i beredskap: begäran om aktivering av Regional samverkanskonferens"
        in (direct["rut"])
    )
    chat.advance(minutes=3)
    taken = _ok(chat, "!kvittera begäran", person="rut")
    assert "kvitterad av rut (RSK) 15:03, 3 min efter begäran" in taken.text
    chat.advance(minutes=15)
    # Taken in time: the coordinators are not called on.
    assert not [p for p in chat.tick() if "begäran" in render_text(p.document).casefold()]

    # 2. The RSK activates the conference and calls four organisations.
    callout = _ok(
        chat,
        "!aktivera Snöoväder, SMHI klass 2 kalla: Polisen, SOS Alarm, Trafikverket, Länsstyrelsen",
        person="rut",
    )
    assert "INKALLNING – Regional samverkanskonferens är aktiverad" in callout.text
    assert "Inkallade (4 organisationer):" in callout.text
    assert "Länsstyrelsen Stockholm: @lena" in callout.text
    assert "@lisa" not in callout.text  # the ersättare only if the ordinarie does not answer
    chat.advance(minutes=2)
    _ok(chat, "!kvittera", person="anna")
    _ok(chat, "!kvittera", person="sven")
    chat.advance(minutes=3)
    third = _ok(chat, "!kvittera", person="tom")
    assert "3 av 4 inkallade organisationer har kvitterat." in third.text
    # The call-out is kept current where it was posted.
    [card] = [p for p in third.posts if p.replaces == "callout:1"]
    assert "Trafikverket: @tom – ✅ kvitterat 15:23 (tom)" in render_text(card.document)

    # 3. Länsstyrelsen's ordinarie has not answered: its ersättare is called.
    chat.advance(minutes=6)
    recall = "\n".join(render_text(p.document) for p in chat.tick())
    assert "Länsstyrelsen Stockholm: @lena – ersättare: @lisa" in recall
    assert "Polisen Region Stockholm" not in recall
    last = _ok(chat, "!kvittera", person="lisa")
    assert "4 av 4 inkallade organisationer har kvitterat." in last.text
    assert "Alla inkallade har kvitterat, efter 11 min." in last.text

    # 4. The first meeting: the host for the activation, the reports, the joint picture.
    chat.advance(minutes=9)
    meeting = _ok(chat, "!möte start", person="rut")
    assert "Punkt 1 av 12: Inledning och upprop" in meeting.text
    _ok(chat, "!värd Länsstyrelsen", person="rut")
    _ok(chat, "!läge Läge: många trafikolyckor\nBehov: bärgning", person="anna")
    _ok(chat, "!läge Läge: E4 stängd\nKommunikation: undvik resor", person="tom")
    picture = _ok(chat, "!lägesbild", person="rut")
    assert "2 av 4 organisationer har rapporterat." in picture.text
    assert "Har inte rapporterat (2):\nLänsstyrelsen Stockholm; SOS Alarm" in picture.text
    status = _ok(chat, "!status", person="rut")
    assert "Värd: Länsstyrelsen Stockholm" in status.text
    assert "Alla inkallade hade kvitterat 2026-11-26 15:29, 11 min efter aktiveringen." in (
        status.text
    )
    assert "Tid till första mötet: 20 min (möte 1 startade 2026-11-26 15:38)." in status.text

    # 5. The strategic level is asked for, and activated by the TiB.
    asked = _ok(
        chat, "!lyft inriktande Gemensam regional inriktning behövs för snöovädret", person="rut"
    )
    assert "Begäran om aktivering av Regionalt inriktande forum" in asked.text
    in_strategic = asked.post_text("inriktande")
    assert "Från Regional samverkanskonferens, aktiverad 2026-11-26 15:18" in in_strategic
    assert "I beredskap: RSK @rut, TiB @tina" in in_strategic
    assert "tina" in _direct(asked)
    chat.advance(minutes=20)
    strategic = _ok(
        chat,
        "!aktivera Gemensam regional inriktning för snöovädret",
        person="tina",
        channel="inriktande",
    )
    assert "INKALLNING – Regionalt inriktande forum är aktiverat" in strategic.text
    assert (
        "Länkad med aktiveringen av Regional samverkanskonferens sedan 2026-11-26 15:18 "
        "(Snöoväder, SMHI klass 2), som pågår." in strategic.text
    )
    conference = _ok(chat, "!status", person="rut")
    assert (
        "Länkad aktivering: Regionalt inriktande forum sedan 2026-11-26 15:58 "
        "(Gemensam regional inriktning för snöovädret), pågår" in conference.text
    )
    here = _ok(chat, "!status", person="tina", channel="inriktande")
    assert "Länkad aktivering: Regional samverkanskonferens sedan 2026-11-26 15:18" in here.text
