"""Forms: a few questions answered at once (a Slack modal) or one by one (a dialog).

A command offers a :class:`Form` with :func:`offer`. Where the door can open a form at once
(a Slack slash command or button click carries a trigger), the reply carries it and the door
shows it; where it can only do so after a click (a Slack channel message), the reply has a
button; elsewhere (the terminal, Matrix) the core asks the questions one message at a time and
keeps the answers in the database (``FormDialog``), so a restart loses nothing.

However it was filled in, the answers come back as a :class:`FormSubmission` to the form
type's ``submit`` function, registered with :func:`commands.core.registry.form_type` under the
form's key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from commands.core.text import fold

# A dialog not answered for this long is dropped: the next message is chat again.
DIALOG_TIMEOUT = timedelta(hours=1)
# Answers that leave a question empty.
SKIP_ANSWERS = frozenset({"-", "–", "—", "hoppa over", "hoppa", "skip", "pass"})


class FormSupport(StrEnum):
    """How the door a message came through can show a form."""

    DIALOG = "dialog"  # no forms: the core asks question by question
    MODAL = "modal"  # can open one now (Slack, with a trigger id)
    BUTTON = "button"  # can open one after a click on a button (Slack channel messages)


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    question: str  # asked in a dialog; the hint under the field in a modal
    multiline: bool = True
    max_length: int = 3000
    # The text the field starts with where the door can fill one in (a Slack modal): the
    # current text of what is being edited.
    initial: str = ""


@dataclass(frozen=True)
class Form:
    key: str  # the form type that receives the answers
    title: str  # short: Slack allows 24 characters
    intro: str
    fields: tuple[FormField, ...]
    submit_label: str
    # Handed back with the answers (JSON-serialisable): which round, for whom.
    context: dict[str, Any] = field(default_factory=dict)
    # The command line that opens this form again (a button's command).
    command: str = ""


@dataclass(frozen=True)
class FormSubmission:
    key: str
    context: dict[str, Any]
    values: dict[str, str]  # field name -> answer ("" when left empty)


def is_skip(answer: str) -> bool:
    return fold(answer) in SKIP_ANSWERS
