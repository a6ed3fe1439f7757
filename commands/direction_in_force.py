"""Once a direction is adopted: ``!inriktning kvittera`` (each organisation confirms it has
taken note), ``!inriktning fil`` (the direction as a file to send on in one's own
organisation), and the bot's follow-ups: those who have not confirmed, and its expiry.

The confirmation card (``commands/joint_direction/confirmations.py``), posted at adoption by
``!inriktning fastställ`` and tagged ``direction:<number>``, is re-rendered in every channel
it went to at each confirmation; 👍 ✅ ✔ on it confirm as ``!inriktning kvittera`` does. The
follow-ups planned at adoption are worded here when they fall due, and say nothing once they
no longer apply (everyone has confirmed, the direction was superseded or has expired, its
*Gäller till* changed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.callout.card import recall_parts
from commands.callout.reach import called_entries
from commands.core.config import CoreConfig
from commands.core.document import Document, Mention, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import normalise_language, t
from commands.core.lookup import my_organisation
from commands.core.messages import Attachment, AttachmentKind, Post, Reply
from commands.core.outbox import edits
from commands.core.registry import Arg, ArgType, command
from commands.core.request import Request
from commands.core.roles import coordinators_of
from commands.core.scheduled_posts import composer
from commands.core.text import small_number
from commands.core.timefmt import format_clock, format_duration, format_time
from commands.joint_direction.confirmations import (
    EXPIRED,
    EXPIRING,
    RECALL,
    STILL_MISSING,
    TAG_PREFIX,
    Confirmations,
    card_tag,
    confirm_button,
    confirmation_card,
    confirmations_of,
    planned_direction,
    tagged_number,
    when_short,
)
from commands.joint_direction.data import (
    DIRECTION_ATTACHMENT,
    DirectionFile,
    direction_file_data,
    direction_file_from,
    direction_record,
)
from commands.joint_direction.reach import governed_forums
from storage import Store
from storage.directions import expired, in_force
from storage.models import Direction, DirectionState, Forum, Role, ScheduledPost

# 👍 ✅ ✔ (any skin tone) on a confirmation card (tagged ``direction:<number>``) run
# ``!inriktning kvittera`` as the person who reacted, for that direction.
FEATURE = feature(__name__, reactions={TAG_PREFIX: "inriktning kvittera"})
# A direction file attached to ``!inriktning fil`` waits in the outbox as plain data.
FEATURE.attachments.append(
    AttachmentKind(DIRECTION_ATTACHMENT, direction_file_data, direction_file_from)
)

FORMATS = ("md", "html", "json")
DEFAULT_FORMAT = "md"


def _not_a_number(req: Request, text: str) -> CommandError:
    return CommandError(
        "direction_in_force.error.not_a_number",
        hint_key="direction_in_force_hint.confirm_number",
        text=text,
    )


def _by_number(req: Request, number: int, hint_key: str) -> Direction:
    found = req.store.directions.by_number(number)
    if found is None:
        raise CommandError("direction_in_force.error.unknown", hint_key=hint_key, number=number)
    return found


def _concerns(store: Store, direction: Direction, forum: Forum) -> bool:
    """The forum works under the direction (its home forum, a thematic group of it) or
    adopted it (the strategic forum)."""
    ids = {f.id for f in governed_forums(store, direction)} | {direction.presented_to_id}
    return forum.id in ids


def _forum_names(store: Store, direction: Direction) -> str:
    names = [f.name for f in governed_forums(store, direction)]
    strategic = store.forums.get(direction.presented_to_id or 0)
    if strategic is not None:
        names.append(strategic.name)
    return "; ".join(names)


# -- !inriktning kvittera -----------------------------------------------------------------------


def _direction_to_confirm(req: Request, forum: Forum) -> Direction:
    """The direction named (by number, or by the card reacted to), else the one in force
    here; refused unless it is adopted, in force and concerns this forum."""
    reaction = req.incoming.reaction
    number = req.optional_number("number")
    if number is None and reaction is not None:
        number = tagged_number(reaction.tag)
    hint = "direction_in_force_hint.confirm_number"
    if number is not None:
        direction = _by_number(req, number, hint)
    else:
        found = req.store.directions.in_force_for(forum, req.now)
        if found is None:
            raise CommandError(
                "direction_in_force.error.none_in_force",
                hint_key="direction_in_force_hint.confirm",
                forum=forum.name,
            )
        direction = found
    if not _concerns(req.store, direction, forum):
        raise CommandError(
            "direction_in_force.error.not_here",
            hint_key="direction_in_force_hint.show_here",
            number=direction.number,
            forum=forum.name,
            forums=_forum_names(req.store, direction),
        )
    if direction.state is DirectionState.SUPERSEDED:
        newer = req.store.directions.get(direction.superseded_by_id or 0)
        if newer is None and direction.exercise_id is not None:
            raise CommandError(
                "direction_in_force.error.exercise_ended",
                hint_key=hint,
                number=direction.number,
                time=format_time(direction.superseded_at or req.now, req.zone),
            )
        raise CommandError(
            "direction_in_force.error.superseded",
            hint_key=hint,
            number=direction.number,
            newer=newer.number if newer is not None else "?",
            time=format_time(direction.superseded_at or req.now, req.zone),
        )
    if expired(direction, req.now):
        raise CommandError(
            "direction_in_force.error.expired",
            hint_key="direction_in_force_hint.file_now",
            number=direction.number,
            time=format_time(direction.valid_until or req.now, req.zone),
        )
    if not in_force(direction, req.now):
        raise CommandError(
            "direction_in_force.error.not_adopted",
            hint_key="direction_in_force_hint.file_now",
            number=direction.number,
            state=req.t(f"direction.state.{direction.state.value}"),
        )
    return direction


@command(
    "direction_in_force.confirm",
    "inriktning kvittera",
    aliases=("direction confirm", "direction ack", "direction acknowledge"),
    args=(Arg("number", required=False, type=ArgType.NUMBER, invalid=_not_a_number),),
    role=Role.ACTOR,
    needs_forum=True,
)
def confirm(req: Request) -> Reply:
    forum = req.forum_here
    direction = _direction_to_confirm(req, forum)
    organisation = my_organisation(req)
    state = confirmations_of(req.store, direction)
    earlier = state.of(organisation.id or 0)
    if earlier is not None:
        by = req.store.people.get(earlier.person_id)
        return Reply(
            req.document().paragraph(
                req.t(
                    "direction_in_force.already",
                    organisation=organisation.name,
                    number=direction.number,
                    who=by.display_name if by else "?",
                    time=when_short(earlier.at, req.now, req.zone),
                )
            )
        )
    if organisation.id not in state.expected:
        home = req.store.forums.get(direction.forum_id)
        which = "called" if state.called_in else "members"
        raise CommandError(
            "direction_in_force.error.not_expected",
            hint_key="direction_in_force_hint.not_expected",
            organisation=organisation.name,
            number=direction.number,
            forum=home.name if home else "?",
            which=req.t(f"direction_in_force.error.{which}"),
        )
    new = req.store.directions.confirm(direction, organisation, req.me)
    assert new is not None  # not confirmed before: read above, in this unit of work
    now_state = replace(state, confirmed=[*state.confirmed, new])
    doc = req.document().paragraph(
        req.t(
            "direction_in_force.confirmed",
            organisation=organisation.name,
            number=direction.number,
            who=req.me.display_name,
            time=format_clock(req.now, req.zone),
        )
    )
    done, count = len(now_state.done), len(now_state.expected)
    if done == count:
        doc.paragraph(Strong(req.t("direction_in_force.all_confirmed", count=count)))
    else:
        doc.paragraph(req.t("direction_in_force.progress", done=done, count=count))
    return Reply(doc, posts=_card_updates(req, direction, now_state))


def _card_updates(req: Request, direction: Direction, state: Confirmations) -> list[Post]:
    """The card as it now stands, in place of every message that carries it, each in the
    language of its channel's forum and worded for its platform (a 👍 confirms in Matrix)."""
    cards: dict[tuple[str, str], Document] = {}

    def card(language: str, platform: str) -> Document:
        if (language, platform) not in cards:
            cards[language, platform] = confirmation_card(
                req.store, direction, req.now, language, req.config.prefix, state, platform
            )
        return cards[language, platform]

    updates: list[Post] = []
    for post in edits(req.store, card_tag(direction), card(req.language, req.incoming.platform)):
        forum = req.store.forums.for_channel(post.platform, post.channel_id)
        language = normalise_language(forum.language) if forum else req.language
        updates.append(replace(post, document=card(language, post.platform)))
    return updates


