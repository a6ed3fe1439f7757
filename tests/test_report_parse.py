"""A situation report as people write it, into the model's seven fields (pure functions)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.situation.parse import field_of, parse_report, says_nothing


def fields(text: str) -> dict[str, str]:
    return dict(parse_report(text).fields.items())


# -- labels --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("Läge: normalt", "situation"),
        ("LÄGE: normalt", "situation"),
        ("lage: normalt", "situation"),
        ("Situation: normalt", "situation"),
        ("konsekvens: normalt", "impact"),
        ("KONSEKVENSER: normalt", "impact"),
        ("Konsekvenser / påverkan: normalt", "impact"),
        ("Konsekvenser/Påverkan: normalt", "impact"),
        ("Impact: normalt", "impact"),
        ("Vidtagna åtgärder: normalt", "actions_taken"),
        ("vidtagna atgarder: normalt", "actions_taken"),
        ("Actions taken: normalt", "actions_taken"),
        ("Planerade åtgärder: normalt", "planned_actions"),
        ("Planned actions: normalt", "planned_actions"),
        ("Behov: normalt", "needs"),
        ("behov av samverkan/stöd: normalt", "needs"),
        ("Behov av samverkan / stöd: normalt", "needs"),
        ("Coordination needs: normalt", "needs"),
        ("Kommunikation: normalt", "communication"),
        ("Kommunikation (budskap): normalt", "communication"),
        ("Public communication: normalt", "communication"),
        ("Prognos: normalt", "outlook"),
        ("Outlook: normalt", "outlook"),
    ],
)
def test_swedish_and_english_labels_in_any_case_and_without_accents(line: str, field: str) -> None:
    assert fields(line) == {field: "normalt"}
    assert parse_report(line).unknown_labels == ()


@pytest.mark.parametrize(
    "line",
    ["*Behov:* sandsäckar", "**Behov**: sandsäckar", "- Behov: sandsäckar", "• Behov: sandsäckar"],
)
def test_bold_and_bulleted_labels(line: str) -> None:
    assert fields(line) == {"needs": "sandsäckar"}


def test_bulleted_outlook() -> None:
    assert fields("- Prognos: oförändrat över helgen") == {"outlook": "oförändrat över helgen"}


def test_the_field_label_names_are_known() -> None:
    assert field_of("Konsekvenser / påverkan") == "impact"
    assert field_of("BEHOV AV SAMVERKAN/STÖD") == "needs"
    assert field_of("Väder") is None


# -- free text, lines and several labels on a line -----------------------------------------


def test_free_text_without_labels_is_the_situation() -> None:
    assert fields("Normalt läge i kommunen, inga störningar.") == {
        "situation": "Normalt läge i kommunen, inga störningar."
    }


def test_free_text_before_the_first_label_goes_to_the_situation() -> None:
    report = (
        "Storm över norra länet, elavbrott i Norrtälje.\nBehov: aggregat\nPrognos: bättre i morgon"
    )
    assert fields(report) == {
        "situation": "Storm över norra länet, elavbrott i Norrtälje.",
        "needs": "aggregat",
        "outlook": "bättre i morgon",
    }


def test_the_lines_after_a_label_continue_its_field() -> None:
    report = (
        "Läge: E4 avstängd vid Rotebro\n"
        "köer mot Arlanda\n"
        "Vidtagna åtgärder:\n"
        "- omledning via väg 267\n"
        "- VMS-skyltar uppsatta\n"
        "Prognos: öppnar kl. 18"
    )
    assert fields(report) == {
        "situation": "E4 avstängd vid Rotebro\nköer mot Arlanda",
        "actions_taken": "- omledning via väg 267\n- VMS-skyltar uppsatta",
        "outlook": "öppnar kl. 18",
    }


def test_several_labels_on_one_line_after_a_sentence() -> None:
    assert fields("Läge: normalt. Behov: inga; Prognos: oförändrat") == {
        "situation": "normalt.",
        "needs": "inga",
        "outlook": "oförändrat",
    }


def test_a_known_label_after_a_sentence_without_a_label_first() -> None:
    assert fields("Lugnt i hamnen. Behov: inga") == {
        "situation": "Lugnt i hamnen.",
        "needs": "inga",
    }


def test_a_label_in_the_middle_of_a_sentence_is_not_a_label() -> None:
    parsed = parse_report("vi har behov: x")
    assert dict(parsed.fields.items()) == {"situation": "vi har behov: x"}
    assert parsed.unknown_labels == ()


def test_an_unknown_label_is_kept_as_text_and_reported() -> None:
    parsed = parse_report("Väder: blåsigt\nLäge: normalt")
    assert dict(parsed.fields.items()) == {"situation": "Väder: blåsigt\nnormalt"}
    assert parsed.unknown_labels == ("Väder",)


def test_an_unknown_label_after_a_field_stays_in_that_field() -> None:
    parsed = parse_report("Behov: pumpar\nVäder: blåsigt\nOBS: viktigt")
    assert dict(parsed.fields.items()) == {"needs": "pumpar\nVäder: blåsigt\nOBS: viktigt"}
    assert parsed.unknown_labels == ("Väder", "OBS")


@pytest.mark.parametrize(
    "text", ["Kl 14:30 stängdes E4", "kl. 14:30 stängdes E4", "E4: stängd sedan 14:30"]
)
def test_clock_times_and_road_names_are_not_labels(text: str) -> None:
    parsed = parse_report(text)
    assert dict(parsed.fields.items()) == {"situation": text}
    assert parsed.unknown_labels == ()


def test_a_clock_time_inside_a_field_stays_there() -> None:
    assert fields("Läge: kl 14:30 stängdes E4") == {"situation": "kl 14:30 stängdes E4"}


def test_a_repeated_label_appends() -> None:
    assert fields("Behov: pumpar\nPrognos: oklart\nBehov: sandsäckar") == {
        "needs": "pumpar\nsandsäckar",
        "outlook": "oklart",
    }


def test_words_in_brackets_after_a_label_are_kept_unless_they_are_the_label() -> None:
    assert fields("Prognos (24 h): stabilt") == {"outlook": "(24 h) stabilt"}
    assert fields("Behov (akut): sandsäckar") == {"needs": "(akut) sandsäckar"}
    assert fields("Kommunikation (budskap): undvik E4") == {"communication": "undvik E4"}
    assert fields("Konsekvenser (påverkan): köer") == {"impact": "köer"}


def test_empty_text_fills_nothing() -> None:
    assert fields("") == {}
    assert fields("  \n \n") == {}
    assert fields("Behov:") == {}


# -- "nothing to say" ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [None, "", "inga", "Inga", "INGA.", "-", "–", "None", "none", "N/A", "inga behov"]
)
def test_says_nothing(value: str | None) -> None:
    assert says_nothing(value)


@pytest.mark.parametrize(
    "value", ["sandsäckar", "inga större", "None of the pumps work", "0", "nej tack, men pumpar"]
)
def test_real_text_says_something(value: str) -> None:
    assert not says_nothing(value)


# -- nothing typed is lost -----------------------------------------------------------------


def _colon_like(char: str) -> bool:
    """A character the parser reads as a label's colon (``:``, ``：``, ``﹕`` ...)."""
    return unicodedata.normalize("NFKD", char)[:1] in ":："


