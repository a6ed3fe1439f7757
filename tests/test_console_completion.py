"""Tab completion in the terminal chat, without a terminal: what each half-typed line offers."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from bot.console.completion import ConsoleCompleter
from commands import CAPABILITIES

ORGANISATIONS = ["Polisen Region Stockholm", "SOS Alarm", "Stockholms stad", "Trafikverket"]


def completed(line: str) -> list[str]:
    """Each offer as the whole line it would make."""
    completer = ConsoleCompleter("!", lambda: ORGANISATIONS, CAPABILITIES.commands)
    offers = completer.get_completions(Document(line), CompleteEvent(completion_requested=True))
    return [line[: len(line) + offer.start_position] + offer.text for offer in offers]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("!kvitt", ["!kvittera", "!kvittera begäran"]),
        # Case and accents, as the dispatcher ignores them.
        ("!KVITT", ["!kvittera", "!kvittera begäran"]),
        ("!akto", ["!aktör", "!aktör ny", "!aktör ta bort", "!aktörer"]),
        ("!roll ", ["!roll lista"]),
        ("#stab @anna/Polisen: !kvittera b", ["#stab @anna/Polisen: !kvittera begäran"]),
        ("!forum kop", ["!forum koppla"]),
        ("!kvittera", ["!kvittera begäran"]),
        ("!kvittera begäran", []),  # already whole
        ("! kvitt", []),
        ("kvitt", []),  # chat, not a command
    ],
)
def test_command_names(line: str, expected: list[str]) -> None:
    assert sorted(completed(line)) == sorted(expected)


def test_every_command_name_completes_from_the_prefix_alone() -> None:
    offered = set(completed("!"))
    for cmd in CAPABILITIES.commands.commands:
        for name in (cmd.name, *cmd.aliases):
            assert f"!{name}" in offered


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("@anna/Pol", ["@anna/Polisen Region Stockholm"]),
        ("#stab @anna/reg", ["#stab @anna/Polisen Region Stockholm"]),  # any word of the name
        ("@bo/Sto", ["@bo/Stockholms stad", "@bo/Polisen Region Stockholm"]),
        ("!aktör Tra", ["!aktör Trafikverket"]),
        ("!aktör sos", ["!aktör SOS Alarm"]),
        # A one-word argument: a name of several words in quotes.
        ("!läge för pol", ['!läge för "Polisen Region Stockholm"']),
        ('!läge för "pol', ['!läge för "Polisen Region Stockholm"']),
        ("!läge för Trafikverket Läge: E4 av", []),  # the report's text, not a name
        ("!status Pol", []),  # no organisation to name
    ],
)
def test_organisation_names(line: str, expected: list[str]) -> None:
    assert completed(line) == expected


def test_only_the_last_line_of_a_pasted_block_is_completed() -> None:
    assert completed("!läge Läge: lugnt\n!kvittera b") == ["!läge Läge: lugnt\n!kvittera begäran"]
