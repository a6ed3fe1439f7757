"""``!inriktning``: the joint regional direction (gemensam regional inriktning), from a draft
to its adoption.

"Forum på regionalt samordnande nivå tar fram förslag till inriktning som forum på inriktande
nivå sedan fastställer." So:

- ``!inriktning``: what is in force for this forum, and what is being drafted (or, in a
  strategic forum, what has been presented to it); ``!inriktning <nr>`` (``visa <nr>``): one
  in full;
- ``!inriktning förslag [text]``: a draft (förslag), in a forum of the coordinating level or a
  thematic group (for the forum it works under); labelled lines as in ``!läge``, or a form;
- ``!inriktning ändra [nr] [text]``: a new version, the fields given replacing those fields;
  in the forum it is for and its thematic groups, and once presented also in the strategic
  forum; a form with the current text without text;
- ``!inriktning föredra [nr] [forum]``: a coordinator of the forum presents it to Regionalt
  inriktande forum (or another strategic forum), in whose channels it is posted;
- ``!inriktning fastställ [nr]``: a coordinator of that forum adopts it there; it supersedes
  the one in force, and goes to every channel of the forums that work under it, where each
  member organisation confirms it (``!inriktning kvittera``, ``commands/direction_in_force.py``);
- ``!inriktning historik [nr]``: its versions, with who, when, where and what changed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from commands.core.channels import forum_wide, other_channels, way_back
from commands.core.dialogs import offer
from commands.core.document import Document, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.forms import Form, FormSubmission, FormSupport
from commands.core.lookup import activated_strategic_forum, find_forum
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, ArgType, Scope, command, form_type
from commands.core.request import Request
from commands.core.roles import require_coordinator_of
from commands.core.timefmt import format_time
from commands.joint_direction import reach
from commands.joint_direction.confirmations import (
    confirmation_posts,
    plan_confirmation_follow_ups,
)
from commands.joint_direction.form import FORM_KEY, MAX_FIELD, build_form, initial_values
from commands.joint_direction.posts import (
    adopted_document,
    channels_by_forum,
    forum_of,
    numbers,
    presented_post,
    revision_posts,
    where_in,
)
from commands.joint_direction.render import (
    Where,
    add_changes,
    changes,
    direction_document,
    history_document,
    state_word,
    summary_line,
)
from commands.joint_direction.text import (
    FIELDS,
    MAX_VALID_UNTIL_TEXT,
    VALID_UNTIL,
    TimeContext,
    WrittenDirection,
    new_text,
    read_valid_until,
    read_written,
    revised_text,
)
from storage.directions import DirectionText, expired, frames
from storage.directions import in_force as is_in_force
from storage.models import Direction, DirectionState, Forum, Level, Role

FEATURE = feature(__name__)


def _not_a_number(req: Request, text: str) -> CommandError:
    return CommandError(
        "direction_lifecycle_error.not_a_number",
        hint_key="direction_lifecycle_hint.list",
        number=text[:40],
    )


def _text_follows(req: Request, text: str) -> None:
    """The number may be left out: the word is then the start of the text that follows."""


NUMBER = Arg("direction.number", type=ArgType.NUMBER, invalid=_not_a_number)
OPTIONAL_NUMBER = Arg(
    "direction.number", required=False, type=ArgType.NUMBER, invalid=_not_a_number
)
LEADING_NUMBER = Arg("direction.number", required=False, type=ArgType.NUMBER, invalid=_text_follows)
TEXT = Arg("direction.text", ArgKind.TEXT, required=False)


# -- reading -----------------------------------------------------------------------------------


def _of(direction: Direction, reply: Reply) -> Reply:
    """``reply`` about ``direction``: an exercise's work wherever it goes when the direction
    is an exercise's (the strategic forum adopting it is not exercising itself)."""
    reply.exercise = direction.exercise_id is not None
    return reply


def _where(req: Request) -> Where:
    return Where(req.language, req.zone, req.now)


