"""``!webb``: a personal sign-in link to the web pages, sent privately.

Which forums the link covers (the store knows no platform's channel membership, so "the
forums whose channels the person is in" is read as what the bot knows of them):

- the forum of the channel ``!webb`` is typed in (the person is there now);
- every forum where they represent an organisation (ordinarie or ersättare, ``!aktör``,
  ``!företrädare``) or hold a role given with ``!roll``;
- every forum, for a coordinator of the region (``BOT_ADMINS``, ``!roll … regionalt``).

Each with the role they hold there (``commands/core/roles.py``), kept with the link. The
link is for the asker's eyes only: on Slack an ephemeral answer in the channel (only they
see it), on Matrix a direct message (the direct room), in the terminal printed as one;
never in the channel for all; it works once, for ``WEB_LINK_MINUTES``, and signs in for
``WEB_SESSION_HOURS``. Asked in a direct conversation, the answer itself is private: the link
is in it.

A forum's coordinators also give out display links, for a staff-room screen
(``bot/web_display.py``): ``!webb skärm [forum]`` makes one (sent privately, with its number;
not single-use, valid until revoked; it shows the forum's page and nothing personal),
``!webb länkar [forum]`` lists the forum's valid ones (in a direct conversation with no forum
named: those of every forum the asker coordinates), ``!webb återkalla <nr>`` revokes one (a
personal sign-in link too, by its owner or a coordinator of the region).
"""

from __future__ import annotations

from datetime import timedelta

from commands.core.document import Document, Link
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.messages import Post, Reply
from commands.core.registry import Arg, ArgKind, ArgType, Scope, command
from commands.core.request import Request
from commands.core.roles import regional_role, require_coordinator_of, resolve_role
from commands.core.timefmt import format_time
from commands.core.web_tokens import DISPLAY_SALT, LINK_SALT, Signed, secret_of, sign
from storage.models import Forum, Role, WebLink
from storage.web_links import DISPLAY

FEATURE = feature(__name__)


def covered_forums(req: Request) -> dict[int, tuple[Forum, Role]]:
    """The forums the asker's link covers, each with their role there (see the module)."""
    store = req.store
    speaker = req.incoming.speaker
    if regional_role(store, speaker, req.config) is Role.COORDINATOR:
        return {f.id: (f, Role.COORDINATOR) for f in store.forums.all() if f.id is not None}
    ids: set[int] = set()
    if req.forum is not None and req.forum.id is not None:
        ids.add(req.forum.id)
    me = store.known_me()
    if me is not None:
        ids.update(rep.forum_id for rep in store.forums.represented_forums(me))
        for role in (Role.OBSERVER, Role.ACTOR, Role.COORDINATOR):
            ids.update(store.people.forums_with_role(me, role))
    found: dict[int, tuple[Forum, Role]] = {}
    for forum_id in sorted(ids):
        forum = store.forums.get(forum_id)
        if forum is not None:
            found[forum_id] = (forum, resolve_role(store, forum, speaker, req.config))
    return found


def require_pages(req: Request) -> None:
    """Refused when this bot serves no web pages now (the terminal chat whose port another
    program held): a link would lead to that program."""
    if not req.config.web_served:
        raise CommandError(
            "web.error.not_served", hint_key="web_hint.not_served", url=req.config.web_base_url
        )


@command("web.link", "webb", aliases=("web",), personal=True)
def web_link(req: Request) -> Reply:
    require_pages(req)
    forums = covered_forums(req)
    if not forums:
        raise CommandError("web.error.no_forums", hint_key="web_hint.where")
    config = req.config
    expires = req.now + timedelta(minutes=config.web_link_minutes)
    link = req.store.web_links.issue(
        req.me, {fid: role.value for fid, (_f, role) in forums.items()}, req.now, expires
    )
    assert link.id is not None
    secret = secret_of(req.store, config, req.now, create=True)
    assert secret is not None
    token = sign(secret, LINK_SALT, Signed(link.id, link.nonce), req.now)
    url = f"{config.web_base_url}/w/{token}"
    names = sorted(forum.name for forum, _role in forums.values())
    doc = req.document().heading(req.t("web.link_title"))
    doc.paragraph(Link(url, req.t("web.open_link")))
    doc.paragraph(
        req.t(
            "web.link_body",
            hours=config.web_session_hours,
            forums="; ".join(names),
            expires=format_time(expires, req.zone),
            minutes=config.web_link_minutes,
            prefix=config.prefix,
        )
    )
    return _privately(req, doc, req.document().paragraph(req.t("web.link_sent")))


