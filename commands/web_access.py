"""``!webb``: a personal sign-in link to the web pages, sent privately.

Which forums the link covers (the store knows no platform's channel membership, so "the
forums whose channels the person is in" is read as what the bot knows of them):

- the forum of the channel ``!webb`` is typed in (the person is there now);
- every forum where they represent an organisation (ordinarie or ersättare, ``!aktör``,
  ``!företrädare``) or hold a role given with ``!roll``;
- every forum, for a coordinator of the region (``BOT_ADMINS``, ``!roll … regionalt``).

Each with the role they hold there (``commands/core/roles.py``), kept with the link. The
link goes as a direct message (Slack: the app's DM; Matrix: the direct room; the terminal
prints it), never in the channel; it works once, for ``WEB_LINK_MINUTES``, and signs in for
``WEB_SESSION_HOURS``. Asked in a direct conversation, the answer itself is private: the link
is in it.
"""

from __future__ import annotations

from datetime import timedelta

from commands.core.document import Link
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.messages import Post, Reply
from commands.core.registry import command
from commands.core.request import Request
from commands.core.roles import regional_role, resolve_role
from commands.core.timefmt import format_time
from commands.core.web_tokens import LINK_SALT, Signed, secret_of, sign
from storage.models import Forum, Role

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


@command("web.link", "webb", aliases=("web",), personal=True)
def web_link(req: Request) -> Reply:
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
        )
    )
    if req.incoming.direct:
        return Reply(doc)
    speaker = req.incoming.speaker
    told = req.document().paragraph(req.t("web.link_sent"))
    return Reply(told, posts=[Post(speaker.platform, speaker.user_id, doc, direct=True)])
