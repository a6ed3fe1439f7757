"""What changed between two versions of a joint picture: who is new, whose fields changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from commands.situation.picture import Picture
from storage.reports import FIELDS


@dataclass(frozen=True)
class PictureDiff:
    added: list[str] = field(default_factory=list)  # organisations that reported since
    changed: list[tuple[str, list[str]]] = field(default_factory=list)  # organisation, fields
    removed: list[str] = field(default_factory=list)  # no longer in the picture
    # Organisations with a report received after closing that the earlier version lacked.
    late: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.late)


def diff(before: Picture, after: Picture) -> PictureDiff:
    """Compared by organisation and field; a report sent again unchanged is no change."""
    old = {report.organisation_id: report for report in before.reports}
    new = {report.organisation_id: report for report in after.reports}
    added = [report.organisation for oid, report in new.items() if oid not in old]
    removed = [report.organisation for oid, report in old.items() if oid not in new]
    changed = []
    for oid, report in new.items():
        if oid not in old:
            continue
        fields = [name for name in FIELDS if report.fields.get(name) != old[oid].fields.get(name)]
        if fields:
            changed.append((report.organisation, fields))
    # A late report is kept apart (never a change to the picture at closing); a newer one from
    # the same organisation is news all the same.
    seen = {(report.organisation_id, report.at) for report in before.late_reports}
    late = [
        report.organisation
        for report in after.late_reports
        if (report.organisation_id, report.at) not in seen
    ]
    return PictureDiff(added, changed, removed, late)
