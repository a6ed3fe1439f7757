"""``!övning``: exercise mode, its injects from a scenario file, removing its data afterwards.

``!övning start <namn>`` (coordinator) puts the forum in exercise mode until ``!övning slut``:
while it lasts every post in the forum's channels is marked (``core/exercise_marking.py``),
and each activation is an exercise's (``Activation.exercise_id``; ``!aktivera övning
<anledning>`` starts one, and the exercise with it when none is under way). After the
evaluation ``!övning rensa <namn> bekräfta`` deletes what the exercise produced.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.core.channels import other_channels
from commands.core.config import CoreConfig
from commands.core.document import Document, Emphasis, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import normalise_language, t
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.scenario import Inject, Scenario, ScenarioError, read_scenario
from commands.core.scheduled_posts import composer
from commands.core.text import fold
from commands.core.timefmt import format_time
from commands.situation.parse import parse_report
from commands.situation.rounds import current_round, is_closed, round_label
from storage import Store
from storage.forums import Channel, channel_name
from storage.models import Exercise, Forum, Role, ScheduledPost

FEATURE = feature(__name__)

MAX_NAME = 120
CONFIRM_WORDS = ("bekräfta", "bekrafta", "confirm")
# A scenario's inject, posted at its time into its channels (key: exercise, inject, channel).
INJECT = "exercise_inject"
# How a simulated actor's report from an inject is marked among the reports (its source).
INJECT_SOURCE = "inject"


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
    first, _, scenario_text = req.arg("exercise.name").partition("\n")
    name = " ".join(first.split())
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
    scenario = _scenario(req, forum, scenario_text) if scenario_text.strip() else None
    me = req.me
    exercise = req.store.exercises.start(
        forum, name, me, scenario=scenario.as_json() if scenario else None
    )
    doc = req.document().paragraph(
        req.t(
            "exercise.started",
            name=name,
            forum=forum.name,
            time=format_time(req.now, req.zone),
            who=me.display_name,
        )
    )
    if scenario is not None:
        _plan_injects(req, forum, exercise, scenario)
        doc.paragraph(
            req.t(
                "exercise.inject.planned",
                scenario=scenario.name,
                count=len(scenario.injects),
                first=format_time(exercise.started_at + scenario.injects[0].after, req.zone),
                prefix=req.config.prefix,
            )
        )
    doc.paragraph(req.t("exercise.started_how", prefix=req.config.prefix))
    return Reply(doc, posts=_to_others(req, forum, doc))


# -- injects (inspel) ----------------------------------------------------------------------------


def _scenario(req: Request, forum: Forum, text: str) -> Scenario:
    """The scenario given under ``!övning start <namn>``, its channels and organisations
    checked against the forum; a refusal names the scenario's line and field."""
    try:
        scenario = read_scenario(text)
    except ScenarioError as error:
        raise CommandError(
            f"exercise.scenario_error.{error.key}",
            hint_key="exercise_hint.scenario",
            line=error.line,
            prefix=req.config.prefix,
            **error.params,
        ) from error
    channels = req.store.forums.channels(forum)
    organisations = req.store.organisations.all()
    injects: list[Inject] = []
    for inject in scenario.injects:
        channel, actor = inject.channel, inject.actor
        if channel is not None and not _inject_channels(channels, inject):
            raise CommandError(
                "exercise.scenario_error.unknown_channel",
                hint_key="exercise_hint.scenario",
                line=inject.channel_line,
                value=channel,
                forum=forum.name,
                channels=", ".join(_channel_label(ch) for ch in channels),
                prefix=req.config.prefix,
            )
        if actor is not None:
            found = [o for o in organisations if fold(actor) in map(fold, [o.name, *o.aliases])]
            if not found:
                raise CommandError(
                    "exercise.scenario_error.unknown_actor",
                    hint_key="exercise_hint.scenario",
                    line=inject.actor_line,
                    value=actor,
                    prefix=req.config.prefix,
                )
            actor = found[0].name
        injects.append(replace(inject, actor=actor))
    return Scenario(scenario.name, injects)


def _channel_label(channel: Channel) -> str:
    return channel.name or channel.channel_id


