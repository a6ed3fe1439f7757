"""The direction in force and the agreed joint messages where the joint situation picture and
the minutes show them: what framed a forum's work at a given time, and how it reads.

What framed the work at a given time is read by ``commands.joint_direction.summary``
(``direction_in_force``, ``agreed_messages``); here is how it reads: :func:`direction_block`
and :func:`messages_block` write the chat's blocks;
the exports (``bot.export.picture_export``) take their texts from the same functions
(:func:`direction_title`, :func:`direction_meta`, :func:`direction_fields`,
:func:`message_label`, :func:`message_meta`), so the chat and the files say the same.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.document import Document, Emphasis, Part, Strong
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.joint_direction.summary import AgreedMessage, DirectionSummary
from storage.directions import DIRECTION_FIELDS

# -- how it reads ------------------------------------------------------------------------------


def direction_title(summary: DirectionSummary, language: str) -> str:
    """``Gemensam regional inriktning 3``"""
    return t(language, "direction_block.title", number=summary.number)


def direction_meta(summary: DirectionSummary, language: str, zone: ZoneInfo) -> str:
    """``fastställd av Eva i Regionalt inriktande forum 2026-11-26 18:00, gäller till
    2026-11-28 18:00 · version 3``"""
    params = {
        "who": summary.adopted_by,
        "forum": summary.adopted_in,
        "time": format_time(summary.adopted_at, zone),
        "version": summary.version,
    }
    if summary.valid_until is None:
        return t(language, "direction_block.adopted_open", **params)
    until = format_time(summary.valid_until, zone)
    return t(language, "direction_block.adopted", until=until, **params)


def direction_fields(summary: DirectionSummary, language: str) -> list[tuple[str, str]]:
    """The filled-in fields in the model's order, with their labels (``[direction.field]``)."""
    return [
        (t(language, f"direction.field.{name}"), summary.fields[name])
        for name in DIRECTION_FIELDS
        if summary.fields.get(name)
    ]


def message_label(message: AgreedMessage, language: str) -> str:
    """``Budskap 2``; ``Budskap 1 (Regional samverkanskonferens)`` for one agreed in another
    forum (a thematic group's parent), whose numbers are its own."""
    if message.forum:
        return t(
            language, "joint_messages_block.number_in", number=message.number, forum=message.forum
        )
    return t(language, "joint_messages_block.number", number=message.number)


def message_meta(message: AgreedMessage, language: str, zone: ZoneInfo) -> str:
    """``fastställt 2026-11-26 18:30 · ställer sig bakom: Polisen Region Stockholm; SOS Alarm
    · invändning från: Trafikverket`` ("; ": a name may hold a comma)."""
    parts = [
        t(language, "joint_messages_block.agreed_at", time=format_time(message.agreed_at, zone))
    ]
    if message.agreed:
        parts.append(t(language, "joint_messages_block.agreed_by", names="; ".join(message.agreed)))
    if message.objected:
        names = "; ".join(message.objected)
        parts.append(t(language, "joint_messages_block.objected_by", names=names))
    return " · ".join(parts)


def messages_title(messages: list[AgreedMessage], language: str) -> str:
    """``Gemensamma budskap (2)``"""
    return t(language, "joint_messages_block.title", count=len(messages))


def direction_block(
    doc: Document,
    summary: DirectionSummary,
    language: str,
    zone: ZoneInfo,
    *,
    with_fields: bool = True,
) -> None:
    """The direction in force: its title, who adopted it where and when and until when it
    holds, and (``with_fields``, all but the short minutes) its fields."""
    doc.heading(direction_title(summary, language), level=2)
    doc.paragraph(Emphasis(direction_meta(summary, language, zone)))
    rows = direction_fields(summary, language)
    if with_fields and rows:
        doc.fields(rows, stacked=True)


def messages_block(
    doc: Document, messages: list[AgreedMessage], language: str, zone: ZoneInfo
) -> None:
    """``Gemensamma budskap``: each agreed message with its number, text, when it was agreed,
    and who agreed and objected. Nothing at all when there is none."""
    if not messages:
        return
    doc.heading(messages_title(messages, language), level=2)
    doc.bullets([message_row(message, language, zone) for message in messages])


def message_row(message: AgreedMessage, language: str, zone: ZoneInfo) -> list[Part]:
    return [
        Strong(message_label(message, language)),
        ": ",
        message.text,
        " ",
        Emphasis(f"({message_meta(message, language, zone)})"),
    ]


def frame_changes(
    before: tuple[DirectionSummary | None, list[AgreedMessage]],
    after: tuple[DirectionSummary | None, list[AgreedMessage]],
    language: str,
) -> list[list[Part]]:
    """What changed in the frame between two versions of a picture, as rows: another
    direction in force (or none any more), messages agreed since, messages no longer in it."""
    rows: list[list[Part]] = []
    old_direction, old_messages = before
    new_direction, new_messages = after
    if _identity(old_direction) != _identity(new_direction):
        now = (
            t(language, "direction_block.changed_to", number=new_direction.number)
            if new_direction is not None
            else t(language, "direction_block.changed_none")
        )
        rows.append([Strong(t(language, "direction_block.changed")), ": ", now])
    old = {(m.forum, m.number, m.text) for m in old_messages}
    new = {(m.forum, m.number, m.text) for m in new_messages}
    added = [
        message_label(m, language) for m in new_messages if (m.forum, m.number, m.text) not in old
    ]
    gone = [
        message_label(m, language) for m in old_messages if (m.forum, m.number, m.text) not in new
    ]
    if added:
        rows.append([Strong(t(language, "joint_messages_block.added")), ": ", ", ".join(added)])
    if gone:
        rows.append([Strong(t(language, "joint_messages_block.retired")), ": ", ", ".join(gone)])
    return rows


def _identity(summary: DirectionSummary | None) -> tuple[int, int] | None:
    return None if summary is None else (summary.number, summary.version)
