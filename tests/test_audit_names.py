"""The audit log for people (``export all``'s audit.md) names events in the file's language,
never by their English codes; every event the code records has a name in both catalogues."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.backup.records import AuditFiles, Names
from commands.core.i18n import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parent.parent


def recorded_actions() -> set[str]:
    """Every literal event name passed to ``AuditLog.record`` anywhere in the code."""
    found: set[str] = set()
    for package in ("storage", "commands", "bot"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "record"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    return found


def test_every_recorded_event_has_a_name_in_both_languages() -> None:
    actions = recorded_actions()
    assert "forum.bind" in actions
    assert len(actions) > 20
    for language in LANGUAGES:
        names = catalogue(language)
        missing = sorted(a for a in actions if f"audit_event.{a}" not in names)
        assert missing == [], (language, missing)


@pytest.mark.parametrize(("language", "name"), [("sv", "Kanal kopplad"), ("en", "Channel bound")])
def test_the_audit_file_names_events_in_its_language(
    tmp_path: Path, language: str, name: str
) -> None:
    names = Names(organisations={}, people={}, forum_slugs={1: "konf"}, forum_names={1: "K"})
    files = AuditFiles(tmp_path, names, language, "Europe/Stockholm", total=2)
    for number, action in enumerate(("forum.bind", "some.future_event"), start=1):
        files.add(
            {
                "id": number,
                "at": "2026-11-26T14:00:00+00:00",
                "action": action,
                "forum_id": 1,
                "platform": "matrix",
                "channel_id": "!rum:x",
                "person_id": 1,
                "actor": "anna",
                "details": {},
            }
        )
    files.close()
    text = (tmp_path / "audit.md").read_text(encoding="utf-8")
    assert f"**{name}**" in text
    assert "forum.bind" not in text
    assert "**some.future\\_event**" in text or "**some.future_event**" in text  # unknown: code
    assert '"action":"forum.bind"' in (tmp_path / "audit.json").read_text(encoding="utf-8")
