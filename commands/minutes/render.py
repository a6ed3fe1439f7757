"""The minutes as a chat document: in full, or shortened for the channel.

The full minutes have every item; the short ones, posted in the channel, keep what people act
on (decisions, actions, items raised) and count the rest, with the full version attached.

At their top, after the header, both show the adopted direction in force during the meeting
(the short ones its title and who adopted it when, the full ones its fields too) and the
joint messages agreed as of its end; the round's picture in the full minutes leaves them out.

The follow-up (what the meeting took up when it began) goes under the items of the forum's
standing agenda that are about it (:func:`follow_up_groups`): the open actions under its
follow-up item, items raised to it under "Frågor som lyfts till forumet", the thematic
groups' reports back under theirs. An agenda without those two items has one block,
"Uppföljning", as the conference's always had.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.document import Document, Emphasis, Link, Part, Strong
from commands.core.i18n import t
from commands.core.timefmt import format_clock, format_time
from commands.joint_direction.blocks import direction_block, messages_block
from commands.minutes.agenda import follow_up_item
from commands.minutes.kinds import kind_key
from commands.minutes.record import ActionEntry, Entry, EscalationEntry, Minutes
from commands.situation.render import picture_document
from storage.models import EscalationKind

# What the short minutes keep of the notes; info items are counted, not shown.
SHORT_KINDS = frozenset({"decision", "action", "escalation"})


def minutes_document(minutes: Minutes, language: str, *, full: bool = True) -> Document:
    zone = ZoneInfo(minutes.timezone)
    doc = Document().heading(
        t(language, "minutes.title", forum=minutes.forum, number=minutes.number)
    )
    _header(doc, minutes, zone, language)
    _frame(doc, minutes, zone, language, full=full)
    _attendance(doc, minutes, language, full=full)
    _follow_up(doc, minutes, zone, language)
    hidden = 0
    for section in minutes.sections:
        entries = [e for e in section.entries if full or e.kind in SHORT_KINDS]
        hidden += len(section.entries) - len(entries)
        if not full and not entries:
            continue
        doc.heading(section.topic or t(language, "minutes.before_topics"), level=2)
        if not entries:
            doc.paragraph(t(language, "minutes.no_items"))
            continue
        doc.bullets([_entry(entry, zone, language, minutes.decides) for entry in entries])
    _actions(doc, minutes, zone, language, full=full)
    if minutes.picture is not None and minutes.round_label is not None:
        if full:
            label = minutes.round_label
            picture = picture_document(minutes.picture, label, language, frame=False)
            doc.blocks.extend(picture.blocks)
        else:
            doc.heading(t(language, "picture.title", forum=minutes.picture.forum), level=2)
            doc.paragraph(
                t(
                    language,
                    "picture.count",
                    reported=minutes.picture.reported,
                    count=minutes.picture.expected,
                )
            )
    if not full:
        doc.paragraph(Emphasis(t(language, "minutes.shortened", count=hidden)))
    return doc


def _header(doc: Document, minutes: Minutes, zone: ZoneInfo, language: str) -> None:
    ended = (
        format_clock(minutes.ended_at, zone) if minutes.ended_at else t(language, "minutes.open")
    )
    if minutes.ended_at is not None and (
        minutes.ended_at.astimezone(zone).date() != minutes.started_at.astimezone(zone).date()
    ):
        ended = format_time(minutes.ended_at, zone)  # past midnight: the date too
    doc.fields(
        [
            (t(language, "minutes.meeting"), minutes.title),
            (t(language, "picture.mode"), t(language, f"mode.{minutes.mode}")),
            (
                t(language, "minutes.when"),
                t(
                    language,
                    "minutes.when_value",
                    start=format_time(minutes.started_at, zone),
                    end=ended,
                ),
            ),
            (t(language, "minutes.chairs"), ", ".join(minutes.chairs)),
            *host_rows(minutes, language),
        ]
    )
    if minutes.closed_automatically:
        doc.paragraph(t(language, "minutes.closed_automatically"))


def _frame(doc: Document, minutes: Minutes, zone: ZoneInfo, language: str, *, full: bool) -> None:
    """The direction in force during the meeting and the joint messages agreed by its end."""
    if minutes.direction is not None:
        direction_block(doc, minutes.direction, language, zone, with_fields=full)
    messages_block(doc, minutes.joint_messages, language, zone)


def absent_line(minutes: Minutes, language: str) -> str | None:
    """Which of the organisations the meeting awaited took no part ("; ": a name may hold a
    comma)."""
    if not minutes.absent:
        return None
    return t(
        language,
        "minutes.absent",
        count=len(minutes.absent),
        awaited=minutes.awaited,
        names="; ".join(minutes.absent),
    )


def _attendance(doc: Document, minutes: Minutes, language: str, *, full: bool) -> None:
    _present(doc, minutes, language, full=full)
    absent = absent_line(minutes, language)
    if absent is not None:
        doc.paragraph(absent)


def _present(doc: Document, minutes: Minutes, language: str, *, full: bool) -> None:
    count = sum(len(people) for _, people in minutes.attendance)
    doc.heading(t(language, "minutes.attendance", count=count), level=2)
    if not minutes.attendance:
        doc.paragraph(t(language, "minutes.nobody"))
    elif full:
        doc.bullets(
            [
                [Strong(org or t(language, "minutes.no_organisation")), ": ", ", ".join(people)]
                for org, people in minutes.attendance
            ]
        )
    else:
        # Organisations with a count; "; " because one name may hold a comma. People who
        # named no organisation (a chair from the host, say) by name: "Utan organisation (1)"
        # in filed minutes would not say who was there.
        doc.paragraph(
            "; ".join(
                f"{org} ({len(people)})"
                if org
                else f"{t(language, 'minutes.no_organisation')}: {', '.join(people)}"
                for org, people in minutes.attendance
            )
        )


def host_rows(minutes: Minutes, language: str) -> list[tuple[str, str]]:
    """The header's host row, if the meeting has a host: the activation's own is said so."""
    if minutes.host is None:
        return []
    if minutes.host_of_activation:
        return [
            (t(language, "forum.host"), t(language, "hosting.of_activation", host=minutes.host))
        ]
    return [(t(language, "forum.host"), minutes.host)]


def _follow_up(doc: Document, minutes: Minutes, zone: ZoneInfo, language: str) -> None:
    for title, rows in follow_up_groups(minutes, language):
        doc.heading(title, level=2)
        doc.bullets(rows)


def follow_up_groups(minutes: Minutes, language: str) -> list[tuple[str, list[list[Part]]]]:
    """The follow-up under its agenda items, in the agenda's order: (title, rows) for each
    that has something. Without the items raised or the reports back on the agenda, one
    block "Uppföljning" holds it all, as the conference's always did."""
    zone = ZoneInfo(minutes.timezone)
    keys = minutes.agenda_keys
    groups: dict[str, list[list[Part]]] = {}
    for action in minutes.follow_up_actions:
        row = _action(action, zone, language, with_meeting=True)
        groups.setdefault(follow_up_item(keys, action=True), []).append(row)
    for escalation in minutes.follow_up_escalations:
        report = escalation.kind == EscalationKind.REPORT_BACK.value
        groups.setdefault(follow_up_item(keys, report_back=report), []).append(
            _received(escalation, zone, language)
        )

    def position(key: str) -> int:
        return keys.index(key) if key in keys else -1

    return [
        (t(language, f"agenda.{key}") if key else t(language, "minutes.follow_up"), rows)
        for key, rows in sorted(groups.items(), key=lambda pair: position(pair[0]))
    ]


