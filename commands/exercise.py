"""``!övning``: exercise mode, its injects from a scenario file, removing its data afterwards.

``!övning start <namn>`` (coordinator) puts the forum in exercise mode until ``!övning slut``:
while it lasts every post in the forum's channels is marked (``core/exercise_marking.py``),
and each activation is an exercise's (``Activation.exercise_id``; ``!aktivera övning
<anledning>`` starts one, and the exercise with it when none is under way). After the
evaluation ``!övning rensa <namn> bekräfta`` deletes what the exercise produced.
"""

from __future__ import annotations

from commands.core.channels import other_channels
from commands.core.document import Document
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.text import fold
from commands.core.timefmt import format_time
from storage.models import Exercise, Forum, Role

FEATURE = feature(__name__)

MAX_NAME = 120
CONFIRM_WORDS = ("bekräfta", "bekrafta", "confirm")


def _person(req: Request, person_id: int | None) -> str:
    person = req.store.people.get(person_id) if person_id is not None else None
    return person.display_name if person else "?"


def _under_way(req: Request, forum: Forum) -> Exercise:
    exercise = req.store.exercises.current(forum)
    if exercise is None:
        raise CommandError("exercise.error.none", hint_key="exercise_hint.start", forum=forum.name)
    return exercise


def _to_others(req: Request, forum: Forum, document: Document) -> list[Post]:
    return [Post(ch.platform, ch.channel_id, document) for ch in other_channels(req, forum)]


# -- !övning -------------------------------------------------------------------------------------


@command("exercise.show", "övning", aliases=("exercise",), needs_forum=True)
def show(req: Request) -> Reply:
    forum = req.forum_here
    prefix = req.config.prefix
    doc = req.document().heading(req.t("exercise.title", forum=forum.name))
    current = req.store.exercises.current(forum)
    if current is None:
        doc.paragraph(req.t("exercise.none", forum=forum.name))
    else:
        doc.paragraph(
            req.t(
                "exercise.under_way",
                name=current.name,
                since=format_time(current.started_at, req.zone),
                who=_person(req, current.started_by_id),
                prefix=prefix,
            )
        )
    earlier = [ex for ex in req.store.exercises.of_forum(forum) if ex.ended_at is not None]
    if earlier:
        doc.paragraph(req.t("exercise.earlier"))
        doc.bullets(_earlier_line(req, ex) for ex in earlier)
    if current is None:
        doc.paragraph(req.t("exercise_hint.start", prefix=prefix))
    return Reply(doc)


def _earlier_line(req: Request, exercise: Exercise) -> str:
    assert exercise.ended_at is not None
    line = req.t(
        "exercise.earlier_line",
        name=exercise.name,
        start=format_time(exercise.started_at, req.zone),
        end=format_time(exercise.ended_at, req.zone),
    )
    if exercise.cleared_at is not None:
        cleared = req.t("exercise.cleared_note", time=format_time(exercise.cleared_at, req.zone))
        line = f"{line} {cleared}"
    return line


# -- !övning start, !övning slut -----------------------------------------------------------------


@command(
    "exercise.start",
    "övning start",
    aliases=("exercise start",),
    args=(Arg("exercise.name", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def start(req: Request) -> Reply:
    forum = req.forum_here
    name = " ".join(req.arg("exercise.name").split())
    if len(name) > MAX_NAME:
        raise CommandError("exercise.error.name_too_long", hint_key=None, limit=MAX_NAME)
    current = req.store.exercises.current(forum)
    if current is not None:
        raise CommandError(
            "exercise.error.under_way",
            hint_key="exercise_hint.stop",
            name=current.name,
            forum=forum.name,
            since=format_time(current.started_at, req.zone),
        )
    activation = req.store.activations.current(forum)
    if activation is not None and activation.exercise_id is None:
        raise CommandError(
            "exercise.error.real_activation",
            hint_key=None,
            forum=forum.name,
            since=format_time(activation.activated_at, req.zone),
        )
    me = req.me
    req.store.exercises.start(forum, name, me)
    doc = req.document().paragraph(
        req.t(
            "exercise.started",
            name=name,
            forum=forum.name,
            time=format_time(req.now, req.zone),
            who=me.display_name,
        )
    )
    doc.paragraph(req.t("exercise.started_how", prefix=req.config.prefix))
    return Reply(doc, posts=_to_others(req, forum, doc))


@command(
    "exercise.stop",
    "övning slut",
    aliases=("exercise end", "exercise stop", "övning avsluta"),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def stop(req: Request) -> Reply:
    forum = req.forum_here
    exercise = _under_way(req, forum)
    activation = req.store.activations.current(forum)
    if activation is not None and activation.exercise_id is not None:
        raise CommandError(
            "exercise.error.activation_open",
            hint_key="exercise_hint.stand_down",
            reason=activation.reason,
        )
    me = req.me
    req.store.exercises.end(exercise, me)
    prefix = req.config.prefix
    doc = req.document().paragraph(
        req.t(
            "exercise.ended",
            name=exercise.name,
            forum=forum.name,
            time=format_time(req.now, req.zone),
            who=me.display_name,
        )
    )
    doc.paragraph(req.t("exercise.ended_record", prefix=prefix))
    doc.paragraph(req.t("exercise.ended_clear", name=exercise.name, prefix=prefix))
    return Reply(doc, posts=_to_others(req, forum, doc))


# -- !övning rensa -------------------------------------------------------------------------------


def _name_and_confirmed(text: str) -> tuple[str, bool]:
    """``Stabsövning december bekräfta`` → the name, and whether it was confirmed."""
    words = text.split()
    if len(words) > 1 and fold(words[-1]) in CONFIRM_WORDS:
        return " ".join(words[:-1]), True
    return " ".join(words), False


@command(
    "exercise.clear",
    "övning rensa",
    aliases=("exercise clear",),
    args=(Arg("exercise.clear", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def clear(req: Request) -> Reply:
    forum = req.forum_here
    name, confirmed = _name_and_confirmed(req.arg("exercise.clear"))
    exercise = req.store.exercises.find(forum, name)
    if exercise is None:
        raise CommandError(
            "exercise.error.unknown", hint_key="exercise_hint.show", name=name, forum=forum.name
        )
    if exercise.ended_at is None:
        raise CommandError(
            "exercise.error.still_under_way", hint_key="exercise_hint.stop", name=exercise.name
        )
    if exercise.cleared_at is not None:
        raise CommandError(
            "exercise.error.already_cleared",
            hint_key="exercise_hint.show",
            name=exercise.name,
            time=format_time(exercise.cleared_at, req.zone),
        )
    if not confirmed:
        doc = req.document().paragraph(
            req.t(
                "exercise.clear_ask",
                name=exercise.name,
                start=format_time(exercise.started_at, req.zone),
                end=format_time(exercise.ended_at, req.zone),
                activations=len(req.store.exercises.activations(exercise)),
            )
        )
        doc.paragraph(req.t("exercise.clear_confirm", name=exercise.name, prefix=req.config.prefix))
        return Reply(doc)
    me = req.me
    removed = req.store.exercises.clear(exercise)
    req.store.exercises.mark_cleared(exercise, me)
    return Reply(
        req.document().paragraph(
            req.t("exercise.cleared", name=exercise.name, who=me.display_name, **removed)
        )
    )