def _inject_channels(channels: list[Channel], inject: Inject) -> list[Channel]:
    """The channels an inject goes to: all, or the one its ``kanal`` names — by the name
    people see (``stab``, ``#stab``) or by its id on the platform."""
    if inject.channel is None:
        return channels
    wanted = fold(inject.channel.strip().lstrip("#"))
    return [
        ch
        for ch in channels
        if wanted in {fold(ch.channel_id.lstrip("#")), fold(channel_name(ch.name) or "")}
    ]


def _plan_injects(req: Request, forum: Forum, exercise: Exercise, scenario: Scenario) -> None:
    channels = req.store.forums.channels(forum)
    for number, inject in enumerate(scenario.injects):
        for place, channel in enumerate(_inject_channels(channels, inject)):
            req.store.scheduled.plan(
                ScheduledPost(
                    kind=INJECT,
                    key=f"{INJECT}:{exercise.id}:{number}:{place}",
                    platform=channel.platform,
                    channel_id=channel.channel_id,
                    forum_id=forum.id,
                    timezone=forum.timezone,
                    language=forum.language,
                    created_by_id=req.me.id,
                    due_at=exercise.started_at + inject.after,
                )
            )


@composer(INJECT, forum_bound=True)
def _inject_post(
    store: Store, post: ScheduledPost, now: datetime, config: CoreConfig
) -> Document | None:
    """The inject as planned; nothing once its exercise has ended."""
    _, exercise_id, number, place = (post.key or "").split(":")
    exercise = store.exercises.get(int(exercise_id))
    if exercise is None or exercise.ended_at is not None or exercise.scenario is None:
        return None
    scenario = Scenario.from_json(exercise.scenario)
    inject = scenario.injects[int(number)]
    forum = store.forums.get(exercise.forum_id)
    language = normalise_language(forum.language if forum else post.language)
    doc = Document().heading(t(language, "exercise.inject.title", scenario=scenario.name))
    if inject.actor is not None:
        doc.paragraph(Strong(t(language, "exercise.inject.from", actor=inject.actor)))
    for paragraph in inject.text.split("\n\n"):
        doc.paragraph(paragraph.strip())
    if inject.actor is not None and forum is not None:
        first_channel = place == "0"
        recorded = _simulated_report(store, forum, exercise, inject, now, config, first_channel)
        if recorded is not None:
            note = t(language, "exercise.inject.recorded", actor=inject.actor, round=recorded)
            doc.paragraph(Emphasis(note))
    return doc


def _simulated_report(
    store: Store,
    forum: Forum,
    exercise: Exercise,
    inject: Inject,
    now: datetime,
    config: CoreConfig,
    keep: bool,
) -> str | None:
    """An inject ``som`` an organisation is that organisation's situation report in the
    round of the exercise's activation open now (kept once, with the first channel's post,
    in the name of whoever started the exercise, on the organisation's behalf), so the joint
    picture of the drill fills as it would for real. Never in a round of the forum's own
    (the real conference's, counted in ``!statistik``): with no exercise activation open the
    inject is only posted. The round's label; None when there is no such round or
    organisation."""
    activation = store.activations.current(forum)
    if activation is None or activation.exercise_id != exercise.id:
        return None
    # The scenario's ``som`` was read as the organisation's official name at the start.
    organisation = next((o for o in store.organisations.all() if o.name == inject.actor), None)
    person = store.people.get(exercise.started_by_id)
    target = current_round(store, forum, now, config.meeting_minutes)
    if organisation is None or person is None or target is None:
        return None
    if keep:
        store.reports.add(
            target,
            organisation,
            person,
            text=inject.text,
            fields=parse_report(inject.text).fields,
            late=is_closed(target, now),
            on_behalf=True,
            source=INJECT_SOURCE,
        )
    return round_label(target, ZoneInfo(forum.timezone), normalise_language(forum.language))


