"""``!lyft <forum> <text>``: raise an item from this forum's meeting to another forum.

It is noted in this meeting's minutes, posted in every channel of the other forum with a link
back where the platform has one, and put on the other forum's next meeting agenda
(``!möte start`` takes it up there): under its standing agenda's item for items raised to it
("Frågor som lyfts till forumet"), or "Uppföljning" where it has none.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.core.channels import forum_wide, way_back
from commands.core.document import Emphasis, Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.i18n import normalise_language, t
from commands.core.lookup import find_forum
from commands.core.meetings import open_meeting
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command
from commands.core.request import Request
from commands.core.text import Token, fold, leading_phrases, span_text, tokenize
from commands.core.timefmt import format_time
from commands.minutes.agenda import follow_up_title
from storage.models import Forum, ItemKind, Role

FEATURE = feature(__name__)

MAX_NAME_WORDS = 6
MAX_TEXT = 1000


def _target(req: Request, tokens: list[Token]) -> tuple[Forum, int]:
    """The forum named first, and how many of ``tokens`` named it."""
    forums = req.store.forums.all()
    for size, phrase in leading_phrases(tokens, MAX_NAME_WORDS):
        for forum in forums:
            if phrase in (fold(forum.name), fold(forum.slug)):
                return forum, size
    try:
        return find_forum(req, tokens[0].value), 1
    except CommandError as error:
        raise CommandError(error.key, hint_key="hint.escalate", **error.params) from None


@command(
    "escalation.raise",
    "lyft",
    aliases=("escalate",),
    args=(Arg("forum"), Arg("text", ArgKind.TEXT)),
    role=Role.ACTOR,
    needs_forum=True,
)
def escalate(req: Request) -> Reply:
    forum = req.forum_here
    meeting = open_meeting(req, forum)
    line = req.tail
    tokens = tokenize(line)
    target, used = _target(req, tokens)
    if target.id == forum.id:
        raise CommandError("error.escalate_same", hint_key="hint.escalate", forum=forum.name)
    text = span_text(line, tokens[used:])
    if not text:
        raise CommandError("error.escalation_text", hint_key="hint.escalate")
    if len(text) > MAX_TEXT:
        raise CommandError("error.text_too_long", limit=MAX_TEXT)
    me = req.me
    topic = req.store.meetings.current_topic(meeting)
    item = req.store.meetings.add_item(meeting, ItemKind.ESCALATION, text, me, topic=topic)
    link = req.incoming.permalink
    req.store.escalations.add(meeting, item, target, text, me, link)

    channels = req.store.forums.channels(target)
    # The notice is read in the other forum: in its language and its time zone.
    language = normalise_language(target.language)
    zone = ZoneInfo(target.timezone)
    notice = req.document().heading(t(language, "escalation.arrived", forum=forum.name))
    notice.paragraph(text)
    by: list[Part] = [
        Emphasis(
            t(
                language,
                "escalation.raised_by",
                who=me.display_name,
                forum=forum.name,
                number=meeting.number,
                time=format_time(req.now, zone),
            )
        )
    ]
    by.extend(way_back(req, language))
    notice.paragraph(*by)
    notice.paragraph(
        t(
            language,
            "standing_agenda.raised_on_agenda",
            forum=target.name,
            item=follow_up_title(target, language),
            prefix=req.config.prefix,
        )
    )

    doc = req.document().paragraph(
        Strong(req.t("escalation.raised", forum=target.name)), ": ", text
    )
    if channels:
        doc.paragraph(req.t("escalation.posted", count=len(channels), forum=target.name))
    else:
        doc.paragraph(req.t("escalation.no_channel", forum=target.name))
    return Reply(doc, posts=forum_wide(channels, notice))
