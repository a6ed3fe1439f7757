"""``!budskap``: joint messages to the public (gemensamma budskap).

Coordinated public communication means the actors agree on *what* is said, and each publishes
it through its own channels. Any actor proposes a message (``!budskap förslag``, numbered per
forum); each organisation expected to answer — the forum's members, during an activation
those called in and not released (``joint_direction.reach.member_organisations``) — answers
the current version ``ok`` or with an ``invändning`` and its reason; the proposer or a
coordinator revises it (a new version: the earlier answers no longer count); a coordinator
agrees it (``fastställ``, also when some objected: each actor still decides for itself, and
the objections are recorded), which posts it in every channel of the forum with who stood
behind it, who objected and who did not answer; ``upphör`` retires it. The agreed ones are
shown in the joint picture and the minutes (``joint_direction.summary.agreed_messages``).
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.core.channels import forum_wide, other_channels
from commands.core.document import Button, Document, Emphasis, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.lookup import my_organisation
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, ArgType, command
from commands.core.request import Request
from commands.core.roles import allows
from commands.core.text import fold, small_number
from commands.core.timefmt import format_time
from commands.joint_direction.reach import member_organisations
from storage.models import (
    Forum,
    JointMessage,
    JointMessageAnswer,
    JointMessageState,
    Organisation,
    Role,
)

FEATURE = feature(__name__)

MAX_TEXT = 1000
# In the list, the organisations still to answer are named up to this many, then counted.
SHOWN_WAITING = 8
# In the list, an objection's reason is cut to this many characters.
SHOWN_REASON = 160


# -- reading the number -------------------------------------------------------------------------


def _unknown(req: Request, typed: str) -> CommandError:
    """No message by that number here: the forum it works under has it (a thematic group's
    parent: answered there), else the numbers of the current ones, or how to propose."""
    forum = req.forum_here
    parent = _parent_with(req, forum, small_number(typed))
    if parent is not None:
        return CommandError(
            "joint_message.error.parents",
            hint_key="joint_message_hint.list",
            number=small_number(typed),
            forum=forum.name,
            parent=parent.name,
        )
    numbers = [message.number for message in req.store.joint_messages.current(forum)]
    typed = typed.strip()[:20]
    if not numbers:
        return CommandError(
            "joint_message.error.unknown_none",
            hint_key="joint_message_hint.propose",
            forum=forum.name,
            number=typed,
        )
    return CommandError(
        "joint_message.error.unknown",
        hint_key="joint_message_hint.list",
        forum=forum.name,
        number=typed,
        numbers=", ".join(str(number) for number in numbers),
    )


def _parent_with(req: Request, forum: Forum, number: int | None) -> Forum | None:
    """The forum ``forum`` works under (its parent), when that has a message ``number``: the
    parent's messages show in the group's picture, but its organisations answer them there."""
    if number is None or forum.parent_id is None:
        return None
    parent = req.store.forums.get(forum.parent_id)
    if parent is None or req.store.joint_messages.by_number(parent, number) is None:
        return None
    return parent


def _not_a_number(req: Request, typed: str) -> CommandError:
    """``!budskap Undvik resor``: text where a number belongs, most likely a proposal."""
    return CommandError(
        "joint_message.error.not_a_number",
        hint_key="joint_message_hint.propose_this",
        text=typed[:80],
    )


NUMBER = Arg("number", type=ArgType.NUMBER, invalid=_unknown)


def _message(req: Request) -> JointMessage:
    found = req.store.joint_messages.by_number(req.forum_here, req.number("number"))
    if found is None:
        raise _unknown(req, req.arg("number"))
    return found


def _text(req: Request, name: str) -> str:
    text = req.arg(name).strip()
    if len(text) > MAX_TEXT:
        raise CommandError(
            "joint_message.error.too_long",
            hint_key="joint_message_hint.too_long",
            length=len(text),
            limit=MAX_TEXT,
        )
    return text


def _open(req: Request, message: JointMessage) -> None:
    """Refuse answering or revising a message that is no longer a proposal."""
    if message.state is JointMessageState.AGREED:
        assert message.agreed_at is not None
        raise CommandError(
            "joint_message.error.agreed",
            hint_key="joint_message_hint.agreed",
            number=message.number,
            time=format_time(message.agreed_at, req.zone),
        )
    if message.state is JointMessageState.RETIRED:
        assert message.retired_at is not None
        raise CommandError(
            "joint_message.error.retired",
            hint_key="joint_message_hint.retired",
            number=message.number,
            time=format_time(message.retired_at, req.zone),
        )


def _coordinator(req: Request) -> bool:
    return allows(req.role, Role.COORDINATOR)


# -- who answers, and how far they have ---------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """The answers to a message's current version against those expected to answer."""

    answers: list[JointMessageAnswer]
    expected: list[int]
    names: dict[int, str]

    @classmethod
    def of(cls, req: Request, message: JointMessage) -> Tally:
        """A proposal's answers against those asked now; an agreed (or withdrawn) message's
        against those asked when it was: an activation's stand-down since does not make every
        member one that "did not answer"."""
        answers = req.store.joint_messages.answers(message)
        settled = message.agreed_at or message.retired_at
        expected = member_organisations(req.store, req.forum_here, settled, message.activation_id)
        ids = [*expected, *(answer.organisation_id for answer in answers)]
        found = req.store.organisations.by_ids(ids)
        return cls(answers, expected, {oid: org.name for oid, org in found.items()})

    def _sorted(self, ids: list[int]) -> list[str]:
        return sorted((self.names.get(oid, "?") for oid in ids), key=fold)

    @property
    def total(self) -> int:
        return len(set(self.expected) | {answer.organisation_id for answer in self.answers})

    @property
    def ok(self) -> list[str]:
        return self._sorted([a.organisation_id for a in self.answers if not a.objection])

    @property
    def objections(self) -> list[tuple[str, str]]:
        found = [(self.names.get(a.organisation_id, "?"), a.reason or "") for a in self.answers]
        return sorted(
            (pair for pair, a in zip(found, self.answers, strict=True) if a.objection),
            key=lambda pair: fold(pair[0]),
        )

    @property
    def waiting(self) -> list[str]:
        answered = {answer.organisation_id for answer in self.answers}
        return self._sorted([oid for oid in self.expected if oid not in answered])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _names(names: list[str]) -> str:
    # Not commas: "Försvarsmakten, Militärregion Mitt" is one organisation.
    return "; ".join(names)


