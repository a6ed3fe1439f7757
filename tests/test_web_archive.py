"""The web pages' archive (bot/web_archive.py): a forum's archive list, the joint situation
picture with what changed since the version before marked, minutes, the activation record
with its charts, a direction, the statistics; 403 outside the session's forums, 404 for what
the forum does not have; every page view audited.

The chat through the dispatcher (tests/support/chat.py); the pages through aiohttp's test
server on 127.0.0.1, with the same database and clock (as tests/test_web_access.py).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import Session, select

from bot.export.minutes_export import render_minutes
from bot.export.source import MinutesQuery, load_minutes
from storage import Database
from storage.models import Forum
from tests.support.chat import Chat
from tests.support.web_pages import audit_events, id_of_forum, link_in, pages, signed_in
from tests.test_export import export
from tests.test_web_access import KONFERENS

FORUM = f"/forum/{KONFERENS}"


def _ok(chat: Chat, text: str, **kwargs: str) -> str:
    said = chat.say(text, **kwargs)
    assert said.ok, said.text
    return said.text


def played(chat: Chat) -> str:
    """An activation with two published versions of the picture (Polisen's report changed
    between them, Trafikverket new in the second), a meeting, a direction adopted, the
    stand-down; then anna's sign-in link (its path)."""
    _ok(chat, "!aktör Polisen", person="anna")
    _ok(chat, "!aktör Trafikverket", person="bo")
    _ok(chat, "!aktivera Storm Dagmar, elavbrott i norra länet")
    _ok(chat, "!kvittera", person="anna")
    _ok(chat, "!läge Läge: Träd över vägar\nBehov: Röjning av vägar", person="anna")
    chat.advance(minutes=5)
    _ok(chat, "!lägesbild publicera")
    chat.advance(minutes=5)
    _ok(chat, "!läge Läge: Träd över vägar i Norrtälje\nBehov: Röjning av vägar", person="anna")
    _ok(chat, "!läge Läge: Halka på E4", person="bo")
    chat.advance(minutes=5)
    _ok(chat, "!lägesbild publicera")
    chat.advance(minutes=5)
    _ok(chat, "!möte start Samverkanskonferens Storm Dagmar")
    _ok(chat, "!beslut Polisen leder röjningen", person="anna")
    chat.advance(minutes=20)
    _ok(chat, "!möte slut")
    chat.advance(minutes=5)
    return link_in(chat.say("!webb", person="anna"))


def _one_page(html: str) -> None:
    """What every page has: lang, one <h1>, a <main>, no script, headings in order."""
    assert '<html lang="sv">' in html
    assert html.count("<main>") == 1
    assert len(re.findall(r"<h1[ >]", html)) == 1, re.findall(r"<h1[^>]*>.*", html)
    assert "<script" not in html
    headings = [int(level) for level in re.findall(r"<h(\d)[ >]", html)]
    assert headings[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), headings


def test_the_archive_lists_everything_newest_first_each_a_link(
    forum_chat: Chat, database: Database
) -> None:
    path = played(forum_chat)

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        forum = await session.get(FORUM, cookies=cookies)
        text = await forum.text()
        assert f'href="{FORUM}/arkiv"' in text
        assert f'href="{FORUM}/lagesbild"' in text

        response = await session.get(f"{FORUM}/arkiv", cookies=cookies)
        assert response.status == 200
        html = await response.text()
        _one_page(html)
        assert "<h1>Arkiv – Regional samverkanskonferens</h1>" in html
        listed = re.findall(r'<time datetime="[^"]+">([^<]+)</time> <a href="([^"]+)">', html)
        assert listed == [
            ("2026-11-26 15:20", f"{FORUM}/minnesanteckningar/1"),
            ("2026-11-26 15:15", f"{FORUM}/lagesbild/1/2"),
            ("2026-11-26 15:05", f"{FORUM}/lagesbild/1/1"),
            ("2026-11-26 15:00", f"{FORUM}/efterhand/1"),
        ]
        assert "Minnesanteckningar, möte 1: Samverkanskonferens Storm Dagmar" in html
        assert "Samlad lägesbild, runda 1, version 2" in html
        assert "omgång" not in html
        # Still under way: dated by its start, and the entry says so.
        assert (
            "Efterhandsrapport, aktivering 1: Storm Dagmar, elavbrott i norra länet "
            "(pågår; tiden är när den aktiverades)"
        ) in html
        assert f'href="{FORUM}/statistik">Statistik för de senaste 12 månaderna</a>' in html
        # The breadcrumbs: the forums, the forum, the archive (this page).
        nav = html[html.index("<nav") : html.index("</nav>")]
        assert re.findall(r'<a href="([^"]+)"', nav) == ["/", FORUM, f"{FORUM}/arkiv"]
        assert f'<a href="{FORUM}/arkiv" aria-current="page">Arkiv</a>' in nav

    pages(forum_chat, client)
    views = audit_events(database, "web.page_view")
    forum_id = id_of_forum(database, KONFERENS)
    assert [(event.forum_id, event.details["page"]) for event in views] == [
        (forum_id, FORUM),
        (forum_id, f"{FORUM}/arkiv"),
    ]
    assert all(event.actor == "anna (test:anna)" for event in views)