# -- !inriktning fil ----------------------------------------------------------------------------


def _number_and_format(req: Request) -> tuple[int | None, str]:
    """``3``, ``html``, ``3 html``, ``html 3``: the number and the format, in any order."""
    number: int | None = None
    fmt: str | None = None
    for name in ("number", "file_format"):
        word = req.args.get(name)
        if word is None:
            continue
        folded = word.strip().lower().lstrip(".")
        read = small_number(word)
        if folded in FORMATS and fmt is None:
            fmt = folded
        elif read is not None and number is None:
            number = read
        else:
            raise CommandError(
                "direction_in_force.error.bad_word",
                hint_key="direction_in_force_hint.file",
                text=word,
            )
    return number, fmt or DEFAULT_FORMAT


@command(
    "direction_in_force.file",
    "inriktning fil",
    aliases=("direction file",),
    args=(Arg("number", required=False), Arg("file_format", required=False)),
    needs_forum=True,
)
def file(req: Request) -> Reply:
    forum = req.forum_here
    number, fmt = _number_and_format(req)
    hint = "direction_in_force_hint.file_numbers"
    if number is not None:
        direction = _by_number(req, number, hint)
        if not _concerns(req.store, direction, forum) and forum.id != direction.drafted_in_id:
            raise CommandError(
                "direction_in_force.error.not_here_file",
                hint_key=hint,
                number=direction.number,
                forum=forum.name,
                forums=_forum_names(req.store, direction),
            )
    else:
        found = req.store.directions.in_force_for(forum, req.now)
        if found is None:
            raise CommandError(
                "direction_in_force.error.none_for_file", hint_key=hint, forum=forum.name
            )
        direction = found
    record = direction_record(req.store, direction, req.now)
    others = [other for other in FORMATS if other != fmt]
    doc = req.document().paragraph(
        req.t(
            "direction_in_force.file",
            number=record.number,
            version=record.version,
            state=req.t(f"direction.state.{record.state}"),
            format=req.t(f"direction_in_force.format.{fmt}"),
        )
    )
    doc.paragraph(
        req.t(
            "direction_in_force.file_others",
            prefix=req.config.prefix,
            number=record.number,
            first=others[0],
            first_name=req.t(f"direction_in_force.format.{others[0]}"),
            second=others[1],
            second_name=req.t(f"direction_in_force.format.{others[1]}"),
        )
    )
    name = req.t("direction_in_force.filename", number=record.number)
    attached = Attachment(name, DIRECTION_ATTACHMENT, DirectionFile(record, fmt), req.language)
    return Reply(doc, attachments=(attached,))


