"""Issue 15: phrases people write, read whole or refused with the reason; never misread."""

from __future__ import annotations

import statistics
import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from commands.core.errors import CommandError
from commands.core.request import Request
from commands.core.text import tokenize
from commands.core.when import Refusal, When, looks_like_time, read_when
from commands.reminder import _split_when

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM)  # Monday 23 November 2026, 10:00
TUESDAY = datetime(2026, 11, 24, 8, 0, tzinfo=STOCKHOLM)

READ: list[tuple[str, str]] = [
    ("kvart över 15", "2026-11-23 15:15"),
    ("kl. 20 över 15", "2026-11-23 15:20"),
    ("tjugo över 15", "2026-11-23 15:20"),
    ("halv 16", "2026-11-23 15:30"),
    ("imorgon halv 17", "2026-11-24 16:30"),
    ("i eftermiddag", "2026-11-23 13:00"),
    ("i eftermiddag kl 3", "2026-11-23 15:00"),
    ("i morgon bitti", "2026-11-24 07:00"),
    ("imorgon eftermiddag kl 2", "2026-11-24 14:00"),
    ("torsdag em kl 4", "2026-11-26 16:00"),
    ("kl 3 em", "2026-11-23 15:00"),
    ("om 2,5 timme", "2026-11-23 12:30"),
    ("om ett par timmar", "2026-11-23 12:00"),
    ("om 1 t", "2026-11-23 11:00"),
    ("den 15:e", "2026-12-15 09:00"),
    ("på den 15", "2026-12-15 09:00"),
    ("första tisdagen i oktober", "2027-10-05 09:00"),
    ("sista måndagen i mars kl 10", "2027-03-29 10:00"),
    ("nyårsafton kl 12", "2026-12-31 12:00"),
    ("julafton", "2026-12-24 09:00"),
    ("midsommarafton", "2027-06-25 09:00"),
    ("Kristi himmelsfärdsdag", "2027-05-06 09:00"),
    ("nu", "2026-11-23 10:00"),
    ("ca. kl. 15", "2026-11-23 15:00"),
    ("kl. 17 precis", "2026-11-23 17:00"),
    ("15:23:24", "2026-11-23 15:23"),
    ("Lör, 28 nov", "2026-11-28 09:00"),
    ("tosdag kl 16", "2026-11-26 16:00"),
]


@pytest.mark.parametrize(("text", "expected"), READ)
def test_read(text: str, expected: str) -> None:
    found = read_when(text, MONDAY, STOCKHOLM)
    assert isinstance(found, When), found
    assert found.at.strftime("%Y-%m-%d %H:%M") == expected


REFUSED: list[tuple[datetime, str, str]] = [
    (MONDAY, "2027-03-28 02:30", "when.no_such_time"),
    (MONDAY, "29 februari 2027", "when.no_such_date"),
    (MONDAY, "23 nov 09:00", "when.passed"),
    (MONDAY, "kl. 19:30, Lör, 20 sep", "when.weekday_mismatch"),
    (MONDAY, "Fre, Jul 18", "when.weekday_mismatch"),
    (MONDAY, "halv fyra", "when.two_readings"),
    (MONDAY, "kvart i 12", "when.two_readings"),
]


@pytest.mark.parametrize(("now", "text", "key"), REFUSED)
def test_refused_with_the_reason(now: datetime, text: str, key: str) -> None:
    found = read_when(text, now, STOCKHOLM)
    assert isinstance(found, Refusal)
    assert found.key == key
    assert found.say("sv", STOCKHOLM)  # every parameter its text needs


def test_the_dst_refusal_names_the_switch_and_a_time_that_works() -> None:
    found = read_when("2027-03-28 02:30", MONDAY, STOCKHOLM)
    assert isinstance(found, Refusal)
    said = found.say("sv", STOCKHOLM)
    assert "02:30 finns inte söndag 2027-03-28" in said
    assert "03:30" in said


def test_an_ambiguous_autumn_time_is_the_first_and_says_so() -> None:
    found = read_when("2027-10-31 02:30", MONDAY, STOCKHOLM)
    assert isinstance(found, When)
    offset = found.at.utcoffset()
    assert offset is not None
    assert offset.total_seconds() == 7200
    assert [note.key for note in found.notes] == ["when.note_ambiguous"]


