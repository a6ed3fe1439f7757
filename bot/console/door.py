r"""``samverkan-bot console``: messages in, every bot message out under a
``── #channel HH:MM ──`` line (the console's clock, which ``--now`` pins and ``~tid`` moves).

On a terminal, a prompt (``bot/console/interactive.py``: prompt_toolkit) where a pasted block
of lines is one message; piped, one message a line, exiting at the end of input. A message may
start with ``#channel`` and/or ``@person:`` or ``@person/Organisation:``. One with only that
prefix switches the channel and/or person for the messages after it. A line ending in ``\``
goes on on the next line: one message over several lines (a situation report), piped or typed.

A direct message to one person is printed under ``── @anna 16:00 ──``, its first line
saying so ("(direktmeddelande till anna)"); a message kept current (an edit) is printed again,
whole, under its channel's line, its first line "(uppdaterat)".

A terminal cannot show a file: a file the bot attaches (the full minutes) is saved in a folder
(``samverkan-filer`` in the working directory, made when first needed; the same name again
overwrites it), and the message says where.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from bot.console.lines import mentions_in, parse_line
from bot.files import File, files_of
from bot.hub import Hub
from bot.render.text import render_text
from commands.core.clock import ShiftedClock
from commands.core.i18n import t
from commands.core.messages import Incoming, MentionRef, Post, Speaker
from commands.core.timefmt import format_time_with_weekday
from commands.core.when import Refusal, read_when
from storage.audit import AuditContext

if TYPE_CHECKING:
    from bot.console.interactive import TerminalPrompt

PLATFORM = "console"
# ``~tid <när>``: the terminal's clock jumps forward (see ConsoleDoor.travel).
TIME_TRAVEL = frozenset({"~tid", "~time"})
DEFAULT_CHANNEL = "konsol"
OPERATOR = "operator"
FILES_DIR = Path("samverkan-filer")


class ConsoleDoor:
    platform = PLATFORM

    def __init__(
        self,
        hub: Hub,
        *,
        language: str = "sv",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
        files_dir: Path = FILES_DIR,
        clock: ShiftedClock | None = None,
        history_file: Path | None = None,
    ) -> None:
        self.hub = hub
        self.files_dir = files_dir
        self.language = language
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        # The prompt needs a terminal both ways; typed into a file, the line reader serves.
        if interactive is None:
            interactive = self.stdin.isatty() and self.stdout.isatty()
        self.interactive = interactive
        self.clock = clock
        self.history_file = history_file  # interactive only; None: history in memory
        self._prompt: TerminalPrompt | None = None  # set while the interactive prompt runs
        self._organisations: list[str] = []  # for completion, refreshed after each message
        self._printed = 0  # messages printed: their ids
        self.channel = DEFAULT_CHANNEL
        self.person = OPERATOR
        self.organisation: str | None = None
        # Where the web pages are served, once they are (said under the welcome).
        self.web_address: str | None = None

    @property
    def active(self) -> bool:
        return True  # the terminal is this process's own

    def status(self) -> str:
        return "connected"

    async def deliver(self, post: Post) -> str | None:
        """Print ``post`` under its channel's line, with where its files were saved. A direct
        message is printed under a line saying to whom; an edit, as the new version marked
        updated (a terminal cannot change what it printed)."""
        files = files_of(post.attachments)
        text = self._with_files(render_text(post.document), files)
        # The line above stays ``── <where> HH:MM ──`` (scripts split on it); what kind of
        # message it is, is said on the first line of the text.
        header, marks = f"#{post.channel_id}", []
        if post.direct:
            header = f"@{post.channel_id}"
            marks.append(t(self.language, "door_live.console_direct", person=post.channel_id))
        if post.replaces is not None:
            marks.append(t(self.language, "door_live.console_updated"))
        self._print_under(header, "\n".join([*marks, text]))
        if post.replaces is not None:
            return post.targets[0] if post.targets else None
        self._printed += 1
        return f"{post.channel_id}:{self._printed}"

    def _with_files(self, text: str, files: Sequence[File]) -> str:
        """``text``, then a line for each file: where it was saved (or why it was not)."""
        return "\n".join([text, *(self._save(attached) for attached in files)])

    def _save(self, attached: File) -> str:
        # Only the name: a file never lands outside the folder, whatever its name says.
        path = self.files_dir / (Path(attached.filename).name or "fil")
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attached.content)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            return t(self.language, "door_files.save_failed", path=str(path), reason=reason)
        return t(self.language, "door_files.saved", path=str(path))

    def _print(self, channel_id: str, text: str) -> None:
        self._print_under(f"#{channel_id}", text)

    def _print_under(self, header: str, text: str) -> None:
        # The time as every chat client shows it; scripts split the output on this line.
        self._write(f"── {header} {self._time()} ──\n{text}\n\n")

    def _time(self) -> str:
        """The console's clock (``--now``, ``~tid``) on the wall, as ``16:00``."""
        dispatcher = self.hub.dispatcher
        now = (self.clock or dispatcher.clock).now()
        return now.astimezone(ZoneInfo(dispatcher.config.timezone)).strftime("%H:%M")

    def _write(self, text: str) -> None:
        if self._prompt is not None:
            self._prompt.write(text)  # above the prompt, not through what is being typed
        else:
            self.stdout.write(text)
            self.stdout.flush()

    def _read(self) -> str | None:
        line = self.stdin.readline()
        return line if line else None

    async def run(self) -> None:
        if self.interactive:
            await self._run_interactive()
            return
        while True:
            line = await self._read_message()
            if line is None:
                break
            await self.handle_line(line)

    async def _run_interactive(self) -> None:
        """The prompt on a terminal: a message typed or pasted, until Ctrl-D or Ctrl-C."""
        from bot.console.completion import ConsoleCompleter
        from bot.console.interactive import TerminalPrompt

        self._organisations = await self.hub.call(self._organisation_names)
        completer = ConsoleCompleter(
            self.prefix, lambda: self._organisations, self.hub.dispatcher.registry
        )
        self._prompt = TerminalPrompt(completer, self.history_file)
        welcome = t(self.language, "console.welcome", prefix=self.prefix)
        if self.web_address is not None:
            pages = t(self.language, "console.web_pages", url=self.web_address, prefix=self.prefix)
            welcome = f"{welcome}\n{pages}"
        self._write(welcome + "\n\n")
        try:
            while (message := await self._ask()) is not None:
                await self.handle_line(message)
                # Cheap (a few dozen rows), and !aktör ny may just have added one.
                self._organisations = await self.hub.call(self._organisation_names)
            self._write("\n")
        finally:
            self._prompt = None

    async def _ask(self) -> str | None:
        """One message: what was typed or pasted, and more while it ends in a backslash. A
        backslash ending a line inside a paste is dropped, so that a report written for piped
        input (the README's) pastes as it reads."""
        assert self._prompt is not None
        message = await self._prompt.read(f"#{self.channel} @{self.person}> ")
        while message is not None and message.rstrip().endswith("\\"):
            more = await self._prompt.read("… ")
            message = message.rstrip()[:-1] + "\n" + (more or "")
        return None if message is None else message.replace("\\\n", "\n")

    def _organisation_names(self) -> list[str]:
        """Every organisation's name, for completion (run in the hub's database thread)."""
        dispatcher = self.hub.dispatcher
        context = AuditContext(PLATFORM, self.channel, OPERATOR, OPERATOR, dispatcher.clock.now())
        with dispatcher.database.reading(context) as store:
            return [organisation.name for organisation in store.organisations.all()]

    async def _read_message(self) -> str | None:
        """A line, and the lines after it while each ends in a backslash."""
        line = await self._read_in_background()
        while line is not None and line.rstrip("\r\n").endswith("\\"):
            more = await self._read_in_background()
            line = line.rstrip("\r\n")[:-1] + "\n" + (more or "")
        return line

    async def _read_in_background(self) -> str | None:
        """Read a line in a daemon thread, so Ctrl-C ends the console at once even while a
        read is waiting (the event loop's default executor would wait for it)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()

        def read() -> None:
            try:
                line = self._read()
            except BaseException as error:
                loop.call_soon_threadsafe(_settle_error, future, error)
            else:
                loop.call_soon_threadsafe(_settle, future, line)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        return await future

    @property
    def prefix(self) -> str:
        return self.hub.dispatcher.config.prefix

    async def travel(self, phrase: str, channel: str) -> None:
        """``~tid <när>``: the clock jumps to then, and every post due on the way goes out in
        order, each at its own time (the way to see a week of conferences in a minute)."""
        clock = self.clock
        if clock is None:
            self._print(channel, t(self.language, "console.time_unavailable"))
            return
        dispatcher = self.hub.dispatcher
        zone = ZoneInfo(dispatcher.config.timezone)
        when = read_when(phrase, clock.now(), zone)
        if isinstance(when, Refusal) and when.specific:  # say why: a DST gap, a passed date …
            bad = t(self.language, "console.time_bad", phrase=phrase[:80])
            self._print(channel, f"{when.say(self.language, zone)}\n{bad}")
            return
        if isinstance(when, Refusal) or when.at <= clock.now():
            self._print(channel, t(self.language, "console.time_bad", phrase=phrase[:80]))
            return
        target = when.at
        async with self.hub.ticking_held():
            while True:
                posts = await self.hub.call(self.hub.timekeeper.tick)
                if posts:
                    await self.hub.send(posts, wait=True)
                now = clock.now()
                if now >= target:
                    break
                next_due = await self.hub.call(self.hub.timekeeper.next_scheduled)
                # A day at a time at the most: what is planned ahead is planned on the way.
                step = min(target, now + timedelta(days=1))
                if next_due is not None and now < next_due < step:
                    step = next_due
                clock.set(step)
        shown = format_time_with_weekday(clock.now(), zone, self.language)
        self._print(channel, t(self.language, "console.time_now", time=shown))

    async def handle_line(self, line: str) -> None:
        parsed = parse_line(line)
        channel = parsed.channel or self.channel
        person = parsed.person or self.person
        organisation = parsed.organisation
        if parsed.person is None:
            organisation = self.organisation
        word, _, rest = parsed.text.partition(" ")
        if word in TIME_TRAVEL:
            await self.travel(rest.strip(), channel)
            return
        if not parsed.text:
            # A bare prefix switches who speaks where, for the lines that follow.
            if parsed.channel or parsed.person:
                self.channel, self.person, self.organisation = channel, person, organisation
            return
        incoming = Incoming(
            platform=PLATFORM,
            channel_id=channel,
            speaker=Speaker(
                platform=PLATFORM,
                user_id=person,
                display_name=person,
                platform_moderator=person == OPERATOR,
                organisation_hint=organisation,
            ),
            text=parsed.text,
            # No event id: a terminal line is never delivered twice, and numbers would repeat
            # from one run to the next.
            channel_name=channel,
            mentions={f"@{name}": MentionRef(name, name) for name in mentions_in(parsed.text)},
            route={},  # answered in the channel, printed in turn with the rest
        )
        reply = await self.hub.handle(incoming, wait=True)
        if reply is None and self.interactive:
            self._write(t(self.language, "console.not_a_command", prefix=self.prefix) + "\n")


def history_file_for(database_file: str | None) -> Path | None:
    """``samverkan.db`` keeps what was typed at the prompt in ``samverkan.db.historik`` beside
    it (private like the database, by the process's umask); None, history in memory, when the
    database is no file. Here, not in ``interactive``: piped runs never import prompt_toolkit."""
    if not database_file:
        return None
    path = Path(database_file)
    return path.with_name(path.name + ".historik")


def _settle(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


def _settle_error(future: asyncio.Future[str | None], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
