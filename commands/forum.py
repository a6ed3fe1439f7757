"""``!forum``: which forum a channel serves; listing, binding, creating forums.

``!forum skapa <namn> <nivå>`` creates a forum; ``!forum skapa <namn> tematisk under
<forum>`` a thematic working group (coordinating level, both modes) that reports back to that
forum (``!återrapport``), and ``!forum skapa <namn> <nivå> under <forum>`` any other forum
under a parent. ``!forum`` shows a forum's host (and an activation's own), the forum it works
under and the groups under it.
"""

from __future__ import annotations

from commands.core.channels import forum_wide, other_channels, this_channel
from commands.core.document import Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import LANGUAGES
from commands.core.lookup import find_choice, find_forum
from commands.core.meeting_times import next_meetings
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, ArgType, Scope, command
from commands.core.request import Request
from commands.core.roles import require_coordinator_of
from commands.core.text import Token, fold, slugify, span_text, tokenize
from commands.core.timefmt import format_time, format_time_with_weekday
from storage.models import Forum, ForumKind, Level, Mode, Role

FEATURE = feature(__name__)

LEVEL_WORDS: dict[str, Level] = {
    fold(word): level
    for level, words in {
        Level.STRATEGIC: ("inriktande", "strategisk", "strategic", "regionalt inriktande"),
        Level.COORDINATING: ("samordnande", "samordning", "coordinating", "regionalt samordnande"),
        Level.OPERATIONAL: ("verkställande", "operativ", "operational", "executive"),
    }.items()
    for word in words
}
MAX_FORUM_NAME = 120
THEMATIC_WORDS = frozenset({"tematisk", "tematiska", "thematic"})
UNDER_WORDS = frozenset({"under"})


def describe_mode(req: Request, forum: Forum) -> str:
    return req.t(
        "forum.mode_since",
        mode=req.t(f"mode.{forum.mode.value}"),
        since=format_time(forum.mode_since, req.zone),
    )


def host_name(req: Request, forum: Forum) -> str:
    if forum.host_organisation_id is None:
        return req.t("forum.no_host")
    host = req.store.organisations.get(forum.host_organisation_id)
    return host.name if host else req.t("forum.no_host")


def next_meeting_text(req: Request, forum: Forum) -> str:
    upcoming = next_meetings(forum, req.now, 1)
    if not upcoming:
        return req.t("forum.no_schedule")
    return format_time_with_weekday(upcoming[0], req.zone, req.language)


@command("forum.show", "forum", personal=True)
def show(req: Request) -> Reply:
    forum = req.forum
    if req.incoming.direct:
        return Reply(req.document().paragraph(req.t("forum.direct")))
    if forum is None:
        doc = req.document().paragraph(req.t("forum.unbound"))
        doc.paragraph(req.t("hint.bind_forum", prefix=req.config.prefix))
        return Reply(doc)
    channels = req.store.forums.channels(forum)
    doc = req.document().heading(forum.name)
    doc.fields(
        [
            (req.t("forum.level"), req.t(f"level.{forum.level.value}")),
            (req.t("forum.mode"), describe_mode(req, forum)),
            (req.t("forum.host"), host_name(req, forum)),
            *_activation_host(req, forum),
            *_family(req, forum),
            (req.t("forum.next_meeting"), next_meeting_text(req, forum)),
            (
                req.t("forum.channels"),
                req.t(
                    "forum.channel_count",
                    count=len(channels),
                    channels=", ".join(f"{c.platform}:{c.channel_id}" for c in channels),
                ),
            ),
            (req.t("forum.language"), req.t(f"language.{forum.language}")),
        ]
    )
    if forum.mode is Mode.ACTIVATED:
        doc.paragraph(req.t("forum.see_status", prefix=req.config.prefix))
    return Reply(doc)


def _activation_host(req: Request, forum: Forum) -> list[tuple[str, str]]:
    """The open activation's own host (``!värd``), when it decided one."""
    activation = req.store.activations.current(forum)
    if activation is None or activation.host_organisation_id is None:
        return []
    host = req.store.organisations.get(activation.host_organisation_id)
    return [(req.t("hosting.activation_label"), host.name)] if host else []


