"""Forms in chat: offered as a modal where the door has one, else asked question by question.

A dialog belongs to one person in one channel. Their next messages there (not commands) are
the answers, ``-`` leaves a question empty, ``!avbryt`` (``commands/cancel.py``) ends it. After
the last answer the form type's ``submit`` gets everything, as if it came from a modal.
"""

from __future__ import annotations

from datetime import datetime

from commands.core.document import Button, Document, Strong
from commands.core.errors import CommandError
from commands.core.forms import (
    DIALOG_TIMEOUT,
    Form,
    FormSubmission,
    FormSupport,
    is_skip,
)
from commands.core.i18n import t
from commands.core.messages import Reply
from commands.core.registry import FormType
from commands.core.request import Request
from storage.models import FormDialog


def offer(req: Request, form: Form) -> Reply:
    """The form, shown the way this door can show one."""
    incoming = req.incoming
    if incoming.forms is FormSupport.MODAL:
        return Reply(Document().paragraph(req.t("form.opened", title=form.title)), form=form)
    if incoming.forms is FormSupport.BUTTON:
        doc = Document().paragraph(form.intro)
        doc.actions(
            Button(
                req.t("form.open_button"),
                form.command,
                req.t("form.open_hint", prefix=req.config.prefix, command=form.command),
            )
        )
        return Reply(doc)
    dialog = req.store.dialogs.start(
        incoming.platform, incoming.channel_id, incoming.speaker.user_id, form.key, form.context
    )
    doc = Document().paragraph(form.intro)
    doc.paragraph(req.t("form.how", count=len(form.fields), prefix=req.config.prefix))
    _ask(doc, req, form, dialog.step)
    return Reply(doc)


def _ask(doc: Document, req: Request, form: Form, step: int) -> None:
    question = form.fields[step]
    doc.paragraph(
        Strong(f"{step + 1}/{len(form.fields)} {question.label}"), " – ", question.question
    )


def expired(dialog: FormDialog, now: datetime) -> bool:
    """Left unanswered too long: the person's messages are chat again."""
    return now - dialog.updated_at > DIALOG_TIMEOUT


def answer(req: Request, dialog: FormDialog, form_types: dict[str, FormType]) -> Reply:
    """Take the message as the answer to the dialog's current question; ask the next one,
    or hand the answers to the form type after the last."""
    kind = form_types[dialog.form]
    form = kind.build(req.language, dialog.context)
    text = req.incoming.text.strip()
    req.store.dialogs.answer(dialog, "" if is_skip(text) else text)
    if dialog.step < len(form.fields):
        doc = Document()
        _ask(doc, req, form, dialog.step)
        return Reply(doc)
    values = {field.name: value for field, value in zip(form.fields, dialog.answers, strict=False)}
    req.store.dialogs.end(dialog)
    if not any(value.strip() for value in values.values()):
        return Reply(Document().paragraph(req.t("form.empty")))
    try:
        return kind.submit(req, FormSubmission(form.key, dict(dialog.context), values))
    except CommandError as error:
        raise FormRefused(error, form, values) from error


class FormRefused(CommandError):
    """The last answer is in, but the form as a whole was refused (its round is gone, the
    person's organisation or role changed). The dispatcher ends the dialog anyway, so that
    the person's next messages are chat again, and gives the answers back: nothing is lost."""

    def __init__(self, error: CommandError, form: Form, values: dict[str, str]) -> None:
        super().__init__(error.key, error.hint_key, **error.params)
        self.form = form
        self.values = values

    def answers(self, language: str) -> Document:
        """What the person answered, to copy from."""
        doc = Document().paragraph(t(language, "form.refused_answers"))
        doc.fields(
            [
                (field.label, self.values[field.name])
                for field in self.form.fields
                if self.values.get(field.name)
            ],
            stacked=True,
        )
        return doc
