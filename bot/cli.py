"""The ``samverkan-bot`` command line: ``run``, ``console``, ``migrate``, ``healthcheck``,
``export`` (``lägesbild``, ``minnesanteckningar``, ``inriktning``, ``all``) and ``import``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.logging_setup import configure_logging

if TYPE_CHECKING:
    from bot.app import App
    from bot.console.door import ConsoleDoor
    from bot.hub import Hub
    from bot.web import WebServer
    from commands.core.clock import Clock, FixedClock

log = logging.getLogger("samverkan-bot")
# A test hook, never set in production: a process whose commands contain this text dies
# between the command's commit and the sending of its answer (the chaos test,
# tests/test_chaos.py, proves that another process then answers it).
DIE_AFTER_COMMIT = "SAMVERKAN_TEST_DIE_AFTER_COMMIT"
# And one whose posts contain this text dies once such a post is sent, before how it went is
# recorded: the successor must find it sent (Slack: by its metadata) and not send it again.
DIE_AFTER_SEND = "SAMVERKAN_TEST_DIE_AFTER_SEND"
# The terminal's last posts are printed before it exits, this long at most.
DRAIN_AT_END_S = 10.0
# The terminal chat's web pages listen on this machine only.
LOOPBACK = "127.0.0.1"
# How long the terminal chat waits for its web pages' port before it greets without them.
PAGES_START_S = 2.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samverkan-bot",
        description="Chat bot for the regional crisis-collaboration forums (Samverkan "
        "Stockholmsregionen).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", help="a TOML configuration file (or SAMVERKAN_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="start every configured door; the terminal chat when none is")
    console = sub.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--db", help="an SQLite file to use instead of DATABASE_URL")
    console.add_argument("--now", help='pin the clock, e.g. "2026-11-26 15:00" (local time)')
    console.add_argument("--lang", choices=("sv", "en"), help="default language")
    sub.add_parser("migrate", help="bring the database schema up to date, and seed it if new")
    sub.add_parser(
        "healthcheck",
        help="exit 0 when the running bot's HTTP server (HTTP_PORT) says it is alive, else 1",
    )
    _export_parser(sub)
    restore = sub.add_parser(
        "import",
        help="load a backup (export all) into a new database: SQLite to PostgreSQL and back",
        description="Load the database.json of a backup written by export all into the "
        "database (DATABASE_URL, or --db): it is migrated first, must hold nothing but the "
        "seed (which the backup replaces), and gets everything or nothing.",
    )
    restore.add_argument(
        "--from", dest="source", required=True, metavar="DIR", help="the folder export all wrote"
    )
    restore.add_argument("--db", help="an SQLite file to load into instead of DATABASE_URL")
    return parser


def _export_parser(sub: Any) -> None:
    """``export lägesbild`` (alias ``picture``), ``export minnesanteckningar`` (aliases
    ``protokoll``, ``minutes``), ``export inriktning`` (alias ``direction``); the work is in
    ``bot.export``."""
    from bot.export import FORMATS

    archived = (*FORMATS, "pdf")  # PDF/A for the registrar: bot/export/pdf.py
    export = sub.add_parser(
        "export",
        help="write a joint situation picture, a meeting's minutes or a direction to a file",
    )
    what = export.add_subparsers(dest="what", metavar="WHAT", required=True)
    picture = what.add_parser(
        "lägesbild",
        aliases=["picture"],
        help="the joint situation picture (samlad lägesbild) of a round",
        description="Write the joint situation picture of a forum's round, as !lägesbild "
        "shows it, for printing, archiving or pasting elsewhere. Reads only.",
    )
    picture.set_defaults(export="picture")
    _forum_option(picture)
    picture.add_argument(
        "--round",
        type=_positive,
        help="the round's number; default: the current round if anyone has reported in it, "
        "else the latest round with reports or a published version",
    )
    picture.add_argument(
        "--version", type=_positive, help="a published version; default: compiled now"
    )
    _export_options(picture, archived)
    minutes = what.add_parser(
        "minnesanteckningar",
        aliases=["protokoll", "minutes"],
        help="the meeting notes (minnesanteckningar) of a meeting",
        description="Write the full minutes of a forum's meeting, as the file the bot attaches "
        "to them in the chat: items by agenda topic, actions, and the round's joint "
        "situation picture. Reads only.",
    )
    minutes.set_defaults(export="minutes")
    _forum_option(minutes)
    minutes.add_argument(
        "--meeting", type=_positive, help="the meeting's number; default: the latest meeting"
    )
    _export_options(minutes, archived)
    direction = what.add_parser(
        "inriktning",
        aliases=["direction"],
        help="a joint regional direction (gemensam regional inriktning)",
        description="Write a joint regional direction, as the file !inriktning fil attaches: "
        "its fields, versions, who adopted it, the confirmations and the agreed joint "
        "messages. Reads only.",
    )
    direction.set_defaults(export="direction")
    direction.add_argument(
        "--number",
        type=_positive,
        help="the direction's number; default: the one in force (for --forum, or the newest "
        "adopted in the region)",
    )
    direction.add_argument(
        "--forum", help="the forum it is in force for: number (as in !forum lista), slug or name"
    )
    _export_options(direction, archived, default_format="md")
    record = what.add_parser(
        "efterhand",
        aliases=["record"],
        help="the record of an activation (efterhand): timeline, key figures, charts",
        description="Write the record of an activation as !efterhand compiles it from what is "
        "stored: key figures, a paragraph for the evaluation report, the timeline, and in "
        "HTML the charts of acknowledgements and reporting. Reads only.",
    )
    record.set_defaults(export="record")
    _forum_option(record)
    record.add_argument(
        "--activation",
        type=_positive,
        help="the activation's number; default: the forum's latest real activation",
    )
    _export_options(record, archived)
    statistics = what.add_parser(
        "statistik",
        aliases=["statistics"],
        help="a forum's statistics over a period, exercises apart",
        description="Write a forum's figures as !statistik shows them (activations, time to "
        "acknowledge, time to convene, reports before the conference, meetings), with a "
        "chart of the conference's report completeness week by week in HTML. Reads only.",
    )
    statistics.set_defaults(export="statistics")
    _forum_option(statistics)
    statistics.add_argument(
        "--period",
        default="",
        help='a year ("2026") or "senaste 12 månader"; default: the last 12 months',
    )
    _export_options(statistics, FORMATS)
    everything = what.add_parser(
        "all",
        help="a whole backup: the database, every forum's pictures, minutes and reports, "
        "the audit log",
        description="Write a backup into a new folder: database.json (every table, for "
        "samverkan-bot import), and for people each forum's joint pictures, minutes and "
        "situation reports, and the audit log, as Markdown and JSON; README.txt says what is "
        "where. Reads only, in one consistent snapshot.",
    )
    everything.set_defaults(export="all")
    everything.add_argument(
        "--out", required=True, metavar="DIR", help="the folder to write: new, or empty"
    )
    everything.add_argument(
        "--lang", choices=("sv", "en"), help="of the files for people; default: each forum's"
    )
    everything.add_argument("--db", help="an SQLite file to use instead of DATABASE_URL")
    everything.add_argument("--now", help='pin the clock, e.g. "2026-11-26 15:00" (local time)')


def _forum_option(parser: argparse.ArgumentParser) -> None:
    """``--forum``, required: the forum the export is of."""
    parser.add_argument(
        "--forum", required=True, help="the forum: number (as in !forum lista), slug or name"
    )


def _export_options(
    parser: argparse.ArgumentParser, formats: Sequence[str], default_format: str | None = None
) -> None:
    parser.add_argument(
        "--format",
        required=default_format is None,
        default=default_format,
        choices=formats,
        help="md (Markdown), html (a printable page)"
        + (", json or pdf (PDF/A, for the archive)" if "pdf" in formats else " or json")
        + (f"; default: {default_format}" if default_format else ""),
    )
    parser.add_argument("--out", help="the file to write; default: standard output")
    parser.add_argument("--lang", choices=("sv", "en"), help="default: the forum's language")
    parser.add_argument("--db", help="an SQLite file to use instead of DATABASE_URL")
    parser.add_argument("--now", help='pin the clock, e.g. "2026-11-26 15:00" (local time)')


def _positive(value: str) -> int:
    """A round, version or meeting number as people write it: ``12`` or ``#12``."""
    text = value.strip().lstrip("#")
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a number from 1, not {value!r}")
    return int(text)


