"""``!aktör``: which organisation a person represents, and oneself as its representative in
this forum; adding organisations (``!aktör ny``). Who takes part in a forum, and who
represents whom there, is ``commands.members``."""

from __future__ import annotations

from rapidfuzz import fuzz

from commands.core.channels import forum_wide, other_channels, this_channel
from commands.core.document import Document, Part
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.lookup import find_choice, find_organisation, find_person
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, Scope, command
from commands.core.representation import check_kind_word, split_kind
from commands.core.request import Request
from commands.core.roles import check_claim, coordinators_of
from commands.core.text import fold
from commands.situation.picture import awaited
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
    """``!aktör <org> [ordinarie|ersättare]``: which organisation the speaker represents (a
    claim, told to the forum's coordinators), and, where that organisation is a member of
    the channel's forum, that the speaker represents it here (ordinarie unless they say
    ersättare). Where it is no member, the claim registers the organisation all the same but
    makes nobody a representative and the organisation no member: membership is a
    coordinator's act (``!forum medlem lägg till``), never something a claim brings with it."""
    wanted = req.args.get("organisation")
    me = req.me
    if not wanted and not req.hint_registered:
        return _show_own(req)
    kind: Representation | None = None
    if wanted:
        name, kind = split_kind(wanted)
        organisation = find_organisation(req, name)
        if kind is None:
            check_kind_word(
                name,
                organisation,
                lambda rest: find_organisation(req, rest),
                "members_hint.actor_kind",
            )
    else:  # just registered through the door's hint: confirm it
        assert me.organisation_id is not None
        found = req.store.organisations.get(me.organisation_id)
        assert found is not None
        organisation = found
    doc = req.document()
    notice: Document | None = None
    claimed = me.organisation_id != organisation.id
    if claimed:
        # A claim: made where a forum's coordinators see it, and told to them.
        if req.forum is None:
            raise CommandError("error.claim_unbound", hint_key="hint.organisation")
        check_claim(req, organisation)
        notice = _claim_notice(req, req.forum, me, organisation)
        previous = req.store.organisations.get(me.organisation_id) if me.organisation_id else None
        elsewhere = _stop_representing_elsewhere(req, me, organisation)
        req.store.people.set_organisation(me, organisation)
        doc.paragraph(
            req.t("actor.registered", person=me.display_name, organisation=organisation.name)
        )
        if elsewhere and previous is not None:
            doc.paragraph(
                req.t("members.actor.left_elsewhere", count=elsewhere, previous=previous.name)
            )
    elif req.hint_registered:
        doc.paragraph(
            req.t("actor.registered", person=me.display_name, organisation=organisation.name)
        )
    here = _represent_here(req, organisation, kind) if req.forum is not None else None
    if not claimed and not req.hint_registered and here is None:
        doc.paragraph(
            req.t("actor.already", person=me.display_name, organisation=organisation.name)
        )
    if here is not None:
        doc.paragraph(here)
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


def _show_own(req: Request) -> Reply:
    """``!aktör`` alone: the organisation one represents, and how in this forum."""
    me = req.me
    if me.organisation_id is None:
        doc = req.document().paragraph(req.t("actor.none"))
        doc.paragraph(req.t("hint.organisation", prefix=req.config.prefix))
        return Reply(doc)
    current = req.store.organisations.get(me.organisation_id)
    assert current is not None
    doc = req.document().paragraph(req.t("actor.current", organisation=current.name))
    forum = req.forum
    if forum is None:
        return Reply(doc)
    represented = req.store.forums.representation(forum, me)
    if represented is not None and represented.organisation_id == current.id:
        doc.paragraph(
            req.t(
                "members.actor.representative_here",
                person=me.display_name,
                kind=req.t(f"members.kind.{represented.kind.value}"),
                organisation=current.name,
                forum=forum.name,
            )
        )
    elif req.store.forums.takes_part(forum, current):
        doc.paragraph(
            req.t(
                "members.actor.not_representative_here",
                forum=forum.name,
                organisation=current.name,
                prefix=req.config.prefix,
            )
        )
    else:
        doc.paragraph(_not_member_text(req, forum, current))
    return Reply(doc)


def _stop_representing_elsewhere(req: Request, me: Person, organisation: Organisation) -> int:
    """A person who now speaks for another organisation no longer represents the one they
    did in other forums (this forum's representation is settled by the claim itself); how
    many forums that was."""
    here = req.forum.id if req.forum is not None else None
    count = 0
    for row in req.store.forums.represented_forums(me):
        if row.forum_id == here or row.organisation_id == organisation.id:
            continue
        forum = req.store.forums.get(row.forum_id)
        if forum is not None and req.store.forums.stop_representing(forum, me):
            count += 1
    return count


def _represent_here(
    req: Request, organisation: Organisation, kind: Representation | None
) -> str | None:
    """Make the speaker a representative of ``organisation`` in the channel's forum, where it
    is a member (ordinarie unless ``kind`` says otherwise; a deputy stays one unless told):
    what to say about it, or None when nothing changed here."""
    forum = req.forum
    assert forum is not None
    me = req.me
    represented = req.store.forums.representation(forum, me)
    if not req.store.forums.takes_part(forum, organisation):
        if represented is not None:
            req.store.forums.stop_representing(forum, me)  # of the organisation left behind
        return _not_member_text(req, forum, organisation)
    if (
        represented is not None
        and represented.organisation_id == organisation.id
        and kind in (None, represented.kind)
    ):
        return None
    wanted = kind or Representation.ORDINARY
    req.store.forums.represent(forum, me, organisation, wanted, me)
    return req.t(
        "members.actor.representative_here",
        person=me.display_name,
        kind=req.t(f"members.kind.{wanted.value}"),
        organisation=organisation.name,
        forum=forum.name,
    )


def _not_member_text(req: Request, forum: Forum, organisation: Organisation) -> str:
    """The organisation is no member of ``forum``: said plainly, with how a coordinator adds
    it; and, when the forum's activation has called it in, that it acknowledges and reports
    all the same."""
    text = req.t(
        "members.actor.not_member",
        organisation=organisation.name,
        forum=forum.name,
        prefix=req.config.prefix,
    )
    activation = req.store.activations.current(forum)
    if activation is not None and organisation.id in awaited(activation):
        text += " " + req.t(
            "members.actor.called_in", organisation=organisation.name, prefix=req.config.prefix
        )
    return text


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
