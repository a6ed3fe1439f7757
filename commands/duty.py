"""The regional duty roster: who is TiB and RSK on duty (``!beredskap``), taking a duty role
over (``!beredskap ta över RSK``) and a weekly rota (``!beredskap schema``).

Länsstyrelsen's *tjänsteman i beredskap* (TiB) and the *regional samverkanskoordinator i
beredskap* (RSK) are on call in turns; a request for activation goes to them first
(``commands/activation_request.py``). Who is on duty is the latest take-over, unless the
rota has handed over since (``storage/duty.py``). Taking over and the rota are for the
region's coordinators: a coordinator of one forum would otherwise receive, and could
silence, every request for activation in the region.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from commands.core.document import Document, Part, Strong
from commands.core.duty_roster import DUTIES, DUTY_WORDS, long_name, short_name
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.lookup import find_choice, find_person
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, Scope, command
from commands.core.request import Request
from commands.core.text import fold
from commands.core.timefmt import WEEKDAYS, format_time, format_time_with_weekday
from commands.core.when import Weekly, parse_weekly
from storage.duty import OnDuty, next_handover
from storage.models import Duty, DutyRota, Person, Role

FEATURE = feature(__name__)

# "ta bort", "remove": a rota's people given as none.
REMOVE_WORDS = frozenset({"ta bort", "tabort", "bort", "ingen", "inget", "remove", "none", "off"})
# Words people write between the names and the weekday ("… varje måndag 08:00").
FILLER = frozenset({"varje", "every", "each", "pa", "on", "fran", "from", "med", "with"})
# The longest weekday-and-time phrase looked for at the end ("every monday at 8 am").
WEEKLY_WORDS = 6
MAX_ROTA = 52
# Names are separated by commas, "och"/"and" or "&"; mentions also by spaces.
SEPARATORS = re.compile(r"\s*(?:,|&|\boch\b|\band\b)\s*", re.IGNORECASE)


def read_duty(req: Request, name: str) -> Duty:
    return find_choice(req.arg(name), DUTY_WORDS, "duty_error.unknown_role", "duty_hint.roles")


# -- !beredskap ---------------------------------------------------------------------------------


def _held_text(req: Request, held: OnDuty) -> str:
    key = "duty.held_by_rota" if held.by_rota else "duty.held_by_take_over"
    return req.t(key, since=format_time(held.since, req.zone))


def _rota_lines(req: Request, rota: DutyRota) -> list[str]:
    """The rota's people and weekly handover, and the next handover."""
    people = req.store.people.by_ids(rota.people)
    names = [people[pid].display_name if pid in people else "?" for pid in rota.people]
    weekday = req.t(f"weekday.{WEEKDAYS[rota.weekday]}")
    lines = [
        req.t(
            "duty.rota_line",
            duty=short_name(req.language, rota.duty),
            people=", ".join(names),
            weekday=weekday,
            time=rota.time,
        )
    ]
    upcoming = next_handover(rota, req.now)
    if upcoming is not None:
        at, index = upcoming
        lines.append(
            req.t(
                "duty.next_handover",
                time=format_time_with_weekday(at, req.zone, req.language),
                name=names[index],
            )
        )
    return lines


def roster_document(req: Request, heading: str) -> Document:
    """Who holds each duty role now, the rotas' next handovers, and how to take over a role
    nobody holds."""
    doc = req.document().heading(heading)
    rows: list[tuple[str, list[Part]]] = []
    nobody: list[Duty] = []
    rotas: list[DutyRota] = []
    for duty in DUTIES:
        held = req.store.duties.on_duty(duty, req.now)
        label = req.t(
            "duty.role_label",
            short=short_name(req.language, duty),
            long=long_name(req.language, duty),
        )
        if held is None:
            nobody.append(duty)
            rows.append((label, [req.t("duty.nobody")]))
        else:
            rows.append((label, [Strong(held.person.display_name), " ", _held_text(req, held)]))
        rota = req.store.duties.rota(duty)
        if rota is not None:
            rotas.append(rota)
    doc.fields(rows)
    for rota in rotas:
        doc.paragraph(" ".join(_rota_lines(req, rota)))
    for duty in nobody:
        doc.paragraph(req.t(f"duty_hint.take_over_{duty.value}", prefix=req.config.prefix))
    return doc


@command("duty.show", "beredskap", aliases=("duty",), personal=True)
def show(req: Request) -> Reply:
    return Reply(roster_document(req, req.t("duty.title")))


# -- !beredskap ta över RSK ---------------------------------------------------------------------


