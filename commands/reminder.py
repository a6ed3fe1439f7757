"""``!påminn``: reminders people set in a channel, once or every week, and snoozing them.

``!påminn <när> <text>`` reads the time with the bot's one time parser (``core/when.py``) and
says back the time understood, with its weekday, so that a misunderstanding shows at once;
``!påminn varje <veckodag> <tid> <text>`` repeats weekly. ``!påminnelser`` lists the channel's
(numbered per channel), ``!påminn ta bort <nr>`` cancels one, ``!snooza <nr> <när>`` sends a
reminder that went out again later (also a button on the reminder where the platform has them).
The sending is ``core/scheduler.py``'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from commands.core.document import Button, Document, Emphasis, Part, Strong
from commands.core.i18n import normalise_language, t
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import CommandError, CoreConfig, Reply, Request
from commands.core.scheduler import AFTER_SENT, composer
from commands.core.text import Token, fold, small_number, span_text, tokenize
from commands.core.timefmt import format_time_with_weekday
from commands.core.when import Weekly, When, parse_weekly, parse_when
from storage import Store
from storage.models import PostState, Role, ScheduledPost

KIND = "reminder"
MAX_TEXT = 1000
MAX_PENDING = 100  # a channel's reminders waiting at once
MAX_WHEN_WORDS = 7  # "i övermorgon kl 9" ... the longest phrase tried before the text
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A reminder's buttons: what each snoozes to, said as the time parser reads it.
SNOOZES = (
    ("snooze_15", "om 15 minuter"),
    ("snooze_hour", "om 1 timme"),
    ("snooze_morning", "imorgon 08:00"),
)


def _split_when(req: Request, tokens: list[Token]) -> tuple[When, int] | None:
    """The longest start of ``tokens`` that is a time, leaving some text after it."""
    line = req.tail
    for size in range(min(MAX_WHEN_WORDS, len(tokens) - 1), 0, -1):
        when = parse_when(span_text(line, tokens[:size]), req.now, req.zone)
        if when is not None:
            return when, size
    return None


def _split_weekly(req: Request, tokens: list[Token]) -> tuple[Weekly, int] | None:
    line = req.tail
    for size in range(min(MAX_WHEN_WORDS, len(tokens) - 1), 1, -1):
        weekly = parse_weekly(span_text(line, tokens[:size]))
        if weekly is not None:
            return weekly, size
    return None


def weekly_rule(weekly: Weekly) -> str:
    return (
        f"FREQ=WEEKLY;BYDAY={WEEKDAY_CODES[weekly.weekday]};"
        f"BYHOUR={weekly.at.hour};BYMINUTE={weekly.at.minute};BYSECOND=0"
    )


def next_of_rule(rule: str, after: datetime, zone: ZoneInfo) -> datetime:
    """The rule's next wall-clock time after ``after``, in ``zone`` (16:00 stays 16:00
    across daylight-saving switches)."""
    local = after.astimezone(zone).replace(tzinfo=None)
    start = (local - timedelta(days=8)).replace(second=0, microsecond=0)
    for occurrence in rrulestr(rule, dtstart=start).xafter(local, count=3):
        at = occurrence.replace(tzinfo=zone)
        if at > after:
            return at
    raise ValueError(f"no occurrence of {rule!r} after {after}")  # pragma: no cover


def _check_room(req: Request) -> None:
    """A channel holds at most ``MAX_PENDING`` reminders waiting, however they were made."""
    pending = req.store.scheduled.pending_in_channel(req.incoming.platform, req.incoming.channel_id)
    if len(pending) >= MAX_PENDING:
        raise CommandError("reminder_error.too_many", limit=MAX_PENDING)


def _check_text(req: Request, text: str) -> None:
    if not text:
        raise CommandError("reminder_error.no_text", hint_key="reminder_hint.examples")
    if len(text) > MAX_TEXT:
        raise CommandError("error.text_too_long", limit=MAX_TEXT)


def _confirm(req: Request, post: ScheduledPost, weekly: bool) -> Reply:
    due = format_time_with_weekday(post.due_at, req.zone, req.language)
    key = "reminder.set_weekly" if weekly else "reminder.set"
    doc = req.document().paragraph(Strong(req.t(key, number=post.number, time=due)))
    doc.paragraph(post.text or "")
    doc.paragraph(
        Emphasis(req.t("reminder.how_cancel", prefix=req.config.prefix, number=post.number))
    )
    return Reply(doc, scheduled=True)


@command(
    "reminder.set",
    "påminn",
    aliases=("remind",),
    args=(Arg("when"), Arg("text", ArgKind.TEXT)),
    personal=True,
)
def remind(req: Request) -> Reply:
    tokens = tokenize(req.tail)
    _check_room(req)
    post = ScheduledPost(
        kind=KIND,
        platform=req.incoming.platform,
        channel_id=req.incoming.channel_id,
        forum_id=req.forum.id if req.forum else None,
        timezone=req.zone.key,
        language=req.language,
        created_by_id=req.me.id,
        created_at=req.now,
        due_at=req.now,
    )
    weekly = _split_weekly(req, tokens) if fold(tokens[0].value) in ("varje", "every") else None
    if weekly is not None:
        rule, size = weekly_rule(weekly[0]), weekly[1]
        post.rule = rule
        post.due_at = next_of_rule(rule, req.now, req.zone)
    else:
        if parse_when(req.tail, req.now, req.zone) is not None:
            raise CommandError("reminder_error.no_text", hint_key="reminder_hint.examples")
        found = _split_when(req, tokens)
        if found is None:
            raise CommandError(
                "reminder_error.bad_time",
                hint_key="reminder_hint.examples",
                phrase=span_text(req.tail, tokens[:3])[:80],
            )
        when, size = found
        if when.at <= req.now:
            raise CommandError(
                "reminder_error.past",
                hint_key="reminder_hint.examples",
                time=format_time_with_weekday(when.at, req.zone, req.language),
            )
        post.due_at = when.at
    text = span_text(req.tail, tokens[size:])
    _check_text(req, text)
    post.text = text
    req.store.scheduled.add(post, numbered=True)
    req.store.audit.record("reminder.set", post.forum_id, number=post.number)
    return _confirm(req, post, weekly is not None)


@command("reminder.list", "påminnelser", aliases=("reminders",), personal=True)
def list_reminders(req: Request) -> Reply:
    pending = req.store.scheduled.pending_in_channel(req.incoming.platform, req.incoming.channel_id)
    doc = req.document().heading(req.t("reminder.list_title", count=len(pending)))
    if not pending:
        doc.paragraph(req.t("reminder.none", prefix=req.config.prefix))
        return Reply(doc)
    rows: list[list[Part]] = []
    for post in pending:
        due = format_time_with_weekday(post.due_at, req.zone, req.language)
        every = " " + req.t("reminder.weekly_mark") if post.rule else ""
        rows.append([Strong(f"#{post.number}"), f" {due}{every}: ", (post.text or "")[:200]])
    doc.bullets(rows)
    doc.paragraph(Emphasis(req.t("reminder.how_cancel_any", prefix=req.config.prefix)))
    return Reply(doc)


def _numbered(req: Request, wanted: str) -> ScheduledPost:
    number = small_number(wanted)
    post = (
        req.store.scheduled.by_number(req.incoming.platform, req.incoming.channel_id, number)
        if number is not None
        else None
    )
    if post is None or post.kind != KIND:
        raise CommandError(
            "reminder_error.unknown", hint_key="reminder_hint.list", name=wanted[:20]
        )
    return post


@command(
    "reminder.cancel",
    "påminn ta bort",
    aliases=("remind cancel", "remind delete"),
    args=(Arg("number"),),
    personal=True,
)
def cancel(req: Request) -> Reply:
    post = _numbered(req, req.arg("number"))
    if post.state is not PostState.PENDING:
        raise CommandError("reminder_error.not_pending", number=post.number)
    me = req.store.known_me()
    if req.role is not Role.COORDINATOR and (me is None or me.id != post.created_by_id):
        raise CommandError(
            "reminder_error.not_yours", hint_key="hint.ask_coordinator", number=post.number
        )
    req.store.scheduled.cancel(post)
    return Reply(
        req.document().paragraph(
            req.t("reminder.cancelled", number=post.number), " ", Emphasis((post.text or "")[:200])
        ),
        scheduled=True,
    )


@command(
    "reminder.snooze",
    "snooza",
    aliases=("snooze",),
    args=(Arg("number"), Arg("when", ArgKind.TEXT)),
    personal=True,
)
def snooze(req: Request) -> Reply:
    """A reminder that went out, again later: it keeps its number and its owner."""
    post = _numbered(req, req.arg("number"))
    if post.state is PostState.PENDING:
        raise CommandError("reminder_error.still_pending", number=post.number)
    _check_room(req)
    phrase = req.arg("when")
    when = parse_when(phrase, req.now, req.zone) or parse_when(f"om {phrase}", req.now, req.zone)
    if when is None:
        raise CommandError(
            "reminder_error.bad_time", hint_key="reminder_hint.snooze", phrase=phrase[:80]
        )
    if when.at <= req.now:
        raise CommandError(
            "reminder_error.past",
            hint_key="reminder_hint.snooze",
            time=format_time_with_weekday(when.at, req.zone, req.language),
        )
    again = _again(req.store, post, when.at)
    again.snoozed_from_id = post.id
    return _confirm(req, again, weekly=False)


def _again(store: Store, post: ScheduledPost, due_at: datetime) -> ScheduledPost:
    """A new reminder like ``post`` at ``due_at``, taking over its number."""
    return store.scheduled.again(post, due_at)


@composer(KIND, forum_bound=False)
def _reminder(store: Store, post: ScheduledPost, now: datetime, config: CoreConfig) -> Document:
    language = normalise_language(post.language)
    by = store.people.get(post.created_by_id) if post.created_by_id else None
    doc = Document().paragraph(
        Strong(t(language, "reminder.title", number=post.number or "")),
        " ",
        Emphasis(t(language, "reminder.from", who=by.display_name if by else "?")),
    )
    doc.paragraph(post.text or "")
    if post.number is not None and not post.rule:
        prefix = config.prefix
        doc.actions(
            *(
                Button(
                    t(language, f"reminder.{key}"),
                    f"snooza {post.number} {phrase}",
                    f"{prefix}snooza {post.number} {phrase}",
                )
                for key, phrase in SNOOZES
            )
        )
    return doc


def _plan_next_week(store: Store, post: ScheduledPost, now: datetime) -> None:
    """A weekly reminder that went out (or was missed) is planned for its next time."""
    if post.rule:
        _again(store, post, next_of_rule(post.rule, max(now, post.due_at), ZoneInfo(post.timezone)))


AFTER_SENT[KIND] = _plan_next_week