def _progress(req: Request, tally: Tally, *, short: bool) -> str:
    """``3 av 10 har svarat: 2 ok, 1 invändning (Trafikverket: …); väntar på …``."""
    objections = tally.objections
    line = req.t("joint_message.answered", count=len(tally.answers), total=tally.total)
    line += ": " + req.t("joint_message.oks", count=len(tally.ok))
    line += ", " + req.t("joint_message.objections", count=len(objections))
    if objections:
        limit = SHOWN_REASON if short else MAX_TEXT
        line += " (" + _names([f"{name}: {_cut(why, limit)}" for name, why in objections]) + ")"
    waiting = tally.waiting
    if not waiting:
        return line + "; " + req.t("joint_message.all_answered") + "."
    if short and len(waiting) > SHOWN_WAITING:
        shown = _names(waiting[:SHOWN_WAITING])
        more = len(waiting) - SHOWN_WAITING
        return line + "; " + req.t("joint_message.waiting_more", names=shown, count=more) + "."
    return line + "; " + req.t("joint_message.waiting", names=_names(waiting)) + "."


def _answerers(req: Request) -> str:
    forum = req.forum_here
    count = len(member_organisations(req.store, forum))
    called = req.store.activations.current(forum) is not None
    key = "joint_message.answerers_called" if called else "joint_message.answerers_members"
    return req.t(key, count=count)


def _who(req: Request, person_id: int | None) -> str:
    """A person as the forum knows them: ``anna (Polisen Region Stockholm)``."""
    person = req.store.people.get(person_id) if person_id is not None else None
    if person is None:
        return "?"
    organisation = (
        req.store.organisations.get(person.organisation_id)
        if person.organisation_id is not None
        else None
    )
    return person.display_name + (f" ({organisation.name})" if organisation else "")


def _expected(req: Request, organisation: Organisation) -> None:
    """Refuse an answer from an organisation that is not asked for one here."""
    forum = req.forum_here
    if organisation.id in member_organisations(req.store, forum):
        return
    if req.store.activations.current(forum) is not None:
        raise CommandError(
            "joint_message.error.not_called",
            hint_key="joint_message_hint.call_in",
            organisation=organisation.name,
            forum=forum.name,
        )
    raise CommandError(
        "joint_message.error.not_member",
        hint_key="joint_message_hint.members",
        organisation=organisation.name,
        forum=forum.name,
    )


# -- the documents ------------------------------------------------------------------------------


