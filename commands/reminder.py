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

from commands.core.config import CoreConfig
from commands.core.document import Button, Document, Emphasis, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import normalise_language, t
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, ArgType, command
from commands.core.request import Request
from commands.core.scheduled_posts import after_sent, composer
from commands.core.text import Token, fold, span_text, tokenize
from commands.core.timefmt import format_time_with_weekday
from commands.core.when import Refusal, Weekly, When, looks_like_time, parse_weekly, read_when
from storage import Store
from storage.models import PostState, Role, ScheduledPost

FEATURE = feature(__name__)

KIND = "reminder"
MAX_TEXT = 1000
MAX_PENDING = 100  # a channel's reminders waiting at once
MAX_WHEN_WORDS = 8  # "första tisdagen i oktober kl 10" ... the longest phrase tried before the text
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# A reminder's buttons: what each snoozes to, said as the time parser reads it.
SNOOZES = (
    ("snooze_15", "om 15 minuter"),
    ("snooze_hour", "om 1 timme"),
    ("snooze_morning", "imorgon 08:00"),
)


def when_error(req: Request, refusal: Refusal, hint_key: str) -> CommandError:
    """A refusal of the time parser as the user's answer, with an example that works."""
    return CommandError(refusal.key, hint_key=hint_key, **refusal.texts(req.language, req.zone))


def _split_when(req: Request, tokens: list[Token]) -> tuple[When, int]:
    """The longest start of ``tokens`` that is a time, leaving some text after it.

    A start the parser read as a time but refused (a clock time the spring switch skips, a
    date that does not exist or has just passed) is answered with that reason; a time followed
    by more that looks like a time ("kl. 20 över 15" read as far as "kl. 20") is refused,
    so nothing of the time ends up unread in the text.
    """
    line = req.tail
    for size in range(min(MAX_WHEN_WORDS, len(tokens) - 1), 0, -1):
        phrase = span_text(line, tokens[:size])
        found = read_when(phrase, req.now, req.zone)
        if isinstance(found, Refusal):
            if found.specific:
                raise when_error(req, found, "reminder_hint.examples")
            continue
        rest = span_text(line, tokens[size:])
        if looks_like_time(rest):
            raise CommandError(
                "when.leftover",
                hint_key="reminder_hint.examples",
                phrase=phrase[:80],
                time=format_time_with_weekday(found.at, req.zone, req.language),
                rest=" ".join(rest.split()[:3])[:40],
            )
        return found, size
    raise CommandError(
        "reminder_error.bad_time",
        hint_key="reminder_hint.examples",
        phrase=span_text(req.tail, tokens[:3])[:80],
    )


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


def _confirm(req: Request, post: ScheduledPost, weekly: bool, when: When | None = None) -> Reply:
    due = format_time_with_weekday(post.due_at, req.zone, req.language)
    key = "reminder.set_weekly" if weekly else "reminder.set"
    doc = req.document().paragraph(Strong(req.t(key, number=post.number, time=due)))
    for note in when.notes if when else ():
        doc.paragraph(Emphasis(note.say(req.language, req.zone)))
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
    when: When | None = None
    if weekly is not None:
        rule, size = weekly_rule(weekly[0]), weekly[1]
        post.rule = rule
        post.due_at = next_of_rule(rule, req.now, req.zone)
    else:
        if isinstance(read_when(req.tail, req.now, req.zone), When):
            raise CommandError("reminder_error.no_text", hint_key="reminder_hint.examples")
        when, size = _split_when(req, tokens)
        if when.at < req.now:  # "nu" is now: sent at once
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
    return _confirm(req, post, weekly is not None, when)


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


def _unknown(req: Request, wanted: str) -> CommandError:
    return CommandError("reminder_error.unknown", hint_key="reminder_hint.list", name=wanted[:20])


def _numbered(req: Request) -> ScheduledPost:
    """The reminder the argument ``number`` names, in this channel."""
    post = req.store.scheduled.by_number(
        req.incoming.platform, req.incoming.channel_id, req.number("number")
    )
    if post is None or post.kind != KIND:
        raise _unknown(req, req.arg("number"))
    return post


NUMBER = Arg("number", type=ArgType.NUMBER, invalid=_unknown)


@command(
    "reminder.cancel",
    "påminn ta bort",
    aliases=("remind cancel", "remind delete"),
    args=(NUMBER,),
    personal=True,
)
def cancel(req: Request) -> Reply:
    post = _numbered(req)
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
    args=(NUMBER, Arg("when", ArgKind.TEXT)),
    personal=True,
)
def snooze(req: Request) -> Reply:
    """A reminder that went out, again later: it keeps its number and its owner."""
    post = _numbered(req)
    if post.state is PostState.PENDING:
        raise CommandError("reminder_error.still_pending", number=post.number)
    _check_room(req)
    phrase = req.arg("when")
    when = read_when(phrase, req.now, req.zone)
    if isinstance(when, Refusal) and not when.specific:  # "!snooza 2 15 minuter"
        again_when = read_when(f"om {phrase}", req.now, req.zone)
        when = again_when if isinstance(again_when, When) else when
    if isinstance(when, Refusal):
        if when.specific:
            raise when_error(req, when, "reminder_hint.snooze")
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
    return _confirm(req, again, weekly=False, when=when)


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


@after_sent(KIND)
def _plan_next_week(store: Store, post: ScheduledPost, now: datetime) -> None:
    """A weekly reminder that went out (or was missed) is planned for its next time."""
    if post.rule:
        _again(store, post, next_of_rule(post.rule, max(now, post.due_at), ZoneInfo(post.timezone)))