def _by_number(req: Request, number: int) -> Direction:
    direction = req.store.directions.by_number(number)
    if direction is None:
        raise CommandError(
            "direction_lifecycle_error.unknown",
            hint_key="direction_lifecycle_hint.list",
            number=number,
        )
    return direction


def _the_one(
    req: Request,
    candidates: list[Direction],
    forum: Forum,
    *,
    presented: bool,
    hint_key: str = "direction_lifecycle_hint.show",
) -> Direction:
    """The one direction meant when no number was written: refused when there is none or
    several (``hint_key``: the example for the first of them)."""
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        if presented:
            raise CommandError(
                "direction_lifecycle_error.none_presented",
                hint_key="direction_lifecycle_hint.list",
                forum=forum.name,
            )
        raise CommandError(
            "direction_lifecycle_error.none_being_drafted",
            hint_key="direction_lifecycle_hint.new_draft",
            forum=forum.name,
        )
    key = "several_presented" if presented else "several"
    raise CommandError(
        f"direction_lifecycle_error.{key}",
        hint_key=hint_key,
        forum=forum.name,
        numbers=numbers(candidates),
        number=candidates[0].number,
    )


def _pending(req: Request, here: Forum) -> list[Direction]:
    """What is being worked on for ``here``: presented to it (a strategic forum), else drafted
    or presented for the forum it works for."""
    if here.level is Level.STRATEGIC:
        return req.store.directions.presented_to(here)
    return req.store.directions.being_drafted_for(reach.home_forum(req.store, here))


def _chosen(req: Request, here: Forum) -> Direction:
    """The number written, or the one being worked on here."""
    number = req.optional_number("direction.number")
    if number is not None:
        return _by_number(req, number)
    return _the_one(
        req,
        _pending(req, here),
        here,
        presented=here.level is Level.STRATEGIC,
        hint_key="direction_lifecycle_hint.edit",
    )


def _text_after_number(req: Request) -> str:
    """The text after the (optional) number: all of it when no number was written."""
    if req.optional_number("direction.number") is None:
        return req.tail
    return req.args.get("direction.text") or ""


def _time_context(req: Request, direction: Direction | None) -> TimeContext:
    if direction is None:
        return TimeContext(
            req.now, req.zone, req.language, "direction_lifecycle_hint.draft_time", {}
        )
    return TimeContext(
        req.now,
        req.zone,
        req.language,
        "direction_lifecycle_hint.edit_time",
        {"number": direction.number},
    )


def _unknown_labels(req: Request, doc: Document, written: WrittenDirection) -> None:
    if written.unknown_labels:
        doc.paragraph(
            req.t(
                "direction_lifecycle.unknown_labels",
                labels=", ".join(written.unknown_labels),
                count=len(written.unknown_labels),
            )
        )


def _check_length(written: WrittenDirection) -> None:
    for name, value in written.given.items():
        limit = MAX_VALID_UNTIL_TEXT if name == VALID_UNTIL else MAX_FIELD
        if len(value) > limit:
            raise CommandError("error.text_too_long", hint_key=None, limit=limit)


# -- !inriktning, !inriktning visa -------------------------------------------------------------


@command(
    "direction.show",
    "inriktning",
    aliases=("direction",),
    args=(OPTIONAL_NUMBER,),
    needs_forum=True,
)
def show(req: Request) -> Reply:
    number = req.optional_number("direction.number")
    if number is not None:
        direction = _by_number(req, number)
        return _of(direction, Reply(direction_document(req.store, direction, _where(req))))
    return Reply(_overview(req, req.forum_here))


@command(
    "direction.view",
    "inriktning visa",
    aliases=("direction show",),
    args=(NUMBER,),
    needs_forum=True,
)
def view(req: Request) -> Reply:
    direction = _by_number(req, req.number("direction.number"))
    return _of(direction, Reply(direction_document(req.store, direction, _where(req))))