def _proposal(req: Request, message: JointMessage, *, revised: bool) -> Document:
    """The proposal (or its new version) as the forum's channels see it, with how to answer."""
    number = message.number
    doc = req.document()
    if revised:
        doc.heading(req.t("joint_message.revised_title", number=number, version=message.version))
    else:
        doc.heading(req.t("joint_message.proposal_title", number=number))
    doc.paragraph(message.text)
    who, time = _who(req, req.me.id), format_time(req.now, req.zone)
    by = "joint_message.revised_by" if revised else "joint_message.proposed_by"
    doc.paragraph(Emphasis(req.t(by, who=who, time=time)))
    doc.paragraph(_answerers(req))
    prefix = req.config.prefix
    doc.actions(
        Button(
            req.t("joint_message.ok_button"),
            req.t("joint_message.ok_command", number=number),
            req.t("joint_message.ok_hint", prefix=prefix, number=number),
        )
    )
    doc.paragraph(req.t("joint_message.object_how", prefix=prefix, number=number))
    return doc


def _outcome(req: Request, doc: Document, tally: Tally) -> None:
    """Who stood behind a message, who objected (with their reasons), who did not answer."""
    nobody = req.t("joint_message.nobody")
    doc.fields([(req.t("joint_message.stood_behind"), _names(tally.ok) or nobody)])
    objections = tally.objections
    if objections:
        doc.paragraph(Strong(req.t("joint_message.objected")), ":")
        doc.bullets([[Strong(name), ": ", reason] for name, reason in objections])
    doc.fields([(req.t("joint_message.not_answered"), _names(tally.waiting) or nobody)])


def _agreed(req: Request, message: JointMessage, tally: Tally) -> Document:
    doc = req.document().heading(req.t("joint_message.agreed_title", number=message.number))
    doc.paragraph(message.text)
    by = req.t(
        "joint_message.agreed_by",
        who=_who(req, req.me.id),
        forum=req.forum_here.name,
        time=format_time(req.now, req.zone),
    )
    doc.paragraph(Emphasis(by))
    _outcome(req, doc, tally)
    if tally.objections:
        doc.paragraph(req.t("joint_message.agreed_despite", count=len(tally.objections)))
    doc.paragraph(req.t("joint_message.each_publishes"))
    return doc


def _state(req: Request, message: JointMessage) -> str:
    return req.t(f"joint_message.state.{message.state.value}", version=message.version)


# -- the commands -------------------------------------------------------------------------------


def _list_arg(req: Request, typed: str) -> CommandError:
    return _not_a_number(req, typed) if not typed.lstrip("#").isdigit() else _unknown(req, typed)


@command(
    "joint_message.list",
    "budskap",
    aliases=("message", "messages"),
    args=(Arg("number", ArgKind.TEXT, required=False, type=ArgType.NUMBER, invalid=_list_arg),),
    needs_forum=True,
)
def list_messages(req: Request) -> Reply:
    if req.optional_number("number") is not None:
        return show(req)
    forum = req.forum_here
    messages = req.store.joint_messages.current(forum)
    doc = req.document().heading(req.t("joint_message.list_title", forum=forum.name))
    prefix = req.config.prefix
    if not messages:
        doc.paragraph(req.t("joint_message.none", forum=forum.name))
        doc.hint(req.t("joint_message_hint.propose", prefix=prefix))
        return Reply(doc)
    agreed = sorted(
        (m for m in messages if m.state is JointMessageState.AGREED),
        key=lambda m: (m.agreed_at or m.proposed_at, m.number),
    )
    if agreed:
        doc.heading(req.t("joint_message.agreed_heading"), level=2)
        rows: list[list[Part]] = []
        for message in agreed:
            assert message.agreed_at is not None
            when = req.t("joint_message.agreed_row", time=format_time(message.agreed_at, req.zone))
            rows.append([Strong(f"#{message.number}"), f" ({when}): ", message.text])
        doc.bullets(rows)
    proposed = [m for m in messages if m.state is JointMessageState.PROPOSED]
    if proposed:
        doc.heading(req.t("joint_message.proposed_heading"), level=2)
        rows = []
        for message in proposed:
            state = req.t("joint_message.proposed_row", version=message.version)
            progress = _progress(req, Tally.of(req, message), short=True)
            rows.append([Strong(f"#{message.number}"), f" ({state}): ", message.text, " – "])
            rows[-1].append(Emphasis(progress))
        doc.bullets(rows)
        doc.hint(req.t("joint_message.how_answer", prefix=prefix))
    return Reply(doc)