def _normalised(text: str) -> str:
    """The text with each line's trailing space and the space around it all dropped."""
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


WITHOUT_COLONS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)).filter(lambda c: not _colon_like(c)),
    max_size=300,
)


@settings(max_examples=300)
@given(WITHOUT_COLONS)
def test_text_without_labels_is_all_situation(text: str) -> None:
    parsed = parse_report(text)
    assert (parsed.fields.situation or "") == _normalised(text)
    assert parsed.fields.items() == ([("situation", _normalised(text))] if text.strip() else [])
    assert parsed.unknown_labels == ()


SPELLINGS = {
    "situation": ("Läge", "LÄGE", "lage", "Nuläge", "Situation"),
    "impact": ("Konsekvenser", "konsekvens", "Konsekvenser / påverkan", "Påverkan", "Impact"),
    "actions_taken": ("Vidtagna åtgärder", "VIDTAGNA ATGARDER", "Åtgärder", "Actions taken"),
    "planned_actions": ("Planerade åtgärder", "planerade atgarder", "Planned actions"),
    "needs": ("Behov", "behov av samverkan/stöd", "Behov av samverkan / stöd", "Needs"),
    "communication": (
        "Kommunikation",
        "Kommunikation (budskap)",
        "Budskap",
        "Public communication",
    ),
    "outlook": ("Prognos", "PROGNOS", "Bedömning", "Outlook"),
}
STYLES = ("{}:", "{} :", "*{}:*", "**{}**:", "_{}_:", "- {}:", "• {}:", "  {}:")
# Words: letters (Swedish too), digits, punctuation and markup; never a colon or a space.
WORD = st.text(
    alphabet="abcehlnorstvyzåäöÅÄÖEKLPSéüß0123456789.,;!?()[]-–*_/&%#'\"<>|•€@",
    min_size=1,
    max_size=12,
)
LINE = st.lists(WORD, max_size=6).map(" ".join)
# Words in brackets after a label that say more than the label ("Prognos (24 h):").
NOTES = ("", " (24 h)", " (akut)", " (prel.)")
SEGMENT = st.tuples(
    st.sampled_from(sorted(SPELLINGS)),
    st.integers(0, 4),
    st.sampled_from(STYLES),
    st.sampled_from(NOTES),
    st.lists(LINE, min_size=1, max_size=3),
)


@settings(max_examples=300)
@given(preamble=st.lists(LINE, max_size=3), segments=st.lists(SEGMENT, max_size=8))
def test_every_word_reaches_its_field(
    preamble: list[str], segments: list[tuple[str, int, str, str, list[str]]]
) -> None:
    """A report of labelled lines (any spelling, style, repeated labels, continuation
    lines, a note in brackets): each field holds exactly the words written under its
    labels, in order; only the labels themselves are gone."""
    lines = list(preamble)
    expected: dict[str, list[str]] = {name: [] for name in SPELLINGS}
    expected["situation"].extend(" ".join(preamble).split())
    for name, choice, style, note, value in segments:
        spelling = SPELLINGS[name][choice % len(SPELLINGS[name])]
        note = "" if "(" in spelling else note  # "Kommunikation (budskap)" has its brackets
        label = style.format(spelling + note)
        first, *rest = value
        lines.append(f"{label} {first}")
        lines.extend(rest)
        expected[name].extend(f"{note} {' '.join(value)}".split())
    parsed = parse_report("\n".join(lines))
    got = parsed.fields.as_dict()
    for name, words in expected.items():
        assert (got[name] or "").split() == words, name
    assert parsed.unknown_labels == ()


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_keeps_every_line_without_a_colon_and_invents_nothing(text: str) -> None:
    parsed = parse_report(text)
    values = [value for _, value in parsed.fields.items()]
    for line in text.splitlines():
        if line.strip() and not any(_colon_like(char) for char in line):
            assert any(line.strip() in value for value in values), line
    written = Counter(re.findall(r"[^\W_]", text))
    kept = Counter(re.findall(r"[^\W_]", "".join(values)))
    assert kept <= written