def test_a_weekday_said_on_that_day_is_next_week() -> None:
    found = read_when("tisdag", TUESDAY, STOCKHOLM)
    assert isinstance(found, When)
    assert found.at.strftime("%Y-%m-%d") == "2026-12-01"
    today = read_when("idag", TUESDAY, STOCKHOLM)
    assert isinstance(today, When)
    assert today.at.strftime("%Y-%m-%d") == "2026-11-24"


@pytest.mark.parametrize("rest", ["02:30 gap", "2027 test", "över 15 x", "Lör 20 sep x", "kl 9"])
def test_leftovers_that_look_like_a_time(rest: str) -> None:
    assert looks_like_time(rest)


@pytest.mark.parametrize("rest", ["Ring SMHI", "Skicka lägesrapporten", "3 punkter", "i möte"])
def test_ordinary_text_is_not_a_time(rest: str) -> None:
    assert not looks_like_time(rest)


def test_parsing_stays_fast() -> None:
    phrases = [text for text, _ in READ] + [text for _, text, _ in REFUSED]
    for text in phrases:  # warm dateparser's caches
        read_when(text, MONDAY, STOCKHOLM)
    times = []
    for text in phrases * 10:
        start = clock.perf_counter()
        read_when(text, MONDAY, STOCKHOLM)
        times.append(clock.perf_counter() - start)
    assert statistics.median(times) < 0.005


# The table: several hundred phrases as people write them, with what they mean -----------

PHRASES = Path(__file__).with_name("when_phrases.txt")


@dataclass(frozen=True)
class Row:
    now: datetime
    phrase: str
    expected: datetime | None  # None: a careful reader would ask back
    line: int


def _local_time(text: str) -> datetime:
    """ "2026-11-24 09:00" in Stockholm; an hour the autumn switch repeats is the first."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=STOCKHOLM)


def _rows() -> list[Row]:
    rows: list[Row] = []
    now: datetime | None = None
    for number, raw in enumerate(PHRASES.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("   #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            now = _local_time(line[1:])
            continue
        phrase, expected = (part.strip() for part in line.rsplit("|", 1))
        assert now is not None, f"line {number}: no @ now above"
        rows.append(
            Row(now, phrase, None if expected == "refuse" else _local_time(expected), number)
        )
    return rows


ROWS = _rows()


def as_reminder(phrase: str, now: datetime) -> datetime | str:
    """What `!påminn <phrase> x` sets: the instant, or the key of the refusal. The same
    splitting as the command (the longest start that is a time, nothing time-like left in
    the text), and an instant already passed is refused as the command refuses it."""
    tail = f"{phrase} x"
    req = cast(Request, SimpleNamespace(tail=tail, now=now, zone=STOCKHOLM, language="sv"))
    try:
        when, _ = _split_when(req, tokenize(tail))
    except CommandError as refused:
        return refused.key
    if when.at < now:
        return "reminder_error.past"
    return when.at


def _measure() -> tuple[list[Row], list[tuple[Row, datetime | str]], list[tuple[Row, str]]]:
    right: list[Row] = []
    misread: list[tuple[Row, datetime | str]] = []
    refused: list[tuple[Row, str]] = []
    for row in ROWS:
        found = as_reminder(row.phrase, row.now)
        if isinstance(found, str):
            (right.append(row) if row.expected is None else refused.append((row, found)))
        elif row.expected is not None and found.astimezone(UTC) == row.expected.astimezone(UTC):
            right.append(row)
        else:
            misread.append((row, found))
    return right, misread, refused


def test_the_table_is_several_hundred_phrases_from_several_moments() -> None:
    assert len(ROWS) >= 400
    assert len({row.now for row in ROWS}) >= 6
    assert len({(row.now, row.phrase) for row in ROWS}) == len(ROWS), "a phrase twice"


def test_the_table_is_read_right_and_never_misread() -> None:
    right, misread, refused = _measure()
    shown = "\n".join(
        f"  line {row.line}: {row.phrase!r} at {row.now:%a %Y-%m-%d %H:%M} read as "
        f"{found if isinstance(found, str) else f'{found:%a %Y-%m-%d %H:%M %z}'}, "
        f"meant {'a refusal' if row.expected is None else f'{row.expected:%Y-%m-%d %H:%M}'}"
        for row, found in misread
    )
    assert not misread, f"{len(misread)} misread:\n{shown}"
    share = len(right) / len(ROWS)
    missed = "\n".join(f"  line {row.line}: {row.phrase!r}: {key}" for row, key in refused)
    assert share >= 0.9, f"{share:.1%} right; refused though meant:\n{missed}"
