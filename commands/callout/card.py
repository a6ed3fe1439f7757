"""The call-out card: one renderer for the first call-out and every update of it (an
acknowledgement, a call-in, a release, the stand-down), from the activation's state."""

from __future__ import annotations

from datetime import timedelta

from commands.callout.reach import counted, reachable
from commands.callout.state import Callout, tag_of
from commands.core.document import Button, Document, Mention, Part, Strong
from commands.core.grammar import forum_words
from commands.core.i18n import t
from commands.core.messages import Post
from commands.core.request import Request
from commands.core.timefmt import format_clock, format_duration, format_time
from storage.forums import Contact, RosterEntry
from storage.models import Activation, Forum


def after_activation(req: Request, elapsed: timedelta) -> str:
    """How long after the activation, for "… efter {after}": "efter 0 min" says nothing."""
    if elapsed < timedelta(minutes=1):
        return req.t("activation.under_a_minute")
    return format_duration(elapsed, req.language)


def name_list(names: list[str]) -> str:
    # Not commas: "Försvarsmakten, Militärregion Mitt" is one organisation.
    return "; ".join(names)


def _contacts(entry: RosterEntry) -> tuple[list[Contact], bool]:
    """Whom a call-out mentions for an organisation: its ordinarie, else its ersättare (and
    whether those are ersättare)."""
    return (entry.people, False) if entry.people else (entry.deputies, True)


def mention_parts(req: Request, entry: RosterEntry) -> list[Part]:
    """``Polisen Region Stockholm: @anna @cia`` (``(ersättare)`` when only they are there)."""
    contacts, deputies = _contacts(entry)
    if not contacts:  # nobody to mention: the name alone, no colon before nothing
        return [Strong(entry.name)]
    parts: list[Part] = [Strong(entry.name), ": ", *_mentions(contacts)]
    if deputies:
        parts.append(" " + req.t("callout.deputy_marker"))
    return parts


def _mentions(contacts: list[Contact]) -> list[Part]:
    parts: list[Part] = []
    for index, person in enumerate(contacts):
        parts.extend([" "] if index else [])
        parts.append(Mention(person.platform, person.user_id, person.display_name))
    return parts


def recall_parts(entry: RosterEntry, language: str, nobody: str | None = None) -> list[Part]:
    """``Polisen Region Stockholm: @anna – ersättare: @dan``: the ordinarie again and the
    ersättare now, in a reminder (the call-out's, a direction's to confirm); ``@dan
    (ersättare)`` when there is no ordinarie, ``nobody`` when there is no one in the chat."""
    parts: list[Part] = [Strong(entry.name), ": "]
    if entry.people:
        parts.extend(_mentions(entry.people))
        if entry.deputies:
            parts.append(" – " + t(language, "callout.recall_deputies") + " ")
            parts.extend(_mentions(entry.deputies))
    elif entry.deputies:
        parts.extend(_mentions(entry.deputies))
        parts.append(" " + t(language, "callout.deputy_marker"))
    elif nobody is not None:
        parts.append(nobody)
    return parts


def linked_line(
    req: Request, other: Activation, other_forum: Forum | None, *, as_field: bool = False
) -> str:
    """The other activation: a sentence, or (``as_field``) the value beside "Länkad
    aktivering"."""
    key = "callout.linked_open" if other.stood_down_at is None else "callout.linked_closed"
    if as_field:
        key += "_value"
    return req.t(
        key,
        forum=other_forum.name if other_forum else "?",
        time=format_time(other.activated_at, req.zone),
        reason=other.reason,
    )


def ack_button(req: Request) -> Button:
    # How to acknowledge is said once: by the button, which a door without buttons shows
    # as its hint ("Kvittera med !kvittera.").
    return Button(
        req.t("activation.ack_button"),
        "kvittera",
        req.t("activation.ack_hint", prefix=req.config.prefix),
    )


def callout_card(req: Request, c: Callout) -> Document:
    """The call-out as it stands: who is called (mentioned), who has acknowledged and when,
    who was called in later or released; the first call-out and each update alike."""
    forum, activation = c.forum, c.activation
    words = forum_words(req.language, forum.name)
    over = activation.stood_down_at is not None
    title = "callout.card_over_title" if over else "activation.callout_title"
    doc = Document().heading(req.t(title, forum=forum.name, **words))
    doc.paragraph(Strong(req.t("activation.reason")), ": ", activation.reason)
    doc.paragraph(
        req.t(
            "activation.activated_by",
            who=c.person(activation.activated_by_id),
            time=format_time(activation.activated_at, req.zone),
        )
    )
    for other, other_forum in c.linked:
        doc.paragraph(linked_line(req, other, other_forum))
    calling = counted(activation)
    acked = c.acked
    shown = [
        oid
        for oid in c.by_name(calling)
        if oid in acked or (oid in c.entries and reachable(c.entries[oid]))
    ]
    unreachable = [oid for oid in c.by_name(calling) if oid not in shown]
    if calling:
        doc.paragraph(req.t("activation.callout_who", count=len(calling)))
    if shown:
        items: list[list[Part]] = []
        for oid in shown:
            entry = c.entries.get(oid)
            line: list[Part] = mention_parts(req, entry) if entry else [Strong(c.name(oid))]
            if oid in c.history.called_at:
                called = format_clock(c.history.called_at[oid], req.zone)
                line.append(" – " + req.t("callout.called_in_at", time=called))
            if oid in acked:
                ack = acked[oid]
                line.append(
                    " – "
                    + req.t(
                        "callout.acked_at",
                        time=format_clock(ack.at, req.zone),
                        who=c.person(ack.person_id),
                    )
                )
            items.append(line)
        doc.bullets(items)
        if not over:
            doc.actions(ack_button(req))
            doc.paragraph(req.t("activation.callout_ack"))
    elif not over:
        doc.paragraph(req.t("activation.callout_nobody", prefix=req.config.prefix))
    released = [oid for oid in activation.called_out if oid in set(activation.released or [])]
    done = [oid for oid in calling if oid in acked]
    if done or released:
        doc.paragraph(req.t("callout.card_progress", acked=len(done), count=len(calling)))
    if released:
        doc.paragraph(
            req.t(
                "callout.card_released",
                count=len(released),
                names=name_list(
                    [
                        req.t(
                            "callout.name_at",
                            name=c.name(oid),
                            time=format_clock(c.history.released_at[oid], req.zone),
                        )
                        if oid in c.history.released_at
                        else c.name(oid)
                        for oid in c.by_name(released)
                    ]
                ),
            )
        )
    if c.outsiders:
        doc.paragraph(
            req.t(
                "callout.not_members",
                names=name_list([c.name(oid) for oid in c.outsiders]),
                forum=forum.name,
            )
        )
    if unreachable:
        doc.paragraph(
            req.t(
                "callout.unreachable",
                count=len(unreachable),
                names=name_list([c.name(oid) for oid in unreachable]),
            )
        )
    if over and activation.stood_down_at is not None:
        doc.paragraph(
            req.t("callout.card_over", time=format_time(activation.stood_down_at, req.zone))
        )
    return doc


def card_updates(req: Request, c: Callout) -> list[Post]:
    """The call-out re-rendered in every channel of the forum (an edit of the tagged one)."""
    card = callout_card(req, c)
    tag = tag_of(c.activation)
    return [
        Post(channel.platform, channel.channel_id, card, replaces=tag)
        for channel in req.store.forums.channels(c.forum)
    ]
