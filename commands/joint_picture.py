"""``!lägesbild``: the joint situation picture of a round; ``!saknas``: who has not reported.

``!lägesbild publicera`` freezes a numbered version, posts it in every channel of the forum
and says what changed since the version before.
"""

from __future__ import annotations

from dataclasses import replace

from commands.core.channels import forum_wide, other_channels
from commands.core.document import Part, Strong
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgType, command
from commands.core.request import Request
from commands.core.roles import allows
from commands.core.timefmt import format_clock
from commands.joint_direction.blocks import frame_changes
from commands.situation.diff import diff
from commands.situation.picture import (
    Picture,
    compile_picture,
    expected_organisations,
)
from commands.situation.render import diff_paragraphs, missing_rows, picture_document
from commands.situation.rounds import current_round, report_round, round_label
from storage.models import Forum, ReportRound, Role

FEATURE = feature(__name__)


def chosen_round(req: Request, forum: Forum) -> ReportRound:
    """The round asked for by number (``12`` or ``#12``), else the current one."""
    number = req.optional_number("round")
    if number is None:
        return report_round(req, forum)
    found = req.store.reports.round_by_number(forum, number)
    if found is None:
        raise unknown_round(req, req.arg("round"))
    return found


def unknown_round(req: Request, wanted: str) -> CommandError:
    """No round ``wanted`` in this forum (or no number at all)."""
    forum = req.forum_here
    latest = req.store.reports.latest_round(forum)
    if latest is None:
        # No round yet, so no number to suggest (there is no round 0): say how to see the
        # current one, or how one is opened. A round this looks up into being is rolled
        # back with the refusal.
        now = current_round(req.store, forum, req.now, req.config.meeting_minutes)
        hint = "hint.picture" if now is not None else "hint.no_round"
        return CommandError("error.unknown_round", hint_key=hint, name=wanted[:20])
    return CommandError(
        "error.unknown_round", hint_key="hint.rounds", name=wanted[:20], latest=latest.number
    )


ROUND = Arg("round", required=False, type=ArgType.NUMBER, invalid=unknown_round)


@command(
    "picture.show",
    "lägesbild",
    aliases=("picture", "sitpic"),
    args=(ROUND,),
    needs_forum=True,
)
def show(req: Request) -> Reply:
    forum = req.forum_here
    target = chosen_round(req, forum)
    compiled_by = req.t("picture.compiled_on_request", who=req.incoming.speaker.display_name)
    picture = compile_picture(req.store, forum, target, req.now, compiled_by)
    label = round_label(target, req.zone, req.language)
    return Reply(picture_document(picture, label, req.language))


@command(
    "picture.publish",
    "lägesbild publicera",
    aliases=("picture publish",),
    args=(ROUND,),
    role=Role.COORDINATOR,
    needs_forum=True,
)
def publish(req: Request) -> Reply:
    """The current round's picture, or a given round's (the meeting that just ended)."""
    forum = req.forum_here
    target = chosen_round(req, forum)
    me = req.me
    picture = compile_picture(req.store, forum, target, req.now, me.display_name)
    if not picture.reports:
        raise CommandError("error.publish_empty", hint_key="hint.report")
    previous = req.store.reports.published(target)
    changes = None
    framed: list[list[Part]] = []  # another direction in force, messages agreed or retired
    if previous is not None:
        before = Picture.from_json(previous.content)
        changes = diff(before, picture)
        framed = frame_changes(
            (before.direction, before.joint_messages),
            (picture.direction, picture.joint_messages),
            req.language,
        )
        if changes.empty and not framed:
            raise CommandError(
                "error.publish_unchanged",
                hint_key="hint.picture",
                version=previous.version,
                time=format_clock(previous.published_at, req.zone),
            )
    version = (previous.version if previous else 0) + 1
    picture = replace(picture, version=version, published_at=req.now)
    elsewhere = other_channels(req, forum)
    req.store.reports.publish(target, me, version, picture.to_json())
    label = round_label(target, req.zone, req.language)
    doc = req.document().paragraph(
        Strong(req.t("picture.published", forum=forum.name, version=version, who=me.display_name))
    )
    if changes is None or previous is None:
        doc.paragraph(req.t("picture.first_version"))
    else:
        doc.paragraph(
            req.t(
                "picture.changes_since",
                version=previous.version,
                time=format_clock(previous.published_at, req.zone),
            )
        )
        diff_paragraphs(doc, changes, req.language)
        for row in framed:
            doc.paragraph(*row)
    doc.blocks.extend(picture_document(picture, label, req.language).blocks)
    return Reply(doc, posts=forum_wide(elsewhere, doc))


@command("picture.missing", "saknas", aliases=("missing",), needs_forum=True)
def missing(req: Request) -> Reply:
    forum = req.forum_here
    target = report_round(req, forum)
    reported = set(req.store.reports.latest_in_round(target))
    expected = expected_organisations(req.store, forum, target)
    waiting = expected - reported
    label = round_label(target, req.zone, req.language)
    doc = req.document().heading(req.t("missing.title", forum=forum.name))
    doc.paragraph(req.t("missing.round", round=label))
    if not expected:
        called = target.activation_id or target.rhythm_activation_id
        nobody = "members.nobody_called" if called else "members.nobody_expected"
        doc.paragraph(req.t(nobody, forum=forum.name))
        return Reply(doc)
    if not waiting:
        doc.paragraph(req.t("missing.none", count=len(expected)))
        return Reply(doc)
    mention = allows(req.role, Role.COORDINATOR)
    items = missing_rows(req.store, forum, waiting, req.language, mention=mention)
    doc.paragraph(
        req.t(
            "missing.count",
            count=len(waiting),
            expected=len(expected),
            reported=len(expected & reported),
        )
    )
    doc.bullets(items)
    doc.hint(req.t("missing.how", prefix=req.config.prefix))
    return Reply(doc)
