"""``!hjälp``: the commands this person may use here, generated from the registry."""

from __future__ import annotations

from collections import Counter

from commands.core.document import Code, Document
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, Command, Scope, command
from commands.core.request import Request
from commands.core.roles import allows, may_use
from commands.core.text import fold, tokenize
from storage.models import Role

FEATURE = feature(__name__)


@command(
    "help",
    "hjälp",
    aliases=("help", "?"),
    args=(Arg("command", ArgKind.TEXT, required=False),),
    personal=True,
)
def help_command(req: Request) -> Reply:
    wanted = req.args.get("command")
    if wanted:
        words = [tok.value for tok in tokenize(wanted.removeprefix(req.config.prefix))]
        found = req.registry.match(words)
        if found is None or found[1] != len(words):
            group = _group(req, words)
            if group:  # "!hjälp möte": the commands that begin so
                return Reply(_group_detail(req, words, group))
            raise _unknown_topic(req, words, found[1] if found else 0, wanted)
        return Reply(_detail(req, found[0]))
    return Reply(_overview(req))


def _group(req: Request, words: list[str]) -> list[Command]:
    """The commands with a name that begins with ``words`` and goes on
    (``möte`` → ``möte start``, ``möte slut``, …), in the overview's order."""
    wanted = [fold(word) for word in words]
    found = []
    for cmd in sorted(req.registry.commands, key=_help_order):
        for name in cmd.names(req.language):  # either language's name, as commands are typed
            folded = [fold(word) for word in name.split()]
            if len(folded) > len(wanted) and folded[: len(wanted)] == wanted:
                found.append(cmd)
                break
    return found


def _group_detail(req: Request, words: list[str], group: list[Command]) -> Document:
    prefix = req.config.prefix
    doc = req.document().heading(req.t("help.group_title", name=prefix + " ".join(words)))
    doc.bullets(
        [Code(cmd.usage(req.language, prefix)), " – ", cmd.summary(req.language)] for cmd in group
    )
    doc.paragraph(
        req.t("help.group_footer", prefix=prefix, example=group[0].display_name(req.language))
    )
    return doc


def _unknown_topic(req: Request, words: list[str], matched: int, wanted: str) -> CommandError:
    """No command by that name: the help of the one it most resembles, as the dispatcher
    suggests for a mistyped command (``!hjälp forum kopla`` → ``!hjälp forum koppla``)."""
    head = tuple(fold(word) for word in words[:matched])
    near = req.registry.near(words[matched:], head=head, cutoff=85) if matched else None
    near = near or req.registry.near(words)
    if near is None:
        return CommandError("error.unknown_help_topic", hint_key="hint.help", word=wanted[:60])
    prefix = req.config.prefix
    cmd, _typed = near
    assert req.command is not None  # help runs as a command, never as a form
    me = req.command.display_name(req.language)
    return CommandError(
        "error.unknown_command_suggest",
        word=wanted[:60],
        suggestion=f"{prefix}{me} {cmd.display_name(req.language)}",
    )


# The order a newcomer meets things: help, the forum, who you are, roles, activation.
GROUPS = (
    "help",
    "forum",
    "schedule",
    "actor",
    "role",
    "activation",
    "report",
    "picture",
    "meeting",
    "action",
    "escalation",
    "reminder",
    "form",
)


def _help_order(cmd: Command) -> int:
    return GROUPS.index(cmd.key.split(".")[0]) if cmd.key.split(".")[0] in GROUPS else len(GROUPS)


def _overview(req: Request) -> Document:
    prefix = req.config.prefix
    usable = [cmd for cmd in sorted(req.registry.commands, key=_help_order) if may_use(req, cmd)]
    doc = req.document().heading(req.t("help.title"))
    doc.bullets(
        [Code(cmd.usage(req.language, prefix)), " – ", cmd.summary(req.language)] for cmd in usable
    )
    doc.paragraph(req.t("help.footer", prefix=prefix))
    if req.incoming.direct:
        doc.paragraph(req.t("help.direct"))
    elif req.forum is None:
        doc.paragraph(req.t("help.unbound", prefix=prefix))
    _hidden_paragraphs(req, doc)
    return doc


# The reasons a command is hidden that a role would lift, in the order they are told.
ROLE_REASONS = {
    "observer": "help.hidden_observer",
    "actor": "help.hidden_actor",
    "coordinator": "help.hidden_coordinator",
    "region": "help.hidden_region",
}
FORUM_REASON = "forum"


def _why_hidden(req: Request, cmd: Command) -> str | None:
    """Why ``cmd`` is left out of this person's help here: the role it needs (``actor``,
    ``coordinator``, ``region`` for the region's coordinators), ``forum`` when the role
    suffices but the channel serves no forum, None when it is shown or help.direct explains
    it (a forum's command in a direct conversation)."""
    if may_use(req, cmd) or (req.incoming.direct and not cmd.personal):
        return None
    if cmd.scope is Scope.REGION:
        return "region"
    if allows(req.role, cmd.role):
        return FORUM_REASON
    return cmd.role.value


def _hidden_paragraphs(req: Request, doc: Document) -> None:
    """Say what is hidden and why, counting each command under the one thing that would
    show it: a coordinator in an unbound channel lacks a forum, not a role."""
    reasons = Counter(_why_hidden(req, cmd) for cmd in req.registry.commands)
    prefix = req.config.prefix
    needing_role = [(reason, reasons[reason]) for reason in ROLE_REASONS if reasons[reason]]
    if needing_role:
        details = "; ".join(
            req.t(ROLE_REASONS[reason], count=count) for reason, count in needing_role
        )
        total = sum(count for _, count in needing_role)
        mine = req.t(f"role.{req.role.value}")
        doc.paragraph(req.t("help.hidden", count=total, role=mine, details=details))
        # !aktör is said in a forum's channel: elsewhere the hint would only be refused.
        if req.role is Role.NONE and reasons["actor"] and req.forum is not None:
            doc.paragraph(req.t("help.hidden_become_actor", prefix=prefix))
    if reasons[FORUM_REASON]:
        doc.paragraph(req.t("help.hidden_forum", count=reasons[FORUM_REASON]))


def _detail(req: Request, cmd: Command) -> Document:
    prefix = req.config.prefix
    doc = req.document().heading(cmd.usage(req.language, prefix))
    doc.paragraph(cmd.summary(req.language))
    rows: list[tuple[str, list[Code | str]]] = [
        (req.t("help.example"), [Code(cmd.example(req.language, prefix))]),
    ]
    if cmd.role is not Role.NONE:  # "Kräver rollen: ingen roll" says nothing
        rows.append((req.t("help.role"), [req.t(f"role.{cmd.role.value}")]))
    others = list(cmd.names(req.language)[1:])
    if others:
        rows.append((req.t("help.aliases"), [", ".join(prefix + name for name in others)]))
    if cmd.needs_forum:
        rows.append((req.t("help.where"), [req.t("help.needs_forum")]))
    doc.fields(rows)
    if not allows(req.role, cmd.role):
        doc.paragraph(req.t("help.not_for_you", role=req.t(f"role.{req.role.value}")))
    return doc
