"""Activation: the call-out, calling in and releasing during the event, acknowledgements,
status and stand-down (the green button that asks for one is ``activation_request``).

``!aktivera <anledning>`` calls the forum's members, or those named after ``kalla:``; each is
reached through its ordinarie in this forum (its ersättare when it has none, and after
``ACTIVATION_RECALL_MINUTES`` without an acknowledgement: ``commands/followups.py``). The
call-out is a live card (:func:`callout_card`), tagged ``callout:<id>``: every
acknowledgement, call-in, release and the stand-down re-render it in each of the forum's
channels (``Post.replaces``).
"""

from __future__ import annotations

import re

from commands.callout.card import (
    ack_button,
    after_activation,
    callout_card,
    card_updates,
    linked_line,
    mention_parts,
    name_list,
)
from commands.callout.reach import awaited, called_entries, counted, reachable
from commands.callout.record import (
    ack_lines,
    first_meeting,
    host_name,
    meeting_line,
    organisation_lists,
    timeline,
)
from commands.callout.state import Callout, read_callout, tag_of
from commands.core.channels import other_channels
from commands.core.document import Document, Part, Strong
from commands.core.duty_roster import REQUEST_OPEN
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.follow_up_plans import plan_recall
from commands.core.grammar import forum_words
from commands.core.lookup import find_organisation, my_organisation
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.timefmt import format_clock, format_duration, format_time
from commands.situation.activation_meetings import status_rows
from commands.situation.rounds import close_rhythm_rounds
from storage.forums import RosterEntry
from storage.models import (
    Activation,
    Forum,
    Mode,
    Organisation,
    ReportRound,
    Role,
    SituationReport,
)

# 👍 ✅ ✔ (any skin tone) on a call-out (tagged ``callout:<activation id>``) runs !kvittera as
# the person who reacted; the answer replies to the call-out (``Reaction.tag`` names it).
FEATURE = feature(__name__, reactions={"callout": "kvittera"})

MAX_REASON = 1000
# ``!aktivera Storm kalla: Polisen, SOS Alarm``: whom to call, after the reason.
CALL_LIST = re.compile(r"(?:^|\s)(?:kalla|call)\s*:", re.IGNORECASE)


def checked_reason(req: Request, name: str) -> str:
    reason = req.arg(name).strip()
    if len(reason) > MAX_REASON:
        raise CommandError("error.text_too_long", hint_key=None, limit=MAX_REASON)
    return reason


def current_activation(req: Request, forum: Forum, hint_key: str = "hint.activate") -> Activation:
    activation = req.store.activations.current(forum)
    if activation is None:
        raise CommandError(
            "error.not_activated",
            hint_key=hint_key,
            forum=forum.name,
            **forum_words(req.language, forum.name),
        )
    return activation


def find_organisations(req: Request, text: str, hint_key: str) -> list[Organisation]:
    """The organisations named, by name or alias, separated by commas; one not known refuses
    the whole command (the lookup's refusal: "did you mean ...")."""
    found: list[Organisation] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        try:
            organisation = find_organisation(req, name)
        except CommandError as error:
            raise CommandError(error.key, hint_key=hint_key, **error.params) from error
        if organisation not in found:
            found.append(organisation)
    if not found:
        raise CommandError("callout.error.no_organisations", hint_key=hint_key)
    return found


# -- !aktivera -----------------------------------------------------------------------------------

# ``!aktivera övning <anledning>``: an exercise's activation.
EXERCISE_WORD = re.compile(r"(?:övning|ovning|exercise)(?:\s+|$)", re.IGNORECASE)
MAX_EXERCISE_NAME = 120


def _exercise_word(text: str) -> tuple[bool, str]:
    """Whether the reason begins with ``övning``, and the reason without it (``!aktivera
    Övning`` alone: an ordinary reason)."""
    found = EXERCISE_WORD.match(text)
    rest = text[found.end() :].strip() if found else ""
    return (True, rest) if rest else (False, text)


def _exercise_row(req: Request, activation: Activation) -> list[tuple[str, Part]]:
    """``Övning: ja – <namn>`` for an exercise's activation (the status, the stand-down)."""
    if activation.exercise_id is None:
        return []
    exercise = req.store.exercises.get(activation.exercise_id)
    name = exercise.name if exercise else "?"
    return [(req.t("exercise.label"), Strong(req.t("exercise.activation_value", name=name)))]


def _split_call_list(req: Request, text: str) -> tuple[str, str | None]:
    """The reason, and what follows ``kalla:`` (None: the forum's members are called)."""
    found = CALL_LIST.search(text)
    if found is None:
        return text, None
    reason = text[: found.start()].strip()
    if not reason:
        raise CommandError("callout.error.no_reason", hint_key="callout_hint.activate_call")
    return reason, text[found.end() :]