def _family(req: Request, forum: Forum) -> list[tuple[str, str]]:
    """The forum it works under (a thematic group's parent), and the groups under it."""
    rows = []
    parent = req.store.forums.get(forum.parent_id) if forum.parent_id is not None else None
    if parent is not None:
        label = "thematic.parent_thematic" if forum.thematic else "thematic.parent"
        rows.append((req.t(label), parent.name))
    children = req.store.forums.children(forum)
    if children:
        rows.append((req.t("thematic.children"), ", ".join(child.name for child in children)))
    return rows


@command("forum.list", "forum lista", aliases=("forum list", "forums"), personal=True)
def list_forums(req: Request) -> Reply:
    doc = req.document().heading(req.t("forum.list_title"))
    items: list[list[Part]] = []
    for forum in req.store.forums.all():
        line: list[Part] = [
            Strong(forum.name),
            req.t(
                "forum.list_line",
                level=req.t(f"level.{forum.level.value}"),
                mode=req.t(f"mode.{forum.mode.value}"),
            ),
        ]
        if req.forum is not None and forum.id == req.forum.id:
            line.append(req.t("forum.list_this_channel"))
        items.append(line)
    doc.bullets(items, numbered=True)
    doc.paragraph(req.t("forum.list_footer", prefix=req.config.prefix))
    return Reply(doc)


@command(
    "forum.bind",
    "forum koppla",
    aliases=("forum bind",),
    args=(Arg("forum", ArgKind.TEXT, type=ArgType.FORUM),),
    role=Role.COORDINATOR,
    scope=Scope.TARGET,
)
def bind(req: Request) -> Reply:
    """Binding is a coordinator's act, of the forum bound to and of the one left, and it is
    announced in both forums' other channels, so that a wrong one is seen at once."""
    forum = req.found_forum("forum")
    require_coordinator_of(req, forum)
    if req.forum is not None and req.forum.id == forum.id:
        return Reply(req.document().paragraph(req.t("forum.already_bound", forum=forum.name)))
    if req.forum is not None:
        require_coordinator_of(req, req.forum)
    channel = this_channel(req)
    who = req.me.display_name
    joined = req.document().paragraph(
        req.t("forum.bound_announce", channel=channel, forum=forum.name, who=who)
    )
    posts = forum_wide(other_channels(req, forum), joined)
    if req.forum is not None:
        left = req.document().paragraph(
            req.t(
                "forum.moved_announce",
                channel=channel,
                previous=req.forum.name,
                forum=forum.name,
                who=who,
            )
        )
        posts += forum_wide(other_channels(req, req.forum), left)
    previous = req.store.forums.bind(
        forum,
        req.incoming.platform,
        req.incoming.channel_id,
        req.me,
        name=req.incoming.channel_name,
    )
    doc = req.document().paragraph(req.t("forum.bound", forum=forum.name))
    if previous is not None:
        doc.paragraph(req.t("forum.bound_instead", previous=previous.name))
    doc.paragraph(req.t("forum.bound_next", prefix=req.config.prefix))
    return Reply(doc, posts=posts)


