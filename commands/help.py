"""``!hjälp``: the commands this person may use here, generated from the registry."""

from __future__ import annotations

from commands.core.document import Code, Document
from commands.core.registry import REGISTRY, Arg, ArgKind, Command, command
from commands.core.request import CommandError, Reply, Request
from commands.core.roles import allows, may_use
from commands.core.text import tokenize


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
        found = REGISTRY.match(words)
        if found is None or found[1] != len(words):
            raise CommandError("error.unknown_help_topic", hint_key="hint.help", word=wanted[:60])
        return Reply(_detail(req, found[0]))
    return Reply(_overview(req))


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
    usable = [cmd for cmd in sorted(REGISTRY.commands, key=_help_order) if may_use(req, cmd)]
    doc = req.document().heading(req.t("help.title"))
    doc.bullets(
        [Code(cmd.usage(req.language, prefix)), " — ", cmd.summary(req.language)] for cmd in usable
    )
    doc.paragraph(req.t("help.footer", prefix=prefix))
    if req.incoming.direct:
        doc.paragraph(req.t("help.direct"))
    elif req.forum is None:
        doc.paragraph(req.t("help.unbound", prefix=prefix))
    hidden = len(REGISTRY.commands) - len(usable)
    if hidden:
        doc.paragraph(req.t("help.hidden", count=hidden, role=req.t(f"role.{req.role.value}")))
    return doc


def _detail(req: Request, cmd: Command) -> Document:
    prefix = req.config.prefix
    doc = req.document().heading(cmd.usage(req.language, prefix))
    doc.paragraph(cmd.summary(req.language))
    rows: list[tuple[str, list[Code | str]]] = [
        (req.t("help.example"), [Code(cmd.example(req.language, prefix))]),
        (req.t("help.role"), [req.t(f"role.{cmd.role.value}")]),
    ]
    others = list(cmd.names(req.language)[1:])
    if others:
        rows.append((req.t("help.aliases"), [", ".join(prefix + name for name in others)]))
    if cmd.needs_forum:
        rows.append((req.t("help.where"), [req.t("help.needs_forum")]))
    doc.fields(rows)
    if not allows(req.role, cmd.role):
        doc.paragraph(req.t("help.not_for_you", role=req.t(f"role.{req.role.value}")))
    return doc