def _overview(req: Request, here: Forum) -> Document:
    where = _where(req)
    prefix = req.config.prefix
    in_force = req.store.directions.in_force_for(here, req.now)
    pending = _pending(req, here)
    if in_force is not None:
        doc = direction_document(req.store, in_force, where)
        _add_also_in_force(req, doc, here, in_force)
    else:
        doc = Document().heading(req.t("direction_lifecycle.overview_title", forum=here.name))
        home = reach.home_forum(req.store, here)
        lapsed = [d for d in req.store.directions.of_forum(home) if expired(d, req.now)]
        if lapsed or pending:
            doc.paragraph(req.t("direction_lifecycle.none_in_force", forum=home.name))
        if lapsed and lapsed[-1].valid_until is not None:
            doc.paragraph(
                req.t(
                    "direction_lifecycle.expired_last",
                    number=lapsed[-1].number,
                    time=format_time(lapsed[-1].valid_until, req.zone),
                )
            )
    if pending:
        strategic = here.level is Level.STRATEGIC
        title = "presented_here" if strategic else "being_drafted"
        doc.paragraph(Strong(req.t(f"direction_lifecycle.{title}", forum=here.name)))
        doc.bullets(summary_line(req.store, direction, where) for direction in pending)
        doc.paragraph(
            req.t("direction_lifecycle.show_one", prefix=prefix, number=pending[0].number)
        )
        if strategic:
            doc.paragraph(
                req.t(
                    "direction_lifecycle.adopt_how",
                    forum=here.name,
                    prefix=prefix,
                    number=pending[0].number,
                )
            )
    elif in_force is None:
        doc.paragraph(_how_to_start(req, here))
    return doc


def _add_also_in_force(req: Request, doc: Document, here: Forum, shown: Direction) -> None:
    """A strategic forum adopts directions for several forums (Regional samverkanskonferens,
    Regionalt samordnande forum): the others it adopted that are in force too, after the
    newest, which is shown whole."""
    others = [
        direction
        for direction in req.store.directions.adopted()
        if direction.presented_to_id == here.id
        and frames(direction, here)
        and direction.id != shown.id
        and is_in_force(direction, req.now)
    ]
    if not others:
        return
    where = _where(req)
    doc.paragraph(Strong(req.t("direction_lifecycle.also_in_force", forum=here.name)))
    doc.bullets(
        req.t(
            "direction_lifecycle.also_line",
            number=direction.number,
            forum=forum_of(req, direction.forum_id).name,
            time=where.time(direction.adopted_at or req.now),
        )
        for direction in others
    )
    doc.paragraph(
        req.t("direction_lifecycle.show_one", prefix=req.config.prefix, number=others[0].number)
    )


def _how_to_start(req: Request, here: Forum) -> str:
    prefix = req.config.prefix
    if here.level is Level.COORDINATING:
        home = reach.home_forum(req.store, here)
        again = bool(req.store.directions.of_forum(home))
        key = "start_again" if again else "start_coordinating"
        return req.t(f"direction_lifecycle.{key}", forum=home.name, prefix=prefix)
    if here.level is Level.STRATEGIC:
        return req.t("direction_lifecycle.start_strategic", forum=here.name, prefix=prefix)
    return req.t(
        "direction_lifecycle.start_other",
        forum=here.name,
        level=req.t(f"level.{here.level.value}"),
    )


# -- !inriktning förslag -----------------------------------------------------------------------


def _check_may_draft(req: Request, here: Forum) -> None:
    if here.level is not Level.COORDINATING:
        raise CommandError(
            "direction_lifecycle_error.not_coordinating",
            hint_key="direction_lifecycle_hint.list",
            forum=here.name,
            level=req.t(f"level.{here.level.value}"),
        )


@command(
    "direction.draft",
    "inriktning förslag",
    aliases=("direction draft", "direction propose"),
    args=(TEXT,),
    role=Role.ACTOR,
    needs_forum=True,
)
def draft(req: Request) -> Reply:
    here = req.forum_here
    _check_may_draft(req, here)
    if not req.tail:
        return offer(req, _form(req, here, None))
    return _draft(req, here, read_written(req.tail))