def _privately(req: Request, doc: Document, told: Document) -> Reply:
    """``doc`` for the asker's eyes only: the answer in a direct conversation, an ephemeral
    answer where the door has those (Slack), else a direct message and ``told`` here."""
    if req.incoming.direct:
        return Reply(doc)
    if req.incoming.private_answers:  # Slack: shown to the asker alone, in the channel
        return Reply(doc, private=True)
    speaker = req.incoming.speaker
    return Reply(told, posts=[Post(speaker.platform, speaker.user_id, doc, direct=True)])


# -- display links: !webb skärm, !webb länkar, !webb återkalla ---------------------------------

FORUM = Arg("forum", ArgKind.TEXT, required=False, type=ArgType.FORUM)


def _display_forum(req: Request) -> Forum:
    """The forum named, else the channel's; its coordinators only."""
    forum = req.values.get("forum")
    if not isinstance(forum, Forum):
        if req.forum is None:
            raise CommandError("web_display.error.no_forum", hint_key="web_display_hint.forum")
        forum = req.forum
    require_coordinator_of(req, forum)
    return forum


def display_path(req: Request, link: WebLink) -> str:
    """The display link's address on the web pages (``/skarm/<token>``)."""
    assert link.id is not None
    secret = secret_of(req.store, req.config, req.now, create=True)
    assert secret is not None
    return f"/skarm/{sign(secret, DISPLAY_SALT, Signed(link.id, link.nonce), req.now)}"


@command(
    "web.display",
    "webb skärm",
    aliases=("web display", "web screen"),
    args=(FORUM,),
    role=Role.COORDINATOR,
    scope=Scope.TARGET,
    personal=True,
)
def web_display(req: Request) -> Reply:
    require_pages(req)
    forum = _display_forum(req)
    assert forum.id is not None
    link = req.store.web_links.issue_display(req.me, forum.id, req.now)
    url = req.config.web_base_url + display_path(req, link)
    doc = req.document().heading(req.t("web_display.link_title", forum=forum.name))
    doc.paragraph(Link(url, req.t("web_display.open_link")))
    doc.paragraph(
        req.t("web_display.link_body", number=link.id, forum=forum.name, prefix=req.config.prefix)
    )
    told = req.document().paragraph(
        req.t("web_display.link_sent", number=link.id, forum=forum.name)
    )
    return _privately(req, doc, told)


@command(
    "web.links",
    "webb länkar",
    aliases=("web links",),
    args=(FORUM,),
    role=Role.COORDINATOR,
    scope=Scope.TARGET,
    personal=True,
)
def web_links(req: Request) -> Reply:
    """The forum's display links (the one named, else the channel's); in a direct
    conversation with no forum named, those of every forum the asker coordinates."""
    if req.incoming.direct and req.forum is None and not isinstance(req.values.get("forum"), Forum):
        return _every_forums_links(req)
    forum = _display_forum(req)
    doc = req.document()
    last = _list_links(req, doc, forum)
    if last is None:
        doc.paragraph(req.t("web_display.list_none", forum=forum.name, prefix=req.config.prefix))
    else:
        doc.paragraph(req.t("web_display.list_footer", prefix=req.config.prefix, number=last))
    return Reply(doc)


