"""What ``!inriktning`` (``commands/direction.py``) posts in other forums' channels, each in
its forum's language: a presented draft in the strategic forum (whole, with how to adopt
it), an edit of a presented one on the other side, the adopted direction in the forums that
work under it (with how each organisation confirms it)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.channels import forum_wide, way_back
from commands.core.document import Button, Document, Strong
from commands.core.i18n import normalise_language
from commands.core.messages import Post
from commands.core.request import Request
from commands.joint_direction.reach import answering_activation
from commands.joint_direction.render import Where, add_changes, changes, direction_document
from storage.directions import DirectionText
from storage.forums import Channel
from storage.models import Direction, Forum


def where_in(req: Request, forum: Forum) -> Where:
    """How ``forum``'s channels read a post: its language and zone, now."""
    return Where(normalise_language(forum.language), ZoneInfo(forum.timezone), req.now)


def forum_of(req: Request, forum_id: int | None) -> Forum:
    """A forum a direction names (it is never deleted while a direction names it)."""
    forum = req.store.forums.get(forum_id) if forum_id is not None else None
    if forum is None:
        raise RuntimeError(f"forum {forum_id} of a direction is gone")
    return forum


def numbers(directions: list[Direction]) -> str:
    return ", ".join(str(direction.number) for direction in directions)


def revision_posts(
    req: Request, here: Forum, direction: Direction, before: DirectionText, after: DirectionText
) -> list[Post]:
    """A presented direction edited on one side: the other side's channels are told what
    changed (the forum it is for, where it was drafted, and the strategic forum)."""
    version = req.store.directions.latest_version(direction)
    posts: list[Post] = []
    concerned = [
        forum_of(req, direction.forum_id),
        forum_of(req, direction.drafted_in_id),
        forum_of(req, direction.presented_to_id),
    ]
    for forum, channels in channels_by_forum(req, concerned):
        where = where_in(req, forum)
        doc = Document().paragraph(
            Strong(
                where.t(
                    "direction_lifecycle.revised_post",
                    who=req.me.display_name,
                    number=direction.number,
                    forum=here.name,
                    version=version.version,
                )
            ),
            *way_back(req, where.language),
        )
        add_changes(doc, changes(before, after, where))
        doc.paragraph(
            where.t(
                "direction_lifecycle.show_one", prefix=req.config.prefix, number=direction.number
            )
        )
        posts.extend(forum_wide(channels, doc))
    return posts


def channels_by_forum(req: Request, forums: list[Forum]) -> list[tuple[Forum, list[Channel]]]:
    """Each forum's channels, each channel once (under the first forum it serves), never the
    channel asked in."""
    here = Channel(req.incoming.platform, req.incoming.channel_id)
    seen = {here}
    found = []
    for forum in {forum.id: forum for forum in forums}.values():
        channels = [c for c in req.store.forums.channels(forum) if c not in seen]
        seen.update(channels)
        if channels:
            found.append((forum, channels))
    return found


def presented_post(req: Request, direction: Direction, home: Forum, target: Forum) -> Document:
    """What the strategic forum's channels get: who presents it from where (with the way
    back), the whole direction, and how to adopt it."""
    where = where_in(req, target)
    prefix = req.config.prefix
    doc = Document().paragraph(
        Strong(
            where.t(
                "direction_lifecycle.presented_post",
                who=req.me.display_name,
                number=direction.number,
                forum=home.name,
            )
        ),
        *way_back(req, where.language),
    )
    doc.blocks.extend(direction_document(req.store, direction, where).blocks)
    doc.actions(
        Button(
            where.t("direction_lifecycle.adopt_button"),
            f"inriktning fastställ {direction.number}",
            where.t(
                "direction_lifecycle.adopt_hint",
                forum=target.name,
                prefix=prefix,
                number=direction.number,
            ),
        )
    )
    return doc


def adopted_document(
    req: Request,
    direction: Direction,
    superseded: list[Direction],
    where: Where,
    governed: list[Forum],
    *,
    confirm: bool = False,
) -> Document:
    """The adopted direction as the strategic forum reads it (where it was sent, what it
    supersedes), or (``confirm``) as the forums working under it do: with the way back to
    where it was adopted, and how its organisations confirm it (those called in during an
    activation, else the members)."""
    prefix = req.config.prefix
    strategic = forum_of(req, direction.presented_to_id)
    doc = Document().paragraph(
        Strong(
            where.t(
                "direction_lifecycle.adopted",
                number=direction.number,
                who=req.me.display_name,
                forum=strategic.name,
                time=where.time(req.now),
            )
        ),
        *(way_back(req, where.language) if confirm else ()),
    )
    if superseded:
        doc.paragraph(
            where.t(
                "direction_lifecycle.adopted_supersedes",
                numbers=numbers(superseded),
                count=len(superseded),
            )
        )
    if not confirm:
        doc.paragraph(
            where.t(
                "direction_lifecycle.adopted_sent_one"
                if len(governed) == 1
                else "direction_lifecycle.adopted_sent",
                forums=listed([forum.name for forum in governed], where),
            )
        )
    doc.blocks.extend(direction_document(req.store, direction, where).blocks)
    if confirm:
        # During an activation only the organisations called in confirm (the card counts them).
        home = forum_of(req, direction.forum_id)
        called = answering_activation(
            req.store, home, direction.adopted_at, direction.activation_id
        )
        how = "confirm_how_called" if called is not None else "confirm_how"
        doc.paragraph(where.t(f"direction_lifecycle.{how}", prefix=prefix, number=direction.number))
        doc.actions(
            Button(
                where.t("direction_lifecycle.confirm_button"),
                f"inriktning kvittera {direction.number}",
                where.t("direction_lifecycle.confirm_hint", prefix=prefix, number=direction.number),
            )
        )
    return doc


def listed(names: list[str], where: Where) -> str:
    """``A, B och C``."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {where.t('direction_lifecycle.and')} {names[-1]}"
