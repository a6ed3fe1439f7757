"""``!åtgärd``: actions noted in a meeting, who does what by when, and their follow-up.

``!åtgärd <ansvarig> <text> [senast <när>]`` notes one during a meeting: the owner is an
organisation, a person, or everyone, found the way people write them and confirmed in the
reply; the due time is read by the bot's one time parser. ``!åtgärder`` lists the forum's open
actions; ``!åtgärd klar <nr>`` closes one. Open actions come back under "Uppföljning" when the
forum's next meeting starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from commands.core.document import Emphasis, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.follow_up_plans import plan_action
from commands.core.lookup import find_organisation, find_person
from commands.core.meetings import chaired_by_me, open_meeting
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, ArgType, command
from commands.core.request import Request
from commands.core.text import Token, fold, leading_phrases, span_text, tokenize
from commands.core.timefmt import format_time, format_time_with_weekday
from commands.core.when import Refusal, read_when
from storage.models import Action, ItemKind, Organisation, Person, Role

FEATURE = feature(__name__)

# The owner of "Alla: uppdatera kontaktlistorna".
EVERYONE = frozenset({"alla", "samtliga", "all", "everyone"})
# The words that start the due time, at the end of the text. A time after "senast" or "due"
# that cannot be read is refused; after "by" it may be part of the text ("by phone").
DUE_WORDS = frozenset({"senast", "by", "due"})
LENIENT_DUE_WORDS = frozenset({"by"})
# "senast fredag" means by the end of the working day rather than the start of it.
DUE_DEFAULT_TIME = time(16, 0)
# Longest organisation or person name, in words, tried before falling back to one word.
MAX_NAME_WORDS = 5
MAX_TEXT = 1000


@dataclass(frozen=True)
class Owner:
    name: str
    organisation: Organisation | None = None
    person: Person | None = None
    everyone: bool = False


def _owner(req: Request, tokens: list[Token]) -> tuple[Owner, int]:
    """Who the action is for, and how many of ``tokens`` named them."""
    first = tokens[0].value
    if first in req.incoming.mentions:
        return Owner(find_person(req, first).display_name, person=find_person(req, first)), 1
    if fold(first) in EVERYONE:
        return Owner(req.t("action.everyone"), everyone=True), 1
    # A name of several words, written in full: the longest that names someone.
    organisations = req.store.organisations.all()
    people = req.store.people.on_platform(req.incoming.platform)
    for size, phrase in leading_phrases(tokens, MAX_NAME_WORDS):
        for organisation in organisations:
            if phrase in (fold(name) for name in (organisation.name, *organisation.aliases)):
                return Owner(organisation.name, organisation=organisation), size
        named = [p for p in people if phrase in (fold(p.display_name), fold(p.user_id))]
        if len(named) == 1:
            return Owner(named[0].display_name, person=named[0]), size
    # One word, forgiving typos: an organisation first, then a person.
    try:
        organisation = find_organisation(req, first)
        return Owner(organisation.name, organisation=organisation), 1
    except CommandError as error:
        if error.key != "error.unknown_organisation":
            raise CommandError(error.key, hint_key="hint.action", **error.params) from None
    try:
        person = find_person(req, first)
    except CommandError as error:
        if error.key == "error.ambiguous":
            raise CommandError(error.key, hint_key="hint.action", **error.params) from None
        raise CommandError("error.unknown_owner", hint_key="hint.action", name=first) from None
    return Owner(person.display_name, person=person), 1


def _due(req: Request, line: str, tokens: list[Token]) -> tuple[list[Token], datetime | None]:
    """The text's tokens without the trailing ``senast <när>``, and the due time it names."""
    for index in range(len(tokens) - 2, -1, -1):
        word = fold(tokens[index].value)
        if word not in DUE_WORDS:
            continue
        phrase = span_text(line, tokens[index + 1 :])
        when = read_when(phrase, req.now, req.zone, default_time=DUE_DEFAULT_TIME)
        if isinstance(when, Refusal):
            if when.specific:  # read as a time, refused for a reason the person should know
                raise CommandError(
                    when.key, hint_key="hint.action_due", **when.texts(req.language, req.zone)
                )
            if word in LENIENT_DUE_WORDS:
                return tokens, None
            raise CommandError("error.bad_due", hint_key="hint.action_due", phrase=phrase[:80])
        if when.at <= req.now:
            raise CommandError(
                "error.due_past",
                hint_key="hint.action_due",
                phrase=phrase[:80],
                time=format_time_with_weekday(when.at, req.zone, req.language),
            )
        return tokens[:index], when.at
    return tokens, None