def _request_from(req: Request, forum: Forum) -> Activation | None:
    """The activation an open request for this forum's activation was made from
    (``!lyft inriktande``): the new activation is linked to it."""
    request = req.store.activations.open_request(forum, since=req.now - REQUEST_OPEN)
    if request is None or request.from_activation_id is None:
        return None
    return req.store.activations.get(request.from_activation_id)


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
    practice, text = _exercise_word(checked_reason(req, "reason"))
    reason, call_list = _split_call_list(req, text)
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
    named = (
        None
        if call_list is None
        else find_organisations(req, call_list, "callout_hint.activate_call")
    )
    called: list[RosterEntry | Organisation] = list(roster) if named is None else list(named)
    linked_from = _request_from(req, forum)
    elsewhere = other_channels(req, forum)
    me = req.me
    exercise = req.store.exercises.current(forum)
    # Reads above, writes below: each read after a write would flush the session first.
    if practice and exercise is None:  # ``!aktivera övning``: its exercise, named after it
        exercise = req.store.exercises.start(forum, reason[:MAX_EXERCISE_NAME], me)
    req.store.forums.set_mode(forum, Mode.ACTIVATED)
    activation = req.store.activations.start(
        forum, reason, me, called, exercise_id=exercise.id if exercise else None
    )
    if linked_from is not None:
        req.store.activations.link(activation, linked_from)
    if called:
        plan_recall(req, forum, activation)
    doc = callout_card(req, read_callout(req, forum, activation))
    tag = tag_of(activation)
    posts = [Post(ch.platform, ch.channel_id, doc, tag=tag) for ch in elsewhere]
    return Reply(doc, posts=posts, scheduled=bool(called), tag=tag)


def _outsiders_line(req: Request, forum: Forum, outsiders: list[Organisation]) -> str:
    return req.t(
        "callout.not_members",
        names=name_list([org.name for org in outsiders]),
        forum=forum.name,
    )


# -- !kalla in, !släpp ---------------------------------------------------------------------------


