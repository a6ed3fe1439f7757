"""The direction's form: its six fields, one question each, for a new draft or (with a
number) the edit of one, the current text filled in where the door can (a Slack modal).
Registered by ``!inriktning`` (``commands/direction.py``) as the form type ``direction``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from commands.core.forms import Form, FormField
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.joint_direction.text import FIELDS, MAX_VALID_UNTIL_TEXT, VALID_UNTIL, field_label
from storage.directions import DirectionText

FORM_KEY = "direction"
# A text field's length (Slack's limit for an input).
MAX_FIELD = 3000


def initial_values(text: DirectionText, zone: ZoneInfo) -> dict[str, str]:
    """A version's fields as a form shows them to be edited: *Gäller till* as the instant
    it was read as (``2026-11-27 18:00``), never the phrase, which would read otherwise
    later."""
    initial = {name: value or "" for name, value in text.fields().items()}
    initial[VALID_UNTIL] = format_time(text.valid_until, zone) if text.valid_until else ""
    return initial


def build_form(
    language: str, context: dict[str, Any], initial: dict[str, str] | None = None
) -> Form:
    """The direction's fields, one question each: a new draft, or (with a number) the edit
    of one, the current text filled in where the door can (a Slack modal)."""
    number = context.get("number")
    editing = number is not None
    prefix = str(context.get("prefix", "!"))
    if editing:
        intro_key = "form_intro_edit_modal" if context.get("modal") else "form_intro_edit"
        title = t(language, "direction_lifecycle.form_title_edit", number=number)
        intro = t(
            language,
            f"direction_lifecycle.{intro_key}",
            number=number,
            version=context.get("version", "?"),
        )
        line = f"{t(language, 'direction_lifecycle.word.edit')} {number}"
    else:
        title = t(language, "direction_lifecycle.form_title_draft")
        intro = t(
            language,
            "direction_lifecycle.form_intro_draft",
            forum=context.get("forum", "?"),
            prefix=prefix,
        )
        line = t(language, "direction_lifecycle.word.draft")
    initial = initial or {}
    return Form(
        key=FORM_KEY,
        title=title,
        intro=intro,
        fields=tuple(
            FormField(
                name=name,
                label=field_label(name, language),
                question=t(language, f"direction_lifecycle.question.{name}"),
                multiline=name != VALID_UNTIL,
                max_length=MAX_VALID_UNTIL_TEXT if name == VALID_UNTIL else MAX_FIELD,
                initial=initial.get(name, ""),
            )
            for name in FIELDS
        ),
        submit_label=t(language, "direction_lifecycle.form_submit"),
        context=context,
        command=line,
    )
