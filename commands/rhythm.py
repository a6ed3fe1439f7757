"""``!rytm``, ``!nästa möte``: the meeting rhythm of an activation, its meetings' reminders and
rounds.

"Sätt rytmen: när är nästa möte." In an activated forum a coordinator sets

- the rhythm: ``!rytm var 4:e timme från 08:00`` (also ``varannan timme``, ``var 3:e timme``,
  ``var fjärde timme``, ``var 30:e minut``, ``varje timme``, ``var 6:e timme från kl 06``;
  English ``every 4 hours from 08:00``), from every 15 minutes to every 24 hours. The start
  after ``från`` is read by the time reader (``core/when.py``); a time of day alone is today's,
  even one that has passed: it fixes the rhythm's grid ("från 08:00" said at 15:00 makes the
  next meeting 16:00). Without ``från`` the rhythm starts at the next whole hour, and the
  reply says so. ``!rytm`` shows it and the next three meetings (to anyone), ``!rytm av``
  removes it;
- one meeting on its own: ``!nästa möte 14:00`` (``i morgon kl 08.30``, ``om 2 timmar``; a
  time that has passed is refused), ``!nästa möte av`` removes it. (``!nästa`` alone is the
  forum's scheduled meetings, ``commands/schedule.py``: the registry takes the longest name.)

The activation's meetings are that one and the rhythm's occurrences
(``commands/situation/activation_meetings.py``), until stand-down: everything looks only at
the forum's open activation. Each meeting has its own round of situation reports
(``RoundKind.RHYTHM_MEETING``, ``commands/situation/rounds.py``), awaiting those called in
and not released.

**Reminders**, in every channel of the forum, at the offsets of ``MEETING_REMINDER_OFFSETS``
that make sense hours apart (the notice the day before does not): ``rhythm_nag`` (who has not
reported to that meeting's round, their representatives mentioned; never before the previous
meeting's round has closed, and not at all when everyone has reported), ``rhythm_soon`` and
``rhythm_start``. They are planned as scheduled posts when the rhythm or the meeting is set,
and rolled forward by the timed job :func:`plan_rhythm_posts` (the meetings of the next
``PLAN_AHEAD``, and at least the next three), each under a key naming the activation, the
meeting, the kind, its time and the channel, so planning twice makes one row. Each is worded
when sent and says nothing (is cancelled) when the activation has been stood down (which also
cancels its pending posts), when the meeting is no longer one of its meetings or the post no
longer falls at that time (the rhythm changed), or when the channel no longer serves the
forum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.channels import forum_wide, other_channels
from commands.core.config import CoreConfig
from commands.core.document import Document, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.grammar import forum_words
from commands.core.i18n import normalise_language, t
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.roles import allows, require_coordinator_of
from commands.core.scheduled_posts import composer
from commands.core.text import fold
from commands.core.timed import Tick, timed
from commands.core.timefmt import format_clock, format_time_with_weekday
from commands.core.when import Refusal, When, read_when
from commands.situation.activation_meetings import (
    LONGEST,
    SHORTEST,
    describe,
    has_meetings,
    is_meeting,
    meetings_between,
    meetings_from,
    next_whole_hour,
    previous_meeting,
)
from commands.situation.meeting_posts import (
    PlanMemory,
    add_how_to_report,
    meeting_key,
    plan_in_channels,
    time_left,
)
from commands.situation.picture import expected_organisations
from commands.situation.render import missing_rows
from commands.situation.rounds import rhythm_round
from storage import Store
from storage.forums import Channel
from storage.models import Activation, Forum, Mode, Role, ScheduledPost

FEATURE = feature(__name__)

NAG = "rhythm_nag"
SOON = "rhythm_soon"
START = "rhythm_start"
# Which of MEETING_REMINDER_OFFSETS each post takes (the first, the day before, is left out).
_OFFSET_INDEX = ((NAG, 1), (SOON, 2), (START, 3))
SHOWN = 3  # meetings shown by !rytm and its answers
# The meetings this far ahead have their posts planned (further when an offset is longer).
PLAN_AHEAD = timedelta(hours=12)
# What removes the meeting set on its own: ``!nästa möte av``.
OFF_WORDS = frozenset({"av", "ingen", "inget", "inte", "off", "none", "no"})


# -- reading a rhythm -------------------------------------------------------------------------

_FROM = re.compile(r"\s+(?:från|fran|from|starting at|starting|med start)\s+", re.IGNORECASE)
_UNITS = {
    **dict.fromkeys(("timme", "timmar", "tim", "t", "h", "hour", "hours", "hr", "hrs"), 60),
    **dict.fromkeys(("minut", "minuter", "min", "mins", "minute", "minutes"), 1),
}
_UNIT = "(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
_EVERY = r"(?:var|varje|every|each)"
_ORDINAL_WORDS = {
    **dict.fromkeys(("annan", "andra", "other", "second", "two"), 2),
    **dict.fromkeys(("tredje", "third", "three"), 3),
    **dict.fromkeys(("fjarde", "fourth", "four"), 4),
    **dict.fromkeys(("femte", "fifth", "five"), 5),
    **dict.fromkeys(("sjatte", "sixth", "six"), 6),
    **dict.fromkeys(("attonde", "eighth", "eight"), 8),
    **dict.fromkeys(("tolfte", "twelfth", "twelve"), 12),
}
_RULES: tuple[tuple[re.Pattern[str], int | None], ...] = (
    # var 4:e timme, var 30:e minut, every 4 hours, every 4th hour, var fjärde timme
    (
        re.compile(
            rf"{_EVERY} (?:(?P<number>\d{{1,4}})(?::?e|:?a|st|nd|rd|th)?|(?P<word>[a-z]+)) {_UNIT}"
        ),
        None,
    ),
    (re.compile(rf"(?:varannan|every other|every second) {_UNIT}"), 2),  # varannan timme
    (re.compile(rf"{_EVERY} {_UNIT}"), 1),  # varje timme, every hour
    (re.compile(r"(?:var|varje) halvtimme|every half[ -]hour"), 30),
    (re.compile(r"(?:var|varje) kvart|every quarter(?: of an)? hour"), 15),
)


def parse_every(text: str) -> int | None:
    """``var 4:e timme`` → 240 (minutes); None when it is not a rhythm."""
    phrase = fold(text).rstrip(".")
    for pattern, times in _RULES:
        found = pattern.fullmatch(phrase)
        if found is None:
            continue
        unit_word = found.groupdict().get("unit")
        if unit_word is None:  # var halvtimme, var kvart: in minutes
            return times
        unit = _UNITS[unit_word]
        if times is not None:
            return times * unit
        if found["number"]:
            return int(found["number"]) * unit
        number = _ORDINAL_WORDS.get(found["word"] or "")
        return number * unit if number else None
    return None


def _when_error(req: Request, refusal: Refusal, hint_key: str) -> CommandError:
    """A refusal of the time reader as the user's answer, with an example that works."""
    return CommandError(refusal.key, hint_key=hint_key, **refusal.texts(req.language, req.zone))


