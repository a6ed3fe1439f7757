"""A forum's members and who represents each there.

- ``!forum medlemmar`` (also ``!aktörer``): the forum's member organisations by category, each
  with its ordinarie and ersättare in this forum, and how many they are.
- ``!forum medlem lägg till <org>[, <org> …]`` and ``!forum medlem ta bort <org>``: a
  coordinator of this forum changes who belongs to it. Every count ("3 av 12 har
  rapporterat", who is missing, the nag before a meeting) is against the members
  (``commands.situation.picture.expected_organisations``). Removing an organisation takes its
  representatives in this forum with it; its reports are kept.
- ``!företrädare <person> <org> [ordinarie|ersättare]`` and ``!företrädare ta bort
  <person>``: a coordinator of this forum names who represents a member organisation here
  ("deltagarna kallas utifrån funktion och mandat snarare än person"). ``!aktör <org>`` is
  the shortcut for oneself (``commands.actor``).
"""

from __future__ import annotations

from commands.core.document import Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.lookup import find_organisation, find_person
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.representation import check_kind_word, split_kind
from commands.core.request import Request
from commands.core.text import fold
from commands.situation.picture import awaited
from storage.forums import Contact, RosterEntry
from storage.models import Category, Organisation, Representation, Role

FEATURE = feature(__name__)

# Organisation names may hold a comma ("Försvarsmakten, Militärregion Mitt"): "; " between
# names in a sentence, as the joint picture lists who is missing.
NAMES_SEPARATOR = "; "


def _names(organisations: list[Organisation]) -> str:
    return NAMES_SEPARATOR.join(organisation.name for organisation in organisations)


def _lookup(req: Request, name: str, hint_key: str) -> Organisation:
    """An organisation by name, alias or clear typo; the lookup's refusal ("did you mean
    …") with this command's own example."""
    try:
        return find_organisation(req, name)
    except CommandError as error:
        raise CommandError(error.key, hint_key=hint_key, **error.params) from None


def read_organisations(req: Request, text: str, hint_key: str) -> list[Organisation]:
    """``Polisen, SOS Alarm, Trafikverket``: each organisation once, in the order written. A
    name holding a comma is read whole when written in full ("Försvarsmakten, Militärregion
    Mitt"). One that is not found refuses them all."""
    by_name = {
        fold(name): organisation
        for organisation in req.store.organisations.all()
        for name in (organisation.name, *organisation.aliases)
    }
    pieces = [piece.strip() for piece in text.split(",")]
    found: list[Organisation] = []
    start = 0
    while start < len(pieces):
        end = next(
            (
                end
                for end in range(len(pieces), start + 1, -1)
                if fold(", ".join(pieces[start:end])) in by_name
            ),
            None,
        )
        if end is not None:
            organisation = by_name[fold(", ".join(pieces[start:end]))]
            start = end
        elif pieces[start]:
            organisation = _lookup(req, pieces[start], hint_key)
            start += 1
        else:
            start += 1  # "Polisen,, SOS" or a comma last
            continue
        if all(organisation.id != other.id for other in found):
            found.append(organisation)
    if not found:
        raise CommandError("members.error.no_organisation", hint_key=hint_key)
    return found


# -- the listing -------------------------------------------------------------------------------


def _who(req: Request, entry: RosterEntry) -> str:
    """``anna, cia (ordinarie); bo (ersättare)``, or that nobody represents it here."""

    def named(contacts: list[Contact], kind: Representation) -> str:
        return req.t(
            f"members.{kind.value}_named", names=", ".join(c.display_name for c in contacts)
        )

    parts = []
    if entry.people:
        parts.append(named(entry.people, Representation.ORDINARY))
    if entry.deputies:
        parts.append(named(entry.deputies, Representation.DEPUTY))
    return "; ".join(parts) if parts else req.t("members.no_representative")


@command(
    "members.list",
    "forum medlemmar",
    # "!forum medlem" alone (the sub-commands' shared words) lists them too.
    aliases=("forum members", "forum medlem", "forum member", "aktörer", "actors"),
    needs_forum=True,
)
def list_members(req: Request) -> Reply:
    forum = req.forum_here
    roster = req.store.forums.roster(forum)
    doc = req.document().heading(req.t("members.title", forum=forum.name, count=len(roster)))
    if not roster:
        doc.paragraph(req.t("members.none", forum=forum.name))
    for category in Category:
        members = [entry for entry in roster if entry.category == category]
        if not members:
            continue
        doc.heading(req.t(f"category.{category.value}").capitalize(), level=2)
        items: list[list[Part]] = [
            [Strong(entry.name), ": " + _who(req, entry)] for entry in members
        ]
        doc.bullets(items)
    activation = req.store.activations.current(forum)
    if activation is not None:
        doc.paragraph(
            req.t("members.in_activation", count=len(awaited(activation)), prefix=req.config.prefix)
        )
    doc.paragraph(req.t("members_hint.manage", prefix=req.config.prefix))
    return Reply(doc)


# -- adding and removing members ---------------------------------------------------------------