def _draft(
    req: Request, here: Forum, written: WrittenDirection, dropped: CommandError | None = None
) -> Reply:
    _check_length(written)
    text = new_text(written, _time_context(req, None))
    if not any(text.fields().values()):
        raise CommandError(
            "direction_lifecycle_error.empty", hint_key="direction_lifecycle_hint.draft"
        )
    home = reach.home_forum(req.store, here)
    activation = req.store.activations.current(home)
    exercise = req.store.exercises.of_work([home.id, here.id], req.now, activation)
    # Reads above, writes below.
    direction = req.store.directions.draft(
        home,
        here,
        req.me,
        text,
        activation_id=activation.id if activation else None,
        exercise_id=exercise.id if exercise else None,
    )
    doc = Document().paragraph(
        Strong(req.t("direction_lifecycle.drafted", number=direction.number))
    )
    _unknown_labels(req, doc, written)
    _dropped_time(req, doc, dropped, direction)
    doc.blocks.extend(direction_document(req.store, direction, _where(req)).blocks)
    doc.paragraph(
        req.t(
            "direction_lifecycle.next_draft",
            prefix=req.config.prefix,
            number=direction.number,
            forum=home.name,
        )
    )
    return Reply(doc)


# -- !inriktning ändra -------------------------------------------------------------------------


def _check_not_adopted(req: Request, direction: Direction) -> None:
    if direction.state in (DirectionState.ADOPTED, DirectionState.SUPERSEDED):
        raise CommandError(
            "direction_lifecycle_error.adopted",
            hint_key="direction_lifecycle_hint.new_draft",
            number=direction.number,
            state=state_word(direction, _where(req)),
        )


def _check_editable(req: Request, direction: Direction, here: Forum) -> None:
    """A draft is edited in the forum it is for and its thematic groups; once presented,
    also in the strategic forum it was presented to."""
    _check_not_adopted(req, direction)
    home = direction.forum_id
    if here.id == home or (here.thematic and here.parent_id == home):
        return
    if direction.state is DirectionState.PRESENTED and here.id == direction.presented_to_id:
        return
    raise CommandError(
        "direction_lifecycle_error.edit_elsewhere",
        hint_key="direction_lifecycle_hint.show",
        number=direction.number,
        forum=forum_of(req, home).name,
    )


@command(
    "direction.edit",
    "inriktning ändra",
    aliases=("direction edit",),
    args=(LEADING_NUMBER, TEXT),
    role=Role.ACTOR,
    needs_forum=True,
)
def edit(req: Request) -> Reply:
    here = req.forum_here
    direction = _chosen(req, here)
    _check_editable(req, direction, here)
    text = _text_after_number(req)
    if not text.strip():
        return _edit_form(req, here, direction)
    written = read_written(text)
    return _revise(req, here, direction, written)


def _revise(
    req: Request,
    here: Forum,
    direction: Direction,
    written: WrittenDirection,
    dropped: CommandError | None = None,
) -> Reply:
    if not written.given:
        raise CommandError(
            "direction_lifecycle_error.nothing_given",
            hint_key="direction_lifecycle_hint.edit",
            number=direction.number,
        )
    _check_length(written)
    latest = req.store.directions.latest_version(direction)
    current = DirectionText.of(latest)
    text = revised_text(current, written, _time_context(req, direction))
    if replace(text, valid_until_text=current.valid_until_text) == current:
        raise CommandError(
            "direction_lifecycle_error.unchanged",
            hint_key="direction_lifecycle_hint.show",
            number=direction.number,
            version=latest.version,
        )
    if not any(text.fields().values()):
        raise CommandError(
            "direction_lifecycle_error.empty",
            hint_key="direction_lifecycle_hint.edit",
            number=direction.number,
        )
    # Reads above, writes below.
    version = req.store.directions.revise(direction, here, req.me, text)
    where = _where(req)
    doc = Document().paragraph(
        Strong(
            req.t("direction_lifecycle.revised", number=direction.number, version=version.version)
        )
    )
    _unknown_labels(req, doc, written)
    _dropped_time(req, doc, dropped, direction)
    doc.paragraph(req.t("direction_lifecycle.changed_from", version=latest.version))
    add_changes(doc, changes(current, text, where))
    doc.paragraph(
        req.t("direction_lifecycle.show_one", prefix=req.config.prefix, number=direction.number)
    )
    if direction.state is DirectionState.PRESENTED:
        strategic = forum_of(req, direction.presented_to_id)
        doc.paragraph(
            req.t(
                "direction_lifecycle.next_presented",
                forum=strategic.name,
                prefix=req.config.prefix,
                number=direction.number,
            )
        )
        return _of(direction, Reply(doc, posts=revision_posts(req, here, direction, current, text)))
    return _of(direction, Reply(doc))