def test_the_picture_marks_what_changed_since_the_version_before(forum_chat: Chat) -> None:
    path = played(forum_chat)

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        second = await session.get(f"{FORUM}/lagesbild/1/2", cookies=cookies)
        assert second.status == 200
        html = second_html = await second.text()
        _one_page(html)
        assert "<h1>Samlad lägesbild – Regional samverkanskonferens</h1>" in html
        police = _section(html, "Polisen Region Stockholm")
        assert "Ändrat sedan version 1" in police
        assert "<ins>Träd över vägar i Norrtälje</ins>" in police
        assert "<del>Tidigare: Träd över vägar</del>" in police
        assert "Röjning av vägar" in police
        assert "<ins>Röjning av vägar</ins>" not in police  # unchanged: not marked
        traffic = _section(html, "Trafikverket")
        assert "Ny sedan version 1" in traffic
        assert "<ins>Halka på E4</ins>" in traffic
        assert "<del>" not in traffic
        assert (
            "Det som har ändrats sedan version 1 är markerat ”Ändrat sedan version 1”, "
            "en ny organisations rapport ”Ny sedan version 1”."
        ) in html
        versions = html[html.index('<section class="versions"') :]
        assert re.findall(r'<a href="([^"]+)"', versions) == [
            f"{FORUM}/lagesbild",
            f"{FORUM}/lagesbild/1/2",
            f"{FORUM}/lagesbild/1/1",
        ]
        assert f'<a href="{FORUM}/lagesbild/1/2" aria-current="page">' in versions
        assert "Version 1, publicerad 2026-11-26 15:05" in versions

        first = await (await session.get(f"{FORUM}/lagesbild/1/1", cookies=cookies)).text()
        assert "Träd över vägar" in first
        assert "Halka på E4" not in first
        assert "<ins>" not in first  # the first version has none before it
        assert "Ändrat sedan" not in first

        live = await session.get(f"{FORUM}/lagesbild", cookies=cookies)
        assert live.status == 200
        now = await live.text()
        _one_page(now)
        assert "Inget har ändrats sedan version 2." in now  # nobody reported since
        assert "<dt>Sammanställd av</dt><dd>samverkan-bot (webbsidan), inte publicerad</dd>" in now
        # Not to be taken for a published version: said so under the title, with the latest.
        notice = now[now.index('<div class="notice">') : now.index("</div>")]
        assert now.index("</h1>") < now.index('<div class="notice">') < now.index("<dl")
        assert "<strong>Inte publicerad.</strong> Sammanställd nu, 2026-11-26 15:45," in notice
        assert (
            f'<a href="{FORUM}/lagesbild/1/2">Senast publicerad: version 2, 2026-11-26 15:15</a>'
        ) in notice
        assert '<div class="notice">' not in second_html
        assert "<ins>" not in now
        nav = now[now.index("<nav") : now.index("</nav>")]
        assert re.findall(r'<a href="([^"]+)"', nav) == ["/", FORUM, f"{FORUM}/lagesbild"]

    pages(forum_chat, client)