@command(
    "action.add",
    "åtgärd",
    aliases=("action",),
    args=(Arg("owner"), Arg("text", ArgKind.TEXT)),
    role=Role.ACTOR,
    needs_forum=True,
)
def add(req: Request) -> Reply:
    forum = req.forum_here
    meeting = open_meeting(req, forum)
    line = req.tail
    tokens = tokenize(line)
    owner, used = _owner(req, tokens)
    rest, due_at = _due(req, line, tokens[used:])
    text = span_text(line, rest)
    if not text:
        raise CommandError("error.action_text", hint_key="hint.action")
    if len(text) > MAX_TEXT:
        raise CommandError("error.text_too_long", limit=MAX_TEXT)
    topic = req.store.meetings.current_topic(meeting)
    item = req.store.meetings.add_item(meeting, ItemKind.ACTION, text, req.me, topic=topic)
    action = req.store.actions.add(
        meeting,
        item,
        text=text,
        owner_name=owner.name,
        owner_organisation=owner.organisation,
        owner_person=owner.person,
        owner_everyone=owner.everyone,
        due_at=due_at,
    )
    plan_action(req, action)
    doc = req.document().paragraph(Strong(req.t("action.noted", number=action.number)), ": ", text)
    kind = "organisation" if owner.organisation else "person" if owner.person else "everyone"
    doc.fields(
        [
            (req.t("action.owner"), [owner.name, " ", Emphasis(req.t(f"action.owner_{kind}"))]),
            (
                req.t("action.due"),
                format_time_with_weekday(due_at, req.zone, req.language)
                if due_at
                else req.t("action.no_due"),
            ),
        ]
    )
    if fold(tokens[0].value) != fold(owner.name) and not owner.everyone and used == 1:
        doc.paragraph(
            req.t(
                "action.owner_understood",
                written=tokens[0].value,
                name=owner.name,
                prefix=req.config.prefix,
            )
        )
    if topic is not None:
        doc.paragraph(req.t("meeting.under_topic", topic=topic.text))
    return Reply(doc, scheduled=due_at is not None)


def action_row(req: Request, action: Action) -> list[Part]:
    row: list[Part] = [Strong(f"#{action.number}"), " ", Strong(action.owner_name), ": "]
    row.append(action.text)
    if action.due_at is None:
        row.append(" – " + req.t("action.no_due"))
    else:
        row.append(" – " + req.t("minutes.due", time=format_time(action.due_at, req.zone)))
        if action.due_at < req.now:
            row.extend([" ", Strong(req.t("action.overdue"))])
    return row


@command("action.list", "åtgärder", aliases=("actions",), needs_forum=True)
def list_actions(req: Request) -> Reply:
    forum = req.forum_here
    actions = req.store.actions.open(forum)
    doc = req.document().heading(req.t("action.list_title", forum=forum.name, count=len(actions)))
    if not actions:
        doc.paragraph(req.t("action.none_open"))
        return Reply(doc)
    doc.bullets([action_row(req, action) for action in actions])
    doc.hint(req.t("action.how_close", prefix=req.config.prefix))
    return Reply(doc)


def _unknown_action(req: Request, wanted: str) -> CommandError:
    return CommandError(
        "error.unknown_action",
        hint_key="hint.actions",
        name=wanted.lstrip("#")[:20],
        forum=req.forum_here.name,
    )


@command(
    "action.done",
    "åtgärd klar",
    aliases=("action done",),
    args=(Arg("number", type=ArgType.NUMBER, invalid=_unknown_action),),
    role=Role.ACTOR,
    needs_forum=True,
)
def done(req: Request) -> Reply:
    """Closed by its owner (the person, or someone of the organisation), a chair or a
    coordinator."""
    forum = req.forum_here
    action = req.store.actions.by_number(forum, req.number("number"))
    if action is None or action.withdrawn_at is not None:
        raise _unknown_action(req, req.arg("number"))
    if action.closed_at is not None:
        raise CommandError(
            "error.action_closed",
            number=action.number,
            time=format_time(action.closed_at, req.zone),
        )
    me = req.me
    organisation = req.store.my_organisation()
    allowed = (
        req.role is Role.COORDINATOR
        or action.owner_everyone
        or action.owner_person_id == me.id
        or (organisation is not None and action.owner_organisation_id == organisation.id)
        or chaired_by_me(req, forum)
    )
    if not allowed:
        raise CommandError(
            "error.not_action_owner",
            hint_key="hint.ask_coordinator",
            number=action.number,
            owner=action.owner_name,
        )
    req.store.actions.close(action, me)
    return Reply(
        req.document().paragraph(
            req.t("action.closed", number=action.number, owner=action.owner_name),
            " ",
            Emphasis(action.text[:200]),
        )
    )
