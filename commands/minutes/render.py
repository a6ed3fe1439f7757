"""The minutes as a chat document."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.document import Document, Part, Strong
from commands.core.i18n import t
from commands.core.timefmt import format_clock, format_time
from commands.minutes.record import Minutes
from commands.situation.render import picture_document


def minutes_document(minutes: Minutes, language: str, round_label: str | None) -> Document:
    zone = ZoneInfo(minutes.timezone)
    doc = Document().heading(
        t(language, "minutes.title", forum=minutes.forum, number=minutes.number)
    )
    ended = (
        format_clock(minutes.ended_at, zone) if minutes.ended_at else t(language, "minutes.open")
    )
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
        ]
    )
    if minutes.closed_automatically:
        doc.paragraph(t(language, "minutes.closed_automatically"))
    doc.heading(
        t(language, "minutes.attendance", count=sum(len(p) for _, p in minutes.attendance)), level=2
    )
    if minutes.attendance:
        doc.bullets(
            [
                [Strong(org or t(language, "minutes.no_organisation")), ": ", ", ".join(people)]
                for org, people in minutes.attendance
            ]
        )
    else:
        doc.paragraph(t(language, "minutes.nobody"))
    for section in minutes.sections:
        doc.heading(section.topic or t(language, "minutes.before_topics"), level=2)
        if not section.entries:
            doc.paragraph(t(language, "minutes.no_items"))
            continue
        rows: list[list[Part]] = []
        for entry in section.entries:
            rows.append(
                [
                    Strong(t(language, f"minutes.kind.{entry.kind}")),
                    ": ",
                    entry.text,
                    t(language, "minutes.by", who=entry.by, time=format_clock(entry.at, zone)),
                ]
            )
        doc.bullets(rows)
    if minutes.picture is not None and round_label is not None:
        doc.blocks.extend(picture_document(minutes.picture, round_label, language).blocks)
    return doc