def _minute(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def _read_start(req: Request, phrase: str) -> datetime:
    """The rhythm's start: a time of day alone is today's (its grid), else as read."""
    for day in ("idag", "today"):
        today = read_when(f"{day} {phrase}", req.now, req.zone)
        if isinstance(today, When):
            return _minute(today.at)
    found = read_when(phrase, req.now, req.zone)
    if isinstance(found, Refusal):
        raise _when_error(req, found, "rhythm_hint.rule")
    return _minute(found.at)


def _parse(req: Request, wanted: str) -> tuple[int, datetime, bool]:
    """Minutes between meetings, the start, and whether the start was left to the bot."""
    parts = _FROM.split(wanted, maxsplit=1)
    minutes = parse_every(parts[0])
    if minutes is None:
        raise CommandError("rhythm_error.rule", hint_key="rhythm_hint.rule", rule=wanted[:80])
    if not SHORTEST <= minutes <= LONGEST:
        raise CommandError("rhythm_error.interval", hint_key="rhythm_hint.rule", rule=wanted[:80])
    if len(parts) == 2 and parts[1].strip():
        return minutes, _read_start(req, parts[1].strip()), False
    return minutes, next_whole_hour(req.now, req.zone), True


# -- the commands -----------------------------------------------------------------------------


def _activation(req: Request, forum: Forum) -> Activation:
    activation = req.store.activations.current(forum)
    if activation is None:
        raise CommandError(
            "error.not_activated",
            hint_key="rhythm_hint.not_activated",
            forum=forum.name,
            **forum_words(req.language, forum.name),
        )
    return activation


def _next_lines(req: Request, forum: Forum, activation: Activation) -> list[str]:
    zone = ZoneInfo(forum.timezone)
    upcoming = meetings_from(activation, zone, req.now, SHOWN)
    return [format_time_with_weekday(at, zone, req.language) for at in upcoming]


def _add_next(req: Request, doc: Document, forum: Forum, activation: Activation) -> None:
    lines = _next_lines(req, forum, activation)
    if lines:
        doc.paragraph(req.t("rhythm.next_meetings", count=len(lines)))
        doc.bullets(lines)
    else:
        doc.paragraph(req.t("rhythm.no_meetings"))


def _announce(req: Request, forum: Forum, text: str, activation: Activation) -> list[Post]:
    """The change, said in the forum's other channels."""
    doc = Document().paragraph(Strong(text))
    _add_next(req, doc, forum, activation)
    return forum_wide(other_channels(req, forum), doc)


@command(
    "rhythm.show",
    "rytm",
    aliases=("rhythm",),
    args=(Arg("rhythm.rule", ArgKind.TEXT, required=False),),
    needs_forum=True,
)
def show_or_set(req: Request) -> Reply:
    """``!rytm`` shows the rhythm to anyone; ``!rytm <rytm>`` sets it (a coordinator: decided
    in ``core/roles.py``, as for ``!schema <regel>``)."""
    forum = req.forum_here
    wanted = (req.args.get("rhythm.rule") or "").strip()
    if wanted:
        require_coordinator_of(req, forum)
    activation = _activation(req, forum)
    if wanted and fold(wanted).rstrip(".") in OFF_WORDS:  # ``!rytm off``, as ``!rytm av``
        return _off(req, forum, activation)
    if wanted:
        return _set(req, forum, activation, wanted)
    zone = ZoneInfo(forum.timezone)
    doc = req.document().heading(req.t("rhythm.title", forum=forum.name))
    rows = [
        (req.t("rhythm.label"), describe(activation, zone, req.language) or req.t("rhythm.none"))
    ]
    single = activation.next_meeting_at
    if single is not None and single >= req.now:
        rows.append((req.t("rhythm.single"), format_time_with_weekday(single, zone, req.language)))
    doc.fields(rows)
    _add_next(req, doc, forum, activation)
    if allows(req.role, Role.COORDINATOR):
        doc.paragraph(req.t("rhythm_hint.how", prefix=req.config.prefix))
    return Reply(doc)


def _set(req: Request, forum: Forum, activation: Activation, wanted: str) -> Reply:
    minutes, start, defaulted = _parse(req, wanted)
    zone = ZoneInfo(forum.timezone)
    doc = req.document()
    if activation.rhythm_minutes == minutes and activation.rhythm_from == start:
        said = describe(activation, zone, req.language) or ""
        doc.paragraph(req.t("rhythm.unchanged", rhythm=said))
        _add_next(req, doc, forum, activation)
        return Reply(doc)
    me = req.me
    req.store.activations.set_rhythm(activation, minutes, start)
    plan_posts(req.store, forum, activation, req.config, req.now)
    said = describe(activation, zone, req.language) or ""
    doc.paragraph(Strong(req.t("rhythm.set", forum=forum.name, rhythm=said)))
    if defaulted:
        doc.paragraph(
            req.t("rhythm.default_start", time=format_time_with_weekday(start, zone, req.language))
        )
    _add_next(req, doc, forum, activation)
    doc.paragraph(req.t("rhythm.reminders"))
    text = req.t("rhythm.set_by", who=me.display_name, forum=forum.name, rhythm=said)
    return Reply(doc, posts=_announce(req, forum, text, activation), scheduled=True)


@command(
    "rhythm.off",
    "rytm av",
    aliases=("rhythm off",),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def rhythm_off(req: Request) -> Reply:
    forum = req.forum_here
    return _off(req, forum, _activation(req, forum))


def _off(req: Request, forum: Forum, activation: Activation) -> Reply:
    doc = req.document()
    if activation.rhythm_minutes is None:
        return Reply(doc.paragraph(req.t("rhythm.off_none", forum=forum.name)))
    me = req.me
    req.store.activations.set_rhythm(activation, None, None)
    doc.paragraph(Strong(req.t("rhythm.off", forum=forum.name)))
    single = activation.next_meeting_at
    if single is not None and single > req.now:
        when = format_time_with_weekday(single, req.zone, req.language)
        doc.paragraph(req.t("rhythm_hint.single_stays", time=when, prefix=req.config.prefix))
    text = req.t("rhythm.off_by", who=me.display_name, forum=forum.name)
    return Reply(doc, posts=_announce(req, forum, text, activation))


@command(
    "rhythm.next_meeting",
    "nästa möte",
    aliases=("next meeting",),
    args=(Arg("rhythm.when", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def next_meeting(req: Request) -> Reply:
    forum = req.forum_here
    activation = _activation(req, forum)
    phrase = req.arg("rhythm.when").strip()
    if fold(phrase).rstrip(".") in OFF_WORDS:
        return _clear_next(req, forum, activation)
    found = read_when(phrase, req.now, req.zone)
    if isinstance(found, Refusal):
        raise _when_error(req, found, "rhythm_hint.when")
    at = _minute(found.at)
    if at <= req.now:
        raise CommandError(
            "rhythm_error.passed",
            hint_key="rhythm_hint.when",
            phrase=phrase[:80],
            time=format_time_with_weekday(found.at, req.zone, req.language),
        )
    me = req.me
    req.store.activations.set_next_meeting(activation, at)
    plan_posts(req.store, forum, activation, req.config, req.now)
    when = format_time_with_weekday(at, req.zone, req.language)
    doc = req.document().paragraph(Strong(req.t("rhythm.next_set", forum=forum.name, time=when)))
    for note in found.notes:
        doc.paragraph(note.say(req.language, req.zone))
    if activation.rhythm_minutes is not None:
        _add_next(req, doc, forum, activation)
    doc.paragraph(req.t("rhythm.reminders"))
    text = req.t("rhythm.next_set_by", who=me.display_name, forum=forum.name, time=when)
    return Reply(doc, posts=_announce(req, forum, text, activation), scheduled=True)


def _clear_next(req: Request, forum: Forum, activation: Activation) -> Reply:
    single = activation.next_meeting_at
    doc = req.document()
    if single is None or single <= req.now:
        return Reply(doc.paragraph(req.t("rhythm.next_none", forum=forum.name)))
    me = req.me
    req.store.activations.set_next_meeting(activation, None)
    when = format_time_with_weekday(single, req.zone, req.language)
    doc.paragraph(Strong(req.t("rhythm.next_cleared", time=when)))
    text = req.t("rhythm.next_cleared_by", who=me.display_name, forum=forum.name, time=when)
    return Reply(doc, posts=_announce(req, forum, text, activation))


# -- planning the reminders -------------------------------------------------------------------


def _offsets(config: CoreConfig) -> list[tuple[str, int]]:
    """The posts before each meeting: (kind, minutes before), as configured."""
    given = config.meeting_reminder_offsets
    return [
        (kind, minutes)
        for kind, index in _OFFSET_INDEX
        if index < len(given) and (minutes := given[index]) is not None
    ]


def due_of(
    kind: str,
    minutes: int,
    at: datetime,
    activation: Activation,
    zone: ZoneInfo,
    config: CoreConfig,
) -> datetime | None:
    """When the post of ``kind`` before the meeting at ``at`` goes out, ``minutes`` before it
    as configured; the nag not before the previous meeting's round has closed, "soon" not
    before the previous meeting has begun (a rhythm of an hour has no nag); None: none."""
    due = at - timedelta(minutes=minutes)
    if kind == START:
        return due
    before = previous_meeting(activation, zone, at)
    if before is not None:
        if kind == NAG:
            due = max(due, before + timedelta(minutes=config.meeting_minutes))
        elif due <= before:
            return None
    return due if due < at else None


def post_key(activation_id: int, at: datetime, kind: str, due: datetime) -> str:
    """A post's key, but for its channel (``meeting_posts.plan_in_channels`` adds it)."""
    sent = due.astimezone(UTC).strftime("%Y%m%dT%H%M")
    return f"rhythm:{activation_id}:{meeting_key(at)}:{kind}:{sent}"


def _plan_until(
    activation: Activation, zone: ZoneInfo, config: CoreConfig, now: datetime
) -> datetime:
    """How far ahead the posts are planned: the meetings of the next ``PLAN_AHEAD`` (longer
    when an offset is), and at least the next ``SHOWN`` (a meeting set for tomorrow)."""
    longest = max((minutes for _, minutes in _offsets(config)), default=0)
    until = now + max(PLAN_AHEAD, timedelta(minutes=longest) + timedelta(hours=1))
    upcoming = meetings_from(activation, zone, now, SHOWN)
    return max(until, upcoming[-1]) if upcoming else until


def plan_posts(
    store: Store,
    forum: Forum,
    activation: Activation,
    config: CoreConfig,
    now: datetime,
    start: datetime | None = None,
    channels: tuple[Channel, ...] | None = None,
) -> tuple[tuple[int, str] | None, datetime]:
    """Plan the posts of the activation's meetings after ``start`` (now) until
    :func:`_plan_until`, in each of the forum's channels; one post added, if any (to check
    that the plan was kept), and until when it planned."""
    assert activation.id is not None
    assert forum.id is not None
    zone = ZoneInfo(forum.timezone)
    found = channels if channels is not None else tuple(store.forums.channels(forum))
    added: tuple[int, str] | None = None
    given = _offsets(config)
    until = _plan_until(activation, zone, config, now)
    for at in meetings_between(activation, zone, start or now, until):
        for kind, minutes in given:
            due = due_of(kind, minutes, at, activation, zone, config)
            if due is None or due <= now:
                continue  # its time has passed (a rhythm set just before a meeting)
            key = post_key(activation.id, at, kind, due)
            planned = plan_in_channels(
                store,
                found,
                key,
                kind=kind,
                forum=forum,
                at=at,
                due=due,
                now=now,
                activation_id=activation.id,
            )
            added = planned or added
    return added, until


# What this process planned, per database and activation.
_PLANNED = PlanMemory()


@timed
def plan_rhythm_posts(store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
    """Roll the reminders forward: the posts of each open activation's meetings in the next
    ``PLAN_AHEAD``. Reads the forums (and, for an activated one, its activation and
    channels); plans only what entered the window or changed since the last tick."""
    if not _offsets(config):
        return []
    now = tick.now
    seen: set[int] = set()
    for forum in store.forums.all():
        if forum.mode is not Mode.ACTIVATED:
            continue
        activation = store.activations.current(forum)
        if activation is None or activation.id is None or not has_meetings(activation):
            continue
        seen.add(activation.id)
        channels = tuple(store.forums.channels(forum))
        signature = (
            activation.rhythm_minutes,
            activation.rhythm_from,
            activation.next_meeting_at,
            forum.timezone,
            channels,
            tuple(config.meeting_reminder_offsets),
            config.meeting_minutes,
        )
        end = _plan_until(activation, ZoneInfo(forum.timezone), config, now)
        start = _PLANNED.start(store, activation.id, signature, now, end)
        if start is None:
            continue
        check, until = plan_posts(store, forum, activation, config, now, start, channels)
        _PLANNED.remember(store, activation.id, signature, until, check)
    _PLANNED.keep_only(store, seen)
    return []


# -- wording (when sent) ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Meeting:
    forum: Forum
    activation: Activation
    at: datetime
    zone: ZoneInfo
    language: str


def _meeting(store: Store, post: ScheduledPost, config: CoreConfig) -> _Meeting | None:
    """The meeting the post is about, if it still stands as planned: the activation is open,
    the meeting is still one of its meetings, and the post still falls at its time."""
    if post.forum_id is None or post.activation_id is None or post.occurrence_at is None:
        return None
    activation = store.activations.get(post.activation_id)
    if activation is None or activation.stood_down_at is not None:
        return None
    forum = store.forums.get(post.forum_id)
    if forum is None or activation.forum_id != forum.id:
        return None
    zone = ZoneInfo(forum.timezone)
    at = post.occurrence_at.astimezone(UTC)
    minutes = dict(_offsets(config)).get(post.kind)
    if minutes is None or not is_meeting(activation, zone, at):
        return None
    if due_of(post.kind, minutes, at, activation, zone, config) != post.due_at:
        return None
    return _Meeting(forum, activation, at, zone, normalise_language(forum.language))


@composer(NAG)
def _nag(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> Document | None:
    meeting = _meeting(store, post, config)
    if meeting is None or now >= meeting.at:
        return None
    forum, language = meeting.forum, meeting.language
    target = rhythm_round(store, forum, meeting.activation, meeting.at, config.meeting_minutes)
    expected = expected_organisations(store, forum, target)
    waiting = expected - set(store.reports.latest_in_round(target))
    if not waiting:
        return None  # everyone has reported (or nobody is awaited)
    doc = Document().heading(
        t(
            language,
            "rhythm.nag_title",
            forum=forum.name,
            clock=format_clock(meeting.at, meeting.zone),
            left=time_left(meeting.at - now, language),
        )
    )
    doc.paragraph(t(language, "rhythm.nag_missing", count=len(waiting), expected=len(expected)))
    doc.bullets(missing_rows(store, forum, waiting, language, mention=True))
    add_how_to_report(doc, language, config)
    return doc


@composer(SOON)
def _soon(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> Document | None:
    meeting = _meeting(store, post, config)
    if meeting is None or now >= meeting.at:
        return None
    language = meeting.language
    text = t(
        language,
        "rhythm.soon",
        forum=meeting.forum.name,
        left=time_left(meeting.at - now, language),
        clock=format_clock(meeting.at, meeting.zone),
    )
    return Document().paragraph(Strong(text))


@composer(START)
def _start(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> Document | None:
    meeting = _meeting(store, post, config)
    if meeting is None:
        return None
    forum, language = meeting.forum, meeting.language
    clock = format_clock(meeting.at, meeting.zone)
    doc = Document().paragraph(Strong(t(language, "rhythm.start", forum=forum.name, clock=clock)))
    if store.meetings.open(forum) is None:
        doc.paragraph(t(language, "conference.start_how", prefix=config.prefix))
    return doc