def _pinned_clock(value: str, timezone: str) -> FixedClock:
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            naive = datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
        from commands.core.clock import FixedClock

        return FixedClock(naive.replace(tzinfo=ZoneInfo(timezone)))
    raise ConfigError(f'--now takes a local time like "2026-11-26 15:00", not {value!r}')


def main(argv: Sequence[str] | None = None) -> int:
    # Everything the bot writes (database, backups, saved files, Matrix keys) is for its own
    # user only, whatever umask the operator's shell or service manager has.
    os.umask(0o077)
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        overrides: dict[str, str] = {}
        if command in ("console", "export"):
            if args.db:
                overrides["database_url"] = f"sqlite:///{args.db}"
            if args.lang and command == "console":
                overrides["default_language"] = args.lang
        settings = load_settings(args.config, **overrides)
        from commands.core.clock import SystemClock

        clock: Clock = SystemClock()
        if command in ("console", "export") and args.now:
            clock = _pinned_clock(args.now, settings.timezone)
    except ConfigError as error:
        print(f"samverkan-bot: {error}", file=sys.stderr)
        return 2

    if command == "migrate":
        configure_logging(settings.log_level, settings.log_format)
        return _migrate(settings)
    if command == "healthcheck":
        return _healthcheck(settings)
    if command == "console":
        return _console(settings, clock)
    if command == "export":
        if args.export == "all":
            return _export_all(settings, clock, args)
        return _export(settings, clock, args)
    if command == "import":
        return _import(settings, args)
    return _run(settings)


