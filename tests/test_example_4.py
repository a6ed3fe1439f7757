"""The model's worked example 4, through the dispatcher, from the green button to the stand-down.

An SMHI class-2 snow warning: Trafikverket presses the green button in the Thursday
conference's channel; it reaches the RSK and the TiB on duty (mentioned, and a direct
message each), the RSK takes it; the conference is activated and calls four organisations,
Länsstyrelsen's ordinarie does not answer and its ersättare is called after the set time;
the first meeting convenes, the host of the activation is decided, reports come in and are
counted against those called in; the conference asks for the strategic level
(``!lyft inriktande``), the TiB activates Regionalt inriktande forum, and the two activations
show each other.

Then (the second test) the joint regional direction and the joint messages: the conference sets
its meeting rhythm; a thematic analysis group coordinated by the RSK drafts the direction in
three versions while the conference agrees a joint message (objected to, revised, agreed); the
draft is presented to Regionalt inriktande forum, edited there and adopted by the TiB; it
reaches the conference's and the group's channels, the called-in organisations confirm (one
late, reminded); the rhythm's two meetings get their reminders and rounds; the joint picture
and the minutes show the direction and the message; its history and file; the stand-down ends
the rhythm.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.files import file_of
from bot.render.text import render_text
from commands.core.messages import Post
from tests.support.chat import Chat, Said
from tests.support.time_travel import Sent, deliver, travel

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _ok(
    chat: Chat,
    line: str,
    person: str = "operator",
    channel: str = "konferens",
    permalink: str | None = None,
) -> Said:
    said = chat.say(line, person=person, channel=channel, permalink=permalink)
    assert said.ok, (line, said.text)
    return said


def _direct(said: Said) -> dict[str, str]:
    return {post.channel_id: render_text(post.document) for post in said.posts if post.direct}


def _tick(chat: Chat) -> list[Post]:
    """The timed jobs run once, and what they posted is delivered, as a door confirms it."""
    posts = chat.tick()
    deliver([chat], posts)
    return posts


def test_worked_example_4_from_the_green_button_to_the_strategic_forum(chat: Chat) -> None:
    _from_the_green_button_to_the_strategic_forum(chat)


def _from_the_green_button_to_the_strategic_forum(chat: Chat) -> None:
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
    assert not [p for p in _tick(chat) if "begäran" in render_text(p.document).casefold()]

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
    recall = "\n".join(render_text(p.document) for p in _tick(chat))
    assert "Länsstyrelsen Stockholm: @lena – ersättare: @lisa" in recall
    assert "Polisen Region Stockholm" not in recall
    last = _ok(chat, "!kvittera", person="lisa")
    assert "4 av 4 inkallade organisationer har kvitterat." in last.text
    assert "Alla inkallade har kvitterat, efter 11 min." in last.text

    # 4. The first meeting: the host for the activation, the reports, the joint picture.
    travel(chat, "2026-11-26 15:38")
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
    travel(chat, "2026-11-26 15:58")
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


# -- the direction, the joint messages and the rhythm ---------------------------------------------

GROUP = "Analysgrupp snöoväder"
CONFERENCE = "Regional samverkanskonferens"
LINK = "https://chat.example/archives/analys/p1"
DRAFT = (
    "!inriktning förslag Målbild: Samhällsviktig verksamhet fungerar under snöovädret\n"
    "Prioriteringar: 1. Liv och hälsa\n"
    "2. Framkomlighet för utryckningsfordon\n"
    "Ramar och begränsningar: Varje aktör leder sitt eget arbete\n"
    "Riktlinjer för det fortsatta arbetet: Konferensen möts var 4:e timme; "
    "analysgruppen följer vädret\n"
    "Kommunikation och gemensamma budskap: Budskapen om resor tas fram i konferensen\n"
    "Gäller till: lördag kl 18"
)
MESSAGE = "Undvik onödiga resor i länet i kväll och i natt."
REVISED = "Undvik onödiga resor i länet i kväll och i natt. Vid nödläge, ring 112 som vanligt."
OBJECTION = "Det måste stå att man ringer 112 vid nödläge."


def _seen(sent: list[Sent], channel: str, word: str = "aktiveringsmöte") -> list[tuple[str, str]]:
    """What the timekeeper posted in ``channel`` about ``word``: when, and the first line."""
    return [(s.when, s.first_line) for s in sent if s.post.channel_id == channel and word in s.text]


def _in(sent: list[Sent], channel: str, first_line: str) -> str:
    [text] = [s.text for s in sent if s.post.channel_id == channel and s.first_line == first_line]
    return text


def test_worked_example_4_the_direction_the_joint_message_and_the_rhythm(chat: Chat) -> None:
    _from_the_green_button_to_the_strategic_forum(chat)  # 15:58, both activations linked

    # 6. The conference's first meeting ends; a second channel for its communicators; the rhythm.
    _ok(chat, "!möte slut", person="rut")
    _ok(chat, "!forum koppla samverkanskonferens", person="rut", channel="kommunikation")
    rhythm = _ok(chat, "!rytm var 4:e timme från 18:00", person="rut")
    assert (
        "Mötesrytmen för Regional samverkanskonferens är nu var 4:e timme från 2026-11-26 18:00."
        in rhythm.text
    )
    assert "Nästa 3 möten:\n  • torsdag 2026-11-26 18:00\n  • torsdag 2026-11-26 22:00" in (
        rhythm.text
    )
    assert "rut har satt mötesrytmen för Regional samverkanskonferens" in (
        rhythm.post_text("kommunikation")
    )
    # Polisen's report now counts for the rhythm's first meeting, not the activation's round.
    unchanged = _ok(chat, "!läge oförändrat", person="anna")
    assert "sparad i runda 2 (aktiveringsmöte 2026-11-26 18:00)" in unchanged.text
    sent = travel(chat, "2026-11-26 16:05")
    for channel in ("konferens", "kommunikation"):
        assert _seen(sent, channel) == [
            ("2026-11-26 16:00", f"{CONFERENCE}: aktiveringsmöte kl. 18:00, om 2 timmar")
        ]
    nag = _in(sent, "konferens", f"{CONFERENCE}: aktiveringsmöte kl. 18:00, om 2 timmar")
    assert "3 av 4 inkallade organisationer har inte skickat sin lägesrapport till mötet:" in nag
    assert "Länsstyrelsen Stockholm: @lena" in nag
    assert "SOS Alarm: @sven" in nag
    assert "Trafikverket: @tom" in nag
    assert "@anna" not in nag
    status = _ok(chat, "!status", person="rut")
    assert "Mötesrytm: var 4:e timme från 2026-11-26 18:00" in status.text
    assert "Nästa möte: torsdag 2026-11-26 18:00" in status.text

    # 7. A thematic analysis group under the conference, coordinated by the RSK on duty.
    created = _ok(
        chat, f"!forum skapa {GROUP} tematisk under Regional samverkanskonferens", person="rut"
    )
    assert (
        f"Den tematiska arbetsgruppen {GROUP} (regionalt samordnande) är skapad under "
        "Regional samverkanskonferens." in created.text
    )
    _ok(chat, f"!forum koppla {GROUP}", person="rut", channel="analys")
    _ok(chat, "!roll @rut koordinator", person="rut", channel="analys")
    _ok(
        chat,
        "!forum medlem lägg till Polisen, Trafikverket, SOS Alarm",
        person="rut",
        channel="analys",
    )
    for person, organisation in (
        ("anna", "Polisen"),
        ("tom", "Trafikverket"),
        ("sven", "SOS Alarm"),
    ):
        _ok(chat, f"!aktör {organisation}", person=person, channel="analys")
    roles = _ok(chat, "!roll lista", person="anna", channel="analys")
    assert f"Roller i {GROUP}:\n  • rut (rut) – koordinator" in roles.text

    # 8. Version 1 of the direction, drafted in the group with every field.
    travel(chat, "2026-11-26 16:15")
    first = _ok(chat, DRAFT, person="anna", channel="analys")
    assert "Förslag till gemensam regional inriktning 1 sparat." in first.text
    assert "Gemensam regional inriktning 1 – förslag, version 1" in first.text
    assert f"För Regional samverkanskonferens, framtagen i {GROUP}." in first.text
    assert "Prioriteringar: 1. Liv och hälsa\n  2. Framkomlighet för utryckningsfordon" in (
        first.text
    )
    assert "Kommunikation och gemensamma budskap: Budskapen om resor tas fram i konferensen" in (
        first.text
    )
    assert "Gäller till: 2026-11-28 18:00" in first.text
    assert "Rubriken" not in first.text  # every label known

    # Version 2 in the group: SOS Alarm adds to the priorities.
    travel(chat, "2026-11-26 16:30")
    second = _ok(
        chat,
        "!inriktning ändra Prioriteringar: 1. Liv och hälsa\n"
        "2. Framkomlighet för utryckningsfordon och kollektivtrafik\n"
        "3. El och värme till sårbara grupper",
        person="sven",
        channel="analys",
    )
    assert "Inriktning 1: version 2 sparad." in second.text
    assert "Ändrat från version 1:\nPrioriteringar:" in second.text

    # 9. Meanwhile the conference agrees a joint message: proposed by Trafikverket ...
    travel(chat, "2026-11-26 16:40")
    proposed = _ok(chat, f"!budskap förslag {MESSAGE}", person="tom")
    for text in (proposed.text, proposed.post_text("kommunikation")):
        assert "Förslag till gemensamt budskap 1" in text
        assert "Föreslaget av tom (Trafikverket), 2026-11-26 16:40." in text
        assert "Under aktiveringen svarar de 4 inkallade organisationerna" in text
    travel(chat, "2026-11-26 16:42")
    _ok(chat, "!budskap ok 1", person="anna")
    # ... objected to by SOS Alarm ...
    travel(chat, "2026-11-26 16:44")
    objected = _ok(chat, f"!budskap invändning 1 {OBJECTION}", person="sven")
    assert (
        f"Invändningen från SOS Alarm mot gemensamt budskap 1 (version 1) är noterad: {OBJECTION}"
        in objected.text
    )
    assert "2 av 4 har svarat: 1 ok, 1 invändning" in objected.text
    # ... revised by its proposer: everyone answers again ...
    travel(chat, "2026-11-26 16:48")
    revised = _ok(chat, f"!budskap ändra 1 {REVISED}", person="tom")
    assert "Gemensamt budskap 1, version 2" in revised.post_text("kommunikation")
    assert "De 2 svaren på version 1 räknas inte längre." in revised.text
    # ... answered ok (SOS Alarm in the communicators' channel) ...
    travel(chat, "2026-11-26 16:50")
    _ok(chat, "!budskap ok 1", person="anna")
    _ok(chat, "!budskap ok 1", person="tom")
    ok = _ok(chat, "!budskap ok 1", person="sven", channel="kommunikation")
    assert "SOS Alarm står bakom gemensamt budskap 1 (version 2)." in ok.text
    assert "3 av 4 har svarat: 3 ok, 0 invändningar; väntar på Länsstyrelsen Stockholm." in ok.text
    # ... and agreed by the RSK: posted in both channels, with who stood behind it.
    travel(chat, "2026-11-26 16:55")
    agreed = _ok(chat, "!budskap fastställ 1", person="rut")
    for text in (agreed.text, agreed.post_text("kommunikation")):
        assert "Gemensamt budskap 1 är fastställt" in text
        assert REVISED in text
        assert "Fastställt av rut i Regional samverkanskonferens, 2026-11-26 16:55." in text
        assert "Står bakom: Polisen Region Stockholm; SOS Alarm; Trafikverket" in text
        assert "Har inte svarat: Länsstyrelsen Stockholm" in text
        assert "Invändningar" not in text  # SOS Alarm's was to version 1
        assert "Varje aktör beslutar själv och publicerar budskapet i sina egna kanaler." in text
    assert "Budskapet är publicerat här och i forumets andra kanal." in agreed.text

    # 10. Version 3 in the conference; the draft's communication shows the agreed message.
    travel(chat, "2026-11-26 17:00")
    third = _ok(
        chat,
        "!inriktning ändra 1 Riktlinjer: Konferensen möts var 4:e timme från 18:00; "
        "Länsstyrelsen är värd. Analysgruppen följer vädret.",
        person="rut",
    )
    assert "Inriktning 1: version 3 sparad." in third.text
    draft = _ok(chat, "!inriktning 1", person="tom", channel="analys")
    assert "Gemensam regional inriktning 1 – förslag, version 3" in draft.text
    assert "Version 3: 2026-11-26 17:00, rut, Regional samverkanskonferens." in draft.text
    assert f"  • {REVISED} (budskap 1, fastställt 2026-11-26 16:55)" in draft.text

    # 11. Presented to Regionalt inriktande forum by the RSK, from the group's channel.
    travel(chat, "2026-11-26 17:10")
    presented = _ok(chat, "!inriktning föredra", person="rut", channel="analys", permalink=LINK)
    assert "Inriktning 1 är föredragen för Regionalt inriktande forum." in presented.text
    strategic = presented.post_text("inriktande")
    assert (
        "rut föredrar förslaget till gemensam regional inriktning 1 från "
        "Regional samverkanskonferens." in strategic
    )
    assert LINK in strategic
    assert "Gemensam regional inriktning 1 – föredragen, version 3" in strategic
    assert f"{REVISED} (budskap 1, fastställt 2026-11-26 16:55)" in strategic
    assert "!inriktning fastställ 1" in strategic
    assert "rut har föredragit inriktning 1 för Regionalt inriktande forum." in (
        presented.post_text("konferens")
    )

    # 12. Edited in the strategic forum (version 4): the conference and the group are told.
    _ok(chat, "!aktör Länsstyrelsen", person="lena", channel="inriktande")
    travel(chat, "2026-11-26 17:30")
    waiting = _ok(chat, "!inriktning", person="tina", channel="inriktande")
    assert "Föredragna för Regionalt inriktande forum, väntar på att fastställas:" in waiting.text
    edited = _ok(
        chat,
        "!inriktning ändra Ramar och begränsningar: Varje aktör leder sitt eget arbete och "
        "beslutar om sina egna åtgärder",
        person="lena",
        channel="inriktande",
    )
    assert "Inriktning 1: version 4 sparad." in edited.text
    for channel in ("konferens", "analys"):
        told = edited.post_text(channel)
        assert "lena har ändrat inriktning 1 i Regionalt inriktande forum: version 4." in told
        assert "”och beslutar om sina egna åtgärder” tillagt" in told

    # 13. Adopted by the TiB, the strategic forum's coordinator: it reaches every channel of
    # the conference and of its analysis group, each with the card to confirm.
    travel(chat, "2026-11-26 17:40")
    adopted = _ok(chat, "!inriktning fastställ", person="tina", channel="inriktande")
    assert (
        "Gemensam regional inriktning 1 är fastställd av tina i Regionalt inriktande forum "
        "2026-11-26 17:40." in adopted.text
    )
    assert (
        f"Den gäller för Regional samverkanskonferens och {GROUP} och har skickats till deras "
        "kanaler." in adopted.text
    )
    for channel in ("konferens", "kommunikation", "analys"):
        sent_there = adopted.post_text(channel)
        assert "Gemensam regional inriktning 1 – fastställd, version 4" in sent_there
        assert "Ramar och begränsningar: Varje aktör leder sitt eget arbete och beslutar" in (
            sent_there
        )
        assert "Kvitterat: 0 av 4" in sent_there
        assert (
            "Väntar på 4: Länsstyrelsen Stockholm; Polisen Region Stockholm; SOS Alarm; "
            "Trafikverket" in sent_there
        )

    # 14. The organisations called in confirm, in whichever channel; the card follows.
    travel(chat, "2026-11-26 17:42")
    police = _ok(chat, "!inriktning kvittera", person="anna")
    assert (
        "Polisen Region Stockholm har kvitterat att den tagit del av inriktning 1 (anna, 17:42)."
        in police.text
    )
    assert "1 av 4 organisationer har kvitterat." in police.text
    travel(chat, "2026-11-26 17:43")
    _ok(chat, "!inriktning kvittera", person="tom", channel="analys")
    sos = _ok(chat, "!inriktning kvittera 1", person="sven", channel="kommunikation")
    cards = {p.channel_id: render_text(p.document) for p in sos.posts if p.replaces}
    assert sorted(cards) == ["analys", "kommunikation", "konferens"]
    assert (
        "Kvitterat: 3 av 4 – Polisen Region Stockholm 17:42; Trafikverket 17:43; SOS Alarm 17:43"
        in cards["analys"]
    )
    assert "Väntar på 1: Länsstyrelsen Stockholm" in cards["analys"]
    # Reports for the rhythm's first meeting.
    _ok(chat, "!läge Läge: 40 larm om trafikolyckor\nBehov: framkomlighet", person="sven")
    _ok(chat, "!läge Läge: E4 och E18 stängda norr om Stockholm", person="tom")

    # Länsstyrelsen is late: the reminder names only it, its ordinarie and ersättare.
    sent = travel(chat, "2026-11-26 17:52")
    assert _seen(sent, "konferens") == [
        ("2026-11-26 17:45", f"{CONFERENCE}: aktiveringsmötet börjar om 15 minuter, kl. 18:00.")
    ]
    for channel in ("konferens", "kommunikation", "analys"):
        assert _seen(sent, channel, "kvittera inriktning") == [
            ("2026-11-26 17:50", "Påminnelse: kvittera inriktning 1")
        ]
    recall = _in(sent, "konferens", "Påminnelse: kvittera inriktning 1")
    assert "1 organisation har inte kvitterat att den tagit del av den:" in recall
    assert "Länsstyrelsen Stockholm: @lena – ersättare: @lisa" in recall
    for other in ("Polisen", "SOS Alarm", "Trafikverket"):
        assert other not in recall
    late = _ok(chat, "!inriktning kvittera", person="lisa")
    assert "Länsstyrelsen Stockholm har kvitterat att den tagit del av inriktning 1" in late.text
    assert "Alla 4 organisationer har nu kvitterat inriktningen." in late.text

    # 15. The rhythm's first meeting: held at 18:00, the coordinators not told of anyone missing.
    sent = travel(chat, "2026-11-26 18:00")
    assert not _seen(sent, "konferens", "fortfarande inte kvitterat")
    assert _seen(sent, "konferens") == [
        ("2026-11-26 18:00", f"{CONFERENCE}: aktiveringsmötet börjar nu, kl. 18:00.")
    ]
    started = _ok(chat, "!möte start", person="rut")
    assert "Dagordning (aktiverat läge):" in started.text
    assert "10. Gemensam regional inriktning" in started.text
    for person in ("anna", "sven", "tom"):
        _ok(chat, "!närvarande", person=person)
    picture = _ok(chat, "!lägesbild", person="rut")
    ordered = [
        "Avser: runda 2 (aktiveringsmöte 2026-11-26 18:00)",
        "Gemensam regional inriktning 1:",
        "fastställd av tina i Regionalt inriktande forum 2026-11-26 17:40, "
        "gäller till 2026-11-28 18:00 · version 4",
        "Målbild: Samhällsviktig verksamhet fungerar under snöovädret",
        "Gemensamma budskap (1):",
        f"  • Budskap 1: {REVISED} (fastställt 2026-11-26 16:55 · ställer sig bakom: "
        "Polisen Region Stockholm; SOS Alarm; Trafikverket)",
        "3 av 4 organisationer har rapporterat.",
        "Har inte rapporterat (1):\nLänsstyrelsen Stockholm",
    ]
    positions = [picture.text.index(line) for line in ordered]
    assert positions == sorted(positions), picture.text
    _ok(chat, "!punkt Gemensam regional inriktning", person="rut")
    _ok(
        chat,
        "!överenskommelse Varje aktör kommunicerar inriktning 1 i sin egen organisation",
        person="rut",
    )
    travel(chat, "2026-11-26 18:40")
    ended = _ok(chat, "!möte slut", person="rut")
    minutes = ended.full_minutes
    assert "Gemensam regional inriktning 1:" in ended.text
    for line in (
        "Närvarande (4):",
        "Gemensam regional inriktning 1:",
        "Prioriteringar: 1. Liv och hälsa\n  2. Framkomlighet för utryckningsfordon och "
        "kollektivtrafik\n  3. El och värme till sårbara grupper",
        f"  • Budskap 1: {REVISED}",
        "Överenskommelse: Varje aktör kommunicerar inriktning 1 i sin egen organisation",
        "Rundan stängd: 2026-11-26 18:40",
        "3 av 4 organisationer har rapporterat.",
    ):
        assert line in minutes, line

    # 16. The rhythm's second meeting: its own round, nagged for, soon, now.
    travel(chat, "2026-11-26 19:30")
    report = _ok(chat, "!läge Läge: E4 öppen igen, E18 stängd", person="tom")
    assert "sparad i runda 3 (aktiveringsmöte 2026-11-26 22:00)" in report.text
    sent = travel(chat, "2026-11-26 22:05")
    for channel in ("konferens", "kommunikation"):
        assert _seen(sent, channel) == [
            ("2026-11-26 20:00", f"{CONFERENCE}: aktiveringsmöte kl. 22:00, om 2 timmar"),
            (
                "2026-11-26 21:45",
                f"{CONFERENCE}: aktiveringsmötet börjar om 15 minuter, kl. 22:00.",
            ),
            ("2026-11-26 22:00", f"{CONFERENCE}: aktiveringsmötet börjar nu, kl. 22:00."),
        ]
    nag = _in(sent, "konferens", f"{CONFERENCE}: aktiveringsmöte kl. 22:00, om 2 timmar")
    assert "3 av 4 inkallade organisationer har inte skickat sin lägesrapport till mötet:" in nag
    assert "@tom" not in nag
    assert not _seen(sent, "analys")  # the group keeps no meetings of the conference's
    second_round = _ok(chat, "!lägesbild", person="rut")
    assert "Avser: runda 3 (aktiveringsmöte 2026-11-26 22:00)" in second_round.text
    assert "1 av 4 organisationer har rapporterat." in second_round.text
    assert "Gemensam regional inriktning 1:" in second_round.text

    # 17. Länsstyrelsen sends the direction on in its own organisation: history and file.
    history = _ok(chat, "!inriktning historik", person="lisa")
    for line in (
        "Historik för gemensam regional inriktning 1 – fastställd, version 4",
        f"Version 1: 2026-11-26 16:15, anna, {GROUP}:",
        f"Version 2: 2026-11-26 16:30, sven, {GROUP}:",
        "Version 3: 2026-11-26 17:00, rut, Regional samverkanskonferens:",
        "Föredragen för Regionalt inriktande forum 2026-11-26 17:10.",
        "Version 4: 2026-11-26 17:30, lena, Regionalt inriktande forum:",
        "Fastställd i Regionalt inriktande forum 2026-11-26 17:40.",
    ):
        assert line in history.text, line
    file = _ok(chat, "!inriktning fil html", person="lisa")
    assert "Inriktning 1, version 4, som HTML-fil. Status: fastställd." in file.text
    assert file.reply is not None
    [attachment] = file.reply.attachments
    html = file_of(attachment).content.decode("utf-8")
    assert file_of(attachment).filename == "inriktning-1.html"
    assert "Samhällsviktig verksamhet fungerar under snöovädret" in html
    assert "Länsstyrelsen Stockholm" in html

    # 18. The stand-down ends the rhythm: nothing more is posted for it; the direction stays.
    travel(chat, "2026-11-26 22:30")
    _ok(chat, "!avaktivera Vädret har lugnat sig", person="rut")
    sent = travel(chat, "2026-11-27 12:00")
    assert [s.text for s in sent if "aktiveringsmöte" in s.text or "lägesrapport" in s.text] == []
    assert "Mötesrytm" not in _ok(chat, "!status", person="rut").text
    refused = chat.say("!rytm", person="rut", channel="konferens")
    assert not refused.ok
    assert "Regional samverkanskonferens är inte aktiverad just nu." in refused.text
    still = _ok(chat, "!inriktning", person="anna")
    assert "Gemensam regional inriktning 1 – fastställd, version 4" in still.text
