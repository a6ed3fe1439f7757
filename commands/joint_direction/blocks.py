"""The direction in force and the agreed joint messages where the joint situation picture and
the minutes show them: what framed a forum's work at a given time, and how it reads.

*As of a time*: a closed round's picture shows what was in force when it closed, the minutes
what was in force at the meeting's end, however often they are compiled again later (an
export, a backup). So the direction is the one adopted by then and not yet superseded nor
past its *Gäller till*, in the version it had then; a message is one agreed by then and not
yet retired. For now, that is what ``Directions.in_force_for`` and ``JointMessages.agreed``
give (``commands.joint_direction.summary``).

*How it reads*: :func:`direction_block` and :func:`messages_block` write the chat's blocks;
the exports (``bot.export.picture_export``) take their texts from the same functions
(:func:`direction_title`, :func:`direction_meta`, :func:`direction_fields`,
:func:`message_label`, :func:`message_meta`), so the chat and the files say the same.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from commands.core.document import Document, Emphasis, Part, Strong
from commands.core.i18n import t
from commands.core.timefmt import format_time
from commands.joint_direction.summary import AgreedMessage, DirectionSummary
from storage import Store
from storage.directions import DIRECTION_FIELDS, DirectionText
from storage.models import Direction, DirectionState, DirectionVersion, Forum, JointMessage

# -- as of a time ----------------------------------------------------------------------------


def direction_as_of(store: Store, forum: Forum, at: datetime) -> DirectionSummary | None:
    """The adopted direction that framed ``forum``'s work at ``at``: one for it, for its
    parent (a thematic group works under its parent's), or adopted by it (the strategic
    forum), as ``Directions.in_force_for`` finds it now; the newest when several did."""
    candidates = sorted(
        (d for d in _adopted_ever(store, forum) if _framed(d, forum, at)),
        key=lambda d: (d.adopted_at, d.number),
        reverse=True,
    )
    for direction in candidates:
        version = _version_at(store, direction, at)
        if version.valid_until is None or at < version.valid_until:
            return _summary(store, direction, version)
    return None


def messages_as_of(store: Store, forum: Forum, at: datetime) -> list[AgreedMessage]:
    """The joint messages agreed in ``forum`` (a thematic group: its parent's too) by ``at``
    and not retired by then, in the order they were agreed."""
    forums = [forum]
    if forum.parent_id is not None:
        parent = store.forums.get(forum.parent_id)
        if parent is not None:
            forums.append(parent)
    messages = [
        message
        for each in forums
        for message in _every_message(store, each)
        if message.agreed_at is not None
        and message.agreed_at <= at
        and (message.retired_at is None or message.retired_at > at)
    ]
    messages.sort(key=lambda m: (m.agreed_at, m.forum_id, m.number))
    return [_agreed(store, message) for message in messages]


def _adopted_ever(store: Store, forum: Forum) -> list[Direction]:
    """Every direction ever adopted that could frame ``forum``: those for it, for its parent,
    and for any forum with a direction adopted now (the strategic forum's are those it
    adopted, and a forum's earlier directions are those its newest superseded)."""
    homes = {forum.id, forum.parent_id} | {d.forum_id for d in store.directions.adopted()}
    found: list[Direction] = []
    for home_id in sorted(home for home in homes if home is not None):
        home = forum if home_id == forum.id else store.forums.get(home_id)
        if home is not None:
            found.extend(d for d in store.directions.of_forum(home) if d.adopted_at is not None)
    return found


def _framed(direction: Direction, forum: Forum, at: datetime) -> bool:
    """Adopted by ``at``, not superseded by then, and framing ``forum``'s work."""
    if direction.state not in (DirectionState.ADOPTED, DirectionState.SUPERSEDED):
        return False
    if direction.adopted_at is None or direction.adopted_at > at:
        return False
    if direction.superseded_at is not None and direction.superseded_at <= at:
        return False
    return forum.id in (direction.forum_id, direction.presented_to_id) or (
        forum.parent_id is not None and forum.parent_id == direction.forum_id
    )


def _version_at(store: Store, direction: Direction, at: datetime) -> DirectionVersion:
    """The version the direction had at ``at`` (its first, should every one be later)."""
    versions = store.directions.versions(direction)
    then = [version for version in versions if version.at <= at]
    return then[-1] if then else versions[0]


def _summary(store: Store, direction: Direction, version: DirectionVersion) -> DirectionSummary:
    assert direction.adopted_at is not None
    text = DirectionText.of(version)
    adopter = store.people.get(direction.adopted_by_id or 0)
    strategic = store.forums.get(direction.presented_to_id or 0)
    return DirectionSummary(
        number=direction.number,
        version=version.version,
        adopted_at=direction.adopted_at,
        adopted_by=adopter.display_name if adopter else "?",
        adopted_in=strategic.name if strategic else "?",
        valid_until=version.valid_until,
        fields={name: value for name in DIRECTION_FIELDS if (value := text.fields()[name])},
    )


def _every_message(store: Store, forum: Forum) -> list[JointMessage]:
    """Every joint message of the forum, retired ones too: numbered 1, 2, 3 … in the forum
    and never deleted, so read by number until there is none."""
    found: list[JointMessage] = []
    while (message := store.joint_messages.by_number(forum, len(found) + 1)) is not None:
        found.append(message)
    return found


def _agreed(store: Store, message: JointMessage) -> AgreedMessage:
    """The message as agreed: its text, when, and the organisations that answered ok to the
    agreed version or objected to it (by name, alphabetically)."""
    answers = store.joint_messages.answers(message)
    names = store.organisations.by_ids([answer.organisation_id for answer in answers])

    def named(objection: bool) -> tuple[str, ...]:
        return tuple(
            sorted(
                names[a.organisation_id].name
                for a in answers
                if bool(a.objection) == objection and a.organisation_id in names
            )
        )

    assert message.agreed_at is not None
    return AgreedMessage(
        number=message.number,
        text=message.text,
        agreed_at=message.agreed_at,
        agreed=named(False),
        objected=named(True),
    )


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
    """``Budskap 2``"""
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
    old = {(m.number, m.text) for m in old_messages}
    new = {(m.number, m.text) for m in new_messages}
    added = [message_label(m, language) for m in new_messages if (m.number, m.text) not in old]
    gone = [message_label(m, language) for m in old_messages if (m.number, m.text) not in new]
    if added:
        rows.append([Strong(t(language, "joint_messages_block.added")), ": ", ", ".join(added)])
    if gone:
        rows.append([Strong(t(language, "joint_messages_block.retired")), ": ", ", ".join(gone)])
    return rows


def _identity(summary: DirectionSummary | None) -> tuple[int, int] | None:
    return None if summary is None else (summary.number, summary.version)
