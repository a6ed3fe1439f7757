"""``!dagordning``: a forum's standing agenda per mode, shown and changed by its coordinators.

``!dagordning`` shows the forum's standing agenda in ordinary and in activated mode, numbered,
each marked as the forum's own or the default (the conference's, commands/minutes/agenda.py).
``!dagordning sätt [aktiverat] <punkt>; <punkt>; …`` (a coordinator of the forum) gives the
forum its own for that mode; ``!dagordning återställ [aktiverat]`` takes it back to the
default: the model's agenda for the forum where it gives one (chefsgrupp's, the
samordningsgrupp's: ``storage.seed.seeded_agenda``), else the conference's. What a meeting,
the day-before post, the minutes and exports show reads it.

The items are free text, separated by semicolons (or line breaks). An item written as the
title of a known item (``Inledning och upprop``, ``Uppföljning av beslut``, ``Samlad
lägesbild``, in Swedish or English, case and accents aside) keeps that item's catalogue key:
it is shown in each reader's language, and the follow-up items (items raised to the forum,
the thematic groups' reports back) still find their place under it.
"""

from __future__ import annotations

import re
from functools import cache

from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import LANGUAGES, catalogue
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.text import fold
from commands.minutes.agenda import AgendaItem, known_keys, own_agenda, standing_agenda
from storage.models import Forum, Mode, Role
from storage.seed import seeded_agenda

FEATURE = feature(__name__)

MAX_ITEMS = 20
MAX_ITEM = 120
MODE_WORDS: dict[str, Mode] = {
    fold(word): mode
    for mode, words in {
        Mode.ORDINARY: ("ordinarie", "ordinary"),
        Mode.ACTIVATED: ("aktiverat", "aktiverad", "aktiverade", "aktivering", "activated"),
    }.items()
    for word in words
}
_SEPARATORS = re.compile(r"[;\n]")
_TRAILING_NUMBER = re.compile(r"\s*\d+$")


@cache
def _known_titles() -> dict[str, str]:
    """Each known item's title, folded, in every language → its key. A title with the week
    in it (``Samlad lägesbild vecka {week}``) is known with and without its last word."""
    titles: dict[str, str] = {}
    for key in known_keys():
        for language in LANGUAGES:
            template = str(catalogue(language)[f"agenda.{key}"])
            if "{week}" in template:
                base = fold(template.split("{week}", 1)[0])
                forms = [base, " ".join(base.split()[:-1])]
            else:
                forms = [fold(template)]
            for form in forms:
                if form:
                    titles.setdefault(form, key)
    return titles


def read_item(text: str) -> AgendaItem:
    """An item as written: a known item's title keeps its key, anything else is text."""
    folded = _TRAILING_NUMBER.sub("", fold(text))
    key = _known_titles().get(folded) or _known_titles().get(fold(text))
    return AgendaItem(key=key) if key is not None else AgendaItem(text=text)


def _split_mode(text: str) -> tuple[Mode, str]:
    """The mode named first (``aktiverat``), else ordinary; and the rest of the text."""
    words = text.split(maxsplit=1)
    mode = MODE_WORDS.get(fold(words[0])) if words else None
    if mode is None:
        return Mode.ORDINARY, text.strip()
    return mode, words[1] if len(words) > 1 else ""


def _no_meeting_in(req: Request, forum: Forum, mode: Mode) -> None:
    """A meeting going on in ``mode`` moves through that standing agenda (its items are
    numbered, its minutes place the follow-up by it): it is changed between meetings."""
    meeting = req.store.meetings.open(forum)
    if meeting is not None and meeting.mode is mode:
        raise CommandError(
            "standing_agenda.error.meeting_open",
            hint_key="hint.meeting_end",
            number=meeting.number,
            mode=_mode_name(req, mode),
        )


def _is_own(forum: Forum, mode: Mode) -> bool:
    """Whether the forum has an agenda of its own in ``mode``: one a coordinator set, not the
    one the model gives it (chefsgrupp's, the samordningsgrupp's: their standard)."""
    if own_agenda(forum, mode) is None:
        return False
    stored = (forum.agenda or {}).get(mode.value)
    return stored != seeded_agenda(forum.slug, mode.value)


