"""The terminal chat's prompt on a real terminal, with prompt_toolkit.

What readline's ``input()`` could not give: a pasted block arrives as one bracketed paste
and stays one message (``input()`` returned its first line and left the rest to be read as
more messages); history kept beside the database; Tab completion; and bot messages that
arrive while someone types (a reminder falling due) printed above the prompt instead of
through the half-typed line.
"""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.completion import Completer
from prompt_toolkit.history import FileHistory, History, InMemoryHistory


class TerminalPrompt:
    def __init__(self, completer: Completer, history_file: Path | None = None) -> None:
        history: History = (
            FileHistory(str(history_file)) if history_file is not None else InMemoryHistory()
        )
        # Enter sends (multiline=False); a paste keeps its line breaks in the buffer, so it is
        # sent whole with the next Enter. Completion only on Tab: a menu popping up under
        # every typed "!" would hide the messages above.
        self._session: PromptSession[str] = PromptSession(
            history=history,
            completer=completer,
            complete_while_typing=False,
            multiline=False,
        )

    async def read(self, prompt: str) -> str | None:
        """The message typed or pasted; None when the person leaves (Ctrl-D, Ctrl-C)."""
        try:
            return await self._session.prompt_async(prompt)
        except (EOFError, KeyboardInterrupt):
            return None

    def write(self, text: str) -> None:
        """Print ``text`` as it is (never read as markup), above the prompt if one is shown."""
        print_formatted_text(text, end="", flush=True)
