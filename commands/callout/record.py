"""What status and stand-down show of an activation besides its call-out: the host, when
the acknowledgements came, the time to the first meeting (``!möte start`` while activated),
who has acknowledged, is awaited or was released, and the timeline."""

from __future__ import annotations

from datetime import datetime

from commands.callout.card import after_activation, linked_line, name_list
from commands.callout.reach import awaited, counted, reachable
from commands.callout.state import Callout
from commands.core.document import Document, Part, Strong
from commands.core.duty_roster import short_name
from commands.core.request import Request
from commands.core.timefmt import format_clock, format_duration, format_time
from storage.activations import CALLED_IN, HOST_SET, RELEASED, STARTED
from storage.models import Activation, Forum, Meeting

# The most meetings looked back through for an activation's first one.
MEETINGS_LOOKED_BACK = 100


def host_name(req: Request, forum: Forum, activation: Activation) -> str:
    """The activation's host (``!värd``), else the forum's."""
    host_id = activation.host_organisation_id or forum.host_organisation_id
    host = req.store.organisations.get(host_id) if host_id is not None else None
    return host.name if host else req.t("forum.no_host")


def first_meeting(req: Request, forum: Forum, activation: Activation) -> Meeting | None:
    """The first meeting started in the activation (``!möte start`` while activated)."""
    end = activation.stood_down_at
    meeting = req.store.meetings.latest(forum)
    first = None
    for _ in range(MEETINGS_LOOKED_BACK):
        if meeting is None or meeting.started_at < activation.activated_at:
            break
        if end is None or meeting.started_at <= end:
            first = meeting
        if meeting.number <= 1:
            break
        meeting = req.store.meetings.by_number(forum, meeting.number - 1)
    return first


def meeting_line(req: Request, c: Callout, meeting: Meeting | None, *, over: bool) -> str:
    if meeting is None:
        return req.t("callout.no_meeting_over" if over else "callout.no_meeting_yet")
    return req.t(
        "callout.to_first_meeting",
        after=after_activation(req, meeting.started_at - c.activation.activated_at),
        number=meeting.number,
        time=format_time(meeting.started_at, req.zone),
    )


def ack_lines(req: Request, c: Callout) -> list[str]:
    """When the acknowledgements came, each time apart from how long the activation has
    lasted: the first, and the one that completed the call-out (else the latest)."""
    activation = c.activation
    lines = []
    if c.acks:
        first = c.acks[0]
        lines.append(
            req.t(
                "callout.first_ack",
                organisation=c.name(first.organisation_id),
                time=format_time(first.at, req.zone),
                after=after_activation(req, first.at - activation.activated_at),
            )
        )
    calling = counted(activation)
    acked = c.acked
    done = [acked[oid] for oid in calling if oid in acked]
    if calling and len(done) == len(calling):
        last = max(done, key=lambda ack: ack.at)
        lines.append(
            req.t(
                "callout.all_acked_at",
                time=format_time(last.at, req.zone),
                after=after_activation(req, last.at - activation.activated_at),
            )
        )
    elif len(c.acks) > 1:
        last = c.acks[-1]
        lines.append(
            req.t(
                "callout.last_ack",
                organisation=c.name(last.organisation_id),
                time=format_time(last.at, req.zone),
                after=after_activation(req, last.at - activation.activated_at),
            )
        )
    return lines


