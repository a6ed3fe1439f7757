"""``!aktör``: which organisation a person represents; adding organisations; who takes part."""

from __future__ import annotations

from rapidfuzz import fuzz

from commands.core.channels import forum_wide, other_channels, this_channel
from commands.core.document import Document, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.lookup import find_choice, find_organisation, find_person
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, Scope, command
from commands.core.request import Request
from commands.core.roles import check_claim, coordinators_of
from commands.core.text import fold
from storage.models import Category, Forum, Organisation, Person, Representation, Role

FEATURE = feature(__name__)

CATEGORY_WORDS: dict[str, Category] = {
    fold(word): category
    for category, words in {
        Category.MUNICIPAL: ("kommun", "kommuner", "municipal", "municipality"),
        Category.EMERGENCY: ("blåljus", "blaljus", "emergency", "räddning"),
        Category.TRANSPORT: ("trafik", "transport", "traffic"),
        Category.OTHER: ("övrig", "övriga", "ovrig", "other"),
    }.items()
    for word in words
}
MAX_ORGANISATION_NAME = 120


@command(
    "actor.set",
    "aktör",
    aliases=("actor",),
    args=(Arg("organisation", ArgKind.TEXT, False),),
    personal=True,
)
def set_actor(req: Request) -> Reply:
    wanted = req.args.get("organisation")
    me = req.me
    if not wanted and not req.hint_registered:
        if me.organisation_id is None:
            doc = req.document().paragraph(req.t("actor.none"))
            doc.paragraph(req.t("hint.organisation", prefix=req.config.prefix))
            return Reply(doc)
        current = req.store.organisations.get(me.organisation_id)
        assert current is not None
        return Reply(req.document().paragraph(req.t("actor.current", organisation=current.name)))
    if wanted:
        organisation = find_organisation(req, wanted)
    else:  # just registered through the door's hint: confirm it
        assert me.organisation_id is not None
        found = req.store.organisations.get(me.organisation_id)
        assert found is not None
        organisation = found
    doc = req.document()
    notice: Document | None = None
    if me.organisation_id == organisation.id and not req.hint_registered:
        doc.paragraph(
            req.t("actor.already", person=me.display_name, organisation=organisation.name)
        )
    else:
        if me.organisation_id != organisation.id:
            # A claim: made where a forum's coordinators see it, and told to them.
            if req.forum is None:
                raise CommandError("error.claim_unbound", hint_key="hint.organisation")
            check_claim(req, organisation)
            notice = _claim_notice(req, req.forum, me, organisation)
            req.store.people.set_organisation(me, organisation)
        doc.paragraph(
            req.t("actor.registered", person=me.display_name, organisation=organisation.name)
        )
    joined = req.forum is not None and req.store.forums.add_participant(req.forum, organisation)
    if req.forum is not None:
        represented = req.store.forums.representation(req.forum, me)
        if represented is None or represented.organisation_id != organisation.id:
            req.store.forums.represent(req.forum, me, organisation, Representation.ORDINARY, me)
    if req.forum is not None and (joined or req.hint_joined_forum):
        doc.paragraph(
            req.t("actor.joined_forum", organisation=organisation.name, forum=req.forum.name)
        )
    posts: list[Post] = []
    if notice is not None and req.forum is not None:
        # Here the coordinators are named, not mentioned: a mention makes the reply a
        # message that notifies everyone in the room. The other channels get the notice,
        # with the coordinators mentioned.
        names = [c.display_name for c in coordinators_of(req.store, req.config, req.forum)]
        told = req.t("actor.claim_told", prefix=req.config.prefix)
        doc.paragraph(told + (" " + ", ".join(names) if names else ""))
        posts = forum_wide(other_channels(req, req.forum), notice)
    return Reply(doc, posts=posts)


def _claim_notice(
    req: Request, forum: Forum, person: Person, organisation: Organisation
) -> Document:
    """What the forum's coordinators are told of a new claim, and how to undo it."""
    doc = req.document().paragraph(
        req.t(
            "actor.claim_notice",
            person=person.display_name,
            organisation=organisation.name,
            forum=forum.name,
            channel=this_channel(req),
        )
    )
    doc.paragraph(req.t("actor.claim_revoke", prefix=req.config.prefix, user=person.user_id))
    people = coordinators_of(req.store, req.config, forum)
    if people:
        parts: list[Part] = [req.t("actor.claim_coordinators")]
        for coordinator in people:
            parts.extend([" ", req.mention(coordinator)])
        doc.paragraph(*parts)
    return doc


