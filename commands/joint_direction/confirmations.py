"""An adopted direction's confirmations: the card that says who has taken note of it and who
has not (kept current wherever it went), and the follow-ups planned at adoption.

``!inriktning fastställ`` (``commands/direction.py``) calls, once the direction is adopted:

- :func:`confirmation_posts` — the card, as a message *of its own* in every channel of the
  forums that work under the direction, tagged ``direction:<number>`` (:func:`card_tag`). Or,
  built into other posts, :func:`confirmation_card` under that tag in a post that is nothing
  but the card: ``!inriktning kvittera`` replaces every message so tagged by the card as it
  then stands (``commands.core.outbox.edits``), and a 👍/✅ on it confirms (the tag names
  the direction);
- :func:`plan_confirmation_follow_ups` — the bot's follow-ups: after
  ``ACTIVATION_RECALL_MINUTES`` a reminder in every channel of those forums mentioning the
  representatives (ordinarie and ersättare) of the organisations that have not confirmed;
  as long again later the home forum's coordinators told who is still missing; and with a
  *Gäller till*, the reminder before it expires and the notice when it has
  (:func:`_plan_expiry_follow_ups`; an adopted direction is not edited, so its *Gäller till*
  stays the one they were planned for).

The posts are worded when sent (``commands/direction_in_force.py``'s composers) and say
nothing once they no longer apply: everyone has confirmed, the direction was superseded or
has expired, its *Gäller till* changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from commands.core.document import Button, Document, Strong
from commands.core.i18n import t
from commands.core.messages import Post
from commands.core.timefmt import format_clock, format_time, local
from commands.joint_direction.reach import (
    answering_activation,
    governed_forums,
    member_organisations,
)
from storage import Store
from storage.models import Direction, DirectionConfirmation, Forum, ScheduledPost

if TYPE_CHECKING:
    from commands.core.request import Request

# The kinds of the scheduled posts (worded by commands/direction_in_force.py).
RECALL = "direction_recall"  # to those who have not confirmed, in every governed channel
STILL_MISSING = "direction_missing"  # to the home forum's coordinators
EXPIRING = "direction_expiring"  # before Gäller till
EXPIRED = "direction_expired"  # at Gäller till
KINDS = (RECALL, STILL_MISSING, EXPIRING, EXPIRED)

# How long before its Gäller till the forums are reminded that a direction expires.
EXPIRY_LEAD = timedelta(hours=2)

TAG_PREFIX = "direction"

# The platforms whose doors hand a reaction to the core (bot/matrix/door.py): there the card
# says that a 👍 on it confirms; elsewhere it cannot be done, or the card has its button.
REACTING_PLATFORMS = frozenset({"matrix"})


def card_tag(direction: Direction) -> str:
    """The tag of the messages that carry a direction's confirmation card
    (``direction:<number>``): what ``!inriktning kvittera`` edits, what a reaction confirms."""
    return f"{TAG_PREFIX}:{direction.number}"


def tagged_number(tag: str | None) -> int | None:
    """The direction's number a tag of :func:`card_tag` names."""
    if tag is None:
        return None
    prefix, _, number = tag.partition(":")
    return int(number) if prefix == TAG_PREFIX and number.isdigit() else None


# -- who has confirmed --------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmations:
    """Where a direction's confirmations stand: the organisations expected to confirm (the
    home forum's when it was adopted: called in during an activation, else its members;
    ``called_in`` says which), those that have (in the order they did), and those still
    awaited, by name."""

    expected: list[int]
    confirmed: list[DirectionConfirmation]
    names: dict[int, str]
    called_in: bool = False

    @property
    def done(self) -> list[DirectionConfirmation]:
        """The confirmations that count: of organisations expected."""
        wanted = set(self.expected)
        return [c for c in self.confirmed if c.organisation_id in wanted]

    @property
    def awaited(self) -> list[int]:
        """Expected and not confirmed, by name."""
        have = {c.organisation_id for c in self.confirmed}
        waiting = [oid for oid in self.expected if oid not in have]
        return sorted(waiting, key=lambda oid: self.names.get(oid, ""))

    def name(self, organisation_id: int) -> str:
        return self.names.get(organisation_id, "?")

    def of(self, organisation_id: int) -> DirectionConfirmation | None:
        return next((c for c in self.confirmed if c.organisation_id == organisation_id), None)


def home_of(store: Store, direction: Direction) -> Forum | None:
    """The coordinating forum the direction is for."""
    return store.forums.get(direction.forum_id)


def confirmations_of(
    store: Store,
    direction: Direction,
    confirmed: list[DirectionConfirmation] | None = None,
) -> Confirmations:
    """Who is expected to confirm ``direction`` and who has (``confirmed``: as just read).
    Those expected are the home forum's as it was when the direction was adopted: the
    organisations called in to the activation open then (also after its stand-down, when the
    forum's every member would otherwise be reminded), else its members."""
    home = home_of(store, direction)
    expected: list[int] = []
    called_in = False
    if home is not None:
        at, activation_id = direction.adopted_at, direction.activation_id
        called_in = answering_activation(store, home, at, activation_id) is not None
        expected = member_organisations(store, home, at, activation_id)
    found = store.directions.confirmations(direction) if confirmed is None else confirmed
    ids = sorted(set(expected) | {c.organisation_id for c in found})
    names = {oid: org.name for oid, org in store.organisations.by_ids(ids).items()}
    return Confirmations(expected, found, names, called_in)