@command(
    "joint_message.show",
    "budskap visa",
    aliases=("message show",),
    args=(NUMBER,),
    needs_forum=True,
)
def show(req: Request) -> Reply:
    message = _message(req)
    doc = req.document().heading(req.t("joint_message.show_title", number=message.number))
    doc.paragraph(message.text)
    rows: list[tuple[str, str]] = [(req.t("joint_message.state_label"), _state(req, message))]
    for label, by_id, at in (
        ("proposed_label", message.proposed_by_id, message.proposed_at),
        ("agreed_label", message.agreed_by_id, message.agreed_at),
        ("retired_label", message.retired_by_id, message.retired_at),
    ):
        if at is not None:
            when = format_time(at, req.zone)
            who_when = req.t("joint_message.who_when", who=_who(req, by_id), time=when)
            rows.append((req.t(f"joint_message.{label}"), who_when))
    doc.fields(rows)
    _versions(req, doc, message)
    tally = Tally.of(req, message)
    doc.heading(req.t("joint_message.answers_heading", version=message.version), level=2)
    if message.state is JointMessageState.PROPOSED:
        doc.paragraph(_progress(req, tally, short=False))
        if tally.answers:
            doc.bullets(_answer_rows(req, tally.answers))
        else:
            doc.paragraph(req.t("joint_message.no_answers"))
    else:
        _outcome(req, doc, tally)
    return Reply(doc)


def _versions(req: Request, doc: Document, message: JointMessage) -> None:
    """A revised message's versions, each earlier one with the answers it got (an objection
    that led to the revision stays to be read); the current one's follow."""
    versions = req.store.joint_messages.versions(message)
    if len(versions) < 2:
        return
    doc.heading(req.t("joint_message.versions_heading"), level=2)
    for version in versions:
        doc.paragraph(
            req.t(
                "joint_message.version_row",
                version=version.version,
                time=format_time(version.at, req.zone),
                who=_who(req, version.by_id),
                text=version.text,
            )
        )
        if version.version == message.version:
            continue
        answers = req.store.joint_messages.answers(message, version.version)
        if answers:
            doc.bullets(_answer_rows(req, answers))
        else:
            doc.paragraph(Emphasis(req.t("joint_message.no_answers_to", version=version.version)))


def _answer_rows(req: Request, answers: list[JointMessageAnswer]) -> list[list[Part]]:
    """Each organisation's answer, by name: ``Trafikverket: invändning (tom, …): …``."""
    people = req.store.people.by_ids([answer.person_id for answer in answers])
    found = req.store.organisations.by_ids([answer.organisation_id for answer in answers])
    names = {oid: organisation.name for oid, organisation in found.items()}
    rows: list[list[Part]] = []
    for answer in sorted(answers, key=lambda a: fold(names.get(a.organisation_id, ""))):
        person = people.get(answer.person_id)
        params = {
            "who": person.display_name if person else "?",
            "time": format_time(answer.at, req.zone),
        }
        if answer.objection:
            text = req.t("joint_message.answer_row_objection", reason=answer.reason, **params)
        else:
            text = req.t("joint_message.answer_row_ok", **params)
        rows.append([Strong(names.get(answer.organisation_id, "?")), ": ", text])
    return rows


@command(
    "joint_message.propose",
    "budskap förslag",
    aliases=("message propose",),
    args=(Arg("text", ArgKind.TEXT),),
    role=Role.ACTOR,
    needs_forum=True,
)
def propose(req: Request) -> Reply:
    forum = req.forum_here
    text = _text(req, "text")
    activation = req.store.activations.current(forum)
    message = req.store.joint_messages.propose(
        forum, req.me, text, activation_id=activation.id if activation else None
    )
    return _sent(req, _proposal(req, message, revised=False))


def _sent(req: Request, document: Document, *, note: str | None = None) -> Reply:
    """The document here, and posted to the forum's other channels."""
    channels = other_channels(req, req.forum_here)
    reply = Document(list(document.blocks))
    if note:
        reply.paragraph(note)
    if channels:
        reply.paragraph(req.t("joint_message.posted", count=len(channels)))
    return Reply(reply, posts=forum_wide(channels, document))


def _answer(req: Request, *, objection: bool) -> Reply:
    message = _message(req)
    _open(req, message)
    organisation = my_organisation(req)
    _expected(req, organisation)
    reason = None
    if objection:
        reason = req.args.get("reason")
        if not reason:
            raise CommandError(
                "joint_message.error.no_reason",
                hint_key="joint_message_hint.no_reason",
                number=message.number,
            )
        reason = _text(req, "reason")
    earlier = next(
        (
            a
            for a in req.store.joint_messages.answers(message)
            if a.organisation_id == organisation.id
        ),
        None,
    )
    replaced = None
    if earlier is not None:
        kind = "joint_message.answer_objection" if earlier.objection else "joint_message.answer_ok"
        person = req.store.people.get(earlier.person_id)
        replaced = req.t(
            "joint_message.replaces",
            previous=req.t(kind),
            time=format_time(earlier.at, req.zone),
            who=person.display_name if person else "?",
        )
    req.store.joint_messages.answer(
        message, organisation, req.me, objection=objection, reason=reason
    )
    params = {"organisation": organisation.name, "number": message.number}
    if objection:
        said = req.t(
            "joint_message.objection_recorded", version=message.version, reason=reason, **params
        )
    else:
        said = req.t("joint_message.ok_recorded", version=message.version, **params)
    doc = req.document().paragraph(Strong(said))
    if replaced:
        doc.paragraph(replaced)
    doc.paragraph(_progress(req, Tally.of(req, message), short=True))
    return Reply(doc)


