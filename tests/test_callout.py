"""The call-out, through the dispatcher: whom ``!aktivera`` calls (the forum's members, or
those named after ``kalla:``), calling in (``!kalla in``) and releasing (``!släpp``) during the
event, the live call-out card, time to convene, status and stand-down with their timeline,
and the link between two activations (worked example 4)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.render.text import render_text
from commands.core.document import Actions, Document, Mention
from commands.core.messages import Reply
from storage import Database
from storage.models import Acknowledgement, Activation, Forum, Mode, Organisation
from tests.support.chat import Chat, Said
from tests.support.reactions import react, sent_tagged


def _ok(chat: Chat, line: str, **kwargs: str) -> Said:
    said = chat.say(line, **kwargs)
    assert said.ok, (line, said.text)
    return said


def _register(chat: Chat, **people: str) -> None:
    for person, organisation in people.items():
        _ok(chat, f"!aktör {organisation}", person=person)


def _mentioned(document: Document) -> set[str]:
    found = set()
    for block in document.blocks:
        rows = getattr(block, "items", None) or [getattr(block, "parts", ())]
        for row in rows:
            found.update(part.user_id for part in row if isinstance(part, Mention))
    return found


def _activations(database: Database) -> list[Activation]:
    with Session(database.engine) as session:
        return list(session.exec(select(Activation)))


def _forum(database: Database, slug: str) -> Forum:
    with Session(database.engine) as session:
        return session.exec(select(Forum).where(Forum.slug == slug)).one()


def _organisation_names(database: Database, ids: list[int]) -> list[str]:
    with Session(database.engine) as session:
        found = session.exec(select(Organisation).where(col(Organisation.id).in_(ids)))
        return sorted(organisation.name for organisation in found)


def _edits(said: Said, tag: str) -> dict[str, str]:
    """The call-out card as re-rendered for each channel by a command (``Post.replaces``)."""
    return {
        post.channel_id: render_text(post.document) for post in said.posts if post.replaces == tag
    }


# -- whom !aktivera calls ----------------------------------------------------------------------


def test_the_call_out_calls_the_forums_members_and_no_one_else(chat: Chat) -> None:
    _ok(chat, "!forum koppla verkställande forum")
    _register(chat, anna="Polisen", bo="SOS Alarm")
    said = _ok(chat, "!aktivera Stort elavbrott")
    # The eight organisations with control rooms, not the 37 of the region.
    assert "Inkallade (8 organisationer):" in said.text
    assert "Polisen Region Stockholm: @anna" in said.text
    assert "SOS Alarm: @bo" in said.text
    assert (
        "6 inkallade organisationer har ingen registrerad företrädare i forumet och behöver "
        "kallas på annat sätt: Brandkåren Attunda; Region Stockholm; Stockholms stad; "
        "Storstockholms brandförsvar; Södertörns brandförsvarsförbund; Trafikverket." in said.text
    )
    assert "Nacka" not in said.text
    assert said.reply is not None
    assert _mentioned(said.reply.document) == {"anna", "bo"}
    status = _ok(chat, "!status")
    assert "Har inte kvitterat (8)" in status.text
    assert "0 av 8 inkallade har kvitterat" in status.text


def test_kalla_names_whom_to_call(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen", bo="SOS Alarm", cia="Trafikverket", dan="Nacka")
    said = _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen, SOS Alarm, TRV")
    assert "Anledning: Storm Dagmar\n" in said.text + "\n"  # the list is not the reason
    assert "Inkallade (3 organisationer):" in said.text
    assert said.reply is not None
    assert _mentioned(said.reply.document) == {"anna", "bo", "cia"}
    assert "Nacka" not in said.text
    [activation] = _activations(database)
    assert activation.reason == "Storm Dagmar"
    assert _organisation_names(database, activation.called_out) == [
        "Polisen Region Stockholm",
        "SOS Alarm",
        "Trafikverket",
    ]
    # An actor not called may still acknowledge: then counted as called (as before).
    ack = _ok(forum_chat, "!kvittera", person="dan")
    assert "Nacka kommun var inte inkallad men är nu med." in ack.text
    assert "1 av 4 inkallade organisationer har kvitterat." in ack.text


def test_english_names_whom_to_call_after_call(forum_chat: Chat) -> None:
    _ok(forum_chat, "!forum språk en")
    _register(forum_chat, anna="Polisen")
    said = _ok(forum_chat, "!activate Storm call: Polisen")
    assert "Reason: Storm\n" in said.text
    assert "Called in (1 organisation):" in said.text


def test_an_organisation_outside_the_forum_may_be_called_and_is_said_to_be(chat: Chat) -> None:
    _ok(chat, "!forum koppla verkställande forum")
    _register(chat, anna="Polisen")
    said = _ok(chat, "!aktivera Skyfall kalla: Polisen, Försvarsmakten")
    assert "Inkallade (2 organisationer):" in said.text
    assert (
        "Deltar inte i Verkställande forum – Ledningscentraler annars men kallas in till den "
        "här händelsen (vid behov kan andra aktörer tas in): Försvarsmakten, Militärregion Mitt."
        in said.text
    )
    assert "behöver kallas på annat sätt: Försvarsmakten, Militärregion Mitt." in said.text
    # The card, kept current, still says so.
    ack = _ok(chat, "!kvittera", person="anna")
    [card] = [render_text(post.document) for post in ack.posts if post.replaces]
    assert "✅ kvitterat 15:00 (anna)" in card
    assert "Deltar inte i Verkställande forum – Ledningscentraler annars" in card


def test_an_unknown_name_refuses_the_whole_call_out(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    said = forum_chat.say("!aktivera Storm kalla: Polisen, Påhittade verket")
    assert not said.ok
    assert "Jag känner inte till någon organisation ”Påhittade verket”." in said.text
    assert "!aktivera Storm Dagmar kalla: Polisen, SOS Alarm, Trafikverket" in said.text
    assert _activations(database) == []
    assert _forum(database, "samverkanskonferens").mode == Mode.ORDINARY
    # The hint's example works.
    assert _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen, SOS Alarm, Trafikverket")


def test_a_call_list_without_a_reason_or_without_names_is_refused(
    forum_chat: Chat, database: Database
) -> None:
    no_reason = forum_chat.say("!aktivera kalla: Polisen")
    assert not no_reason.ok
    assert "Skriv anledningen till aktiveringen före kalla:" in no_reason.text
    no_names = forum_chat.say("!aktivera Storm kalla: , ,")
    assert not no_names.ok
    assert "Skriv vilka organisationer det gäller" in no_names.text
    ambiguous = forum_chat.say("!aktivera Storm kalla: brand")
    assert not ambiguous.ok
    assert "kan betyda flera" in ambiguous.text
    assert _activations(database) == []


def test_deputies_are_called_when_an_organisation_has_no_ordinarie(forum_chat: Chat) -> None:
    _ok(forum_chat, "!företrädare @eve Trafikverket ersättare")
    _ok(forum_chat, "!företrädare @anna Polisen")
    _ok(forum_chat, "!företrädare @dan Polisen ersättare")
    said = _ok(forum_chat, "!aktivera Storm kalla: Polisen, Trafikverket")
    assert "Trafikverket: @eve (ersättare)" in said.text
    assert "Polisen Region Stockholm: @anna\n" in said.text  # its ersättare waits
    assert said.reply is not None
    assert _mentioned(said.reply.document) == {"anna", "eve"}


# -- the live call-out -------------------------------------------------------------------------


def test_the_call_out_is_tagged_and_kept_current_everywhere(
    forum_chat: Chat, database: Database
) -> None:
    _ok(forum_chat, "!forum koppla samverkanskonferens", channel="ledning")
    _register(forum_chat, anna="Polisen", bo="SOS Alarm")
    said = _ok(forum_chat, "!aktivera Storm kalla: Polisen, SOS Alarm")
    [activation] = _activations(database)
    tag = f"callout:{activation.id}"
    assert said.reply is not None
    assert said.reply.tag == tag
    assert [(post.channel_id, post.tag) for post in said.posts] == [("ledning", tag)]
    first = said.text

    forum_chat.advance(minutes=4)
    ack = _ok(forum_chat, "!kvittera", person="anna")
    cards = _edits(ack, tag)
    assert set(cards) == {"stab", "ledning"}  # the answer's channel too
    assert all(post.tag is None for post in ack.posts)
    card = cards["stab"]
    assert "Polisen Region Stockholm: @anna – ✅ kvitterat 15:04 (anna)" in card
    assert "SOS Alarm: @bo\n" in card
    assert "Kvitterat: 1 av 2 inkallade organisationer." in card
    # One renderer: the first call-out and the update say the same, but for what changed.
    unchanged = card.replace(" – ✅ kvitterat 15:04 (anna)", "")
    assert unchanged.replace("\nKvitterat: 1 av 2 inkallade organisationer.", "") == first
    assert cards["ledning"] == card

    forum_chat.advance(minutes=1)
    called = _ok(forum_chat, "!kalla in Trafikverket")
    assert "Trafikverket" in _edits(called, tag)["ledning"]
    released = _ok(forum_chat, "!släpp Trafikverket")
    card = _edits(released, tag)["stab"]
    assert "Släppt från inkallningen: Trafikverket (15:05)." in card
    assert "Kvitterat: 1 av 2 inkallade organisationer." in card

    stood_down = _ok(forum_chat, "!avaktivera")
    card = _edits(stood_down, tag)["ledning"]
    assert "INKALLNING (avslutad) – Regional samverkanskonferens är avaktiverad" in card
    assert "Aktiveringen avslutades 2026-11-26 15:05" in card
    [update] = [p for p in stood_down.posts if p.replaces == tag and p.channel_id == "stab"]
    assert not any(isinstance(block, Actions) for block in update.document.blocks)  # no button


def _react(chat: Chat, person: str, message: str, event: str) -> Reply | None:
    return react(chat, "👍", person=person, message=message, event=event)


def test_a_reaction_to_an_ended_call_out_acknowledges_nothing(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    _ok(forum_chat, "!aktivera Storm kalla: Polisen")
    old = _activations(database)[0]
    sent_tagged(database, f"callout:{old.id}", "$old")
    _ok(forum_chat, "!avaktivera")
    _ok(forum_chat, "!aktivera Ny storm kalla: Polisen")
    reply = _react(forum_chat, "anna", "$old", "$r1")
    assert reply is not None
    assert not reply.ok
    assert "Inkallningen du reagerade på (2026-11-26 15:00) är avslutad" in render_text(
        reply.document
    )
    with Session(database.engine) as session:
        assert session.exec(select(Acknowledgement)).all() == []
    new = _activations(database)[1]
    sent_tagged(database, f"callout:{new.id}", "$new")
    reply = _react(forum_chat, "anna", "$new", "$r2")
    assert reply is not None
    assert reply.ok
    assert "1 av 1 inkallad organisation har kvitterat" in render_text(reply.document)


def test_acknowledging_while_a_request_is_open_points_to_the_request(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    _ok(forum_chat, "!begär aktivering Stormvarning klass 2", person="anna")
    said = forum_chat.say("!kvittera", person="anna")
    assert not said.ok
    assert "Regional samverkanskonferens är inte aktiverad just nu" in said.text
    assert "öppen begäran om aktivering (anna 15:00)" in said.text
    assert "!kvittera begäran" in said.text
    # Without a request, the usual hint.
    _ok(forum_chat, "!aktivera Storm kalla: Polisen")
    _ok(forum_chat, "!avaktivera")
    said = forum_chat.say("!kvittera", person="anna")
    assert "!kvittera begäran" not in said.text
    assert "!begär aktivering <anledning>" in said.text


# -- !kalla in, !släpp -------------------------------------------------------------------------


def test_more_actors_are_called_in_during_the_event(forum_chat: Chat, database: Database) -> None:
    _ok(forum_chat, "!forum koppla samverkanskonferens", channel="ledning")
    _register(forum_chat, anna="Polisen", bo="SOS Alarm", cia="Trafikverket")
    _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen")
    forum_chat.advance(minutes=7)
    said = _ok(forum_chat, "!kalla in Trafikverket, SOS, Polisen")
    assert "Fler aktörer kallas in – Regional samverkanskonferens är aktiverad" in said.text
    assert "Anledning: Storm Dagmar" in said.text
    assert "Inkallade av operator 2026-11-26 15:07." in said.text
    assert "Inkallade nu (2 organisationer):" in said.text
    assert "SOS Alarm: @bo" in said.text
    assert "Trafikverket: @cia" in said.text
    assert "Redan inkallade: Polisen Region Stockholm." in said.text
    assert said.reply is not None
    assert _mentioned(said.reply.document) == {"bo", "cia"}
    # The forum's other channel hears it too (without the note to the coordinator).
    notice = [p for p in said.posts if p.channel_id == "ledning" and p.replaces is None]
    assert len(notice) == 1
    assert "Trafikverket: @cia" in render_text(notice[0].document)
    assert "Redan inkallade" not in render_text(notice[0].document)
    [activation] = _activations(database)
    assert len(activation.called_out) == 3
    ack = _ok(forum_chat, "!kvittera", person="cia")
    assert "1 av 3 inkallade organisationer har kvitterat." in ack.text
    status = _ok(forum_chat, "!status")
    assert "Trafikverket – cia 15:07 (+7 min)" in status.text
    assert "2026-11-26 15:07 Fler aktörer inkallade: Trafikverket; SOS Alarm" in status.text


def test_calling_in_outside_the_forum(chat: Chat) -> None:
    _ok(chat, "!forum koppla verkställande forum")
    _ok(chat, "!aktivera Skyfall")
    said = _ok(chat, "!kalla in Försvarsmakten")
    assert "Deltar inte i Verkställande forum – Ledningscentraler annars" in said.text
    status = _ok(chat, "!status")
    assert "Har inte kvitterat (9)" in status.text


def test_a_released_organisation_is_no_longer_awaited_or_counted(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen", bo="SOS Alarm", cia="Trafikverket")
    _ok(forum_chat, "!aktivera Storm kalla: Polisen, SOS Alarm, Trafikverket")
    _ok(forum_chat, "!kvittera", person="anna")
    forum_chat.advance(minutes=3)
    said = _ok(forum_chat, "!släpp Trafikverket, Nacka")
    assert (
        "Släppta från inkallningen till Regional samverkanskonferens: Trafikverket. "
        "De väntas inte längre och räknas inte." in said.text
    )
    assert "Inte inkallade (eller redan släppta): Nacka kommun." in said.text
    assert "1 av 2 inkallade organisationer har kvitterat." in said.text
    status = _ok(forum_chat, "!status")
    assert "Har inte kvitterat (1)" in status.text
    assert "Släppt (1)" in status.text
    assert "Trafikverket (15:03)" in status.text
    done = _ok(forum_chat, "!kvittera", person="bo")
    assert "2 av 2 inkallade organisationer har kvitterat." in done.text
    assert "Alla inkallade har kvitterat, efter 3 min." in done.text
    # A released organisation acknowledging: noted, not counted.
    late = _ok(forum_chat, "!kvittera", person="cia")
    assert "Trafikverket är släppt från inkallningen" in late.text
    assert "2 av 2" in late.text
    # Called in again: awaited again.
    again = _ok(forum_chat, "!kalla in Trafikverket")
    assert "Inkallad nu:" in again.text
    assert "✅ kvitterat" in _edits(again, f"callout:{_activations(database)[0].id}")["stab"]
    status = _ok(forum_chat, "!status")
    assert "Släppt (" not in status.text
    assert "Alla inkallade hade kvitterat" in status.text  # its acknowledgement stands


def test_released_again_and_called_in_again_before_acknowledging(forum_chat: Chat) -> None:
    _register(forum_chat, cia="Trafikverket")
    _ok(forum_chat, "!aktivera Storm kalla: Trafikverket, Polisen")
    _ok(forum_chat, "!släpp Trafikverket")
    _ok(forum_chat, "!kalla in Trafikverket")
    status = _ok(forum_chat, "!status")
    assert "Har inte kvitterat (2)" in status.text
    assert "Släppt (" not in status.text


def test_call_in_and_release_refuse_bad_input_and_change_nothing(
    forum_chat: Chat, database: Database
) -> None:
    _register(forum_chat, anna="Polisen")
    for line in ("!kalla in Trafikverket", "!släpp Polisen"):
        said = forum_chat.say(line)
        assert not said.ok
        assert "Regional samverkanskonferens är inte aktiverad just nu" in said.text
        assert "!aktivera Storm Dagmar kalla: Polisen, Trafikverket" in said.text
    _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen, Trafikverket")
    [before] = _activations(database)
    for line, expected in (
        ("!kalla in Polisen", "Redan inkallade: Polisen Region Stockholm. Inget har ändrats."),
        ("!kalla in SOS, Påhittat", "Jag känner inte till någon organisation ”Påhittat”."),
        ("!kalla in ,", "Skriv vilka organisationer det gäller"),
        ("!kalla in", "Det saknas <organisation, …>"),
        ("!släpp Nacka", "Inte inkallade just nu (eller redan släppta): Nacka kommun."),
        ("!släpp Polisen, Påhittat", "Jag känner inte till någon organisation ”Påhittat”."),
    ):
        said = forum_chat.say(line)
        assert not said.ok, line
        assert expected in said.text, (line, said.text)
    unknown = forum_chat.say("!kalla in Påhittat")
    assert "!kalla in Trafikverket, SOS Alarm" in unknown.text
    [after] = _activations(database)
    assert after.called_out == before.called_out
    assert (after.released or []) == []


def test_an_actor_cannot_call_in_or_release(forum_chat: Chat, database: Database) -> None:
    _register(forum_chat, anna="Polisen")
    _ok(forum_chat, "!aktivera Storm kalla: Polisen")
    [before] = _activations(database)
    for line in ("!kalla in Trafikverket", "!släpp Polisen", "!call in SOS", "!release Polisen"):
        said = forum_chat.say(line, person="anna")
        assert not said.ok, line
        assert "kräver rollen koordinator" in said.text
        stranger = forum_chat.say(line, person="mallory")
        assert not stranger.ok
    said = forum_chat.say("!kalla in Trafikverket", person="anna", direct=True)
    assert not said.ok
    [after] = _activations(database)
    assert after.called_out == before.called_out
    assert (after.released or []) == []


# -- time to convene, status, stand-down, timeline ---------------------------------------------


def test_time_to_convene_is_the_first_meeting_of_the_activation(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen")
    _ok(forum_chat, "!möte start")  # before the activation: not its meeting
    forum_chat.advance(minutes=5)
    _ok(forum_chat, "!möte slut")
    _ok(forum_chat, "!aktivera Storm kalla: Polisen")
    status = _ok(forum_chat, "!status")
    assert "Inget möte har startats i aktiveringen ännu." in status.text
    forum_chat.advance(minutes=25)
    _ok(forum_chat, "!möte start")
    forum_chat.advance(minutes=30)
    _ok(forum_chat, "!möte slut")
    forum_chat.advance(minutes=30)
    _ok(forum_chat, "!möte start")
    status = _ok(forum_chat, "!status")
    assert "Tid till första mötet: 25 min (möte 2 startade 2026-11-26 15:30)." in status.text
    assert "2026-11-26 15:30 Första mötet startar (möte 2)" in status.text


def test_the_stand_down_says_when_acknowledgements_came_and_how_long_it_lasted_apart(
    forum_chat: Chat,
) -> None:
    _register(forum_chat, anna="Polisen", bo="SOS Alarm", cia="Trafikverket")
    _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen, SOS Alarm, Trafikverket")
    forum_chat.advance(minutes=5)
    _ok(forum_chat, "!kvittera", person="anna")
    forum_chat.advance(minutes=10)
    _ok(forum_chat, "!kvittera", person="bo")
    forum_chat.advance(minutes=15)
    _ok(forum_chat, "!möte start")
    forum_chat.advance(days=2, hours=3, minutes=30)  # Saturday 19:00
    said = _ok(forum_chat, "!avaktivera Elen åter")
    text = said.text
    assert "Varaktighet: 2026-11-26 15:00 – 2026-11-28 19:00 (2 d 4 h)" in text
    assert "Kvittenser: 2 av 3 inkallade" in text
    assert (
        "Första kvittensen: Polisen Region Stockholm 2026-11-26 15:05, 5 min efter aktiveringen."
        in text
    )
    assert "Senaste kvittensen: SOS Alarm 2026-11-26 15:15, 15 min efter aktiveringen." in text
    assert "Tid till första mötet: 30 min (möte 1 startade 2026-11-26 15:30)." in text
    assert "Kvitterade aldrig: Trafikverket." in text
    assert "Sammanfattning: Elen åter" in text
    # Never the duration as if it were the time the acknowledgements took.
    assert "efter 2 d" not in text
    assert "har kvitterat efter" not in text
    assert "2026-11-28 19:00 Avaktiverad" in text


def test_status_and_stand_down_show_host_timeline_and_duty_handovers(forum_chat: Chat) -> None:
    _register(forum_chat, anna="Polisen", bo="SOS Alarm")
    _ok(forum_chat, "!aktivera Storm Dagmar kalla: Polisen")
    forum_chat.advance(minutes=2)
    _ok(forum_chat, "!kvittera", person="anna")
    forum_chat.advance(minutes=3)
    _ok(forum_chat, "!kalla in SOS Alarm")
    forum_chat.advance(minutes=5)
    _ok(forum_chat, "!beredskap ta över RSK")
    forum_chat.advance(minutes=5)
    _ok(forum_chat, "!möte start")
    forum_chat.advance(minutes=1)
    _ok(forum_chat, "!värd Polisen")
    forum_chat.advance(minutes=4)
    _ok(forum_chat, "!släpp SOS")
    status = _ok(forum_chat, "!status", person="eve")  # anyone may read it
    text = status.text
    assert "Värd: Polisen Region Stockholm" in text
    timeline = text.split("Tidslinje")[1]
    assert timeline.splitlines()[1:] == [
        "  • 2026-11-26 15:00 Aktiverad av operator; 1 organisation inkallad",
        "  • 2026-11-26 15:02 Första kvittensen: Polisen Region Stockholm (anna)",
        "  • 2026-11-26 15:02 Den inkallade organisationen har kvitterat",
        "  • 2026-11-26 15:05 Fler aktörer inkallade: SOS Alarm",
        "  • 2026-11-26 15:10 operator tar över som RSK i beredskap",
        "  • 2026-11-26 15:15 Första mötet startar (möte 1)",
        "  • 2026-11-26 15:16 Värd för aktiveringen: Polisen Region Stockholm",
        "  • 2026-11-26 15:20 Släppta från inkallningen: SOS Alarm",
    ]
    said = _ok(forum_chat, "!avaktivera")
    assert "Värd: Polisen Region Stockholm" in said.text
    assert "2026-11-26 15:10 operator tar över som RSK i beredskap" in said.text
    assert "Alla inkallade hade kvitterat 2026-11-26 15:02, 2 min efter aktiveringen." in (
        said.text
    )


def test_the_host_is_the_forums_unless_set_for_the_activation(chat: Chat) -> None:
    _ok(chat, "!forum koppla samordningsgrupp")  # a rotating host: none fixed
    _ok(chat, "!aktivera Övning")
    assert "Värd: ingen fast värd" in _ok(chat, "!status").text
    _ok(chat, "!forum värd Trafikverket")
    assert "Värd: Trafikverket" in _ok(chat, "!status").text
    _ok(chat, "!värd SOS Alarm")
    assert "Värd: SOS Alarm" in _ok(chat, "!status").text
    assert "Värd: SOS Alarm" in _ok(chat, "!avaktivera").text


# -- linked activations (worked example 4) -----------------------------------------------------


def test_an_activation_asked_for_from_another_is_linked_both_ways(
    chat: Chat, database: Database
) -> None:
    _ok(chat, "!forum koppla samordnande forum", channel="samordnande")
    _ok(chat, "!forum koppla inriktande forum", channel="inriktande")
    _ok(chat, "!aktör Polisen", person="anna", channel="samordnande")
    _ok(chat, "!aktivera Snöoväder klass 2", channel="samordnande")
    chat.advance(minutes=40)
    _ok(
        chat,
        "!lyft inriktande Snöovädret kräver en gemensam regional inriktning",
        channel="samordnande",
        person="anna",
    )
    chat.advance(minutes=20)
    said = _ok(chat, "!aktivera Gemensam regional inriktning för snöovädret", channel="inriktande")
    assert (
        "Länkad med aktiveringen av Regionalt samordnande forum sedan 2026-11-26 15:00 "
        "(Snöoväder klass 2), som pågår." in said.text
    )
    coordinating, strategic = _activations(database)
    assert strategic.linked_activation_id == coordinating.id
    here = _ok(chat, "!status", channel="inriktande")
    assert "Länkad aktivering: Regionalt samordnande forum sedan" in here.text
    there = _ok(chat, "!status", channel="samordnande")
    assert (
        "Länkad aktivering: Regionalt inriktande forum sedan 2026-11-26 16:00 "
        "(Gemensam regional inriktning för snöovädret), pågår" in there.text
    )
    assert "2026-11-26 16:00 Länkad med aktiveringen av Regionalt inriktande forum" in there.text
    # A later activation of the strategic forum, asked for by nobody, is not linked.
    _ok(chat, "!avaktivera", channel="inriktande")
    chat.advance(hours=7)
    again = _ok(chat, "!aktivera Ny händelse", channel="inriktande")
    assert "Länkad" not in again.text


def test_an_organisation_with_nobody_left_to_mention_reads_without_an_empty_colon(
    chat: Chat,
) -> None:
    assert chat.say("!forum koppla samverkanskonferens").ok
    assert chat.say("!aktör Polisen", person="anna").ok
    assert chat.say("!aktör Trafikverket", person="cia").ok
    assert chat.say("!aktivera Storm kalla: Polisen, Trafikverket").ok
    assert chat.say("!kvittera", person="anna").ok
    assert chat.say("!aktör ta bort @anna").ok  # Polisen has nobody in the forum now
    # The card, kept current at the next acknowledgement, names Polisen without an empty
    # list of people after a colon.
    acked = chat.say("!kvittera", person="cia")
    cards = [render_text(post.document) for post in acked.posts if post.replaces]
    assert cards, [render_text(post.document) for post in acked.posts]
    polisen = [
        line.strip("•-* ")
        for card in cards
        for line in card.splitlines()
        if "Polisen Region Stockholm" in line and "kvitterat" in line
    ]
    assert polisen
    for line in polisen:
        assert line.startswith("Polisen Region Stockholm – ✅ kvitterat"), line