@command(
    "callout.call_in",
    "kalla in",
    aliases=("call in",),
    args=(Arg("callout.organisations", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def call_in(req: Request) -> Reply:
    forum = req.forum_here
    activation = current_activation(req, forum, "callout_hint.not_activated")
    wanted = find_organisations(req, req.arg("callout.organisations"), "callout_hint.call_in")
    calling = set(counted(activation))
    new = [org for org in wanted if org.id not in calling]
    already = [org for org in wanted if org.id in calling]
    if not new:
        raise CommandError(
            "callout.error.already_called",
            hint_key="hint.status",
            names=name_list([org.name for org in already]),
        )
    roster = req.store.forums.roster(forum)
    members = {entry.id for entry in roster}
    entries = called_entries(req.store, forum, [org.id for org in new if org.id], roster)
    elsewhere = other_channels(req, forum)
    me = req.me
    # Reads above, writes below.
    req.store.activations.call_in(activation, new)
    plan_recall(req, forum, activation, called_in=True)

    notice = Document().heading(
        req.t("callout.call_in_title", forum=forum.name, **forum_words(req.language, forum.name))
    )
    notice.paragraph(Strong(req.t("activation.reason")), ": ", activation.reason)
    notice.paragraph(
        req.t("callout.call_in_by", who=me.display_name, time=format_time(req.now, req.zone))
    )
    reached = [entries[org.id] for org in new if org.id in entries and reachable(entries[org.id])]
    unreached = [org for org in new if org.id not in entries or not reachable(entries[org.id])]
    if reached:
        notice.paragraph(req.t("callout.call_in_who", count=len(reached)))
        notice.bullets([mention_parts(req, entry) for entry in reached])
        notice.actions(ack_button(req))
        notice.paragraph(req.t("activation.callout_ack"))
    outsiders = [org for org in new if org.id not in members]
    if outsiders:
        notice.paragraph(_outsiders_line(req, forum, outsiders))
    if unreached:
        notice.paragraph(
            req.t(
                "callout.unreachable",
                count=len(unreached),
                names=name_list([org.name for org in unreached]),
            )
        )
    answer = Document(list(notice.blocks))
    if already:
        answer.paragraph(
            req.t(
                "callout.already_called",
                names=name_list([org.name for org in already]),
            )
        )
    posts = [Post(ch.platform, ch.channel_id, notice) for ch in elsewhere]
    posts.extend(card_updates(req, read_callout(req, forum, activation)))
    return Reply(answer, posts=posts, scheduled=True)


@command(
    "callout.release",
    "släpp",
    aliases=("release",),
    args=(Arg("callout.organisations", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def release(req: Request) -> Reply:
    forum = req.forum_here
    activation = current_activation(req, forum, "callout_hint.not_activated")
    wanted = find_organisations(req, req.arg("callout.organisations"), "callout_hint.release")
    calling = set(counted(activation))
    releasing = [org for org in wanted if org.id in calling]
    skipped = [org for org in wanted if org.id not in calling]
    if not releasing:
        raise CommandError(
            "callout.error.not_called",
            hint_key="hint.status",
            names=name_list([org.name for org in skipped]),
        )
    req.store.activations.release(activation, releasing)
    callout = read_callout(req, forum, activation)
    doc = req.document().paragraph(
        req.t(
            "callout.released",
            names=name_list([org.name for org in releasing]),
            forum=forum.name,
        )
    )
    if skipped:
        doc.paragraph(
            req.t(
                "callout.not_called",
                names=name_list([org.name for org in skipped]),
            )
        )
    _progress(req, doc, callout)
    return Reply(doc, posts=card_updates(req, callout))


def _progress(req: Request, doc: Document, c: Callout) -> None:
    """``2 av 5 inkallade organisationer har kvitterat.``, and once all have, how fast."""
    calling = counted(c.activation)
    acked = c.acked
    done = [oid for oid in calling if oid in acked]
    doc.paragraph(req.t("activation.ack_progress", acked=len(done), count=len(calling)))
    if calling and len(done) == len(calling):
        last = max(acked[oid].at for oid in calling)
        doc.paragraph(
            Strong(
                req.t(
                    "activation.all_acked",
                    after=after_activation(req, last - c.activation.activated_at),
                )
            )
        )


# -- !kvittera -----------------------------------------------------------------------------------


def _acknowledged_activation(req: Request, forum: Forum) -> Activation:
    """The activation a ``!kvittera`` is for: the forum's open one; for a reaction, the
    call-out reacted to, which must be that one."""
    current = req.store.activations.current(forum)
    reaction = req.incoming.reaction
    tag = reaction.tag if reaction is not None else None
    if tag is not None and tag.startswith("callout:") and tag.split(":", 1)[1].isdigit():
        reacted = req.store.activations.get(int(tag.split(":", 1)[1]))
        if reacted is not None and (current is None or reacted.id != current.id):
            raise CommandError(
                "callout.error.callout_over",
                hint_key="hint.status",
                time=format_time(reacted.activated_at, req.zone),
            )
    if current is not None:
        return current
    request = req.store.activations.open_request(forum, since=req.now - REQUEST_OPEN)
    if request is not None:
        by = req.store.people.get(request.requested_by_id)
        raise CommandError(
            "error.not_activated",
            hint_key="callout_hint.ack_request",
            forum=forum.name,
            who=by.display_name if by else "?",
            time=format_clock(request.at, req.zone),
            **forum_words(req.language, forum.name),
        )
    return current_activation(req, forum)


@command(
    "activation.ack",
    "kvittera",
    aliases=("ack", "acknowledge"),
    role=Role.ACTOR,
    needs_forum=True,
)
def acknowledge(req: Request) -> Reply:
    forum = req.forum_here
    activation = _acknowledged_activation(req, forum)
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
    was_released = organisation.id in (activation.released or [])
    new = req.store.activations.acknowledge(activation, organisation, req.me)
    # The acknowledgements read above and this one: in order of time, as the store gives them.
    callout = read_callout(req, forum, activation, acks=[*acks, new])
    doc = req.document().paragraph(
        req.t(
            "activation.ack_done",
            organisation=organisation.name,
            who=req.me.display_name,
            time=format_clock(req.now, req.zone),
            after=after_activation(req, req.now - activation.activated_at),
        )
    )
    if not was_called:
        doc.paragraph(req.t("activation.ack_not_called", organisation=organisation.name))
    if was_released:
        doc.paragraph(req.t("callout.ack_released", organisation=organisation.name))
    _progress(req, doc, callout)
    return Reply(doc, posts=card_updates(req, callout))


# -- !status, !avaktivera ------------------------------------------------------------------------


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
        exercise = req.store.exercises.current(forum)
        if exercise is not None:
            # The status itself is marked as every post in an exercising forum is.
            doc.paragraph(
                req.t(
                    "exercise.under_way",
                    name=exercise.name,
                    since=format_time(exercise.started_at, req.zone),
                    who=_person_name(req, exercise.started_by_id),
                    prefix=req.config.prefix,
                ),
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
    c = read_callout(req, forum, activation)
    meeting = first_meeting(req, forum, activation)
    rows: list[tuple[str, Part]] = [
        (req.t("activation.mode"), Strong(req.t("mode.activated"))),
        *_exercise_row(req, activation),
        (req.t("activation.reason"), activation.reason),
        (req.t("activation.by"), c.person(activation.activated_by_id)),
        (
            req.t("activation.since"),
            req.t(
                "activation.since_value",
                time=format_time(activation.activated_at, req.zone),
                elapsed=format_duration(req.now - activation.activated_at, req.language),
            ),
        ),
        (req.t("callout.host"), host_name(req, forum, activation)),
    ]
    rows.extend(
        (req.t("callout.linked"), linked_line(req, other, other_forum, as_field=True))
        for other, other_forum in c.linked
    )
    # The meeting rhythm and the next meeting (``!rytm``, ``!nästa möte``), when set.
    rows.extend(status_rows(activation, req.zone, req.now, req.language))
    doc.fields(rows)
    organisation_lists(req, doc, c)
    for line in ack_lines(req, c):
        doc.paragraph(line)
    calling = counted(activation)
    acked = c.acked
    if calling and not all(oid in acked for oid in calling):
        doc.paragraph(
            req.t(
                "activation.convening",
                acked=len([oid for oid in calling if oid in acked]),
                called=len(calling),
                after=after_activation(req, req.now - activation.activated_at),
            )
        )
    doc.paragraph(meeting_line(req, c, meeting, over=False))
    doc.heading(req.t("callout.timeline_title"), level=2)
    doc.bullets(timeline(req, c, req.now, meeting))
    return Reply(doc)


def _person_name(req: Request, person_id: int) -> str:
    person = req.store.people.get(person_id)
    return person.display_name if person else "?"


def _last_round_with_reports(
    req: Request, activation: Activation
) -> tuple[ReportRound | None, dict[int, SituationReport]]:
    """The round the stand-down counts: the last of the activation's own and its meetings'
    (``!rytm``) that anyone reported to, else its own; with each organisation's newest."""
    own = req.store.reports.activation_round(activation)
    rounds = [*([own] if own else []), *req.store.reports.rhythm_rounds(activation)]
    for candidate in sorted(rounds, key=lambda r: r.number, reverse=True):
        latest = req.store.reports.latest_in_round(candidate)
        if latest:
            return candidate, latest
    return own, {}


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
    elsewhere = other_channels(req, forum)
    me = req.me
    # Reads above, writes below: each read after a write would flush the session first.
    report_round, latest = _last_round_with_reports(req, activation)
    # Counted as the joint picture counts: those called in and not released.
    awaited_ids = set(counted(activation))
    reported = len(awaited_ids & set(latest))
    meeting = first_meeting(req, forum, activation)
    host = host_name(req, forum, activation)
    req.store.activations.stand_down(activation, me, summary)
    req.store.scheduled.cancel_of_activation(activation.id or 0)  # no more re-calls
    req.store.forums.set_mode(forum, Mode.ORDINARY)
    own_round = req.store.reports.activation_round(activation)
    if own_round is not None:
        req.store.reports.close_round(own_round)
    # The rhythm ends with the activation (its posts were cancelled above); its rounds close.
    close_rhythm_rounds(req.store, forum, activation, req.now, req.config.meeting_minutes)
    c = read_callout(req, forum, activation)
    calling = counted(activation)
    acked = c.acked
    doc = req.document().heading(
        req.t(
            "activation.stood_down_title", forum=forum.name, **forum_words(req.language, forum.name)
        )
    )
    rows: list[tuple[str, Part]] = [
        *_exercise_row(req, activation),
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
        (req.t("callout.host"), host),
    ]
    rows.extend(
        (req.t("callout.linked"), linked_line(req, other, other_forum, as_field=True))
        for other, other_forum in c.linked
    )
    rows.append(
        (
            req.t("activation.acknowledgements"),
            req.t(
                "activation.ack_count",
                acked=len([oid for oid in calling if oid in acked]),
                called=len(calling),
            ),
        )
    )
    rows.append((req.t("activation.stood_down_by"), me.display_name))
    if report_round is not None:
        rows.append(
            (
                req.t("activation.reports"),
                req.t(
                    "activation.reports_value",
                    count=reported,
                    expected=len(awaited_ids),
                    number=report_round.number,
                ),
            )
        )
    doc.fields(rows)
    if summary:
        doc.paragraph(Strong(req.t("activation.summary")), ": ", summary)
    for line in ack_lines(req, c):
        doc.paragraph(line)
    doc.paragraph(meeting_line(req, c, meeting, over=True))
    waiting = c.by_name(awaited(activation, acked))
    if waiting:
        doc.paragraph(
            req.t(
                "callout.never_acked",
                count=len(waiting),
                names=name_list([c.name(oid) for oid in waiting]),
            )
        )
    doc.heading(req.t("callout.timeline_title"), level=2)
    doc.bullets(timeline(req, c, req.now, meeting))
    doc.paragraph(req.t("activation.back_to_ordinary"))
    posts = [Post(ch.platform, ch.channel_id, doc) for ch in elsewhere]
    posts.extend(card_updates(req, c))
    return Reply(doc, posts=posts)