def _mode_name(req: Request, mode: Mode) -> str:
    return req.t(f"mode.{mode.value}")


def _show(req: Request, forum: Forum, mode: Mode) -> list[str]:
    week = req.now.astimezone(req.zone).isocalendar().week
    return [item.title(req.language, week) for item in standing_agenda(mode, forum)]


@command("agenda.show", "dagordning", aliases=("agenda",), needs_forum=True)
def show(req: Request) -> Reply:
    """Both modes' standing agendas, numbered, each its own or the default."""
    forum = req.forum_here
    doc = req.document().heading(req.t("standing_agenda.title", forum=forum.name))
    for mode in (Mode.ORDINARY, Mode.ACTIVATED):
        whose = "own" if _is_own(forum, mode) else "default"
        current = req.t("standing_agenda.current") if forum.mode is mode else ""
        doc.paragraph(
            req.t(
                f"standing_agenda.{whose}", mode=_mode_name(req, mode).capitalize(), current=current
            )
        )
        doc.bullets(_show(req, forum, mode), numbered=True)
    doc.paragraph(req.t("standing_agenda.how", prefix=req.config.prefix))
    return Reply(doc)


@command(
    "agenda.set",
    "dagordning sätt",
    aliases=("agenda set",),
    args=(Arg("agenda_items", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def set_agenda(req: Request) -> Reply:
    forum = req.forum_here
    mode, text = _split_mode(req.tail)
    _no_meeting_in(req, forum, mode)
    written = [piece.strip() for piece in _SEPARATORS.split(text)]
    written = [piece for piece in written if piece]
    if not written:
        raise CommandError("standing_agenda.error.empty", hint_key="agenda_hint.set")
    if len(written) > MAX_ITEMS:
        raise CommandError(
            "standing_agenda.error.too_many",
            hint_key="agenda_hint.set",
            count=len(written),
            limit=MAX_ITEMS,
        )
    for number, piece in enumerate(written, start=1):
        if len(piece) > MAX_ITEM:
            raise CommandError(
                "standing_agenda.error.too_long",
                hint_key="agenda_hint.set",
                number=number,
                length=len(piece),
                limit=MAX_ITEM,
            )
    items = [read_item(piece) for piece in written]
    req.store.forums.set_agenda(forum, mode, [item.to_json() for item in items])
    doc = req.document().paragraph(
        req.t(
            "standing_agenda.set",
            forum=forum.name,
            mode=_mode_name(req, mode),
            count=len(items),
        )
    )
    doc.bullets(_show(req, forum, mode), numbered=True)
    known = sum(1 for item in items if item.key is not None)
    if known:
        doc.paragraph(req.t("standing_agenda.known", count=known))
    doc.paragraph(req.t("standing_agenda.how_reset", prefix=req.config.prefix))
    return Reply(doc)


@command(
    "agenda.reset",
    "dagordning återställ",
    aliases=("agenda reset",),
    args=(Arg("agenda_mode", required=False),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def reset(req: Request) -> Reply:
    forum = req.forum_here
    word = req.args.get("agenda_mode")
    mode = Mode.ORDINARY
    if word is not None:
        found = MODE_WORDS.get(fold(word))
        if found is None:
            raise CommandError(
                "standing_agenda.error.unknown_mode", hint_key="agenda_hint.reset", name=word
            )
        mode = found
    _no_meeting_in(req, forum, mode)
    if not _is_own(forum, mode):
        return Reply(
            req.document().paragraph(
                req.t(
                    "standing_agenda.already_default",
                    forum=forum.name,
                    mode=_mode_name(req, mode),
                )
            )
        )
    # Back to the model's agenda for this forum (chefsgrupp's own items), else the default.
    req.store.forums.set_agenda(forum, mode, seeded_agenda(forum.slug, mode.value))
    doc = req.document().paragraph(
        req.t("standing_agenda.reset", forum=forum.name, mode=_mode_name(req, mode))
    )
    doc.bullets(_show(req, forum, mode), numbered=True)
    return Reply(doc)