def test_the_current_picture_marks_reports_since_the_latest_version(forum_chat: Chat) -> None:
    path = played(forum_chat)
    _ok(forum_chat, "!läge Läge: Halka på E4 och E18", person="bo")

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        html = await (await session.get(f"{FORUM}/lagesbild", cookies=cookies)).text()
        assert "Det som har ändrats sedan den senast publicerade versionen (2)" in html
        traffic = _section(html, "Trafikverket")
        assert "Ändrat sedan version 2" in traffic
        assert "<ins>Halka på E4 och E18</ins>" in traffic
        assert "<del>Tidigare: Halka på E4</del>" in traffic
        assert "Ändrat sedan" not in _section(html, "Polisen Region Stockholm")
        # The note on what is marked is said under the picture's header, before the reports.
        assert html.index("är markerat") < html.index("<h2>Polisen Region Stockholm</h2>")

    pages(forum_chat, client)


def test_a_field_no_longer_reported_is_shown_struck_out(forum_chat: Chat) -> None:
    path = played(forum_chat)
    _ok(forum_chat, "!läge Läge: Träd över vägar i Norrtälje", person="anna")

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        html = await (await session.get(f"{FORUM}/lagesbild", cookies=cookies)).text()
        police = _section(html, "Polisen Region Stockholm")
        assert "Ändrat sedan version 2" in police
        assert "<ins>" not in police  # Läge is as it was
        assert "<dd><del>Tidigare: Röjning av vägar</del></dd>" in police

    pages(forum_chat, client)


def _section(html: str, organisation: str) -> str:
    start = html.index(f"<h2>{organisation}</h2>")
    return html[start : html.index("</section>", start)]


def test_the_minutes_page_is_the_minutes_export_with_one_h1(
    forum_chat: Chat, database: Database
) -> None:
    path = played(forum_chat)
    exported = load_minutes(database, MinutesQuery(KONFERENS, 1), forum_chat.clock.now())
    export = render_minutes(exported.minutes, "html", "sv")

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        response = await session.get(f"{FORUM}/minnesanteckningar/1", cookies=cookies)
        assert response.status == 200
        html = await response.text()
        _one_page(html)
        title = "Minnesanteckningar – Regional samverkanskonferens, möte 1"
        assert f"<h1>{title}</h1>" in html
        assert '<h2 id="picture-title">Samlad lägesbild – Regional samverkanskonferens</h2>' in html
        assert "Polisen leder röjningen" in html
        # The page's content is the export's, but for the picture's heading levels.
        body = export[export.index("<main>") + 6 : export.index("</main>")]
        for line in body.splitlines():
            if "<h" not in line:
                assert line in html, line

    pages(forum_chat, client)


def test_the_record_page_has_both_charts_with_ids_of_their_own(forum_chat: Chat) -> None:
    path = played(forum_chat)
    _ok(forum_chat, "!avaktivera Stormen över")

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        response = await session.get(f"{FORUM}/efterhand/1", cookies=cookies)
        assert response.status == 200
        html = await response.text()
        _one_page(html)
        assert "<h1>Efterhand: aktivering 1 av Regional samverkanskonferens</h1>" in html
        assert html.count("<svg") == 2
        assert "<?xml" not in html
        assert "Tid till första kvittens" in html
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
        for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', html):
            assert reference in ids, reference
        assert "ÖVNING" not in html

        statistics = await session.get(f"{FORUM}/statistik", cookies=cookies)
        assert statistics.status == 200
        page = await statistics.text()
        _one_page(page)
        assert "Regional samverkanskonferens" in page

    pages(forum_chat, client)


def test_an_exercise_is_marked_in_the_archive_and_on_its_record(forum_chat: Chat) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktivera övning Snöoväder")
    forum_chat.advance(minutes=5)
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        archive = await (await session.get(f"{FORUM}/arkiv", cookies=cookies)).text()
        assert "ÖVNING – Efterhandsrapport, aktivering 1: " in archive
        record = await (await session.get(f"{FORUM}/efterhand/1", cookies=cookies)).text()
        assert "ÖVNING" in record

    pages(forum_chat, client)


