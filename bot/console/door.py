r"""``samverkan-bot console``: one message a line in, every bot message out.

Interactive with a prompt on a terminal; line by line, exiting at the end of input, when piped.
A line may start with ``#channel`` and/or ``@person:`` or ``@person/Organisation:``. A line with
only that prefix switches the channel and/or person for the lines after it. A line ending in
``\`` goes on on the next line: one message over several lines (a situation report).

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
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.console.lines import mentions_in, parse_line
from bot.files import File, files_of
from bot.hub import Hub
from bot.render.text import render_text
from commands.core.clock import ShiftedClock
from commands.core.document import Document
from commands.core.i18n import t
from commands.core.request import Incoming, MentionRef, Speaker
from commands.core.timefmt import format_time_with_weekday
from commands.core.when import parse_when

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
    ) -> None:
        self.hub = hub
        self.files_dir = files_dir
        self.language = language
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.clock = clock
        self._printed = 0  # messages printed: their ids
        self.channel = DEFAULT_CHANNEL
        self.person = OPERATOR
        self.organisation: str | None = None

    async def deliver(
        self,
        channel_id: str,
        document: Document,
        files: Sequence[File] = (),
        *,
        confirm: bool = False,
        key: str | None = None,
    ) -> str | None:
        self._print(channel_id, self._with_files(render_text(document), files))
        self._printed += 1
        return f"{channel_id}:{self._printed}"

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
        self.stdout.write(f"── #{channel_id} ──\n{text}\n\n")
        self.stdout.flush()

    def _read(self, continued: bool = False) -> str | None:
        if self.interactive:
            prompt = "… " if continued else f"#{self.channel} @{self.person}> "
            try:
                return input(prompt)
            except EOFError:
                return None
        line = self.stdin.readline()
        return line if line else None

    async def run(self) -> None:
        if self.interactive:
            import readline  # noqa: F401  (line editing; input() then prompts on stdout)

            self.stdout.write(t(self.language, "console.welcome", prefix=self.prefix) + "\n\n")
        while True:
            line = await self._read_message()
            if line is None:
                break
            await self.handle_line(line)
        if self.interactive:
            self.stdout.write("\n")

    async def _read_message(self) -> str | None:
        """A line, and the lines after it while each ends in a backslash."""
        line = await self._read_in_background()
        while line is not None and line.rstrip("\r\n").endswith("\\"):
            more = await self._read_in_background(continued=True)
            line = line.rstrip("\r\n")[:-1] + "\n" + (more or "")
        return line

    async def _read_in_background(self, continued: bool = False) -> str | None:
        """Read a line in a daemon thread, so Ctrl-C ends the console at once even while a
        read is waiting (the event loop's default executor would wait for it)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()

        def read() -> None:
            try:
                line = self._read(continued)
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
        when = parse_when(phrase, clock.now(), zone)
        if when is None or when.at <= clock.now():
            self._print(channel, t(self.language, "console.time_bad", phrase=phrase[:80]))
            return
        target = when.at
        async with self.hub.ticking_held():
            while True:
                posts = await self.hub.call(dispatcher.tick)
                if posts:
                    await self.hub.deliver(posts)
                now = clock.now()
                if now >= target:
                    break
                next_due = await self.hub.call(dispatcher.next_due)
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
        )
        reply = await self.hub.handle(incoming)
        if reply is not None:
            files = files_of(reply.attachments)
            self._print(channel, self._with_files(render_text(reply.document), files))
        elif self.interactive:
            self.stdout.write(t(self.language, "console.not_a_command", prefix=self.prefix) + "\n")


def _settle(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)


def _settle_error(future: asyncio.Future[str | None], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
