"""Activation: the call-out, acknowledgements, status and stand-down (the green button that
asks for one is ``activation_request``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from commands.core.channels import forum_wide, other_channels
from commands.core.document import Button, Mention, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.follow_up_plans import plan_recall
from commands.core.grammar import forum_words
from commands.core.lookup import my_organisation
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.roles import coordinators_of
from commands.core.timefmt import format_clock, format_duration, format_time
from storage.models import Acknowledgement, Activation, Forum, Mode, Person, Role

FEATURE = feature(__name__)

MAX_REASON = 1000


def checked_reason(req: Request, name: str) -> str:
    reason = req.arg(name).strip()
    if len(reason) > MAX_REASON:
        raise CommandError("error.text_too_long", hint_key=None, limit=MAX_REASON)
    return reason


def coordinators(req: Request, forum: Forum) -> list[Person]:
    """Coordinators known to the bot for ``forum``: those given the role, and the admins."""
    return coordinators_of(req.store, req.config, forum)


def _after(req: Request, elapsed: timedelta) -> str:
    """How long after the activation, for "… efter {after}": "efter 0 min" says nothing."""
    if elapsed < timedelta(minutes=1):
        return req.t("activation.under_a_minute")
    return format_duration(elapsed, req.language)


def current_activation(req: Request, forum: Forum) -> Activation:
    activation = req.store.activations.current(forum)
    if activation is None:
        raise CommandError(
            "error.not_activated",
            hint_key="hint.activate",
            forum=forum.name,
            **forum_words(req.language, forum.name),
        )
    return activation


@command(
    "activation.activate",
    "aktivera",
    aliases=("activate",),
    args=(Arg("reason", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def activate(req: Request) -> Reply:
    forum = req.forum_here
    reason = checked_reason(req, "reason")
    current = req.store.activations.current(forum)
    if current is not None:
        raise CommandError(
            "error.already_activated_since",
            hint_key="hint.status",
            forum=forum.name,
            since=format_time(current.activated_at, req.zone),
            **forum_words(req.language, forum.name),
        )
    roster = req.store.forums.roster(forum)
    called = [entry for entry in roster if entry.people]
    unreachable = len(roster) - len(called)
    elsewhere = other_channels(req, forum)
    me = req.me
    # Reads above, writes below: each read after a write would flush the session first.
    req.store.forums.set_mode(forum, Mode.ACTIVATED)
    activation = req.store.activations.start(forum, reason, me, called)
    if called:
        plan_recall(req, forum, activation)

    doc = req.document().heading(
        req.t("activation.callout_title", forum=forum.name, **forum_words(req.language, forum.name))
    )
    doc.paragraph(Strong(req.t("activation.reason")), ": ", reason)
    doc.paragraph(
        req.t(
            "activation.activated_by", who=req.me.display_name, time=format_time(req.now, req.zone)
        )
    )
    if called:
        items: list[list[Part]] = []
        for org in called:
            line: list[Part] = [Strong(org.name), ": "]
            for index, person in enumerate(org.people):
                line.extend([" "] if index else [])
                line.append(Mention(person.platform, person.user_id, person.display_name))
            items.append(line)
        doc.paragraph(req.t("activation.callout_who", count=len(called)))
        doc.bullets(items)
        # How to acknowledge is said once: by the button, which a door without buttons
        # shows as its hint ("Svara !kvittera för att kvittera.").
        doc.actions(
            Button(
                req.t("activation.ack_button"),
                "kvittera",
                req.t("activation.ack_hint", prefix=req.config.prefix),
            )
        )
        doc.paragraph(req.t("activation.callout_ack"))
    else:
        doc.paragraph(req.t("activation.callout_nobody", prefix=req.config.prefix))
    if unreachable:
        doc.paragraph(req.t("activation.callout_unreachable", count=unreachable))
    return Reply(doc, posts=forum_wide(elsewhere, doc), scheduled=bool(called))


@command(
    "activation.ack",
    "kvittera",
    aliases=("ack", "acknowledge"),
    role=Role.ACTOR,
    needs_forum=True,
)
def acknowledge(req: Request) -> Reply:
    forum = req.forum_here
    activation = current_activation(req, forum)
    organisation = my_organisation(req)
    acks = req.store.activations.acknowledgements(activation)
    earlier = next((ack for ack in acks if ack.organisation_id == organisation.id), None)
    if earlier is not None:
        by = req.store.people.get(earlier.person_id)
        return Reply(
            req.document().paragraph(
                req.t(
                    "activation.ack_already",
                    organisation=organisation.name,
                    who=by.display_name if by else "?",
                    time=format_clock(earlier.at, req.zone),
                )
            )
        )
    was_called = organisation.id in activation.called_out
    req.store.activations.acknowledge(activation, organisation, req.me)
    acked = {ack.organisation_id for ack in acks} | {organisation.id}
    called = set(activation.called_out)
    doc = req.document().paragraph(
        req.t(
            "activation.ack_done",
            organisation=organisation.name,
            who=req.me.display_name,
            time=format_clock(req.now, req.zone),
            after=_after(req, req.now - activation.activated_at),
        )
    )
    if not was_called:
        doc.paragraph(req.t("activation.ack_not_called", organisation=organisation.name))
    doc.paragraph(req.t("activation.ack_progress", acked=len(acked & called), count=len(called)))
    if called and called <= acked:
        doc.paragraph(
            Strong(
                req.t(
                    "activation.all_acked",
                    after=_after(req, req.now - activation.activated_at),
                )
            )
        )
    return Reply(doc)


def _convene_lines(
    req: Request, activation: Activation, acks: list[Acknowledgement], until: datetime
) -> list[str]:
    """How long it took (or is taking) to convene: first and last acknowledgement."""
    called = set(activation.called_out)
    lines = []
    if acks:
        lines.append(
            req.t(
                "activation.first_ack_after",
                after=_after(req, acks[0].at - activation.activated_at),
            )
        )
    acked_called = [ack for ack in acks if ack.organisation_id in called]
    if called and len({a.organisation_id for a in acked_called}) == len(called):
        lines.append(
            req.t(
                "activation.convened_after",
                after=_after(req, acked_called[-1].at - activation.activated_at),
            )
        )
    else:
        lines.append(
            req.t(
                "activation.convening",
                acked=len(acked_called),
                called=len(called),
                after=_after(req, until - activation.activated_at),
            )
        )
    return lines


@command("activation.status", "status")
def status(req: Request) -> Reply:
    forum = req.forum
    if forum is None:
        raise CommandError("error.no_forum", hint_key="hint.bind_forum")
    activation = req.store.activations.current(forum)
    doc = req.document().heading(req.t("activation.status_title", forum=forum.name))
    if activation is None:
        doc.paragraph(
            req.t("activation.status_ordinary", since=format_time(forum.mode_since, req.zone))
        )
        latest = req.store.activations.latest(forum)
        if latest is not None and latest.stood_down_at is not None:
            doc.paragraph(
                req.t(
                    "activation.status_latest",
                    reason=latest.reason,
                    start=format_time(latest.activated_at, req.zone),
                    end=format_time(latest.stood_down_at, req.zone),
                )
            )
        return Reply(doc)
    acks = req.store.activations.acknowledgements(activation)
    organisations = req.store.organisations.by_ids(
        [*activation.called_out, *(ack.organisation_id for ack in acks)]
    )
    people = req.store.people.by_ids([activation.activated_by_id, *(ack.person_id for ack in acks)])
    by = people.get(activation.activated_by_id)
    doc.fields(
        [
            (req.t("activation.mode"), Strong(req.t("mode.activated"))),
            (req.t("activation.reason"), activation.reason),
            (req.t("activation.by"), by.display_name if by else "?"),
            (
                req.t("activation.since"),
                req.t(
                    "activation.since_value",
                    time=format_time(activation.activated_at, req.zone),
                    elapsed=format_duration(req.now - activation.activated_at, req.language),
                ),
            ),
        ]
    )
    if acks:
        doc.heading(req.t("activation.acked_title", count=len(acks)), level=2)
        items: list[list[Part]] = []
        for ack in acks:
            org = organisations.get(ack.organisation_id)
            person = people.get(ack.person_id)
            items.append(
                [
                    Strong(org.name if org else "?"),
                    req.t(
                        "activation.acked_line",
                        who=person.display_name if person else "?",
                        time=format_clock(ack.at, req.zone),
                        after=format_duration(ack.at - activation.activated_at, req.language),
                    ),
                ]
            )
        doc.bullets(items)
    acked_ids = {ack.organisation_id for ack in acks}
    waiting = [oid for oid in activation.called_out if oid not in acked_ids]
    if waiting:
        doc.heading(req.t("activation.waiting_title", count=len(waiting)), level=2)
        doc.bullets(
            sorted(organisations[oid].name if oid in organisations else "?" for oid in waiting)
        )
    for line in _convene_lines(req, activation, acks, req.now):
        doc.paragraph(line)
    return Reply(doc)


@command(
    "activation.stand_down",
    "avaktivera",
    aliases=("stand down", "standdown", "deactivate"),
    args=(Arg("summary", ArgKind.TEXT, required=False),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def stand_down(req: Request) -> Reply:
    forum = req.forum_here
    activation = current_activation(req, forum)
    summary = checked_reason(req, "summary") if req.args.get("summary") else None
    acks = req.store.activations.acknowledgements(activation)
    elsewhere = other_channels(req, forum)
    me = req.me
    # Reads above, writes below: each read after a write would flush the session first.
    report_round = req.store.reports.activation_round(activation)
    reported = len(req.store.reports.latest_in_round(report_round)) if report_round else 0
    req.store.activations.stand_down(activation, me, summary)
    req.store.scheduled.cancel_of_activation(activation.id or 0)  # no more re-calls
    req.store.forums.set_mode(forum, Mode.ORDINARY)
    if report_round is not None:
        req.store.reports.close_round(report_round)
    doc = req.document().heading(
        req.t(
            "activation.stood_down_title", forum=forum.name, **forum_words(req.language, forum.name)
        )
    )
    doc.fields(
        [
            (req.t("activation.reason"), activation.reason),
            (
                req.t("activation.duration"),
                req.t(
                    "activation.duration_value",
                    start=format_time(activation.activated_at, req.zone),
                    end=format_time(req.now, req.zone),
                    duration=format_duration(req.now - activation.activated_at, req.language),
                ),
            ),
            (
                req.t("activation.acknowledgements"),
                req.t(
                    "activation.ack_count",
                    acked=len(
                        {
                            a.organisation_id
                            for a in acks
                            if a.organisation_id in activation.called_out
                        }
                    ),
                    called=len(activation.called_out),
                ),
            ),
            (req.t("activation.stood_down_by"), req.me.display_name),
        ]
    )
    if report_round is not None:
        doc.fields(
            [
                (
                    req.t("activation.reports"),
                    req.t("activation.reports_value", count=reported, number=report_round.number),
                )
            ]
        )
    for line in _convene_lines(req, activation, acks, req.now):
        doc.paragraph(line)
    if summary:
        doc.paragraph(Strong(req.t("activation.summary")), ": ", summary)
    doc.paragraph(req.t("activation.back_to_ordinary"))
    return Reply(doc, posts=forum_wide(elsewhere, doc))
