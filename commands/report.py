"""``!läge``: an organisation's situation report (lägesrapport) in the forum's current round.

- ``!läge <text>``: free text is *Läge*; labelled lines fill the other fields;
- ``!läge oförändrat``: the organisation's previous report again, marked as unchanged;
- ``!läge formulär``: one question per field (a modal in Slack; ``/samverkan läge`` too);
- ``!läge för <organisation> …``: a coordinator reports for an organisation that phoned in.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz

from commands.core.dialogs import offer
from commands.core.errors import CommandError
from commands.core.features import feature
from commands.core.forms import Form, FormField, FormSubmission, FormSupport
from commands.core.i18n import t
from commands.core.lookup import my_organisation
from commands.core.messages import Reply
from commands.core.registry import Arg, ArgKind, command, form_type
from commands.core.request import Request
from commands.core.roles import allows
from commands.core.text import Token, fold, tokenize
from commands.core.timefmt import format_clock, format_time
from commands.situation.parse import parse_report
from commands.situation.render import field_label, report_fields
from commands.situation.rounds import closed_at, is_closed, report_round, round_label
from storage.models import Forum, Organisation, ReportRound, Role, SituationReport
from storage.reports import FIELDS, ReportFields

FEATURE = feature(__name__)

UNCHANGED_WORDS = frozenset({"oforandrat", "oforandrad", "unchanged", "no change"})
FORM_WORDS = frozenset({"formular", "form"})
# A name this close to an organisation's (fuzz.ratio) is a typo of it, not the start of a text.
TYPO_SCORE = 85
# The words after "för" that may name an organisation ("Polisen Region Stockholm").
MAX_NAME_WORDS = 6


def _round_for_report(req: Request, forum: Forum) -> ReportRound:
    """The round a report sent now goes to. While the forum is in an exercise, only an
    exercise activation's: what is said in a drill never lands in the real round."""
    target = report_round(req, forum)
    exercise = req.store.exercises.current(forum)
    if exercise is not None:
        activation_id = target.activation_id or target.rhythm_activation_id
        activation = req.store.activations.get(activation_id) if activation_id else None
        if activation is None or activation.exercise_id is None:
            raise CommandError(
                "exercise.error.report_outside",
                hint_key="exercise_hint.activate",
                name=exercise.name,
                forum=forum.name,
            )
    return target


def record(
    req: Request,
    forum: Forum,
    target: ReportRound,
    organisation: Organisation,
    *,
    text: str,
    fields: ReportFields,
    on_behalf: bool,
    source: str,
    unchanged_from: SituationReport | None = None,
    unknown_labels: tuple[str, ...] = (),
) -> Reply:
    """Keep the report and say what was recorded, where, and what it replaced."""
    late = is_closed(target, req.now)
    # A late report is kept apart from the picture at closing: it replaces only a late one.
    same_kind = [r for r in req.store.reports.in_round(target) if r.late == late]
    earlier = next((r for r in reversed(same_kind) if r.organisation_id == organisation.id), None)
    req.store.reports.add(
        target,
        organisation,
        req.me,
        text=text,
        fields=fields,
        late=late,
        on_behalf=on_behalf,
        source=source,
        unchanged_from=unchanged_from,
    )
    label = round_label(target, req.zone, req.language)
    doc = req.document().paragraph(
        req.t("report.recorded", organisation=organisation.name, round=label)
    )
    if on_behalf:
        doc.paragraph(req.t("report.recorded_on_behalf", who=req.me.display_name))
    if unchanged_from is not None:
        doc.paragraph(req.t("report.unchanged_from", time=format_time(unchanged_from.at, req.zone)))
    report_fields(doc, dict(fields.items()), req.language)
    if earlier is not None:
        doc.paragraph(req.t("report.replaces", time=format_clock(earlier.at, req.zone)))
    if late:
        when = closed_at(target)
        doc.paragraph(req.t("report.late", time=format_time(when, req.zone) if when else "?"))
        doc.paragraph(req.t("report.late_apart"))
    if unknown_labels:
        doc.paragraph(
            req.t(
                "report.unknown_labels",
                labels=", ".join(unknown_labels),
                count=len(unknown_labels),
            )
        )
    return Reply(doc)


def report_text(
    req: Request, forum: Forum, organisation: Organisation, text: str, *, on_behalf: bool
) -> Reply:
    parsed = parse_report(text)
    return record(
        req,
        forum,
        _round_for_report(req, forum),
        organisation,
        text=text,
        fields=parsed.fields,
        on_behalf=on_behalf,
        source="command",
        unknown_labels=parsed.unknown_labels,
    )