def test_what_the_forum_does_not_have_is_a_404_in_its_language(
    forum_chat: Chat, database: Database
) -> None:
    path = played(forum_chat)

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        for missing in (
            "minnesanteckningar/9",
            "minnesanteckningar/x",
            "lagesbild/1/3",
            "lagesbild/7/1",
            "efterhand/9",
            "inriktning/1",
            "finns-inte",
            "arkiv/mer",
        ):
            response = await session.get(f"{FORUM}/{missing}", cookies=cookies)
            assert response.status == 404, missing
            html = await response.text()
            assert "<h1>Sidan finns inte</h1>" in html
            assert "Traceback" not in html
            assert f'href="{FORUM}/arkiv"' in html
        _ok(forum_chat, "!forum språk en")
        english = await session.get(f"{FORUM}/efterhand/9", cookies=cookies)
        assert english.status == 404
        assert "<h1>Page not found</h1>" in await english.text()

    pages(forum_chat, client)
    assert audit_events(database, "web.page_view") == []


def test_a_forum_the_session_does_not_cover_is_refused_and_nothing_audited(
    forum_chat: Chat, database: Database
) -> None:
    path = played(forum_chat)

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        for page in ("arkiv", "lagesbild", "minnesanteckningar/1", "efterhand/1", "statistik"):
            other = await session.get(f"/forum/chefsgrupp/{page}", cookies=cookies)
            assert other.status == 403, page
            assert "Åtkomst nekad" in await other.text()
            session.session.cookie_jar.clear()
            anonymous = await session.get(f"{FORUM}/{page}")
            assert anonymous.status == 403, page
            cookies = await signed_in(session, link_in(forum_chat.say("!webb", person="anna")))
        unknown = await session.get("/forum/chefsgrupp/finns-inte", cookies=cookies)
        assert unknown.status == 403
        session.session.cookie_jar.clear()
        assert (await session.get(f"{FORUM}/finns-inte")).status == 403  # no session

    pages(forum_chat, client)
    assert audit_events(database, "web.page_view") == []


def test_an_adopted_direction_is_in_the_archive_with_its_page(forum_chat: Chat) -> None:
    _ok(forum_chat, "!forum koppla inriktande-forum", channel="inriktande")
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktivera Storm Dagmar")
    _ok(forum_chat, "!inriktning förslag Målbild: Framkomlighet på E4 <b>före</b> kvällen")
    _ok(forum_chat, "!inriktning föredra 1")
    forum_chat.advance(minutes=5)
    _ok(forum_chat, "!inriktning fastställ 1", channel="inriktande")
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        archive = await (await session.get(f"{FORUM}/arkiv", cookies=cookies)).text()
        assert (
            f'<time datetime="2026-11-26T14:05:00+00:00">2026-11-26 15:05</time> '
            f'<a href="{FORUM}/inriktning/1">Gemensam regional inriktning 1</a>'
        ) in archive
        response = await session.get(f"{FORUM}/inriktning/1", cookies=cookies)
        assert response.status == 200
        html = await response.text()
        _one_page(html)
        assert "<h1>Gemensam regional inriktning 1</h1>" in html
        assert "Framkomlighet på E4 &lt;b&gt;före&lt;/b&gt; kvällen" in html
        crumbs = html[html.index("<nav") : html.index("</nav>")]
        assert f'<a href="{FORUM}/inriktning/1" aria-current="page">Inriktning 1</a>' in crumbs

    pages(forum_chat, client)


