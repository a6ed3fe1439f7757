"""``!återrapport <text>``: a thematic working group (or any forum under a parent) reports
back to the forum it works for.

The report goes to the group's parent (``!forum skapa … tematisk under <forum>``) — but while
a coordinating forum convened on activation (Regionalt samordnande forum) is activated, a
group whose parent is at the coordinating level reports to that one instead ("the coordinating
forum when activated"). It needs no meeting: it is posted in the target's channels and put
on its next meeting's agenda as ``!lyft`` items are (``!möte start`` takes it up, under the
thematic groups' item of the target's standing agenda, or its raised items, or follow-up). A
meeting open in the group notes it in its own minutes too (and ``!ångra`` takes it back).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.channels import forum_wide, way_back
from commands.core.document import Emphasis, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.grammar import forum_words
from commands.core.i18n import normalise_language, t
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.timefmt import format_time
from commands.minutes.agenda import follow_up_title
from storage import Store
from storage.models import Forum, ForumKind, ItemKind, Level, Mode, Role

FEATURE = feature(__name__)

MAX_TEXT = 1000


def report_target(store: Store, group: Forum) -> tuple[Forum, Forum] | None:
    """The group's parent and the forum its reports go to now (None: it has no parent)."""
    parent = store.forums.get(group.parent_id) if group.parent_id is not None else None
    if parent is None:
        return None
    if parent.mode is Mode.ACTIVATED or parent.level is not Level.COORDINATING:
        return parent, parent
    activated = [
        forum
        for forum in store.forums.all()
        if forum.level is Level.COORDINATING
        and forum.kind is ForumKind.ACTIVATED
        and forum.mode is Mode.ACTIVATED
        and forum.id != group.id
    ]
    if not activated:
        return parent, parent
    return parent, max(activated, key=lambda forum: forum.mode_since)


@command(
    "report_back.send",
    "återrapport",
    aliases=("report back",),
    args=(Arg("text", ArgKind.TEXT),),
    role=Role.ACTOR,
    needs_forum=True,
)
def report_back(req: Request) -> Reply:
    group = req.forum_here
    found = report_target(req.store, group)
    if found is None:
        raise CommandError(
            "report_back.error.no_parent", hint_key="report_back_hint.no_parent", forum=group.name
        )
    parent, target = found
    text = req.tail.strip()
    if len(text) > MAX_TEXT:
        raise CommandError("error.text_too_long", limit=MAX_TEXT)
    me = req.me
    meeting = req.store.meetings.open(group)
    item = None
    if meeting is not None:
        topic = req.store.meetings.current_topic(meeting)
        item = req.store.meetings.add_item(meeting, ItemKind.ESCALATION, text, me, topic=topic)
    link = req.incoming.permalink
    req.store.escalations.report_back(group, target, text, me, link, meeting=meeting, item=item)

    # The notice is read in the target forum: in its language and its time zone.
    language = normalise_language(target.language)
    zone = ZoneInfo(target.timezone)
    organisation = req.store.my_organisation()
    who = me.display_name + (f" ({organisation.name})" if organisation else "")
    notice = req.document().heading(t(language, "report_back.arrived", forum=group.name))
    notice.paragraph(text)
    by: list[Part] = [
        Emphasis(
            t(
                language,
                "report_back.by",
                who=who,
                forum=group.name,
                time=format_time(req.now, zone),
            )
        )
    ]
    by.extend(way_back(req, language))
    notice.paragraph(*by)
    notice.paragraph(
        t(
            language,
            "report_back.on_agenda",
            forum=target.name,
            item=follow_up_title(target, language, report_back=True),
            prefix=req.config.prefix,
        )
    )

    channels = req.store.forums.channels(target)
    doc = req.document().paragraph(Strong(req.t("report_back.sent", forum=target.name)), ": ", text)
    if target.id != parent.id:
        doc.paragraph(
            req.t(
                "report_back.redirected",
                forum=target.name,
                parent=parent.name,
                **forum_words(req.language, target.name),
            )
        )
    if channels:
        doc.paragraph(req.t("report_back.posted", count=len(channels), forum=target.name))
    else:
        doc.paragraph(req.t("report_back.no_channel", forum=target.name))
    if meeting is not None:
        doc.paragraph(req.t("report_back.noted", number=meeting.number))
    return Reply(doc, posts=forum_wide(channels, notice))
