"""The bot's own posts around a forum's scheduled meetings, in every channel bound to it.

For each forum with a schedule, :func:`plan_meeting_posts` (a timed job) plans the posts of
its meetings in the next eight days, in each of its channels, at ``MEETING_REMINDER_OFFSETS``
before the meeting (by default 1440, 120, 15 and 0 minutes):

- ``meeting_day_before``: the forum, the weekday, date and time, the standing agenda for the
  forum's mode (its own, or the default: commands/minutes/agenda.py), an eve (skärtorsdagen
  …), a moved meeting or one held on a holiday or on midsommarafton, julafton, nyårsafton
  flagged, and how to send the situation report (a button where the platform has them);
- ``meeting_nag``: the organisations that have not reported in the round, their
  representatives mentioned as ``!saknas`` mentions them for a coordinator, or that all have;
- ``meeting_soon`` ("starts in 15 minutes") and ``meeting_start`` ("starts now", with
  ``!möte start`` for the coordinator).

A moved meeting, or one held on a public holiday or on midsommarafton, julafton or nyårsafton
(the eves that are days off, under the forum's eve policy), says so in every one of its posts,
not only the day before. A meeting skipped for a public holiday or such an eve gets one notice
instead, ``meeting_skipped``, at the first offset: why (the day's name) and when the next
meeting is.

A post's key names the forum, the meeting's time (UTC), the offset, the kind and the channel,
so planning it again (the next tick, another bot process) adds nothing. A post whose time has
passed when it is first planned (a new schedule, a newly bound channel) is left out. Posts are
worded when they are sent (``core/scheduler.py``): one whose meeting no longer takes place at
that time (the schedule or the holiday policy changed), whose channel no longer serves the
forum, or whose offset is no longer configured, is cancelled instead; so is a notice about a
meeting that has already begun.

**Cost.** The job runs on every tick. It reads the forums and the channels of each forum
with a schedule; what it planned is remembered in the process, per database and forum, with
what it was planned from (rule, start, zone, holiday and eve policies, channels, offsets) and
up to which time. A tick that changes nothing plans nothing and asks nothing more; a new week
entering the window plans that week's posts; a changed schedule, policy or channel plans the
whole window again (each post looked up by its key). A run that planned something is checked
on the next tick (one of its posts is looked up): if its transaction was rolled back, the
window is planned again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from commands.core.config import CoreConfig
from commands.core.document import Document, Strong
from commands.core.features import feature
from commands.core.i18n import normalise_language, t
from commands.core.meeting_times import Occurrence, Status, meetings_between, next_meetings
from commands.core.messages import Post
from commands.core.scheduled_posts import composer
from commands.core.timed import Tick, timed
from commands.core.timefmt import format_clock, format_time_with_weekday
from commands.minutes.agenda import agenda_titles
from commands.situation.activation_meetings import has_meetings
from commands.situation.meeting_posts import (
    PlanMemory,
    add_how_to_report,
    meeting_key,
    plan_in_channels,
    time_left,
)
from commands.situation.picture import expected_organisations
from commands.situation.render import missing_rows
from commands.situation.rounds import current_round
from storage import Store
from storage.forums import Channel
from storage.models import Forum, ScheduledPost

FEATURE = feature(__name__)

DAY_BEFORE = "meeting_day_before"
NAG = "meeting_nag"
SOON = "meeting_soon"
START = "meeting_start"
SKIPPED = "meeting_skipped"
# The kinds of MEETING_REMINDER_OFFSETS, in its order.
OFFSET_KINDS = (DAY_BEFORE, NAG, SOON, START)
# Meetings this far ahead are planned (further when an offset is longer than a week).
WINDOW = timedelta(days=8)


def slots(config: CoreConfig) -> list[tuple[str, int]]:
    """The posts before each meeting that is held: (kind, minutes before), earliest first."""
    given = zip(OFFSET_KINDS, config.meeting_reminder_offsets, strict=False)
    return [(kind, minutes) for kind, minutes in given if minutes is not None]


def skipped_offset(config: CoreConfig) -> int | None:
    """A skipped meeting's one notice comes when the earliest post would have."""
    return max((minutes for _, minutes in slots(config)), default=None)


def _offset_of(kind: str, config: CoreConfig) -> int | None:
    if kind == SKIPPED:
        return skipped_offset(config)
    return dict(slots(config)).get(kind)