def _migrate(settings: Settings) -> int:
    from storage import Database

    database = Database(settings.database_url)
    from commands.core.clock import SystemClock

    database.prepare(SystemClock().now())
    log.info("database is up to date: %s", database.engine.url.render_as_string())
    database.dispose()
    return 0


def _healthcheck(settings: Settings) -> int:
    """For a container's HEALTHCHECK (no curl in the image): ask /healthz on this host."""
    import urllib.request

    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "") else settings.http_host  # noqa: S104
    url = f"http://{host}:{settings.http_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            alive = response.status == 200
    except OSError as error:
        print(f"samverkan-bot: {url}: {error}", file=sys.stderr)
        return 1
    return 0 if alive else 1


def _console(settings: Settings, clock: Clock) -> int:
    # The terminal is the chat: only warnings go to standard error, unless asked for more.
    import os

    configure_logging(
        settings.log_level if "LOG_LEVEL" in os.environ else "WARNING", settings.log_format
    )
    from bot.app import build_app
    from bot.console.door import ConsoleDoor, history_file_for
    from commands.core.clock import ShiftedClock
    from storage.database import sqlite_file

    shifted = ShiftedClock(clock)  # ~tid moves it
    app = build_app(settings, shifted)
    door = ConsoleDoor(
        app.hub,
        language=settings.default_language,
        clock=shifted,
        history_file=history_file_for(sqlite_file(settings.database_url)),
    )
    app.hub.attach(door)
    pages = _console_pages(settings, app, shifted)
    try:
        asyncio.run(_console_ticking(app, door, settings.tick_seconds, pages))
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