@command(
    "duty.take_over",
    "beredskap ta över",
    aliases=("duty take over", "duty takeover"),
    args=(Arg("duty_role"),),
    role=Role.COORDINATOR,
    # The duty roles are the region's: taking one over is for its coordinators (the
    # secretariat), never for a coordinator of one forum, who would otherwise receive — and
    # could silence — every request for activation in the region.
    scope=Scope.REGION,
    personal=True,
)
def take_over(req: Request) -> Reply:
    duty = read_duty(req, "duty_role")
    short = short_name(req.language, duty)
    before = req.store.duties.on_duty(duty, req.now)
    me = req.me
    if before is not None and before.person.id == me.id:
        return Reply(
            req.document().paragraph(
                req.t("duty.already_yours", duty=short, since=format_time(before.since, req.zone))
            )
        )
    rota = req.store.duties.rota(duty)
    upcoming = next_handover(rota, req.now) if rota is not None else None
    handed_to = None
    if upcoming is not None and rota is not None:
        handed_to = req.store.people.get(rota.people[upcoming[1]])
    # Reads above, the write below.
    req.store.duties.take_over(duty, me, by=me)
    doc = req.document().paragraph(
        Strong(req.t("duty.taken_over", who=me.display_name, duty=short)),
        " ",
        req.t("duty.taken_over_since", since=format_time(req.now, req.zone)),
    )
    posts: list[Post] = []
    if before is None:
        doc.paragraph(req.t("duty.before_nobody", duty=short))
    else:
        doc.paragraph(
            req.t(
                "duty.before_someone",
                duty=short,
                who=before.person.display_name,
                held=_held_text(req, before),
            )
        )
        posts.append(_tell_previous(req, before.person, duty))
    if upcoming is not None:
        doc.paragraph(
            req.t(
                "duty.until_handover",
                time=format_time_with_weekday(upcoming[0], req.zone, req.language),
                name=handed_to.display_name if handed_to else "?",
            )
        )
    return Reply(doc, posts=posts)


def _tell_previous(req: Request, previous: Person, duty: Duty) -> Post:
    """A direct message to whoever held the role: they are no longer on duty."""
    text = req.t(
        "duty.relieved",
        who=req.me.display_name,
        duty=short_name(req.language, duty),
        time=format_time(req.now, req.zone),
        prefix=req.config.prefix,
    )
    return Post(previous.platform, previous.user_id, Document().paragraph(text), direct=True)


# -- !beredskap schema RSK @anna, @bo måndag 08:00 -----------------------------------------------


def _weekly_at_end(text: str) -> tuple[str, Weekly] | None:
    """The weekday and time at the end of ``text`` and what comes before them."""
    words = text.split()
    for size in range(1, min(WEEKLY_WORDS, len(words) - 1) + 1):
        phrase = " ".join(words[-size:])
        weekly = parse_weekly(phrase) or parse_weekly(f"varje {phrase}")
        if weekly is not None:
            before = words[:-size]
            while before and fold(before[-1]) in FILLER:
                before.pop()
            return " ".join(before), weekly
    return None


def _names(req: Request, text: str) -> list[str]:
    """The people as written: separated by commas or "och"; mentions by spaces too."""
    found: list[str] = []
    for chunk in SEPARATORS.split(text):
        words = chunk.split()
        if len(words) > 1 and all(
            word in req.incoming.mentions or word.startswith("@") for word in words
        ):
            found.extend(words)
        elif chunk.strip():
            found.append(chunk.strip())
    return found


def _read_rota(req: Request, text: str) -> tuple[list[Person], Weekly]:
    read = _weekly_at_end(text)
    if read is None and (parse_weekly(text) or parse_weekly(f"varje {text}")):
        raise CommandError("duty_error.rota_people", hint_key="duty_hint.rota")
    if read is None:
        raise CommandError("duty_error.rota_time", hint_key="duty_hint.rota", text=text[:80])
    names = _names(req, read[0])
    if not names:
        raise CommandError("duty_error.rota_people", hint_key="duty_hint.rota")
    if len(names) > MAX_ROTA:
        raise CommandError("duty_error.rota_too_long", hint_key="duty_hint.rota", limit=MAX_ROTA)
    return [find_person(req, name) for name in names], read[1]


@command(
    "duty.rota",
    "beredskap schema",
    aliases=("duty rota",),
    args=(Arg("duty_role"), Arg("duty_rota", ArgKind.TEXT)),
    role=Role.COORDINATOR,
    scope=Scope.REGION,
    personal=True,
)
def set_rota(req: Request) -> Reply:
    duty = read_duty(req, "duty_role")
    text = req.arg("duty_rota").strip()
    short = short_name(req.language, duty)
    if fold(text) in REMOVE_WORDS:
        if req.store.duties.rota(duty) is None:
            raise CommandError("duty_error.no_rota", hint_key="duty_hint.rota", duty=short)
        req.store.duties.clear_rota(duty)
        doc = roster_document(req, req.t("duty.rota_removed", duty=short))
        return Reply(doc)
    people, weekly = _read_rota(req, text)
    me = req.me
    zone = ZoneInfo(req.config.timezone)
    today = req.now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())  # the first handover is this week's
    at = weekly.at.strftime("%H:%M")
    req.store.duties.set_rota(duty, people, weekly.weekday, at, req.config.timezone, monday, me)
    doc = roster_document(req, req.t("duty.rota_set", duty=short))
    return Reply(doc)