def report_unchanged(
    req: Request, forum: Forum, organisation: Organisation, *, on_behalf: bool
) -> Reply:
    target = _round_for_report(req, forum)
    this_round = req.store.reports.latest_in_round(target).get(organisation.id or 0)
    if this_round is not None:
        raise CommandError(
            "error.unchanged_already",
            hint_key="hint.picture",
            organisation=organisation.name,
            time=format_clock(this_round.at, req.zone),
        )
    previous = req.store.reports.previous(organisation, forum)
    if previous is None:
        raise CommandError(
            "error.unchanged_nothing", hint_key="hint.report", organisation=organisation.name
        )
    original = previous
    if previous.unchanged_from_id is not None:
        # "Unchanged" since the report that was first copied, not since the last copy.
        original = req.store.reports.by_ids([previous.unchanged_from_id]).get(
            previous.unchanged_from_id, previous
        )
    return record(
        req,
        forum,
        target,
        organisation,
        text=previous.text,
        fields=ReportFields.of(previous),
        on_behalf=on_behalf,
        source="unchanged",
        unchanged_from=original,
    )


def report_form(
    req: Request, forum: Forum, organisation: Organisation, *, on_behalf: bool
) -> Reply:
    target = _round_for_report(req, forum)
    words = [req.t("report.command")]
    if on_behalf:
        words += [req.t("report.for_word"), f'"{organisation.name}"']
    context = {
        "forum_id": forum.id,
        "round_id": target.id,
        "organisation_id": organisation.id,
        "organisation": organisation.name,
        "round": round_label(target, req.zone, req.language),
        "on_behalf": on_behalf,
        "command": " ".join([*words, req.t("report.form_word")]),
    }
    return offer(req, build_form(req.language, context))


def build_form(language: str, context: dict[str, Any]) -> Form:
    return Form(
        key="report",
        title=t(language, "report.form_title"),
        intro=t(
            language,
            "report.form_intro",
            organisation=context.get("organisation", "?"),
            round=context.get("round", "?"),
        ),
        fields=tuple(
            FormField(
                name=name,
                label=field_label(name, language),
                question=t(language, f"report.question.{name}"),
            )
            for name in FIELDS
        ),
        submit_label=t(language, "report.form_submit"),
        context=context,
        command=str(context.get("command", "")),
    )


@form_type("report", build_form)
def submit_form(req: Request, submission: FormSubmission) -> Reply:
    """A report filled in field by field (a Slack modal, a dialog): into the round it was
    opened for, which may have closed since (then it is late)."""
    forum = req.require_forum()
    context = submission.context
    target = req.store.reports.round_by_id(int(context.get("round_id") or 0))
    organisation = req.store.organisations.get(int(context.get("organisation_id") or 0))
    if target is None or organisation is None or target.forum_id != forum.id:
        raise CommandError("error.form_stale", hint_key="hint.report")
    on_behalf = bool(context.get("on_behalf"))
    if on_behalf:
        if not allows(req.role, Role.COORDINATOR):
            raise CommandError("error.on_behalf_coordinator", hint_key="hint.report")
    elif my_organisation(req).id != organisation.id:
        raise CommandError("error.form_other_organisation", organisation=organisation.name)
    values = {name: submission.values.get(name, "").strip() for name in FIELDS}
    if not any(values.values()):
        raise CommandError("error.empty_report", hint_key="hint.report")
    fields = ReportFields(**{name: value or None for name, value in values.items()})
    text = "\n".join(
        f"{field_label(name, req.language)}: {value}" for name, value in fields.items()
    )
    return record(
        req,
        forum,
        target,
        organisation,
        text=text,
        fields=fields,
        on_behalf=on_behalf,
        source="form",
    )


@command(
    "report.send",
    "läge",
    aliases=("sitrep",),
    args=(Arg("report", ArgKind.TEXT, required=False),),
    role=Role.ACTOR,
    needs_forum=True,
)
def send_report(req: Request) -> Reply:
    forum = req.forum_here
    text = req.tail
    if not text and req.incoming.forms is FormSupport.DIALOG:
        raise CommandError("error.empty_report", hint_key="hint.report")
    organisation = my_organisation(req)
    if not text:
        return report_form(req, forum, organisation, on_behalf=False)
    return report_text(req, forum, organisation, text, on_behalf=False)


def _whole_text(req: Request) -> str:
    """Everything after ``!läge``: the sub-command's words belong to the report after all."""
    line = req.incoming.text.strip()[len(req.config.prefix) :]
    tokens = tokenize(line)
    return line[tokens[1].start :].strip() if len(tokens) > 1 else ""