# -- the form ----------------------------------------------------------------------------------


def _edit_form(req: Request, here: Forum, direction: Direction) -> Reply:
    current = DirectionText.of(req.store.directions.latest_version(direction))
    initial = initial_values(current, req.zone)
    form = _form(req, here, direction, initial=initial)
    reply = offer(req, form)
    if req.incoming.forms is FormSupport.DIALOG:
        # Question by question: the current text first, to answer from.
        shown = direction_document(req.store, direction, _where(req))
        shown.blocks[0] = (
            Document()
            .paragraph(Strong(req.t("direction_lifecycle.form_current", number=direction.number)))
            .blocks[0]
        )
        reply.document.blocks[:0] = shown.blocks
    return reply


def _form(
    req: Request,
    here: Forum,
    direction: Direction | None,
    *,
    initial: dict[str, str] | None = None,
) -> Form:
    home = reach.home_forum(req.store, here)
    if direction is None:
        context: dict[str, Any] = {"forum": home.name}
    else:
        version = req.store.directions.latest_version(direction).version
        context = {"number": direction.number, "version": version}
    context["modal"] = req.incoming.forms is not FormSupport.DIALOG
    context["prefix"] = req.config.prefix
    return build_form(req.language, context, initial or {})


@form_type(FORM_KEY, build_form)
def submit_form(req: Request, submission: FormSubmission) -> Reply:
    """A draft or an edit filled in field by field (a Slack modal, a dialog)."""
    here = req.require_forum()
    values = {name: submission.values.get(name, "").strip() for name in FIELDS}
    number = submission.context.get("number")
    if number is None:
        _check_may_draft(req, here)
        given, dropped = _readable_time(req, {k: v for k, v in values.items() if v}, None)
        return _draft(req, here, WrittenDirection(given), dropped)
    direction = _by_number(req, int(number))
    _check_editable(req, direction, here)
    current = DirectionText.of(req.store.directions.latest_version(direction))
    # A modal shows the current text and sends each field back whole (emptied: empty); a
    # dialog's empty answer (``-``) keeps the field.
    whole = req.incoming.submission is not None
    unchanged_until = format_time(current.valid_until, req.zone) if current.valid_until else ""
    given = {}
    for name, value in values.items():
        if not value and not whole:
            continue
        if name == VALID_UNTIL and value == unchanged_until:
            continue  # the time shown, not read again
        given[name] = value
    given, dropped = _readable_time(req, given, direction)
    return _revise(req, here, direction, WrittenDirection(given), dropped)


def _readable_time(
    req: Request, given: dict[str, str], direction: Direction | None
) -> tuple[dict[str, str], CommandError | None]:
    """A form's answers with a *Gäller till* that cannot be taken left out, and why, so
    that the other answers are saved rather than lost; refused when they are all there is."""
    phrase = given.get(VALID_UNTIL)
    if not phrase:
        return given, None
    try:
        read_valid_until(phrase, _time_context(req, direction))
    except CommandError as error:
        rest = {name: value for name, value in given.items() if name != VALID_UNTIL}
        if not (any(rest.values()) if direction is None else rest):
            raise
        return rest, error
    return given, None


def _dropped_time(
    req: Request, doc: Document, dropped: CommandError | None, direction: Direction
) -> None:
    if dropped is not None:
        doc.paragraph(
            req.t(
                "direction_lifecycle.form_time_dropped",
                reason=req.t(dropped.key, **dropped.params),
                prefix=req.config.prefix,
                number=direction.number,
            )
        )