@command(
    "members.add",
    "forum medlem lägg till",
    aliases=("forum member add",),
    args=(Arg("organisation", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def add_members(req: Request) -> Reply:
    forum = req.forum_here
    wanted = read_organisations(req, req.arg("organisation"), "members_hint.add")
    added = [org for org in wanted if req.store.forums.add_participant(forum, org)]
    already = [org for org in wanted if all(org.id != new.id for new in added)]
    doc = req.document()
    if added:
        doc.paragraph(
            req.t("members.added", count=len(added), organisations=_names(added), forum=forum.name)
        )
    if already:
        doc.paragraph(
            req.t(
                "members.already",
                count=len(already),
                organisations=_names(already),
                forum=forum.name,
            )
        )
    if not added:
        doc.paragraph(req.t("members.nothing_changed"))
        return Reply(doc)
    total = len(req.store.forums.participants(forum))
    doc.paragraph(req.t("members.total", count=total, forum=forum.name))
    doc.paragraph(req.t("members.next", prefix=req.config.prefix))
    return Reply(doc)


@command(
    "members.remove",
    "forum medlem ta bort",
    aliases=("forum member remove",),
    args=(Arg("organisation", ArgKind.TEXT),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def remove_member(req: Request) -> Reply:
    forum = req.forum_here
    organisation = _lookup(req, req.arg("organisation"), "members_hint.list")
    if not req.store.forums.takes_part(forum, organisation):
        raise CommandError(
            "members.error.not_member",
            hint_key="members_hint.list",
            organisation=organisation.name,
            forum=forum.name,
        )
    representatives = [
        person.display_name
        for person, row in req.store.forums.representatives(forum)
        if row.organisation_id == organisation.id
    ]
    total = len(req.store.forums.participants(forum)) - 1
    req.store.forums.remove_participant(forum, organisation)
    doc = req.document().paragraph(
        req.t("members.removed", organisation=organisation.name, forum=forum.name, count=total)
    )
    if representatives:
        doc.paragraph(
            req.t(
                "members.removed_representatives",
                count=len(representatives),
                people=", ".join(representatives),
                organisation=organisation.name,
                forum=forum.name,
            )
        )
    doc.paragraph(req.t("members.reports_kept", organisation=organisation.name))
    return Reply(doc)


# -- representatives ---------------------------------------------------------------------------


@command(
    "members.represent",
    "företrädare",
    aliases=("representative",),
    args=(Arg("person"), Arg("organisation", ArgKind.TEXT)),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def represent(req: Request) -> Reply:
    """A coordinator names who represents a member organisation in this forum."""
    forum = req.forum_here
    name, kind = split_kind(req.arg("organisation"))
    organisation = _lookup(req, name, "members_hint.represent")
    if kind is None:
        check_kind_word(
            name, organisation, lambda rest: find_organisation(req, rest), "members_hint.represent"
        )
    person = find_person(req, req.arg("person"))
    kind = kind or Representation.ORDINARY
    if not req.store.forums.takes_part(forum, organisation):
        raise CommandError(
            "members.error.represent_not_member",
            hint_key="members_hint.add_first",
            organisation=organisation.name,
            forum=forum.name,
        )
    if person.organisation_id not in (None, organisation.id):
        registered = req.store.organisations.get(person.organisation_id or 0)
        raise CommandError(
            "members.error.other_organisation",
            hint_key="members_hint.other_organisation",
            person=person.display_name,
            registered=registered.name if registered else "?",
            organisation=organisation.name,
            user=person.user_id,
        )
    what = req.t(f"members.kind.{kind.value}")
    before = req.store.forums.representation(forum, person)
    if (
        before is not None
        and before.organisation_id == organisation.id
        and before.kind == kind
        and person.organisation_id == organisation.id
    ):
        return Reply(
            req.document().paragraph(
                req.t(
                    "members.already_representative",
                    person=person.display_name,
                    kind=what,
                    organisation=organisation.name,
                    forum=forum.name,
                )
            )
        )
    doc = req.document()
    if person.organisation_id is None:
        req.store.people.set_organisation(person, organisation)
        doc.paragraph(
            req.t(
                "members.person_registered",
                person=person.display_name,
                organisation=organisation.name,
            )
        )
    req.store.forums.represent(forum, person, organisation, kind, req.me)
    doc.paragraph(
        req.t(
            "members.representative",
            person=person.display_name,
            kind=what,
            organisation=organisation.name,
            forum=forum.name,
        )
    )
    return Reply(doc)


@command(
    "members.unrepresent",
    "företrädare ta bort",
    aliases=("representative remove",),
    args=(Arg("person"),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def unrepresent(req: Request) -> Reply:
    """The person no longer represents anyone in this forum; they still speak for their
    organisation elsewhere (``!aktör ta bort`` takes that back)."""
    forum = req.forum_here
    person = find_person(req, req.arg("person"))
    before = req.store.forums.representation(forum, person)
    if before is None:
        raise CommandError(
            "members.error.not_representative",
            hint_key="members_hint.list",
            person=person.display_name,
            forum=forum.name,
        )
    organisation = req.store.organisations.get(before.organisation_id)
    req.store.forums.stop_representing(forum, person)
    return Reply(
        req.document().paragraph(
            req.t(
                "members.unrepresented",
                person=person.display_name,
                organisation=organisation.name if organisation else "?",
                forum=forum.name,
            )
        )
    )