@command(
    "actor.revoke",
    "aktör ta bort",
    aliases=("actor remove",),
    args=(Arg("person"),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def revoke_actor(req: Request) -> Reply:
    """A coordinator takes back a claim that is wrong: the person speaks for nobody."""
    person = find_person(req, req.arg("person"))
    if person.organisation_id is None:
        raise CommandError(
            "error.not_representative", hint_key="hint.actor_revoke", person=person.display_name
        )
    organisation = req.store.organisations.get(person.organisation_id)
    assert organisation is not None
    req.store.people.clear_organisation(person)
    req.store.forums.stop_representing_everywhere(person)
    return Reply(
        req.document().paragraph(
            req.t("actor.revoked", person=person.display_name, organisation=organisation.name)
        )
    )


CONFIRM_WORDS = frozenset({"anda", "anyway"})  # "ändå"
SIMILAR_SCORE = 85


def _similar(name: str, organisation: Organisation) -> bool:
    """Whether ``name`` is so close to the organisation's name or an alias that it is
    probably the same organisation written another way."""
    wanted = fold(name)
    if any(
        fuzz.ratio(wanted, fold(written)) >= SIMILAR_SCORE
        for written in (organisation.name, *organisation.aliases)
    ):
        return True
    # "Trafikverket Nord" beside "Trafikverket": perhaps a part of it, perhaps the same.
    return set(fold(organisation.name).split()) <= set(wanted.split())


@command(
    "actor.new",
    "aktör ny",
    aliases=("actor new",),
    args=(Arg("name", ArgKind.TEXT), Arg("category")),
    role=Role.COORDINATOR,
    scope=Scope.REGION,
)
def new_actor(req: Request) -> Reply:
    name = " ".join(req.arg("name").split())
    category_word = req.arg("category")
    # "!aktör ny Region Stockholm Norr övrig ändå": the coordinator has seen the refusal
    # below and means a new organisation all the same.
    confirmed = fold(category_word) in CONFIRM_WORDS and " " in name
    if confirmed:
        name, _, category_word = name.rpartition(" ")
    category = find_choice(category_word, CATEGORY_WORDS, "error.unknown_category", "hint.category")
    if len(name) > MAX_ORGANISATION_NAME:
        raise CommandError(
            "error.name_too_long", hint_key="hint.actor_new", limit=MAX_ORGANISATION_NAME
        )
    organisations = req.store.organisations.all()
    for existing in organisations:
        if fold(name) in (fold(n) for n in (existing.name, *existing.aliases)):
            raise CommandError("error.organisation_exists", hint_key=None, name=existing.name)
    similar = [org.name for org in organisations if _similar(name, org)]
    if similar and not confirmed:
        # "Nykvarns kommun" beside "Nykvarn kommun": two columns for one municipality.
        raise CommandError(
            "error.organisation_similar",
            hint_key="hint.organisation_similar",
            name=name,
            candidates=", ".join(similar[:3]),
            category=category_word,
        )
    organisation = req.store.organisations.create(name, category)
    doc = req.document().paragraph(
        req.t("actor.created", organisation=name, category=req.t(f"category.{category.value}"))
    )
    if req.forum is not None:
        req.store.forums.add_participant(req.forum, organisation)
        doc.paragraph(req.t("actor.joined_forum", organisation=name, forum=req.forum.name))
    return Reply(doc)


@command("actor.list", "aktörer", aliases=("actors",), needs_forum=True)
def list_actors(req: Request) -> Reply:
    forum = req.forum_here
    participants = req.store.forums.roster(forum)
    doc = req.document().heading(
        req.t("actor.list_title", forum=forum.name, count=len(participants))
    )
    for category in Category:
        members = [org for org in participants if org.category == category]
        if not members:
            continue
        doc.heading(req.t(f"category.{category.value}").capitalize(), level=2)
        items: list[list[Part]] = []
        for org in members:
            names = [person.display_name for person in org.people]
            items.append(
                [
                    Strong(org.name),
                    ": " + (", ".join(names) if names else req.t("actor.no_representative")),
                ]
            )
        doc.bullets(items)
    return Reply(doc)