# -- !inriktning föredra -----------------------------------------------------------------------


def _check_valid_until(req: Request, direction: Direction) -> None:
    if direction.valid_until is not None and direction.valid_until <= req.now:
        raise CommandError(
            "direction_lifecycle_error.valid_until_passed",
            hint_key="direction_lifecycle_hint.edit_time",
            number=direction.number,
            time=format_time(direction.valid_until, req.zone),
        )


@command(
    "direction.present",
    "inriktning föredra",
    aliases=("direction present",),
    args=(LEADING_NUMBER, Arg("direction.forum", ArgKind.TEXT, required=False)),
    role=Role.COORDINATOR,
    scope=Scope.TARGET,
    needs_forum=True,
)
def present(req: Request) -> Reply:
    home = reach.home_forum(req.store, req.forum_here)
    direction = _draft_to_present(req, home)
    require_coordinator_of(req, home)
    target = _presented_to(req, direction)
    _check_valid_until(req, direction)
    channels = other_channels(req, target)
    others = channels_by_forum(req, [home, forum_of(req, direction.drafted_in_id)])
    others = [(forum, [c for c in found if c not in channels]) for forum, found in others]
    # Reads above, writes below.
    req.store.directions.present(direction, target, req.me)
    posts = forum_wide(channels, presented_post(req, direction, home, target))
    for forum, found in others:
        posts.extend(forum_wide(found, _presented_notice(req, direction, target, forum)))
    return _of(direction, Reply(_presented_answer(req, direction, target), posts=posts))


def _draft_to_present(req: Request, home: Forum) -> Direction:
    """The draft named, else the one draft for ``home`` (the forum the command is written
    in, or whose thematic group it is); refused unless it is a draft for ``home``."""
    number = req.optional_number("direction.number")
    if number is not None:
        direction = _by_number(req, number)
    else:
        being_drafted = req.store.directions.being_drafted_for(home)
        drafts = [d for d in being_drafted if d.state is DirectionState.DRAFT]
        # No draft left, but one presented: that one was meant, and is refused as such below.
        direction = _the_one(
            req,
            drafts or being_drafted[-1:],
            home,
            presented=False,
            hint_key="direction_lifecycle_hint.present",
        )
    if direction.forum_id != home.id:
        raise CommandError(
            "direction_lifecycle_error.present_elsewhere",
            hint_key="direction_lifecycle_hint.show",
            number=direction.number,
            forum=forum_of(req, direction.forum_id).name,
        )
    _check_not_adopted(req, direction)
    if direction.state is DirectionState.PRESENTED:
        raise CommandError(
            "direction_lifecycle_error.already_presented",
            hint_key="direction_lifecycle_hint.show",
            number=direction.number,
            forum=forum_of(req, direction.presented_to_id).name,
            time=format_time(direction.presented_at, req.zone) if direction.presented_at else "?",
        )
    return direction


def _presented_answer(req: Request, direction: Direction, target: Forum) -> Document:
    """To the presenter: presented where, what comes next, and the direction as presented."""
    prefix = req.config.prefix
    number = direction.number
    doc = Document().paragraph(
        Strong(req.t("direction_lifecycle.presented", number=number, forum=target.name))
    )
    doc.paragraph(
        req.t("direction_lifecycle.presented_next", forum=target.name, prefix=prefix, number=number)
    )
    if not req.store.forums.channels(target):
        doc.paragraph(
            req.t(
                "direction_lifecycle.no_channel", forum=target.name, prefix=prefix, slug=target.slug
            )
        )
    doc.blocks.extend(direction_document(req.store, direction, _where(req)).blocks)
    return doc


def _presented_notice(req: Request, direction: Direction, target: Forum, forum: Forum) -> Document:
    """To the forum it is for and where it was drafted: presented, with the way back."""
    where = where_in(req, forum)
    return Document().paragraph(
        where.t(
            "direction_lifecycle.presented_home",
            who=req.me.display_name,
            number=direction.number,
            forum=target.name,
            prefix=req.config.prefix,
        ),
        *way_back(req, where.language),
    )