def test_a_forum_named_by_a_digit_shows_its_own_archive_not_the_listed_one(
    forum_chat: Chat, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """A forum named "3" (made before such names were refused) is not the third in
    ``!forum lista`` (Regional samordningsgrupp): its pages, ``export --forum 3`` and
    ``!forum koppla 3`` take it by its name."""
    refused = forum_chat.say("!forum skapa 3 samordnande", channel="tre")
    assert not refused.ok
    assert "Ett forums namn kan inte vara bara siffror (3)" in refused.text
    _ok(forum_chat, "!forum skapa Trean samordnande", channel="tre")
    with Session(database.engine) as session:
        trean = session.exec(select(Forum).where(Forum.slug == "trean")).one()
        trean.name, trean.slug = "3", "3"
        session.add(trean)
        session.commit()
    _ok(forum_chat, "!forum koppla 3", channel="tre")  # by its name, not the third listed
    _ok(forum_chat, "!forum koppla Regional samordningsgrupp", channel="sg")
    _ok(forum_chat, "!möte start Samordningsgruppens hemliga möte", channel="sg")
    _ok(forum_chat, "!möte slut", channel="sg")
    _ok(forum_chat, "!möte start Trean möts", channel="tre")
    _ok(forum_chat, "!möte slut", channel="tre")
    _ok(forum_chat, "!möte start Trean möts igen", channel="tre")
    _ok(forum_chat, "!möte slut", channel="tre")
    for title in ("igen", "en tredje gång"):
        _ok(forum_chat, f"!möte start Samordningsgruppen {title}", channel="sg")
        _ok(forum_chat, "!möte slut", channel="sg")
    path = link_in(forum_chat.say("!webb", person="cecilia", channel="tre"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        for number, title in ((1, "Trean möts"), (2, "Trean möts igen")):
            page = await session.get(f"/forum/3/minnesanteckningar/{number}", cookies=cookies)
            assert page.status == 200
            html = await page.text()
            assert title in html
            assert "Samordningsgrupp" not in html
        third = await session.get("/forum/3/minnesanteckningar/3", cookies=cookies)
        assert third.status == 404
        for page_path in ("/forum/3/arkiv", "/forum/3/lagesbild", "/forum/3/statistik"):
            response = await session.get(page_path, cookies=cookies)
            assert "samordningsgrupp" not in (await response.text()).lower(), page_path

    pages(forum_chat, client)
    exported = export(database, capsys, "--forum", "3", "--format", "md", what="protokoll")
    assert exported.status == 0, exported.err
    assert "Trean möts igen" in exported.out
    assert "Samordningsgrupp" not in exported.out


def test_a_forum_without_any_round_says_it_has_no_picture_yet(forum_chat: Chat) -> None:
    """Not a dead link: the picture page of a forum that never had a round says so (200),
    in the forum's language."""
    _ok(forum_chat, "!forum koppla Regional chefsgrupp", channel="chef")
    path = link_in(forum_chat.say("!webb"))  # the operator: a coordinator of the region
    chiefs = "/forum/chefsgrupp"

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        archive = await (await session.get(f"{chiefs}/arkiv", cookies=cookies)).text()
        assert f'href="{chiefs}/lagesbild"' in archive
        response = await session.get(f"{chiefs}/lagesbild", cookies=cookies)
        assert response.status == 200
        html = await response.text()
        _one_page(html)
        assert "<h1>Samlad lägesbild – Regional chefsgrupp</h1>" in html
        assert (
            "Det finns ingen samlad lägesbild för Regional chefsgrupp ännu: "
            "ingen rapportrunda har öppnats."
        ) in html
        assert "Sidan finns inte" not in html
        _ok(forum_chat, "!forum språk en", channel="chef")
        english = await (await session.get(f"{chiefs}/lagesbild", cookies=cookies)).text()
        assert "There is no joint situation picture for Regional chefsgrupp yet" in english

    pages(forum_chat, client)


def test_same_minute_versions_are_newest_first_and_a_record_dated_by_its_stand_down(
    forum_chat: Chat,
) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktivera Storm Dagmar")
    _ok(forum_chat, "!läge Läge: Träd över vägar", person="anna")
    _ok(forum_chat, "!lägesbild publicera")
    _ok(forum_chat, "!läge Läge: Träd över vägar i Norrtälje", person="anna")
    _ok(forum_chat, "!lägesbild publicera")  # the same minute
    forum_chat.advance(minutes=10)
    _ok(forum_chat, "!möte start Samverkanskonferens")
    _ok(forum_chat, "!möte slut")
    forum_chat.advance(minutes=30)
    _ok(forum_chat, "!avaktivera Stormen över")
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        html = await (await session.get(f"{FORUM}/arkiv", cookies=cookies)).text()
        listed = re.findall(r'<time datetime="[^"]+">([^<]+)</time> <a href="([^"]+)">', html)
        assert listed == [
            ("2026-11-26 15:40", f"{FORUM}/efterhand/1"),
            ("2026-11-26 15:10", f"{FORUM}/minnesanteckningar/1"),
            ("2026-11-26 15:00", f"{FORUM}/lagesbild/1/2"),
            ("2026-11-26 15:00", f"{FORUM}/lagesbild/1/1"),
        ]
        assert "Efterhandsrapport, aktivering 1: Storm Dagmar (avaktiverad)" in html

    pages(forum_chat, client)


def test_a_cleared_field_is_struck_out_in_the_reports_field_order(forum_chat: Chat) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktivera Storm Dagmar")
    _ok(
        forum_chat,
        "!läge Läge: Träd över vägar\nKonsekvenser: Avstängda vägar\nBehov: Röjning",
        person="anna",
    )
    _ok(forum_chat, "!lägesbild publicera")
    forum_chat.advance(minutes=5)
    _ok(forum_chat, "!läge Läge: Träd över vägar\nBehov: Röjning och sand", person="anna")
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        html = await (await session.get(f"{FORUM}/lagesbild", cookies=cookies)).text()
        police = _section(html, "Polisen Region Stockholm")
        labels = [label.split()[0] for label in re.findall(r"<dt>([^<]+)</dt>", police)]
        assert labels == ["Läge", "Konsekvenser", "Behov"]  # "Konsekvenser / påverkan" …
        assert "<dd><del>Tidigare: Avstängda vägar</del></dd>" in police
        assert "<ins>Röjning och sand</ins>" in police

    pages(forum_chat, client)


def test_the_statistics_page_covers_the_last_12_months_as_the_command_does(
    forum_chat: Chat,
) -> None:
    path = link_in(forum_chat.say("!webb", person="anna", channel="stab"))
    command = forum_chat.say("!statistik").text

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        html = await (await session.get(f"{FORUM}/statistik", cookies=cookies)).text()
        assert "Perioden 2025-11-26 15:00 – 2026-11-26 15:00." in html
        assert "Perioden 2025-11-26 15:00 – 2026-11-26 15:00." in command
        assert "Hållna: 3" in html
        assert "Inga lägesrapporter i rundorna före de ordinarie mötena under perioden." in html

    pages(forum_chat, client)


def test_the_english_archive_names_the_after_action_report(forum_chat: Chat) -> None:
    _ok(forum_chat, "!forum språk en")
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktivera Storm Dagmar")
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        html = await (await session.get(f"{FORUM}/arkiv", cookies=cookies)).text()
        assert "After-action report, activation 1: Storm Dagmar (ongoing;" in html

    pages(forum_chat, client)


def test_a_record_stood_down_in_its_first_minute_reads_whole_minutes_and_says_things_once(
    forum_chat: Chat,
) -> None:
    _ok(forum_chat, "!aktör Polisen", person="anna")
    _ok(forum_chat, "!aktivera Falsklarm")
    _ok(forum_chat, "!avaktivera Falsklarm")
    path = link_in(forum_chat.say("!webb", person="anna"))

    async def client(session: TestClient[Any, Any]) -> None:
        cookies = await signed_in(session, path)
        html = await (await session.get(f"{FORUM}/efterhand/1", cookies=cookies)).text()
        acks = html[html.index("<svg") : html.index("</svg>")]
        ticks = re.findall(r"<text[^>]*>([^<]*)</text>", acks)
        assert {"0", "1"} <= set(ticks), ticks
        assert not [tick for tick in ticks if re.fullmatch(r"\d+[.,]\d+", tick)], ticks
        summary = html[html.index('<p class="summary">') :]
        summary = summary[: summary.index("</p>")]
        assert summary.count("kvitterade") == 1, summary  # not "none did" and "all never did"
        assert re.search(r"Ingen av de 37 inkallade organisationerna kvitterade \(", summary)

    pages(forum_chat, client)