def _actions(doc: Document, minutes: Minutes, zone: ZoneInfo, language: str, *, full: bool) -> None:
    doc.heading(t(language, "minutes.actions", count=len(minutes.actions)), level=2)
    if not minutes.actions:
        doc.paragraph(t(language, "minutes.no_actions"))
        return
    doc.bullets([_action(action, zone, language) for action in minutes.actions])
    if not full:
        return
    doc.heading(t(language, "minutes.actions_by_owner"), level=2)
    for owner, actions in minutes.actions_by_owner():
        doc.paragraph(Strong(owner))
        doc.bullets([[f"#{a.number} ", a.text, " – ", _due(a, zone, language)] for a in actions])


def _entry(entry: Entry, zone: ZoneInfo, language: str, decides: bool) -> list[Part]:
    by = t(language, "minutes.by", who=entry.by, time=format_clock(entry.at, zone))
    kind = Strong(t(language, kind_key(entry.kind, decides)))
    if entry.action is not None:
        return [kind, f" #{entry.action.number}: ", *_action_body(entry.action, zone, language), by]
    if entry.escalation is not None:
        if entry.escalation.kind == EscalationKind.REPORT_BACK.value:
            kind = Strong(t(language, "report_back.kind"))
        target = t(language, "minutes.raised_to", forum=entry.escalation.to_forum)
        return [kind, f" {target}: ", entry.text, by]
    return [kind, ": ", entry.text, by]


def _action(
    action: ActionEntry, zone: ZoneInfo, language: str, *, with_meeting: bool = False
) -> list[Part]:
    parts: list[Part] = [Strong(f"#{action.number}"), " ", *_action_body(action, zone, language)]
    if with_meeting:
        parts.append(t(language, "minutes.from_meeting", number=action.meeting))
    return parts


def _action_body(action: ActionEntry, zone: ZoneInfo, language: str) -> list[Part]:
    return [Strong(action.owner), ": ", action.text, " – ", _due(action, zone, language)]


def _due(action: ActionEntry, zone: ZoneInfo, language: str) -> str:
    if action.closed_at is not None:
        return t(language, "minutes.action_done", time=format_time(action.closed_at, zone))
    if action.due_at is None:
        return t(language, "minutes.no_due")
    return t(language, "minutes.due", time=format_time(action.due_at, zone))


def _received(escalation: EscalationEntry, zone: ZoneInfo, language: str) -> list[Part]:
    received = (
        "report_back.from"
        if escalation.kind == EscalationKind.REPORT_BACK.value
        else "minutes.raised_from"
    )
    parts: list[Part] = [
        Strong(t(language, received, forum=escalation.from_forum)),
        ": ",
        escalation.text,
        t(
            language,
            "minutes.raised_by",
            who=escalation.by,
            time=format_time(escalation.at, zone),
        ),
    ]
    if escalation.link:
        parts.extend([" ", Link(escalation.link, t(language, "minutes.link_back"))])
    return parts