@command(
    "report.unchanged",
    "läge oförändrat",
    aliases=("sitrep unchanged",),
    args=(Arg("report", ArgKind.TEXT, required=False, hidden=True),),
    role=Role.ACTOR,
    needs_forum=True,
)
def unchanged(req: Request) -> Reply:
    forum = req.forum_here
    organisation = my_organisation(req)
    if req.tail:  # "oförändrat läge sedan i går, men …": a report that starts that way
        return report_text(req, forum, organisation, _whole_text(req), on_behalf=False)
    return report_unchanged(req, forum, organisation, on_behalf=False)


@command(
    "report.form",
    "läge formulär",
    aliases=("sitrep form",),
    args=(Arg("report", ArgKind.TEXT, required=False, hidden=True),),
    role=Role.ACTOR,
    needs_forum=True,
)
def form(req: Request) -> Reply:
    forum = req.forum_here
    organisation = my_organisation(req)
    if req.tail:
        return report_text(req, forum, organisation, _whole_text(req), on_behalf=False)
    return report_form(req, forum, organisation, on_behalf=False)


def named_organisation(req: Request, text: str) -> tuple[Organisation, str] | None:
    """The organisation ``text`` starts with (its name or an alias, the longest that fits),
    and the rest; None when it starts with none. A coordinator's near miss is refused as a
    typo."""
    tokens = tokenize(text)
    organisations = req.store.organisations.all()
    names = {fold(name): org for org in organisations for name in (org.name, *org.aliases)}
    for size in range(min(MAX_NAME_WORDS, len(tokens)), 0, -1):
        candidate = fold(" ".join(tok.value for tok in tokens[:size])).rstrip(":,")
        found = names.get(candidate)
        if found is not None:
            rest = text[tokens[size].start :].strip() if size < len(tokens) else ""
            return found, rest.lstrip(":,").strip()
    if tokens and allows(req.role, Role.COORDINATOR):
        # Only a coordinator may report for others: for anyone else "för regionens del …"
        # is just how their own report starts.
        first = fold(tokens[0].value).rstrip(":,")
        best = max(names, key=lambda name: fuzz.ratio(first, name), default=None)
        if best is not None and fuzz.ratio(first, best) >= TYPO_SCORE:
            raise CommandError(
                "error.organisation_typo",
                hint_key="hint.on_behalf",
                name=tokens[0].value,
                candidate=names[best].name,
            )
    if tokens and _looks_like_a_name(text, tokens[0]):
        # "!läge för Marsbasen Läge: …" means another organisation: saving it as the
        # speaker's own, with "för Marsbasen" in its text, would put it in the wrong column.
        raise CommandError(
            "error.unknown_report_organisation",
            hint_key="hint.on_behalf",
            name=tokens[0].value,
            candidates=", ".join(_closest(tokens[0].value, organisations)),
        )
    return None


def _looks_like_a_name(text: str, first: Token) -> bool:
    """Whether the word after "för" names someone: quoted, or capitalised as a proper noun
    is ("för Marsbasen"), where Swedish running text is not ("för närvarande")."""
    if text[first.start] in "\"'":
        return True
    letter = next((c for c in first.value if c.isalpha()), "")
    return letter.isupper()


def _closest(name: str, organisations: list[Organisation], limit: int = 3) -> list[str]:
    """The organisations whose name or alias is nearest ``name``, nearest first."""
    scores: dict[str, float] = {}
    for org in organisations:
        for written in (org.name, *org.aliases):
            score = fuzz.WRatio(fold(name), fold(written))
            scores[org.name] = max(scores.get(org.name, 0.0), score)
    return sorted(scores, key=lambda org_name: -scores[org_name])[:limit]


@command(
    "report.on_behalf",
    "läge för",
    aliases=("sitrep for",),
    args=(Arg("organisation"), Arg("report", ArgKind.TEXT, required=False)),
    role=Role.ACTOR,
    needs_forum=True,
)
def on_behalf(req: Request) -> Reply:
    forum = req.forum_here
    found = named_organisation(req, req.tail)
    if found is None:  # "!läge för närvarande lugnt": an ordinary report
        return report_text(req, forum, my_organisation(req), _whole_text(req), on_behalf=False)
    organisation, rest = found
    own = req.store.my_organisation()
    behalf = own is None or own.id != organisation.id
    if behalf and not allows(req.role, Role.COORDINATOR):
        raise CommandError(
            "error.on_behalf_coordinator", hint_key="hint.report", organisation=organisation.name
        )
    if fold(rest) in UNCHANGED_WORDS:
        return report_unchanged(req, forum, organisation, on_behalf=behalf)
    if not rest or fold(rest) in FORM_WORDS:
        if not rest and req.incoming.forms is FormSupport.DIALOG:
            raise CommandError("error.empty_report", hint_key="hint.report")
        return report_form(req, forum, organisation, on_behalf=behalf)
    return report_text(req, forum, organisation, rest, on_behalf=behalf)
