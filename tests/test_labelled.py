"""The one reader of labelled lines (``commands/core/labelled.py``), with a table of its own:
what it does whichever labels it is given (``!läge`` and ``!inriktning`` have their own tests,
tests/test_report_parse.py and tests/test_direction.py)."""

from __future__ import annotations

from commands.core.labelled import LabelledLines, label_key

TABLE = {
    "weather": ("vader", "weather"),
    "roads": ("vagar", "vaglag", "roads"),
    "outlook": ("prognos", "prognos och bedomning", "outlook"),
}
READER = LabelledLines(TABLE)
WITH_NOTES = LabelledLines(TABLE, notes=True)


def test_text_before_the_first_label_is_the_first_field_fields_in_the_tables_order() -> None:
    read = READER.read("Blåsigt i hela länet.\nPrognos: bättre i morgon\nVägar: halka")
    assert read.given == {
        "weather": "Blåsigt i hela länet.",
        "roads": "halka",
        "outlook": "bättre i morgon",
    }
    assert list(read.given) == ["weather", "roads", "outlook"]
    assert read.unknown_labels == ()


def test_a_label_with_nothing_after_it_gives_its_field_empty_and_blank_lines_give_none() -> None:
    assert READER.read("\n  \nVägar:\n").given == {"roads": ""}
    assert READER.read("").given == {}


def test_continuation_lines_repeated_labels_and_labels_after_a_sentence() -> None:
    read = READER.read("Väder: storm\nmycket vind\nVÄGAR: halka. Prognos: oklart\n*Väglag:* snö")
    assert read.given == {
        "weather": "storm\nmycket vind",
        "roads": "halka.\nsnö",
        "outlook": "oklart",
    }


def test_a_label_of_no_field_stays_as_text_and_is_reported_once() -> None:
    read = READER.read("Vägar: halka\nBehov: sand\nBehov: salt\nkl 14:30 stängt")
    assert read.given == {"roads": "halka\nBehov: sand\nBehov: salt\nkl 14:30 stängt"}
    assert read.unknown_labels == ("Behov",)


def test_words_in_brackets_after_a_label_only_with_notes() -> None:
    assert WITH_NOTES.read("Prognos (24 h): stabilt").given == {"outlook": "(24 h) stabilt"}
    # Words that only name the field again are the label.
    assert WITH_NOTES.read("Prognos (bedömning): stabilt").given == {"outlook": "stabilt"}
    # Without notes, a label with brackets is no label: the text stays in the first field.
    read = READER.read("Prognos (24 h): stabilt")
    assert read.given == {"weather": "Prognos (24 h): stabilt"}


def test_a_label_is_known_in_any_case_with_or_without_accents_and_punctuation() -> None:
    assert READER.field_of("VÄGLAG") == "roads"
    assert READER.field_of("Prognos / bedömning") is None
    assert READER.field_of("Prognos och bedömning") == "outlook"
    assert label_key("Prognos / Bedömning!") == "prognos bedomning"
