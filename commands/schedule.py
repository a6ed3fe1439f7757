"""``!schema``, ``!schema helgdag``, ``!schema afton``, ``!nästa``: a forum's meeting schedule and
its next meetings.

A schedule is stored as an RFC 5545 rule in wall-clock time (``Forum.schedule_rule``, expanded
in ``commands/core/meeting_times.py`` with the forum's holiday and eve policies); people write it
the way they say it, and the bot says it back the same way:

- ``varje torsdag 16:00``, ``varje torsdag kl 16``, ``torsdagar kl 16``, ``every thursday 4pm``
  (read by ``core/when.parse_weekly``): ``FREQ=WEEKLY;BYDAY=TH;BYHOUR=16;BYMINUTE=0;BYSECOND=0``;
- ``varannan torsdag 16:00``, ``every other thursday 4pm``: the same with ``INTERVAL=2``;
- ``första tisdagen varje månad 10:00`` (also ``i månaden``, ``varannan månad``, ``andra`` …
  ``fjärde``, ``sista``), ``the first tuesday of every month 10am``: ``FREQ=MONTHLY;BYDAY=1TU;…``
  (``INTERVAL=2`` every other month);
- ``ingen``, ``inget``, ``none``: no schedule.

Anything else is refused with examples and nothing changes: never a guess. The reply names the
next three meetings, so a misunderstanding shows at once.

The rule's start (``Forum.schedule_start``) is today for a rule that meets every week or month.
For every other week or month it is the day of the first meeting still ahead: "varannan torsdag"
said on a Thursday evening means next Thursday, and every other week from there. Stating the
forum's current rule again changes nothing (and keeps which weeks it meets).

A stored rule the bot cannot say in words (set by hand: COUNT, UNTIL, BYMONTH …) is shown as the
rule itself.

Two policies say what a meeting does on a day off, in the same words (``POLICY_WORDS``: hoppa,
flytta, håll and their English aliases): ``!schema helgdag`` for the public holidays
(``Forum.holiday_policy``, skip by default) and ``!schema afton`` for midsommarafton, julafton
and nyårsafton, the eves that are days off (``Forum.eve_policy``, hold by default). Both are
shown by ``!schema`` and ``!nästa``; each meeting they touch is marked in its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commands.core.document import Document
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import t
from commands.core.lookup import find_choice
from commands.core.meeting_times import Occurrence, Status, meetings_between, rule_after, upcoming
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.roles import allows
from commands.core.text import fold
from commands.core.timefmt import WEEKDAYS, format_time_with_weekday
from commands.core.when import parse_weekly
from storage.models import Forum, HolidayPolicy, Role

FEATURE = feature(__name__)

NEXT_COUNT = 5  # meetings shown by !nästa
CONFIRM_COUNT = 3  # meetings shown by !schema, and when the schedule changes
# How far ahead !schema helgdag and !schema afton look for the next meeting the policy changes.
_POLICY_HORIZON = timedelta(days=400)

_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NO_SCHEDULE = frozenset({"ingen", "inget", "inget schema", "none", "no schedule"})
_WEEKDAY_WORDS: dict[str, int] = {
    name: day
    for day, names in enumerate(
        (
            "mandag monday",
            "tisdag tuesday",
            "onsdag wednesday",
            "torsdag thursday",
            "fredag friday",
            "lordag saturday",
            "sondag sunday",
        )
    )
    for name in names.split()
}
_ORDINALS: dict[str, int] = {
    **dict.fromkeys(("forsta", "1:a", "first", "1st"), 1),
    **dict.fromkeys(("andra", "2:a", "second", "2nd"), 2),
    **dict.fromkeys(("tredje", "3:e", "third", "3rd"), 3),
    **dict.fromkeys(("fjarde", "4:e", "fourth", "4th"), 4),
    **dict.fromkeys(("sista", "last"), -1),
}
# The month part of a monthly rule (folded), longest first so "i varje månad" wins over "varje
# månad", and how many months apart the meetings are.
_MONTHS: tuple[tuple[str, int], ...] = tuple(
    sorted(
        {
            **dict.fromkeys(
                (
                    "varje manad",
                    "i varje manad",
                    "i manaden",
                    "every month",
                    "of every month",
                    "each month",
                    "of each month",
                    "of the month",
                ),
                1,
            ),
            **dict.fromkeys(
                (
                    "varannan manad",
                    "every other month",
                    "of every other month",
                    "every second month",
                    "of every second month",
                ),
                2,
            ),
        }.items(),
        key=lambda item: -len(item[0]),
    )
)
_EVERY_OTHER = re.compile(r"(?:varannan|every other|every second) (?P<rest>.+)")

POLICY_WORDS: dict[str, HolidayPolicy] = {
    fold(word): policy
    for policy, words in {
        HolidayPolicy.SKIP: ("hoppa", "hoppa över", "ställ in", "skip", "cancel"),
        HolidayPolicy.PREVIOUS: (
            "flytta",
            "flyttas",
            "föregående arbetsdag",
            "move",
            "previous",
            "previous working day",
        ),
        HolidayPolicy.HOLD: ("håll", "hålla", "hålls", "behåll", "hold", "keep"),
    }.items()
    for word in words
}


# -- the rule, as people say it --------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule people can say: weekly on some days, or monthly on the nth weekday or a day."""

    frequency: str  # "WEEKLY" or "MONTHLY"
    interval: int
    weekdays: tuple[int, ...]  # 0 = Monday
    at: time
    nth: int | None = None  # MONTHLY on a weekday: 1 to 4, or -1 for the last
    month_day: int | None = None  # MONTHLY on a day of the month (read, never written)

    def rrule(self) -> str:
        parts = [f"FREQ={self.frequency}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.month_day is not None:
            parts.append(f"BYMONTHDAY={self.month_day}")
        else:
            nth = "" if self.nth is None else str(self.nth)
            parts.append("BYDAY=" + ",".join(nth + _RRULE_DAYS[day] for day in self.weekdays))
        parts += [f"BYHOUR={self.at.hour}", f"BYMINUTE={self.at.minute}", "BYSECOND=0"]
        return ";".join(parts)


def parse_rule(text: str) -> Rule | None:
    """The rule people wrote ("varje torsdag 16:00" …); None when it is not understood."""
    phrase = fold(text).replace(",", " ").removesuffix(".").strip()
    phrase = " ".join(phrase.split())
    every_other = _EVERY_OTHER.fullmatch(phrase)
    if every_other is not None:
        found = parse_weekly("varje " + every_other["rest"])
        return Rule("WEEKLY", 2, (found.weekday,), found.at) if found else None
    weekly = parse_weekly(phrase)
    if weekly is not None:
        return Rule("WEEKLY", 1, (weekly.weekday,), weekly.at)
    return _parse_monthly(phrase)


def _parse_monthly(phrase: str) -> Rule | None:
    """ "första tisdagen varje månad 10:00", "the last friday of every other month at 9am"."""
    for words, interval in _MONTHS:
        head, found, clock = phrase.partition(f" {words} ")
        if not found:
            continue
        day_words = head.removeprefix("den ").removeprefix("the ").split(" ")
        if len(day_words) != 2 or day_words[0] not in _ORDINALS:
            return None
        name = day_words[1]
        if name not in _WEEKDAY_WORDS:
            name = name.removesuffix("en")  # "tisdagen"
        if name not in _WEEKDAY_WORDS:
            return None
        weekly = parse_weekly(f"varje {name} {clock}")  # the clock, read as everywhere else
        if weekly is None:
            return None
        return Rule("MONTHLY", interval, (weekly.weekday,), weekly.at, nth=_ORDINALS[day_words[0]])
    return None


def read_rrule(text: str) -> Rule | None:
    """The stored rule, when it is one the bot can say in words; else None."""
    try:
        parts = dict(part.split("=", 1) for part in text.upper().split(";"))
        frequency = parts.pop("FREQ")
        interval = int(parts.pop("INTERVAL", "1"))
        at = time(int(parts.pop("BYHOUR")), int(parts.pop("BYMINUTE", "0")))
        if parts.pop("BYSECOND", "0") != "0" or parts.pop("WKST", "MO") != "MO":
            return None
        days = parts.pop("BYDAY", None)
        month_day = parts.pop("BYMONTHDAY", None)
        if parts or interval < 1:  # COUNT, UNTIL, BYMONTH …: shown as the rule itself
            return None
        if frequency == "WEEKLY" and days is not None and month_day is None:
            weekdays = tuple(_RRULE_DAYS.index(day) for day in days.split(","))
            return Rule("WEEKLY", interval, weekdays, at)
        if frequency != "MONTHLY":
            return None
        if month_day is not None and days is None and 1 <= int(month_day) <= 28:
            return Rule("MONTHLY", interval, (), at, month_day=int(month_day))
        found = re.fullmatch(r"([+-]?[1-4])(MO|TU|WE|TH|FR|SA|SU)", days or "")
        if found is not None and month_day is None and int(found[1]) in (1, 2, 3, 4, -1):
            weekday = _RRULE_DAYS.index(found[2])
            return Rule("MONTHLY", interval, (weekday,), at, nth=int(found[1]))
    except (KeyError, ValueError):
        return None
    return None


def describe_rule(rule_text: str, language: str) -> str:
    """ "varje torsdag 16:00", "varannan torsdag 16:00", "första tisdagen varje månad 10:00"."""
    rule = read_rrule(rule_text)
    if rule is None:
        return t(language, "schedule.rule.raw", rule=rule_text)
    clock = rule.at.strftime("%H:%M")
    names = [t(language, f"weekday.{WEEKDAYS[day]}") for day in rule.weekdays]
    if rule.frequency == "WEEKLY":
        days = names[0]
        if len(names) > 1:
            days = f"{', '.join(names[:-1])} {t(language, 'schedule.rule.and')} {names[-1]}"
        if rule.interval == 1:
            return t(language, "schedule.rule.weekly", weekdays=days, time=clock)
        if rule.interval == 2:
            return t(language, "schedule.rule.weekly_other", weekdays=days, time=clock)
        return t(
            language, "schedule.rule.weekly_n", weekdays=days, time=clock, interval=rule.interval
        )
    if rule.interval == 1:
        months = t(language, "schedule.rule.every_month")
    elif rule.interval == 2:
        months = t(language, "schedule.rule.every_other_month")
    else:
        months = t(language, "schedule.rule.every_n_months", interval=rule.interval)
    if rule.month_day is not None:
        return t(
            language, "schedule.rule.monthly_day", day=rule.month_day, months=months, time=clock
        )
    ordinal = t(language, f"schedule.ordinal.{'last' if rule.nth == -1 else rule.nth}")
    return t(
        language,
        "schedule.rule.monthly_weekday",
        ordinal=ordinal,
        weekday=names[0],
        months=months,
        time=clock,
    )


def start_of(rule: Rule, now: datetime, zone: ZoneInfo) -> date:
    """Today; for every other week or month, the day of the first meeting still ahead."""
    today = now.astimezone(zone).date()
    if rule.interval == 1:
        return today
    every = Rule(rule.frequency, 1, rule.weekdays, rule.at, nth=rule.nth, month_day=rule.month_day)
    first = rule_after(every.rrule(), today, zone, now)
    return first.date() if first is not None else today


# -- meetings, as lines ----------------------------------------------------------------------


def occurrence_line(req: Request, occurrence: Occurrence) -> str:
    """``torsdag 2026-04-02 16:00 — Skärtorsdagen (helgdagsafton)``, ``torsdag 2026-05-14 16:00
    — inget möte: Kristi himmelsfärdsdag (helgdag)``, ``torsdag 2026-12-24 16:00 — Julafton
    (ledig dag, mötet hålls)``, ``onsdag 2026-12-23 16:00 — flyttat från torsdag 2026-12-24:
    Julafton``."""
    line = format_time_with_weekday(occurrence.at, req.zone, req.language)
    notes = []
    if occurrence.status is Status.SKIPPED:
        if occurrence.holiday is not None:
            notes.append(req.t("schedule.note.skipped", holiday=occurrence.holiday))
        else:
            notes.append(req.t("eves.note_skipped", eve=occurrence.eve_off))
    elif occurrence.status is Status.MOVED:
        original = occurrence.original.astimezone(req.zone)
        day = f"{req.t('weekday.' + WEEKDAYS[original.weekday()])} {original.date().isoformat()}"
        notes.append(req.t("schedule.note.moved", original=day, holiday=occurrence.reason))
    elif occurrence.holiday is not None:
        notes.append(req.t("schedule.note.held", holiday=occurrence.holiday))
    elif occurrence.eve_off is not None:
        notes.append(req.t("eves.note_held", eve=occurrence.eve_off))
    if occurrence.eve is not None and occurrence.eve != occurrence.eve_off:
        notes.append(req.t("schedule.note.eve", eve=occurrence.eve))
    return f"{line} – {'; '.join(notes)}" if notes else line


def _next_lines(req: Request, forum: Forum, count: int) -> list[str]:
    return [occurrence_line(req, o) for o in upcoming(forum, req.now, count)]


def _policy(req: Request, forum: Forum) -> str:
    return req.t(f"holiday_policy.{HolidayPolicy(forum.holiday_policy).value}")


def _eve_policy(req: Request, forum: Forum) -> str:
    return req.t(f"eve_policy.{HolidayPolicy(forum.eve_policy).value}")


# -- commands --------------------------------------------------------------------------------


@command(
    "schedule.show",
    "schema",
    aliases=("schedule",),
    args=(Arg("schedule.rule", ArgKind.TEXT, required=False),),
    needs_forum=True,
)
def show_or_set(req: Request) -> Reply:
    forum = req.forum_here
    wanted = req.args.get("schedule.rule")
    if wanted:
        return _set(req, forum, wanted)
    doc = req.document().heading(req.t("schedule.title", forum=forum.name))
    if not forum.schedule_rule:
        doc.paragraph(req.t("schedule.none", forum=forum.name))
    else:
        doc.fields(
            [
                (req.t("schedule.meetings"), describe_rule(forum.schedule_rule, req.language)),
                (req.t("schedule.zone"), forum.timezone),
                (req.t("schedule.holidays"), _policy(req, forum)),
                (req.t("eves.label"), _eve_policy(req, forum)),
            ]
        )
        doc.paragraph(req.t("schedule.eves"))
        doc.paragraph(req.t("schedule.next", count=CONFIRM_COUNT))
        doc.bullets(_next_lines(req, forum, CONFIRM_COUNT))
    if allows(req.role, Role.COORDINATOR):
        doc.hint(req.t("schedule.how", prefix=req.config.prefix))
    return Reply(doc)


def _set(req: Request, forum: Forum, wanted: str) -> Reply:
    if not allows(req.role, Role.COORDINATOR):
        raise CommandError(
            "error.not_allowed",
            hint_key="hint.ask_coordinator",
            command=req.t("schedule.set_usage", prefix=req.config.prefix),
            required=req.t("role.coordinator"),
            role=req.t(f"role.{req.role.value}"),
        )
    doc = req.document()
    if fold(wanted).removesuffix(".") in _NO_SCHEDULE:
        if forum.schedule_rule is None:
            return Reply(doc.paragraph(req.t("schedule.already_none", forum=forum.name)))
        req.store.forums.set_schedule(forum, None, None)
        return Reply(doc.paragraph(req.t("schedule.removed", forum=forum.name)))
    rule = parse_rule(wanted)
    if rule is None:
        raise CommandError("schedule_error.rule", hint_key="schedule_hint.rule", rule=wanted[:80])
    text = rule.rrule()
    said = describe_rule(text, req.language)
    if text == forum.schedule_rule:
        doc.paragraph(req.t("schedule.unchanged", forum=forum.name, rule=said))
    else:
        req.store.forums.set_schedule(forum, text, start_of(rule, req.now, req.zone))
        doc.paragraph(req.t("schedule.changed", forum=forum.name, rule=said))
    doc.paragraph(req.t("schedule.next", count=CONFIRM_COUNT))
    doc.bullets(_next_lines(req, forum, CONFIRM_COUNT))
    doc.paragraph(req.t("schedule.holidays_line", policy=_policy(req, forum)))
    doc.paragraph(req.t("eves.line", policy=_eve_policy(req, forum)))
    return Reply(doc)


@command(
    "schedule.holiday",
    "schema helgdag",
    aliases=("schedule holiday",),
    args=(Arg("schedule.policy", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def set_holiday_policy(req: Request) -> Reply:
    forum = req.forum_here
    policy = find_choice(
        req.arg("schedule.policy"),
        POLICY_WORDS,
        "schedule_error.policy",
        "schedule_hint.policy",
    )
    if HolidayPolicy(forum.holiday_policy) is not policy:
        req.store.forums.set_holiday_policy(forum, policy)
    doc = req.document().paragraph(
        req.t("schedule.policy_set", forum=forum.name, policy=_policy(req, forum))
    )
    return _next_affected(req, forum, doc, lambda occurrence: occurrence.holiday is not None)


def _next_affected(
    req: Request, forum: Forum, doc: Document, affected: Callable[[Occurrence], bool]
) -> Reply:
    """A policy's answer: the next meeting it affects, or that the forum has no schedule."""
    if not forum.schedule_rule:
        return Reply(doc.paragraph(req.t("schedule.policy_no_schedule", forum=forum.name)))
    ahead = meetings_between(forum, req.now, req.now + _POLICY_HORIZON)
    first = next((occurrence for occurrence in ahead if affected(occurrence)), None)
    if first is not None:
        doc.paragraph(req.t("schedule.policy_next", line=occurrence_line(req, first)))
    return Reply(doc)


@command(
    "schedule.eve",
    "schema afton",
    aliases=("schedule eve",),
    args=(Arg("schedule.policy", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def set_eve_policy(req: Request) -> Reply:
    """Midsommarafton, julafton and nyårsafton: held (the default), skipped or moved, as
    ``!schema helgdag`` says for the public holidays."""
    forum = req.forum_here
    policy = find_choice(
        req.arg("schedule.policy"),
        POLICY_WORDS,
        "eves_error.unknown_policy",
        "eves_hint.policy",
    )
    if HolidayPolicy(forum.eve_policy) is not policy:
        req.store.forums.set_eve_policy(forum, policy)
    doc = req.document().paragraph(
        req.t("eves.policy_set", forum=forum.name, policy=_eve_policy(req, forum))
    )
    return _next_affected(req, forum, doc, lambda occurrence: occurrence.eve_off is not None)


@command("schedule.next", "nästa", aliases=("next",), needs_forum=True)
def show_next(req: Request) -> Reply:
    forum = req.forum_here
    doc = req.document().heading(req.t("schedule.next_title", forum=forum.name))
    if not forum.schedule_rule:
        doc.paragraph(req.t("schedule.none", forum=forum.name))
        if allows(req.role, Role.COORDINATOR):
            doc.hint(req.t("schedule.how", prefix=req.config.prefix))
        return Reply(doc)
    doc.bullets(_next_lines(req, forum, NEXT_COUNT))
    rule = describe_rule(forum.schedule_rule, req.language)
    doc.paragraph(req.t("schedule.next_footer", rule=rule, policy=_policy(req, forum)))
    doc.paragraph(req.t("eves.line", policy=_eve_policy(req, forum)))
    return Reply(doc)