@command(
    "joint_message.ok",
    "budskap ok",
    aliases=("message ok",),
    args=(NUMBER,),
    role=Role.ACTOR,
    needs_forum=True,
)
def answer_ok(req: Request) -> Reply:
    return _answer(req, objection=False)


@command(
    "joint_message.object",
    "budskap invändning",
    aliases=("message object", "message objection"),
    # Required, but its absence is refused here, with an example of a reason.
    args=(NUMBER, Arg("reason", ArgKind.TEXT, refused_by_handler=True)),
    role=Role.ACTOR,
    needs_forum=True,
)
def answer_objection(req: Request) -> Reply:
    return _answer(req, objection=True)


@command(
    "joint_message.revise",
    "budskap ändra",
    aliases=("message revise",),
    args=(NUMBER, Arg("text", ArgKind.TEXT)),
    role=Role.ACTOR,
    needs_forum=True,
)
def revise(req: Request) -> Reply:
    message = _message(req)
    _open(req, message)
    if message.proposed_by_id != req.me.id and not _coordinator(req):
        raise CommandError(
            "joint_message.error.not_proposer",
            hint_key="joint_message_hint.object_instead",
            number=message.number,
            who=_who(req, message.proposed_by_id),
            forum=req.forum_here.name,
        )
    text = _text(req, "text")
    if text == message.text:
        raise CommandError(
            "joint_message.error.unchanged",
            hint_key="joint_message_hint.revise",
            number=message.number,
            version=message.version,
        )
    previous = message.version
    void = len(req.store.joint_messages.answers(message))
    req.store.joint_messages.revise(message, req.me, text)
    if void:
        note = req.t("joint_message.earlier_answers_void", count=void, previous=previous)
    else:
        note = req.t("joint_message.unchanged_answers", previous=previous)
    return _sent(req, _proposal(req, message, revised=True), note=note)


@command(
    "joint_message.agree",
    "budskap fastställ",
    aliases=("message agree",),
    args=(NUMBER,),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def agree(req: Request) -> Reply:
    message = _message(req)
    _open(req, message)
    tally = Tally.of(req, message)
    req.store.joint_messages.agree(message, req.me)
    document = _agreed(req, message, tally)
    channels = other_channels(req, req.forum_here)
    reply = Document(list(document.blocks))
    if channels:
        reply.paragraph(req.t("joint_message.posted_everywhere", count=len(channels)))
    return Reply(reply, posts=forum_wide(channels, document))


@command(
    "joint_message.retire",
    "budskap upphör",
    aliases=("message retire",),
    args=(NUMBER,),
    role=Role.ACTOR,
    needs_forum=True,
)
def retire(req: Request) -> Reply:
    message = _message(req)
    forum = req.forum_here
    if message.state is JointMessageState.RETIRED:
        _open(req, message)  # refused: it has ended already
    was_agreed = message.state is JointMessageState.AGREED
    if not _coordinator(req):
        if was_agreed:
            raise CommandError(
                "joint_message.error.agreed_retire",
                hint_key="hint.who_coordinates",
                number=message.number,
                forum=forum.name,
            )
        if message.proposed_by_id != req.me.id:
            raise CommandError(
                "joint_message.error.not_proposer_retire",
                hint_key="hint.who_coordinates",
                number=message.number,
                who=_who(req, message.proposed_by_id),
                forum=forum.name,
            )
    req.store.joint_messages.retire(message, req.me)
    who, time = _who(req, req.me.id), format_time(req.now, req.zone)
    if not was_agreed:
        text = req.t("joint_message.withdrawn", number=message.number, who=who, time=time)
        return Reply(req.document().paragraph(text))
    doc = req.document().heading(req.t("joint_message.retired_title", number=message.number))
    doc.paragraph(Emphasis(message.text))
    doc.paragraph(req.t("joint_message.retired_by", who=who, time=time))
    return _sent(req, doc)
