"""A meeting's minutes as plain JSON values, and back: what the export's JSON file carries
(``bot.export.minutes_export``) and how attached minutes wait in the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from commands.joint_direction.summary import AgreedMessage, DirectionSummary
from commands.minutes.record import ActionEntry, Entry, EscalationEntry, Minutes, Section
from commands.situation.picture import Picture
from storage.models import EscalationKind


def minutes_data(minutes: Minutes) -> dict[str, Any]:
    """The minutes as JSON values: instants in ISO 8601 with their offset (UTC, as the
    picture's), no organisation as null; the picture is not in it (see
    :func:`minutes_attachment_data`)."""
    return {
        "forum": minutes.forum,
        "number": minutes.number,
        "title": minutes.title,
        "mode": minutes.mode,
        "timezone": minutes.timezone,
        "started_at": _iso(minutes.started_at),
        "ended_at": _iso(minutes.ended_at),
        "closed_automatically": minutes.closed_automatically,
        "chairs": list(minutes.chairs),
        "attendance": [
            {"organisation": organisation or None, "people": list(people)}
            for organisation, people in minutes.attendance
        ],
        "follow_up": {
            "actions": [_action_json(action) for action in minutes.follow_up_actions],
            "escalations": [_escalation_json(e) for e in minutes.follow_up_escalations],
        },
        "sections": [
            {"topic": section.topic, "entries": [_entry_json(e) for e in section.entries]}
            for section in minutes.sections
        ],
        "actions": [_action_json(action) for action in minutes.actions],
        "actions_by_owner": [
            {"owner": owner, "actions": [action.number for action in actions]}
            for owner, actions in minutes.actions_by_owner()
        ],
        "round_label": minutes.round_label,
        "decides": minutes.decides,
        "host": minutes.host,
        "host_of_activation": minutes.host_of_activation,
        "agenda_keys": list(minutes.agenda_keys),
        "absent": list(minutes.absent),
        "awaited": minutes.awaited,
        "direction": _direction_json(minutes.direction),
        "joint_messages": [_message_json(message) for message in minutes.joint_messages],
        "exercise": minutes.exercise,
    }


def minutes_from_data(data: dict[str, Any], picture: dict[str, Any] | None) -> Minutes:
    """The :class:`Minutes` of :func:`minutes_data`, with the round's picture as
    ``Picture.to_json`` gave it (or None)."""
    follow_up = data.get("follow_up", {})
    return Minutes(
        forum=data["forum"],
        number=data["number"],
        title=data["title"],
        mode=data["mode"],
        timezone=data["timezone"],
        started_at=_instant(data["started_at"]),
        ended_at=_optional_instant(data["ended_at"]),
        closed_automatically=data["closed_automatically"],
        chairs=list(data["chairs"]),
        attendance=[(row["organisation"] or "", list(row["people"])) for row in data["attendance"]],
        sections=[
            Section(row["topic"], [_entry_from(entry) for entry in row["entries"]])
            for row in data["sections"]
        ],
        follow_up_actions=[_action_from(row) for row in follow_up.get("actions", [])],
        follow_up_escalations=[_escalation_from(row) for row in follow_up.get("escalations", [])],
        actions=[_action_from(row) for row in data["actions"]],
        picture=Picture.from_json(picture) if picture else None,
        round_label=data.get("round_label"),
        decides=data.get("decides", False),
        host=data.get("host"),
        host_of_activation=data.get("host_of_activation", False),
        agenda_keys=list(data.get("agenda_keys", [])),
        absent=list(data.get("absent", [])),
        awaited=data.get("awaited", 0),
        # Minutes written before the direction was shown in them have neither.
        direction=DirectionSummary.from_json(data["direction"]) if data.get("direction") else None,
        joint_messages=[AgreedMessage.from_json(row) for row in data.get("joint_messages", [])],
        exercise=data.get("exercise"),
    )


def minutes_attachment_data(payload: object) -> dict[str, Any]:
    """Attached minutes (a :class:`Minutes`) as JSON values, the picture with them: how they
    wait in the outbox."""
    if not isinstance(payload, Minutes):
        raise TypeError(f"attached minutes carry a {type(payload).__name__}")
    picture = payload.picture.to_json() if payload.picture is not None else None
    return {"minutes": minutes_data(payload), "picture": picture}


def minutes_attachment_from(data: Any) -> Minutes:
    """What :func:`minutes_attachment_data` wrote, read back."""
    return minutes_from_data(data["minutes"], data.get("picture"))


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _optional_instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _direction_json(direction: DirectionSummary | None) -> dict[str, Any] | None:
    """The direction's own JSON, its instants in UTC as the minutes' are."""
    if direction is None:
        return None
    until = direction.valid_until.astimezone(UTC) if direction.valid_until else None
    in_utc = replace(direction, adopted_at=direction.adopted_at.astimezone(UTC), valid_until=until)
    return in_utc.to_json()


def _message_json(message: AgreedMessage) -> dict[str, Any]:
    return replace(message, agreed_at=message.agreed_at.astimezone(UTC)).to_json()


def _action_json(action: ActionEntry) -> dict[str, Any]:
    return {
        "number": action.number,
        "owner": action.owner,
        "text": action.text,
        "due_at": _iso(action.due_at),
        "closed_at": _iso(action.closed_at),
        "meeting": action.meeting,
    }


def _action_from(row: dict[str, Any]) -> ActionEntry:
    return ActionEntry(
        row["number"],
        row["owner"],
        row["text"],
        _optional_instant(row["due_at"]),
        _optional_instant(row["closed_at"]),
        row["meeting"],
    )


def _escalation_json(escalation: EscalationEntry) -> dict[str, Any]:
    return {
        "from_forum": escalation.from_forum,
        "to_forum": escalation.to_forum,
        "text": escalation.text,
        "by": escalation.by,
        "at": _iso(escalation.at),
        "link": escalation.link,
        "kind": escalation.kind,
    }


def _escalation_from(row: dict[str, Any]) -> EscalationEntry:
    return EscalationEntry(
        row["from_forum"],
        row["to_forum"],
        row["text"],
        row["by"],
        _instant(row["at"]),
        row["link"],
        row.get("kind", EscalationKind.RAISED.value),
    )


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "kind": entry.kind,
        "text": entry.text,
        "by": entry.by,
        "at": _iso(entry.at),
        "action": _action_json(entry.action) if entry.action else None,
        "escalation": _escalation_json(entry.escalation) if entry.escalation else None,
    }


def _entry_from(row: dict[str, Any]) -> Entry:
    return Entry(
        row["kind"],
        row["text"],
        row["by"],
        _instant(row["at"]),
        action=_action_from(row["action"]) if row.get("action") else None,
        escalation=_escalation_from(row["escalation"]) if row.get("escalation") else None,
    )