def _console_pages(settings: Settings, app: App, clock: Clock) -> WebServer:
    """The web pages beside the terminal chat, so that a newcomer can try ``!webb``: on this
    machine only (127.0.0.1, whatever ``HTTP_HOST`` says: a laptop's terminal is no server),
    on ``HTTP_PORT``."""
    from bot.web import WebServer
    from bot.web_pages import WebPages

    server = WebServer(LOOPBACK, settings.http_port, app.database, app.hub.doors)
    WebPages(app.database, clock, settings.core()).add_routes(server.app)
    return server


def _export(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    """Write the picture, minutes, direction, record or statistics asked for; a one-line error
    and status 2 when they cannot be had. A PDF is the HTML printed (bot/export/pdf.py)."""
    from pathlib import Path

    from bot.export.direction_export import render_direction
    from bot.export.minutes_export import render_minutes
    from bot.export.picture_export import render
    from bot.export.source import (
        DirectionQuery,
        ExportError,
        MinutesQuery,
        PictureQuery,
        load_direction,
        load_minutes,
        load_picture,
    )
    from storage import Database
    from storage.database import sqlite_file

    out = Path(args.out) if args.out else None
    if args.format == "pdf" and out is None and sys.stdout.isatty():
        # A PDF's bytes on a terminal are noise (and can upset it): a file, or a pipe.
        print(
            "samverkan-bot: a PDF is not shown on a terminal: write it to a file with "
            "--out, for example --out minnesanteckningar.pdf",
            file=sys.stderr,
        )
        return 2
    database_file = sqlite_file(settings.database_url)
    problem = None
    if out is not None and not out.parent.is_dir():
        problem = f"cannot write {out}: the folder {out.parent} does not exist"
    elif database_file is not None and not Path(database_file).is_file():
        problem = f"no database at {database_file} (samverkan-bot migrate creates one)"
    if problem:
        print(f"samverkan-bot: {problem}", file=sys.stderr)
        return 2
    database = Database(settings.database_url)
    fmt = "html" if args.format == "pdf" else args.format
    author = None  # the PDF's: the forum
    try:
        if args.export == "statistics":
            from bot.export.source import StatisticsQuery, load_statistics
            from bot.export.statistics_export import render_statistics

            loaded = load_statistics(
                database, StatisticsQuery(args.forum, args.period, args.lang), clock.now()
            )
            text = render_statistics(
                loaded.statistics, args.format, loaded.language, loaded.zone, loaded.compiled_at
            )
        elif args.export == "record":
            from bot.export.record_export import render_record
            from bot.export.source import RecordQuery, load_record

            now = clock.now()
            kept = load_record(
                database,
                RecordQuery(args.forum, args.activation, args.lang),
                now,
                settings.activation_recall_minutes,
            )
            text = render_record(
                kept.record, fmt, kept.language, kept.timezone, now, exercise=kept.exercise
            )
            author = kept.record.forum
        elif args.export == "direction":
            asked = DirectionQuery(args.number, args.forum, args.lang)
            found = load_direction(database, asked, clock.now())
            text = render_direction(found.record, fmt, found.language)
            author = found.record.forum
        elif args.export == "minutes":
            query = MinutesQuery(args.forum, args.meeting, args.lang)
            minutes = load_minutes(database, query, clock.now())
            text = render_minutes(minutes.minutes, fmt, minutes.language)
            author = minutes.minutes.forum
        else:
            wanted = PictureQuery(args.forum, args.round, args.version, args.lang)
            picture = load_picture(database, wanted, clock.now(), settings.meeting_minutes)
            text = render(picture, fmt)
            author = picture.picture.forum
    except ExportError as error:
        print(f"samverkan-bot: {error}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    if args.format == "pdf":
        from bot.export.pdf import pdf_of

        content = pdf_of(text, author=author)
    else:
        content = text.encode("utf-8")
    if out is not None:
        out.write_bytes(content)
        return 0
    # UTF-8 whatever the terminal's locale says: the file is meant for other systems.
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None and args.format == "pdf":
        print("samverkan-bot: this standard output takes no bytes: use --out", file=sys.stderr)
        return 2
    if binary is None:
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        binary.write(content)
        binary.flush()
    return 0


def _run(settings: Settings) -> int:
    partial = [
        name
        for name, configured, values in (
            (
                "Matrix",
                settings.matrix_configured,
                (
                    settings.matrix_homeserver,
                    settings.matrix_user_id,
                    settings.matrix_password,
                    settings.matrix_access_token,
                ),
            ),
            (
                "Slack",
                settings.slack_configured,
                (settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret),
            ),
        )
        if not configured and any(values)
    ]
    if partial:
        configure_logging(settings.log_level, settings.log_format)
        log.warning(
            "%s settings are incomplete, so that door does not start; see the README",
            " and ".join(partial),
        )
    if not settings.matrix_configured and not settings.slack_configured:
        from commands.core.clock import SystemClock

        return _console(settings, SystemClock())
    configure_logging(settings.log_level, settings.log_format)
    return _serve(settings)


def _serve(settings: Settings) -> int:
    """Run the configured platform doors and the HTTP server until SIGTERM or Ctrl-C.

    The Slack door serves in every process; the Matrix sync and the timed work are the
    leader's duties (bot/leader.py), so that several processes can share one database."""
    from bot import metrics
    from bot.app import build_app
    from bot.change_listener import relay_changes, relays
    from bot.due_listener import listen_for_due, listens
    from bot.hub import Door
    from bot.leader import Leadership, default_instance_name
    from bot.matrix.door import MatrixDoor, MatrixLoginError
    from bot.slack.door import SlackDoor, SlackLoginError
    from bot.web import HttpLimits, ListenError, WebServer
    from bot.web_pages import WebPages

    instance = settings.instance_name or default_instance_name()
    app = build_app(settings, instance=instance, on_command=metrics.command_handled)
    web = WebServer(
        settings.http_host,
        settings.http_port,
        app.database,
        app.hub.doors,
        limits=HttpLimits.of(settings),
        outbox=app.hub.timekeeper.outbox_depth,
    )
    # The web pages (!webb's sign-in links, a forum's page, the archive, the staff-room
    # display) on the same server; every process hears of the others' changes to a forum
    # (PostgreSQL), so that a display it serves updates whichever process made them.
    WebPages(app.database, app.dispatcher.clock, settings.core()).add_routes(web.app)
    _test_hooks(app.hub)
    always: list[Coroutine[Any, Any, None]] = [web.run()]
    if relays(app.database):
        always.append(relay_changes(app.database))
    matrix: Door | None = None
    if settings.matrix_configured:
        matrix = MatrixDoor(app.hub, app.database, settings)
        app.hub.attach(matrix)
    if settings.slack_configured:
        slack = SlackDoor(app.hub, settings, web)
        app.hub.attach(slack)
        always.append(slack.run())

    async def duties() -> None:
        leading = [app.hub.tick_forever(settings.tick_seconds)]
        if matrix is not None:
            leading.append(matrix.run())
        if listens(app.database):
            leading.append(listen_for_due(app.database, app.hub.wake))
        await _all_or_none(leading)

    leadership = Leadership(app.database, instance, settings.leader_lease_seconds, duties)
    web.leading = lambda: leadership.leading
    log.info("starting as %s", instance)
    try:
        asyncio.run(_until_stopped([*always, leadership.run()]))
    except (MatrixLoginError, SlackLoginError, ListenError) as error:
        log.error("%s", error)
        return 2
    finally:
        app.close()
    log.info("stopped")
    return 0


def _test_hooks(hub: Hub) -> None:
    """The chaos test's hooks (bot/hub.py), when their variables are set: never in
    production."""
    commit = os.environ.get(DIE_AFTER_COMMIT)
    if commit:
        log.warning("%s is set: this process kills itself on %r", DIE_AFTER_COMMIT, commit)
        hub.die_after_commit = lambda incoming: commit in incoming.text
    sent = os.environ.get(DIE_AFTER_SEND)
    if sent:
        from bot.render.text import render_text

        log.warning("%s is set: this process kills itself on %r", DIE_AFTER_SEND, sent)
        hub.die_after_send = lambda post: sent in render_text(post.document)


async def _all_or_none(runs: list[Coroutine[Any, Any, None]]) -> None:
    """Run side by side; when one ends (or fails), the others are stopped with it."""
    tasks = [asyncio.create_task(run) for run in runs]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _console_ticking(
    app: App, door: ConsoleDoor, tick_seconds: float, pages: WebServer | None = None
) -> None:
    """The terminal chat, with the timed jobs ticking beside it until its input ends, and
    the web pages served (their address said under the welcome) when the port can be had."""
    from bot.change_listener import relay_changes, relays

    ticker = asyncio.create_task(app.hub.tick_forever(tick_seconds))
    background = [ticker]
    if pages is not None:
        serving = await _serve_pages(pages, door)
        if serving is not None:
            background.append(serving)
            if relays(app.database):  # a display here hears of other processes' changes
                background.append(asyncio.create_task(relay_changes(app.database)))
    try:
        await door.run()
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        # What this process claimed is printed before it ends (another process sharing the
        # database would otherwise get it only once the claim runs out).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_AT_END_S):
                await app.hub.sender.drain()


async def _serve_pages(pages: WebServer, door: ConsoleDoor) -> asyncio.Task[None] | None:
    """Start serving the pages; once the port is had, the door knows their address. A port
    another program holds costs a warning, not the chat."""
    from bot.web import ListenError

    listening = asyncio.Event()
    pages.on_listening = listening.set

    async def serve() -> None:
        try:
            await pages.run()
        except ListenError as error:
            log.warning("the web pages are not served: %s", error)

    task = asyncio.create_task(serve())
    waiting = asyncio.create_task(listening.wait())
    await asyncio.wait([task, waiting], timeout=PAGES_START_S, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    dispatcher = door.hub.dispatcher
    if listening.is_set():
        door.web_address = dispatcher.config.web_base_url
        return task
    if not task.done():  # still starting: it may yet listen
        return task
    # No pages here: !webb says so rather than give links to whatever holds the port.
    dispatcher.config = replace(dispatcher.config, web_served=False)
    return None


async def _until_stopped(runs: list[Coroutine[Any, Any, None]]) -> None:
    """Run the doors until one ends or a signal asks us to stop; then stop them all."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    tasks = [asyncio.create_task(run) for run in runs]
    stopping = asyncio.create_task(stop.wait())
    done, _pending = await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
    if stopping in done:
        log.info("stopping on a signal")
    for task in [*tasks, stopping]:
        task.cancel()
    await asyncio.gather(*tasks, stopping, return_exceptions=True)
    for task in tasks:
        if task in done and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


def _export_all(settings: Settings, clock: Clock, args: argparse.Namespace) -> int:
    """A whole backup into a new folder (``bot.backup``); a one-line error when refused."""
    from pathlib import Path

    from bot.backup import BackupError
    from bot.backup.export_all import export_all

    out = Path(args.out)
    try:
        summary = export_all(
            settings.database_url,
            out,
            clock.now(),
            args.lang,
            default_language=settings.default_language,
            timezone=settings.timezone,
        )
    except BackupError as error:
        print(f"samverkan-bot: {error}", file=sys.stderr)
        return error.status
    print(summary.line(out))
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    """Load a backup into the database (``--db`` or DATABASE_URL); all or nothing."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from bot.backup import BackupError
    from bot.backup.dump import import_backup

    url = f"sqlite:///{args.db}" if args.db else settings.database_url
    try:
        loaded = import_backup(url, Path(args.source))
    except BackupError as error:
        print(f"samverkan-bot: {error}", file=sys.stderr)
        return error.status
    target = make_url(url).render_as_string(hide_password=True)
    print(f"imported {loaded.total} rows from {args.source} into {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