# -- the follow-ups (planned at adoption by confirmations.plan_confirmation_follow_ups) ---------


def _read_as(store: Store, post: ScheduledPost) -> tuple[str, ZoneInfo]:
    """The language and zone a follow-up is worded in: its forum's as they are when it is
    sent (a forum switched to English since the adoption reads English), else as planned."""
    forum = store.forums.get(post.forum_id) if post.forum_id is not None else None
    if forum is None:
        return normalise_language(post.language), ZoneInfo(post.timezone)
    return normalise_language(forum.language), ZoneInfo(forum.timezone)


def _awaited(
    store: Store, post: ScheduledPost, now: datetime
) -> tuple[Direction, Forum, Confirmations] | None:
    """The direction of a confirmation follow-up, its home forum and where its confirmations
    stand; None when it is no longer in force or everyone has confirmed."""
    direction = planned_direction(store, post)
    if direction is None or not in_force(direction, now):
        return None
    home = store.forums.get(direction.forum_id)
    if home is None:
        return None
    state = confirmations_of(store, direction)
    return (direction, home, state) if state.awaited else None


@composer(RECALL)
def _recall(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    found = _awaited(store, post, now)
    if found is None:
        return None
    direction, home, state = found
    language, zone = _read_as(store, post)
    entries = called_entries(store, home, state.awaited)
    waiting = [entries[oid] for oid in state.awaited if oid in entries]
    doc = Document().heading(
        t(language, "direction_in_force.recall_title", number=direction.number)
    )
    doc.paragraph(
        t(
            language,
            "direction_in_force.recall_since",
            forum=home.name,
            time=format_time(direction.adopted_at or now, zone),
            count=len(waiting),
        )
    )
    nobody = t(language, "direction_in_force.nobody_here")
    doc.bullets([recall_parts(entry, language, nobody) for entry in waiting])
    doc.actions(confirm_button(direction, language, config.prefix))
    return doc


@composer(STILL_MISSING)
def _still_missing(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    found = _awaited(store, post, now)
    if found is None:
        return None
    direction, home, state = found
    language, _zone = _read_as(store, post)
    awaited = state.awaited
    doc = Document().paragraph(
        Strong(
            t(
                language,
                "direction_in_force.missing_title",
                number=direction.number,
                count=len(awaited),
            )
        )
    )
    doc.paragraph("; ".join(state.name(oid) for oid in awaited))
    coordinators = coordinators_of(store, config, home)
    if coordinators:
        parts: list[Part] = [t(language, "direction_in_force.missing_for")]
        for person in coordinators:
            parts.extend([" ", Mention(person.platform, person.user_id, person.display_name)])
        doc.paragraph(*parts)
    return doc


def _expiry_notice(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig, *, passed: bool
) -> Document | None:
    """Before *Gäller till* (``passed`` False: while it is still ahead) or once it has come:
    said only while the direction is adopted and its *Gäller till* is still the one the post
    was planned for (not superseded, not changed)."""
    direction = planned_direction(store, post)
    if direction is None or direction.state is not DirectionState.ADOPTED:
        return None
    until = direction.valid_until
    if until is None or until != post.occurrence_at or (now >= until) is not passed:
        return None
    home = store.forums.get(direction.forum_id)
    if home is None:
        return None
    language, zone = _read_as(store, post)
    params = {"number": direction.number, "forum": home.name, "time": format_time(until, zone)}
    if passed:
        title = t(language, "direction_in_force.expired", **params)
        after = t(
            language,
            "direction_in_force.expired_next",
            prefix=config.prefix,
            number=direction.number,
        )
    else:
        left = format_duration(until - now, language)
        title = t(language, "direction_in_force.expiring", left=left, **params)
        after = t(language, "direction_in_force.expiring_next")
    return Document().paragraph(Strong(title)).paragraph(after)


@composer(EXPIRING)
def _expires_soon(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    return _expiry_notice(store, post, now, config, passed=False)


@composer(EXPIRED)
def _has_expired(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    return _expiry_notice(store, post, now, config, passed=True)