@command(
    "forum.unbind",
    "forum lossa",
    aliases=("forum unbind",),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def unbind(req: Request) -> Reply:
    forum = req.forum_here
    announce = req.document().paragraph(
        req.t(
            "forum.unbound_announce",
            channel=this_channel(req),
            forum=forum.name,
            who=req.me.display_name,
        )
    )
    posts = forum_wide(other_channels(req, forum), announce)
    req.store.forums.unbind(forum, req.incoming.platform, req.incoming.channel_id)
    return Reply(
        req.document().paragraph(req.t("forum.unbound_now", forum=forum.name)), posts=posts
    )


@command(
    "forum.create",
    "forum skapa",
    aliases=("forum create",),
    args=(Arg("name", ArgKind.TEXT), Arg("level")),
    role=Role.COORDINATOR,
    scope=Scope.REGION,
)
def create(req: Request) -> Reply:
    tokens = tokenize(req.tail)
    under = _under(tokens)
    parent: Forum | None = None
    thematic = False
    if under is None:
        if fold(req.arg("level")) in UNDER_WORDS and _kind_before_last(tokens):
            # "<namn> tematisk under" (or "<namn> <nivå> under") with no forum after it.
            thematic_first = fold(tokens[-2].value) in THEMATIC_WORDS
            key = "thematic.error.no_parent" if thematic_first else "thematic.error.no_forum_after"
            raise CommandError(key, hint_key="thematic_hint.create")
        if fold(req.arg("level")) in THEMATIC_WORDS:
            # A thematic group reports to a forum: it needs one.
            raise CommandError("thematic.error.no_parent", hint_key="thematic_hint.create")
        name = " ".join(req.arg("name").split())
        level = find_choice(req.arg("level"), LEVEL_WORDS, "error.unknown_level", "hint.level")
    else:
        name = " ".join(span_text(req.tail, tokens[: under - 1]).split())
        kind_word = fold(tokens[under - 1].value)
        thematic = kind_word in THEMATIC_WORDS
        level = Level.COORDINATING if thematic else LEVEL_WORDS[kind_word]
        parent = find_forum(req, span_text(req.tail, tokens[under + 1 :]))
    if len(name) > MAX_FORUM_NAME:
        raise CommandError(
            "error.name_too_long", hint_key="hint.forum_create", limit=MAX_FORUM_NAME
        )
    if name.isdigit():  # a number picks a forum from !forum lista: a name must not be one
        raise CommandError("error.forum_name_number", hint_key="hint.forum_create", name=name)
    existing = req.store.forums.all()
    slug = slugify(name)
    for forum in existing:
        if fold(forum.name) == fold(name) or forum.slug == slug:
            raise CommandError("error.forum_exists", hint_key="hint.forum_list", name=forum.name)
    host = None
    if req.me.organisation_id is not None:
        host = req.store.organisations.get(req.me.organisation_id)
    forum = req.store.forums.create(
        name=name,
        slug=slug,
        level=level,
        kind=ForumKind.BOTH,
        language=req.language,
        timezone=req.config.timezone,
        host=host,
    )
    if parent is None:
        doc = req.document().paragraph(
            req.t("forum.created", forum=forum.name, level=req.t(f"level.{level.value}"))
        )
    else:
        req.store.forums.set_parent(forum, parent, thematic=thematic)
        key = "thematic.created" if thematic else "thematic.created_under"
        doc = req.document().paragraph(
            req.t(key, forum=forum.name, parent=parent.name, level=req.t(f"level.{level.value}"))
        )
        # "gruppen" and "den" for a thematic working group, "forumet" and "det" for a forum.
        how = "thematic.how_report" if thematic else "thematic.how_report_forum"
        doc.paragraph(req.t(how, prefix=req.config.prefix, parent=parent.name))
    bind = "thematic.created_next" if thematic else "forum.created_next"
    doc.paragraph(req.t(bind, prefix=req.config.prefix, forum=forum.name))
    return Reply(doc)


def _kind_before_last(tokens: list[Token]) -> bool:
    """Whether the word before the last is a kind word (``tematisk``, a level)."""
    if len(tokens) < 3:
        return False
    word = fold(tokens[-2].value)
    return word in THEMATIC_WORDS or word in LEVEL_WORDS


def _under(tokens: list[Token]) -> int | None:
    """Where ``under <forum>`` begins in ``<namn> tematisk under <forum>`` (or ``<namn>
    <nivå> under <forum>``): the first ``under`` after a name and a kind word, with a forum
    after it; None when the line has no such part."""
    for index in range(2, len(tokens) - 1):
        word = fold(tokens[index - 1].value)
        if fold(tokens[index].value) in UNDER_WORDS and (
            word in THEMATIC_WORDS or word in LEVEL_WORDS
        ):
            return index
    return None


@command(
    "forum.language",
    "forum språk",
    aliases=("forum language",),
    args=(Arg("language"),),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def set_language(req: Request) -> Reply:
    forum = req.forum_here
    words = {
        "sv": "sv",
        "svenska": "sv",
        "swedish": "sv",
        "en": "en",
        "engelska": "en",
        "english": "en",
    }
    language = find_choice(req.arg("language"), words, "error.unknown_language", "hint.language")
    assert language in LANGUAGES
    if forum.language != language:
        req.store.forums.set_language(forum, language)
    # Answer in the new language: that is what the forum will see from now on.
    req.language = language
    return Reply(req.document().paragraph(req.t("forum.language_set", forum=forum.name)))
