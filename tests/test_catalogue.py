"""Every user-visible text exists in Swedish and English, with the same placeholders."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from commands.core.i18n import Plural, catalogue, placeholders, t

ROOT = Path(__file__).resolve().parent.parent
KEY = r"(error|hint|help|forum|actor|role|activation|console|door)\.[a-z_.]+"


def test_swedish_and_english_have_the_same_keys_and_placeholders() -> None:
    sv, en = catalogue("sv"), catalogue("en")
    assert set(sv) == set(en)
    for key in sv:
        assert placeholders(sv[key]) == placeholders(en[key]), key
        assert isinstance(sv[key], Plural) == isinstance(en[key], Plural), key
        assert str(sv[key]).strip(), key
        assert str(en[key]).strip(), key


def test_a_plural_text_takes_its_form_from_count() -> None:
    entry = catalogue("sv")["activation.callout_who"]
    assert isinstance(entry, Plural)
    assert t("sv", "activation.callout_who", count=1) == "Inkallad (1 organisation):"
    assert t("sv", "activation.callout_who", count=0) == "Inkallade (0 organisationer):"
    assert t("en", "activation.callout_who", count=7) == "Called in (7 organisations):"


def test_both_forms_of_every_plural_are_filled_in() -> None:
    for language in ("sv", "en"):
        for key, entry in catalogue(language).items():
            if isinstance(entry, Plural):
                assert entry.one.strip(), (language, key)
                assert "{count}" in entry.other, (language, key)


def _keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for path in [*ROOT.glob("commands/**/*.py"), *ROOT.glob("bot/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(KEY, node.value)
            ):
                used.add(node.value)
    return used


def test_every_key_the_code_names_exists() -> None:
    sv = catalogue("sv")
    # A string naming a command (its key) has its texts under cmd.<key>.
    missing = sorted(
        key
        for key in _keys_used_in_code()
        if key not in sv
        and f"cmd.{key}.summary" not in sv
        and not any(k.startswith(key + ".") for k in sv)
    )
    assert missing == []
