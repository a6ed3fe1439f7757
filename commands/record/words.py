"""An activation's record in words, the same in the chat (``!efterhand``) and the exports."""

from __future__ import annotations

from datetime import timedelta

from commands.core.i18n import t
from commands.core.timefmt import format_duration
from commands.record.data import Entry


def minutes_text(language: str, value: int | None) -> str:
    """``12 min``, ``2 h 0 min``, ``mindre än en minut``; ``–`` for nothing to measure."""
    if value is None:
        return "–"
    if value == 0:
        return t(language, "activation.under_a_minute")
    return format_duration(timedelta(minutes=value), language)


def entry_text(language: str, entry: Entry) -> str:
    """A timeline entry in words (``activation_record.entry.<kind>``): lists joined, a count
    beside each list, a delay in minutes as a duration, a duty role by its short name."""
    params: dict[str, object] = {}
    for key, value in entry.values.items():
        if isinstance(value, list):
            params[key] = "; ".join(str(item) for item in value) or "–"
            params[f"{key}_count"] = len(value)
        else:
            params[key] = value
        if key == "minutes" and isinstance(value, int):
            params["after"] = minutes_text(language, value)
        if key == "duty":
            params["duty"] = t(language, f"duty.short.{value}")
    return t(language, f"activation_record.entry.{entry.kind}", who=entry.who or "–", **params)