def when_short(at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """``16:05`` today, ``2026-11-26 16:05`` another day."""
    same_day = local(at, zone).date() == local(now, zone).date()
    return format_clock(at, zone) if same_day else format_time(at, zone)


def confirm_button(
    direction: Direction, language: str, prefix: str, *, reacted_to: bool = False
) -> Button:
    """``inriktning kvittera <nr>``; a door without buttons shows its hint, which says that a
    👍 confirms too when it is on a card (``reacted_to``) on a platform with reactions."""
    hint = "button_hint_reaction" if reacted_to else "button_hint"
    return Button(
        t(language, "direction_in_force.button"),
        f"inriktning kvittera {direction.number}",
        t(language, f"direction_in_force.{hint}", prefix=prefix, number=direction.number),
    )


def confirmation_card(
    store: Store,
    direction: Direction,
    now: datetime,
    language: str,
    prefix: str,
    confirmations: Confirmations | None = None,
    platform: str | None = None,
) -> Document:
    """The short card under an adopted direction: "Kvitterat: 3 av 10 – Polisen Region
    Stockholm 16:05; …", "Väntar på: …", with the button ``inriktning kvittera <nr>`` (on a
    ``platform`` with reactions, its words say that a 👍 on the card confirms)."""
    state = confirmations or confirmations_of(store, direction)
    home = home_of(store, direction)
    zone = ZoneInfo(home.timezone if home is not None else "Europe/Stockholm")
    done = state.done
    count = len(state.expected)
    doc = Document().paragraph(
        Strong(t(language, "direction_in_force.card_title", number=direction.number))
    )
    if not count:
        doc.paragraph(t(language, "direction_in_force.card_nobody"))
        return doc
    names = "; ".join(
        t(
            language,
            "direction_in_force.name_at",
            name=state.name(c.organisation_id),
            time=when_short(c.at, now, zone),
        )
        for c in done
    )
    key = "direction_in_force.card_confirmed" if done else "direction_in_force.card_none_yet"
    doc.paragraph(t(language, key, done=len(done), count=count, names=names))
    awaited = state.awaited
    if not awaited:
        doc.paragraph(Strong(t(language, "direction_in_force.card_all", count=count)))
        return doc
    doc.paragraph(
        t(
            language,
            "direction_in_force.card_waiting",
            count=len(awaited),
            names="; ".join(state.name(oid) for oid in awaited),
        )
    )
    reacted_to = platform in REACTING_PLATFORMS
    doc.actions(confirm_button(direction, language, prefix, reacted_to=reacted_to))
    return doc


def confirmation_posts(
    store: Store, direction: Direction, now: datetime, prefix: str
) -> list[Post]:
    """The card as a message of its own, tagged, in every channel of the forums that work
    under ``direction`` (each in its forum's language): what adoption posts."""
    posts: list[Post] = []
    state = confirmations_of(store, direction)
    tag = card_tag(direction)
    for forum in governed_forums(store, direction):
        posts.extend(
            Post(
                channel.platform,
                channel.channel_id,
                confirmation_card(
                    store, direction, now, forum.language, prefix, state, channel.platform
                ),
                tag=tag,
            )
            for channel in store.forums.channels(forum)
        )
    return posts


# -- follow-ups (planned at adoption; worded by commands/direction_in_force.py) -----------------


def plan_confirmation_follow_ups(req: Request, direction: Direction) -> None:
    """Plan, at adoption, the bot's follow-ups of ``direction``: the reminder to those who
    have not confirmed (in every channel of the forums working under it), the word to the
    home forum's coordinators (in its own channels), and, with a *Gäller till*, the reminder
    before it expires and the notice when it has (:func:`_plan_expiry_follow_ups`)."""
    home = home_of(req.store, direction)
    if home is None:
        return
    wait = timedelta(minutes=req.config.activation_recall_minutes)
    planned = [
        _values(RECALL, direction, "recall", forum, channel.platform, channel.channel_id)
        | {"due_at": req.now + wait}
        for forum in governed_forums(req.store, direction)
        for channel in req.store.forums.channels(forum)
    ]
    planned += [
        _values(STILL_MISSING, direction, "missing", home, channel.platform, channel.channel_id)
        | {"due_at": req.now + 2 * wait}
        for channel in req.store.forums.channels(home)
    ]
    req.store.scheduled.plan_all(planned)
    _plan_expiry_follow_ups(req, direction)


def _plan_expiry_follow_ups(req: Request, direction: Direction) -> None:
    """The reminder ``EXPIRY_LEAD`` before the direction's *Gäller till* (if that is still
    ahead) and the notice when it has passed, in every channel of the forums working under
    it. Each names this *Gäller till* (its key, ``occurrence_at``): one that no longer is
    the direction's says nothing."""
    until = direction.valid_until
    if until is None or until <= req.now:
        return
    stamp = until.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    planned: list[dict[str, Any]] = []
    for forum in governed_forums(req.store, direction):
        for channel in req.store.forums.channels(forum):
            for kind, at in ((EXPIRING, until - EXPIRY_LEAD), (EXPIRED, until)):
                if at <= req.now:
                    continue
                values = _values(
                    kind, direction, f"{kind}@{stamp}", forum, channel.platform, channel.channel_id
                )
                planned.append(values | {"due_at": at, "occurrence_at": until})
    req.store.scheduled.plan_all(planned)


def _values(
    kind: str, direction: Direction, what: str, forum: Forum, platform: str, channel_id: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": f"{TAG_PREFIX}:{direction.id}:{what}:{platform}:{channel_id}",
        "platform": platform,
        "channel_id": channel_id,
        "forum_id": forum.id,
        "timezone": forum.timezone,
        "language": forum.language,
    }


def planned_direction(store: Store, post: ScheduledPost) -> Direction | None:
    """The direction a follow-up of :func:`plan_confirmation_follow_ups` is about (its key
    names it)."""
    parts = (post.key or "").split(":")
    if len(parts) >= 3 and parts[0] == TAG_PREFIX and parts[1].isdigit():
        return store.directions.get(int(parts[1]))
    return None
