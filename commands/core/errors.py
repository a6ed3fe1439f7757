"""Refusals: what a handler raises when the input is bad or the action is not allowed."""

from __future__ import annotations

from typing import Any


class CommandError(Exception):
    """Bad input or a refused action: the user gets the text, nothing is changed.

    ``key`` is a catalogue key; ``params`` fill it in. ``hint_key`` adds a second paragraph,
    typically an example that works.
    """

    def __init__(self, key: str, hint_key: str | None = None, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.hint_key = hint_key
        self.params = params