def _every_forums_links(req: Request) -> Reply:
    forums = sorted(
        (forum for forum, role in covered_forums(req).values() if role is Role.COORDINATOR),
        key=lambda forum: forum.name,
    )
    if not forums:
        raise CommandError("web_display.error.not_coordinator")
    doc = req.document()
    last = None
    for forum in forums:
        if forum.id is not None and req.store.web_links.displays(forum.id):
            last = _list_links(req, doc, forum)
    if last is None:
        doc.paragraph(req.t("web_display.list_none_anywhere", prefix=req.config.prefix))
    else:
        doc.paragraph(req.t("web_display.list_footer", prefix=req.config.prefix, number=last))
    return Reply(doc)


def _list_links(req: Request, doc: Document, forum: Forum) -> int | None:
    """The forum's valid display links under its heading; the last one's number (None: none)."""
    assert forum.id is not None
    links = req.store.web_links.displays(forum.id)
    doc.heading(req.t("web_display.list_title", forum=forum.name))
    if not links:
        return None
    zone = req.zone
    lines = []
    for link in links:
        maker = req.store.people.get(link.person_id)
        values = {
            "number": link.id,
            "who": maker.display_name if maker is not None else "?",
            "created": format_time(link.created_at, zone),
        }
        if link.last_seen_at is None:
            lines.append(req.t("web_display.list_line_unseen", **values))
        else:
            seen = format_time(link.last_seen_at, zone)
            lines.append(req.t("web_display.list_line", seen=seen, **values))
    doc.bullets(lines)
    return links[-1].id


def _no_such_link(req: Request, wanted: str) -> CommandError:
    return CommandError(
        "web_display.error.unknown_link", hint_key="web_display_hint.list", number=wanted[:20]
    )


@command(
    "web.revoke",
    "webb återkalla",
    aliases=("web revoke",),
    args=(Arg("number", type=ArgType.NUMBER, invalid=_no_such_link),),
    role=Role.COORDINATOR,
    scope=Scope.TARGET,
    personal=True,
)
def web_revoke(req: Request) -> Reply:
    """A display link by a coordinator of its forum; a personal one by its owner or a
    coordinator of the region. Refused (nothing changed) when revoked already."""
    number = req.number("number")
    link = req.store.web_links.get(number)
    if link is None:
        raise _no_such_link(req, str(number))
    forum: Forum | None = None
    if link.kind == DISPLAY:
        forum = req.store.forums.get(link.forum_id) if link.forum_id is not None else None
        if forum is None:
            raise _no_such_link(req, str(number))
        require_coordinator_of(req, forum)
    else:
        me = req.store.known_me()
        mine = me is not None and me.id == link.person_id
        regional = regional_role(req.store, req.incoming.speaker, req.config)
        if not mine and regional is not Role.COORDINATOR:
            raise CommandError(
                "web_display.error.not_yours", hint_key="web_display_hint.list", number=number
            )
    if link.revoked_at is not None:
        raise CommandError(
            "web_display.error.already_revoked",
            hint_key="web_display_hint.list",
            number=number,
            time=format_time(link.revoked_at, req.zone),
        )
    req.store.web_links.revoke(link, req.now)
    if forum is None:
        owner = req.store.people.get(link.person_id)
        text = req.t(
            "web_display.revoked_personal",
            number=number,
            who=owner.display_name if owner is not None else "?",
        )
    else:
        text = req.t("web_display.revoked", number=number, forum=forum.name)
    return Reply(req.document().paragraph(text))


@command("web.sign_out", "webb logga ut", aliases=("web sign out",), personal=True)
def web_sign_out(req: Request) -> Reply:
    """Every session the asker's personal links opened, ended (a browser left signed in
    elsewhere too); their display links are left alone."""
    me = req.store.known_me()
    ended = req.store.web_links.sign_out(me, req.now) if me is not None else 0
    if not ended:
        return Reply(req.document().paragraph(req.t("web.not_signed_in")))
    return Reply(req.document().paragraph(req.t("web.signed_out", count=ended)))