def _presented_to(req: Request, direction: Direction) -> Forum:
    """The strategic forum named after the number, else Regionalt inriktande forum."""
    named = (req.args.get("direction.forum") or "").strip()
    if req.optional_number("direction.number") is None:
        named = req.tail.strip()  # no number: every word names the forum
    if not named:
        return activated_strategic_forum(req, "direction_lifecycle_error.no_strategic_forum")
    forum = find_forum(req, named)
    if forum.level is not Level.STRATEGIC:
        raise CommandError(
            "direction_lifecycle_error.not_strategic",
            hint_key="direction_lifecycle_hint.present_to",
            forum=forum.name,
            level=req.t(f"level.{forum.level.value}"),
            number=direction.number,
        )
    return forum


# -- !inriktning fastställ ---------------------------------------------------------------------


@command(
    "direction.adopt",
    "inriktning fastställ",
    aliases=("direction adopt",),
    args=(OPTIONAL_NUMBER,),
    role=Role.COORDINATOR,
    scope=Scope.TARGET,
    needs_forum=True,
)
def adopt(req: Request) -> Reply:
    here = req.forum_here
    number = req.optional_number("direction.number")
    if number is not None:
        direction = _by_number(req, number)
    else:
        direction = _the_one(
            req,
            req.store.directions.presented_to(here),
            here,
            presented=True,
            hint_key="direction_lifecycle_hint.adopt",
        )
    if direction.state is not DirectionState.PRESENTED:
        _refuse_adoption(req, direction)
    strategic = forum_of(req, direction.presented_to_id)
    if here.id != strategic.id:
        raise CommandError(
            "direction_lifecycle_error.presented_elsewhere",
            hint_key="direction_lifecycle_hint.adopt_there",
            number=direction.number,
            forum=strategic.name,
        )
    require_coordinator_of(req, here)
    _check_valid_until(req, direction)
    governed = reach.governed_forums(req.store, direction)
    # Reads above, writes below.
    superseded = req.store.directions.adopt(direction, req.me)
    plan_confirmation_follow_ups(req, direction)
    doc = adopted_document(req, direction, superseded, _where(req), governed)
    posts: list[Post] = forum_wide(other_channels(req, here), doc)
    for forum, channels in channels_by_forum(req, governed):
        if forum.id == here.id:
            continue
        where = where_in(req, forum)
        post = adopted_document(req, direction, superseded, where, governed, confirm=True)
        posts.extend(forum_wide(channels, post))
    # Under it, in each of those channels, the card of who has confirmed (kept current).
    posts.extend(confirmation_posts(req.store, direction, req.now, req.config.prefix))
    return _of(direction, Reply(doc, posts=posts, scheduled=True))


def _refuse_adoption(req: Request, direction: Direction) -> None:
    if direction.state is DirectionState.DRAFT:
        raise CommandError(
            "direction_lifecycle_error.not_presented",
            hint_key="direction_lifecycle_hint.present",
            number=direction.number,
            forum=forum_of(req, direction.forum_id).name,
        )
    raise CommandError(
        "direction_lifecycle_error.already_adopted",
        hint_key="direction_lifecycle_hint.show",
        number=direction.number,
        state=state_word(direction, _where(req)),
    )


# -- !inriktning historik ----------------------------------------------------------------------


@command(
    "direction.history",
    "inriktning historik",
    aliases=("direction history",),
    args=(OPTIONAL_NUMBER,),
    needs_forum=True,
)
def history(req: Request) -> Reply:
    here = req.forum_here
    number = req.optional_number("direction.number")
    if number is not None:
        direction = _by_number(req, number)
    else:
        pending = _pending(req, here)
        in_force = req.store.directions.in_force_for(here, req.now)
        if not pending and in_force is not None:
            direction = in_force
        else:
            direction = _the_one(req, pending, here, presented=here.level is Level.STRATEGIC)
    return _of(direction, Reply(history_document(req.store, direction, _where(req))))