def timeline(
    req: Request, c: Callout, until: datetime, meeting: Meeting | None
) -> list[list[Part]]:
    """The activation's events, oldest first, each with its time: activated, linked, called
    in, released, the first and last acknowledgements, host set, duty handovers, the first
    meeting."""
    activation = c.activation
    started = [event for event in c.history.events if event.action == STARTED]
    first_called = (
        len(started[0].details.get("called_out", [])) if started else len(activation.called_out)
    )
    events: list[tuple[datetime, str]] = [
        (
            activation.activated_at,
            req.t(
                "callout.timeline.activated",
                who=c.person(activation.activated_by_id),
                count=first_called,
            ),
        )
    ]
    for other, other_forum in c.linked:
        events.append(
            (
                max(other.activated_at, activation.activated_at),
                linked_line(req, other, other_forum),
            )
        )
    for event in c.history.events:
        if event.action == CALLED_IN:
            listed = name_list(list(event.details.get("organisations", [])))
            events.append((event.at, req.t("callout.timeline.called_in", names=listed)))
        elif event.action == RELEASED:
            listed = name_list(list(event.details.get("organisations", [])))
            events.append((event.at, req.t("callout.timeline.released", names=listed)))
        elif event.action == HOST_SET:
            host = str(event.details.get("host", "?"))
            events.append((event.at, req.t("callout.timeline.host", host=host)))
    if c.acks:
        first = c.acks[0]
        events.append(
            (
                first.at,
                req.t(
                    "callout.timeline.first_ack",
                    organisation=c.name(first.organisation_id),
                    who=c.person(first.person_id),
                ),
            )
        )
        calling = counted(activation)
        acked = c.acked
        if calling and all(oid in acked for oid in calling):
            last = max((acked[oid] for oid in calling), key=lambda ack: ack.at)
            events.append((last.at, req.t("callout.timeline.all_acked", count=len(calling))))
        elif len(c.acks) > 1:
            last = c.acks[-1]
            events.append(
                (
                    last.at,
                    req.t(
                        "callout.timeline.last_ack",
                        organisation=c.name(last.organisation_id),
                        who=c.person(last.person_id),
                        count=len(c.acks),
                    ),
                )
            )
    shifts = req.store.duties.shifts_between(activation.activated_at, until)
    takers = req.store.people.by_ids([shift.person_id for shift in shifts])
    for shift in shifts:
        taker = takers.get(shift.person_id)
        events.append(
            (
                shift.since,
                req.t(
                    "callout.timeline.duty",
                    duty=short_name(req.language, shift.duty),
                    who=taker.display_name if taker else "?",
                ),
            )
        )
    if meeting is not None:
        events.append(
            (meeting.started_at, req.t("callout.timeline.meeting", number=meeting.number))
        )
    if activation.stood_down_at is not None:
        events.append((activation.stood_down_at, req.t("callout.timeline.stood_down")))
    events.sort(key=lambda event: event[0])  # stable: at one time, in the order above
    return [[format_time(at, req.zone), " ", text] for at, text in events]


def organisation_lists(req: Request, doc: Document, c: Callout) -> None:
    """Who has acknowledged (and when), who is awaited, who was released."""
    activation = c.activation
    acked = c.acked
    if c.acks:
        doc.heading(req.t("activation.acked_title", count=len(c.acks)), level=2)
        doc.bullets(
            [
                [
                    Strong(c.name(ack.organisation_id)),
                    req.t(
                        "activation.acked_line",
                        who=c.person(ack.person_id),
                        time=format_clock(ack.at, req.zone),
                        after=format_duration(ack.at - activation.activated_at, req.language),
                    ),
                ]
                for ack in c.acks
            ]
        )
    waiting = c.by_name(awaited(activation, acked))
    if waiting:
        doc.heading(req.t("activation.waiting_title", count=len(waiting)), level=2)
        here = [oid for oid in waiting if oid in c.entries and reachable(c.entries[oid])]
        elsewhere = [oid for oid in waiting if oid not in here]
        if here:
            doc.bullets([c.name(oid) for oid in here])
        if elsewhere:
            doc.paragraph(
                req.t(
                    "callout.unreachable",
                    count=len(elsewhere),
                    names=name_list([c.name(oid) for oid in elsewhere]),
                )
            )
    released_ids = set(activation.released or [])
    released = c.by_name([oid for oid in activation.called_out if oid in released_ids])
    if released:
        doc.heading(req.t("callout.released_title", count=len(released)), level=2)
        doc.bullets(
            [
                req.t(
                    "callout.name_at",
                    name=c.name(oid),
                    time=format_clock(c.history.released_at[oid], req.zone),
                )
                if oid in c.history.released_at
                else c.name(oid)
                for oid in released
            ]
        )