def due_time(at: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """``minutes`` before ``at``: whole days on the wall clock (the day before a Monday
    meeting after a daylight-saving switch is still at the meeting's time), the rest in
    elapsed time."""
    days, rest = divmod(minutes, 24 * 60)
    wall = at.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
    return wall.replace(tzinfo=zone).astimezone(UTC) - timedelta(minutes=rest)


def post_key(forum_id: int, at: datetime, minutes: int, kind: str) -> str:
    """A post's key, but for its channel (``meeting_posts.plan_in_channels`` adds it)."""
    return f"meeting:{forum_id}:{meeting_key(at)}:{minutes}:{kind}"


# -- planning ---------------------------------------------------------------------------------


# What this process planned, per database and forum.
_PLANNED = PlanMemory()


@timed
def plan_meeting_posts(store: Store, tick: Tick, config: CoreConfig) -> list[Post]:
    """Plan the posts of every scheduled forum's meetings in the next days, in each of its
    channels. Posts nothing itself: ``send_due`` sends them when they fall due."""
    now = tick.now
    given = slots(config)
    if not given:
        return []
    longest = timedelta(minutes=max(minutes for _, minutes in given))
    end = now + max(WINDOW, longest + timedelta(days=2))
    scheduled: list[int] = []
    for forum in store.forums.all():
        if forum.id is None or not forum.schedule_rule:
            continue
        scheduled.append(forum.id)
        channels = tuple(store.forums.channels(forum))
        signature = (
            forum.schedule_rule,
            forum.schedule_start,
            forum.timezone,
            forum.holiday_policy,
            forum.eve_policy,
            channels,
            tuple(given),
        )
        start = _PLANNED.start(store, forum.id, signature, now, end)
        if start is None:
            continue
        check = _plan_forum(store, forum, channels, config, start, end, now)
        _PLANNED.remember(store, forum.id, signature, end, check)
    _PLANNED.keep_only(store, scheduled)
    return []


def _plan_forum(
    store: Store,
    forum: Forum,
    channels: tuple[Channel, ...],
    config: CoreConfig,
    start: datetime,
    end: datetime,
    now: datetime,
) -> tuple[int, str] | None:
    """Plan the posts of the meetings held (or skipped) from ``start`` until ``end``; one of
    the posts added, if any, to check that they were kept."""
    assert forum.id is not None
    if not channels:
        return None
    added: tuple[int, str] | None = None
    skip = skipped_offset(config)
    zone = ZoneInfo(forum.timezone)
    for occurrence in meetings_between(forum, start, end):
        at = occurrence.at.astimezone(UTC)
        if occurrence.takes_place:
            posts = slots(config)
        else:
            posts = [(SKIPPED, skip)] if skip is not None else []
        for kind, minutes in posts:
            due = due_time(at, minutes, zone)
            if due <= now:
                continue  # its time has passed: a new schedule or channel starts later
            key = post_key(forum.id, at, minutes, kind)
            planned = plan_in_channels(
                store, channels, key, kind=kind, forum=forum, at=at, due=due, now=now
            )
            added = planned or added
    return added


# -- wording (when sent) ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Meeting:
    forum: Forum
    occurrence: Occurrence
    language: str
    zone: ZoneInfo


def _meeting(store: Store, post: ScheduledPost, config: CoreConfig) -> _Meeting | None:
    """The meeting the post is about, if it still stands as planned: the forum still meets
    then (or still skips it, for the notice), the channel still serves the forum, the offset
    is still configured for the post's kind, and no activation has set meetings of its own
    (a rhythm or a next meeting: then those are the forum's meetings, with their posts)."""
    if post.forum_id is None or post.occurrence_at is None:
        return None
    forum = store.forums.get(post.forum_id)
    if forum is None:
        return None
    served = store.forums.for_channel(post.platform, post.channel_id)
    if served is None or served.id != forum.id:
        return None
    activation = store.activations.current(forum)
    if activation is not None and has_meetings(activation):
        return None  # the activation's rhythm says when the forum meets (``!rytm``)
    offset = _offset_of(post.kind, config)
    at = post.occurrence_at.astimezone(UTC)
    zone = ZoneInfo(forum.timezone)
    if offset is None or due_time(at, offset, zone) != post.due_at.astimezone(UTC):
        return None
    for occurrence in meetings_between(forum, at, at + timedelta(minutes=1)):
        same_time = occurrence.at.astimezone(UTC) == at
        if same_time and occurrence.takes_place == (post.kind != SKIPPED):
            return _Meeting(forum, occurrence, normalise_language(forum.language), zone)
    return None


def _upcoming(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> _Meeting | None:
    """As :func:`_meeting`, for a post that only makes sense before the meeting begins."""
    meeting = _meeting(store, post, config)
    if meeting is None or now >= meeting.occurrence.at:
        return None
    return meeting


def _day_note(meeting: _Meeting) -> str | None:
    """What every post of the meeting says about its day: moved (from a holiday or an eve off),
    or held on a public holiday or on midsommarafton, julafton or nyårsafton."""
    occurrence, language = meeting.occurrence, meeting.language
    if occurrence.status is Status.MOVED:
        original = format_time_with_weekday(occurrence.original, meeting.zone, language)
        return t(language, "conference.moved", original=original, holiday=occurrence.reason)
    if occurrence.holiday is not None:
        return t(language, "conference.held_holiday", holiday=occurrence.holiday)
    if occurrence.eve_off is not None:
        return t(language, "eves.held", eve=occurrence.eve_off)
    return None


def _add_day_note(doc: Document, meeting: _Meeting) -> None:
    note = _day_note(meeting)
    if note is not None:
        doc.paragraph(Strong(note))


@composer(DAY_BEFORE)
def _day_before(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    meeting = _upcoming(store, post, now, config)
    if meeting is None:
        return None
    forum, occurrence, language, zone = (
        meeting.forum,
        meeting.occurrence,
        meeting.language,
        meeting.zone,
    )
    when = format_time_with_weekday(occurrence.at, zone, language)
    doc = Document().heading(t(language, "conference.notice_title", forum=forum.name, time=when))
    _add_day_note(doc, meeting)
    if occurrence.eve is not None and occurrence.eve != occurrence.eve_off:
        doc.paragraph(Strong(t(language, "conference.eve", eve=occurrence.eve)))
    mode = t(language, f"mode.{forum.mode.value}")
    doc.paragraph(Strong(t(language, "meeting.agenda", mode=mode)))
    doc.bullets(agenda_titles(forum.mode, occurrence.at, zone, language, forum), numbered=True)
    add_how_to_report(doc, language, config)
    return doc


@composer(NAG)
def _nag(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> Document | None:
    meeting = _upcoming(store, post, now, config)
    if meeting is None:
        return None
    forum, language = meeting.forum, meeting.language
    at = meeting.occurrence.at
    doc = Document().heading(
        t(
            language,
            "conference.nag_title",
            forum=forum.name,
            clock=format_clock(at, meeting.zone),
            left=time_left(at - now, language),
        )
    )
    _add_day_note(doc, meeting)
    # The round a report sent now goes to, as for ``!läge`` and ``!saknas``.
    target = current_round(store, forum, now, config.meeting_minutes)
    expected = expected_organisations(store, forum, target) if target is not None else set()
    if target is None or not expected:
        return doc
    waiting = expected - set(store.reports.latest_in_round(target))
    if not waiting:
        doc.paragraph(t(language, "conference.nag_all", count=len(expected)))
        return doc
    doc.paragraph(t(language, "conference.nag_missing", count=len(waiting), expected=len(expected)))
    doc.bullets(missing_rows(store, forum, waiting, language, mention=True))
    add_how_to_report(doc, language, config)
    return doc


@composer(SOON)
def _soon(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> Document | None:
    meeting = _upcoming(store, post, now, config)
    if meeting is None:
        return None
    at, language = meeting.occurrence.at, meeting.language
    doc = Document().paragraph(
        Strong(
            t(
                language,
                "conference.soon",
                forum=meeting.forum.name,
                left=time_left(at - now, language),
                clock=format_clock(at, meeting.zone),
            )
        )
    )
    _add_day_note(doc, meeting)
    return doc


@composer(START)
def _start(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> Document | None:
    meeting = _meeting(store, post, config)
    if meeting is None:
        return None
    forum, language = meeting.forum, meeting.language
    clock = format_clock(meeting.occurrence.at, meeting.zone)
    doc = Document().paragraph(
        Strong(t(language, "conference.start", forum=forum.name, clock=clock))
    )
    _add_day_note(doc, meeting)
    if store.meetings.open(forum) is None:
        doc.paragraph(t(language, "conference.start_how", prefix=config.prefix))
    return doc


@composer(SKIPPED)
def _skipped(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    meeting = _meeting(store, post, config)
    if meeting is None:
        return None
    forum, occurrence, language, zone = (
        meeting.forum,
        meeting.occurrence,
        meeting.language,
        meeting.zone,
    )
    when = format_time_with_weekday(occurrence.at, zone, language)
    if occurrence.holiday is None and occurrence.eve_off is not None:  # the eve policy's
        why = t(language, "eves.skipped", forum=forum.name, time=when, eve=occurrence.eve_off)
    else:
        why = t(
            language,
            "conference.skipped",
            forum=forum.name,
            time=when,
            holiday=occurrence.holiday or "?",
        )
    doc = Document().paragraph(Strong(why))
    following = next_meetings(forum, occurrence.at, 1)
    if following:
        nxt = format_time_with_weekday(following[0], zone, language)
        doc.paragraph(t(language, "conference.skipped_next", time=nxt))
    else:
        doc.paragraph(t(language, "conference.skipped_none"))
    return doc
