"""A joint picture, a report and a diff as chat documents (every door renders these)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.document import Document, Emphasis, Mention, Part, Strong
from commands.core.i18n import t
from commands.core.representation import to_mention
from commands.core.timefmt import format_time
from commands.joint_direction.blocks import direction_block, messages_block
from commands.situation.diff import PictureDiff
from commands.situation.picture import Picture, PictureReport, sort_key
from storage import Store
from storage.models import Forum


def field_label(name: str, language: str) -> str:
    return t(language, f"report.field.{name}")


def report_meta(report: PictureReport, zone: ZoneInfo, language: str) -> str:
    """``rapporterad 2026-11-26 14:32 av Anna · sen · oförändrat sedan …``"""
    parts = [t(language, "picture.reported", time=format_time(report.at, zone), who=report.by)]
    if report.on_behalf:
        parts.append(t(language, "picture.on_behalf"))
    if report.late:
        parts.append(t(language, "picture.late"))
    if report.unchanged_since is not None:
        parts.append(
            t(language, "picture.unchanged_since", time=format_time(report.unchanged_since, zone))
        )
    if report.reports > 1:
        parts.append(t(language, "picture.replaces", count=report.reports - 1))
    if report.outside is not None:
        parts.append(t(language, f"members_picture.{report.outside}"))
    return " · ".join(parts)


def report_fields(document: Document, fields: dict[str, str], language: str) -> None:
    document.fields(
        [(field_label(name, language), value) for name, value in fields.items()], stacked=True
    )


def header_rows(picture: Picture, round_label: str, language: str) -> list[tuple[str, Part]]:
    zone = ZoneInfo(picture.timezone)
    rows: list[tuple[str, Part]] = [
        (t(language, "picture.forum"), picture.forum),
        (t(language, "picture.round"), round_label),
        (t(language, "picture.mode"), t(language, f"mode.{picture.mode}")),
        (t(language, "picture.time"), format_time(picture.compiled_at, zone)),
        (t(language, "picture.compiled_by"), picture.compiled_by),
    ]
    if picture.version is not None:
        rows.append((t(language, "picture.version"), str(picture.version)))
    if picture.closed and picture.closes_at is not None:
        rows.append(
            (t(language, "picture.closed"), format_time(picture.closes_at, zone)),
        )
    return rows


def picture_document(
    picture: Picture, round_label: str, language: str, *, frame: bool = True
) -> Document:
    """The picture: its header, then (``frame``) the direction in force and the agreed joint
    messages, then the reports, all needs and communication, who is missing, late reports.
    The minutes show the frame themselves, at their top, and leave it out of their picture."""
    zone = ZoneInfo(picture.timezone)
    doc = Document().heading(t(language, "picture.title", forum=picture.forum))
    doc.fields(header_rows(picture, round_label, language))
    if frame:
        frame_blocks(doc, picture, language)
    doc.paragraph(
        t(
            language,
            "picture.count",
            reported=picture.reported,
            count=picture.expected,
        )
    )
    if not picture.reports:
        doc.paragraph(t(language, "picture.no_reports"))
    for report in picture.reports:
        doc.heading(report.organisation, level=2)
        doc.paragraph(Emphasis(report_meta(report, zone, language)))
        report_fields(doc, report.fields, language)
    for name in ("needs", "communication"):
        doc.heading(t(language, f"picture.all_{name}"), level=2)
        collected = picture.collected(name)
        if collected:
            doc.bullets([[Strong(organisation), ": ", value] for organisation, value in collected])
        else:
            doc.paragraph(t(language, f"picture.no_{name}"))
    if picture.missing:
        doc.heading(t(language, "picture.missing_title", count=len(picture.missing)), level=2)
        # Not commas: "Försvarsmakten, Militärregion Mitt" is one name.
        doc.paragraph("; ".join(picture.missing))
    elif picture.reports:
        doc.paragraph(t(language, "picture.all_reported"))
    late_section(doc, picture, language)
    return doc


def frame_blocks(document: Document, picture: Picture, language: str) -> None:
    """The frame of the joint work: the adopted direction in force, and the agreed joint
    messages (``Gemensamma budskap``); nothing of either when there is none."""
    zone = ZoneInfo(picture.timezone)
    if picture.direction is not None:
        direction_block(document, picture.direction, language, zone)
    messages_block(document, picture.joint_messages, language, zone)


def late_section(document: Document, picture: Picture, language: str) -> None:
    """Reports sent after the round closed, last and apart: what the picture showed at
    closing (and any version published or archived) stays as it was."""
    if not picture.late_reports:
        return
    zone = ZoneInfo(picture.timezone)
    count = len(picture.late_reports)
    document.heading(t(language, "picture.late_title", count=count), level=2)
    when = format_time(picture.closes_at, zone) if picture.closes_at else "?"
    document.paragraph(t(language, "picture.late_note", time=when))
    for report in picture.late_reports:
        document.paragraph(
            Strong(report.organisation), " – ", Emphasis(report_meta(report, zone, language))
        )
        report_fields(document, report.fields, language)


def diff_paragraphs(document: Document, changes: PictureDiff, language: str) -> None:
    """``Nya rapporter: …`` / ``Ändrade: Trafikverket (Behov, Prognos)``."""
    if changes.added:
        document.paragraph(
            Strong(t(language, "picture.diff_added")), ": ", ", ".join(changes.added)
        )
    if changes.changed:
        listed = ", ".join(
            f"{organisation} ({', '.join(field_label(name, language) for name in names)})"
            for organisation, names in changes.changed
        )
        document.paragraph(Strong(t(language, "picture.diff_changed")), ": ", listed)
    if changes.removed:
        document.paragraph(
            Strong(t(language, "picture.diff_removed")), ": ", ", ".join(changes.removed)
        )
    if changes.late:
        document.paragraph(Strong(t(language, "picture.diff_late")), ": ", ", ".join(changes.late))


def missing_rows(
    store: Store, forum: Forum, waiting: set[int], language: str, *, mention: bool
) -> list[list[Part]]:
    """Each organisation that has not reported, by name; with ``mention``, its ordinarie in
    the forum mentioned (its ersättare when it has no ordinarie there; or a note that it has
    neither): a coordinator's ``!saknas``, and the bot's reminder two hours before a
    meeting."""
    roster = {entry.id: entry for entry in store.forums.roster(forum)} if mention else {}
    names = store.organisations.by_ids(sorted(waiting))

    def name(oid: int) -> str:
        return names[oid].name if oid in names else "?"

    rows: list[list[Part]] = []
    for oid in sorted(waiting, key=lambda oid: sort_key(name(oid))):
        line: list[Part] = [Strong(name(oid))]
        entry = roster.get(oid)
        contacts = to_mention(entry) if entry is not None else []
        if mention and contacts:
            line.append(": ")
            for index, person in enumerate(contacts):
                line.extend([" "] if index else [])
                line.append(Mention(person.platform, person.user_id, person.display_name))
        elif mention:
            line.append(" " + t(language, "missing.no_representative"))
        rows.append(line)
    return rows