@command("exercise.injects", "övning inspel", aliases=("exercise injects",), needs_forum=True)
def injects(req: Request) -> Reply:
    forum = req.forum_here
    exercise = _under_way(req, forum)
    doc = req.document().heading(req.t("exercise.inject.list_title", name=exercise.name))
    if exercise.scenario is None:
        doc.paragraph(req.t("exercise.inject.no_scenario", name=exercise.name))
        return Reply(doc)
    scenario = Scenario.from_json(exercise.scenario)
    left = [i for i in scenario.injects if exercise.started_at + i.after > req.now]
    if not left:
        doc.paragraph(req.t("exercise.inject.none_left", scenario=scenario.name))
        return Reply(doc)
    doc.paragraph(req.t("exercise.inject.left", scenario=scenario.name, count=len(left)))
    doc.bullets(_inject_line(req, exercise.started_at + i.after, i) for i in left)
    return Reply(doc)


def _inject_line(req: Request, at: datetime, inject: Inject) -> str:
    where = (
        req.t("exercise.inject.in_channel", channel=inject.channel.lstrip("#"))
        if inject.channel
        else req.t("exercise.inject.everywhere")
    )
    text = inject.text.splitlines()[0]
    if inject.actor:
        text = req.t("exercise.inject.as_actor", actor=inject.actor, text=text)
    return req.t("exercise.inject.line", time=format_time(at, req.zone), where=where, text=text)


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
    directions, messages, actions, raised = _end_exercise_work(req, forum, exercise)
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
    if directions:
        doc.paragraph(
            req.t("exercise.ended_directions", count=len(directions), numbers=_listed(directions))
        )
    if messages:
        doc.paragraph(
            req.t("exercise.ended_messages", count=len(messages), numbers=_listed(messages))
        )
    if actions:
        doc.paragraph(req.t("exercise.ended_actions", count=len(actions), numbers=_listed(actions)))
    if raised:
        forums = ", ".join(dict.fromkeys(raised))
        doc.paragraph(req.t("exercise.ended_raised", count=len(raised), forums=forums))
    doc.paragraph(req.t("exercise.ended_record", prefix=prefix))
    doc.paragraph(req.t("exercise.ended_clear", name=exercise.name, prefix=prefix))
    return Reply(doc, posts=_to_others(req, forum, doc))


def _listed(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers)


def _end_exercise_work(
    req: Request, forum: Forum, exercise: Exercise
) -> tuple[list[int], list[int], list[int], list[str]]:
    """What the exercise agreed ends with it: its joint regional directions (never in force
    after the drill, never having replaced the real one), the forum's joint messages
    proposed during it (retired), the actions noted in its meetings (closed: never among
    the forum's open actions, in the next real minutes, nor reminded of unmarked once the
    drill is over) and the items it raised to other forums not yet taken up (withdrawn: never
    on their next real agenda). Their numbers, and the forums the items were raised to."""
    assert exercise.id is not None
    directions = req.store.directions.end_exercise(exercise.id)
    messages = [
        message
        for message in req.store.joint_messages.current(forum)
        if message.proposed_at >= exercise.started_at
    ]
    actions = [
        action
        for action in req.store.actions.open(forum)
        if action.created_at >= exercise.started_at
    ]
    for message in messages:
        req.store.joint_messages.retire(message, req.me)
    for action in actions:
        req.store.actions.close(action, req.me)
    raised = req.store.escalations.withdraw_raised_since(forum, exercise.started_at)
    to = {e.to_forum_id: req.store.forums.get(e.to_forum_id) for e in raised}
    return (
        [direction.number for direction in directions],
        [message.number for message in messages],
        [action.number for action in actions],
        [found.name if (found := to[e.to_forum_id]) else "?" for e in raised],
    )


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
                count=len(req.store.exercises.activations(exercise)),
            )
        )
        doc.paragraph(req.t("exercise.clear_confirm", name=exercise.name, prefix=req.config.prefix))
        return Reply(doc)
    me = req.me
    removed = req.store.exercises.clear(exercise)
    req.store.exercises.mark_cleared(exercise, me)
    counted = [
        req.t(f"exercise.removed.{kind}", count=removed[kind])
        for kind in ("activations", "rounds", "reports", "meetings")
    ]
    listed = f"{', '.join(counted[:-1])} {req.t('exercise.removed.and')} {counted[-1]}"
    return Reply(
        req.document().paragraph(
            req.t("exercise.cleared", name=exercise.name, who=me.display_name, removed=listed)
        )
    )
