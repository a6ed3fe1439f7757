"""The terminal chat through the real process, as a user meets it.

Every test starts ``samverkan-bot console`` (``python -m bot.cli``, once the installed
``samverkan-bot`` script) in a child process, pipes lines into it, and reads what the user
would read: bot messages printed as ``── #channel HH:MM ──`` blocks. Process starts cost about
a second each, so the scenarios are few and long, and the piped runs are started together,
once per module.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.environment import clean_env

REPO = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("samverkan-bot")
THURSDAY_1500 = "2026-11-26 15:00"
THURSDAY_1630 = "2026-11-26 16:30"
POLICE = "Polisen Region Stockholm"
# The console's clock at the message: pinned by --now, moved by ~tid.
HEADER = re.compile(r"^── #(?P<channel>\S+) (?P<time>\d\d:\d\d) ──\n", re.MULTILINE)


@dataclass(frozen=True)
class Message:
    channel: str
    text: str
    time: str = field(default="", compare=False)


@dataclass(frozen=True)
class Session:
    returncode: int
    stdout: str
    stderr: str
    messages: list[Message]
    db: Path

    def in_channel(self, channel: str) -> list[str]:
        return [m.text for m in self.messages if m.channel == channel]

    def containing(self, fragment: str) -> list[Message]:
        return [m for m in self.messages if fragment in m.text]

    def one(self, fragment: str) -> Message:
        found = self.containing(fragment)
        assert len(found) == 1, f"{len(found)} messages contain {fragment!r}:\n{self.stdout}"
        return found[0]

    def assert_clean_exit(self) -> None:
        assert self.returncode == 0, self.stderr
        for stream in (self.stdout, self.stderr):
            assert "Traceback" not in stream, stream
            assert "Något gick fel hos mig" not in stream, stream
        # Only warnings may reach standard error in the terminal chat.
        assert " ERROR " not in self.stderr, self.stderr


def split_messages(stdout: str) -> list[Message]:
    """``── #channel HH:MM ──\\n<text>\\n\\n`` blocks as (channel, text, time); nothing else
    may be printed."""
    stdout = stdout.replace("\r\n", "\n")
    headers = list(HEADER.finditer(stdout))
    before = stdout[: headers[0].start()] if headers else stdout
    assert before == "", f"output outside a message block: {before!r}"
    messages = []
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        end = following.start() if following else len(stdout)
        body = stdout[header.end() : end]
        assert body.endswith("\n\n"), f"a message block must end with a blank line: {body!r}"
        messages.append(Message(header["channel"], body[:-2], header["time"]))
    return messages


@dataclass(frozen=True)
class Run:
    """A piped console run: the lines typed, the pinned time, extra options."""

    lines: tuple[str, ...] | bytes
    now: str | None = THURSDAY_1500
    args: tuple[str, ...] = ()
    script: bool = False  # the installed ``samverkan-bot`` rather than ``python -m bot.cli``


class Piped:
    """The console started on ``db`` with the run's lines written to it; ``session()`` waits."""

    def __init__(self, db: Path, run: Run) -> None:
        program = [str(SCRIPT)] if run.script else [sys.executable, "-m", "bot.cli"]
        command = [*program, "console", "--db", str(db), *run.args]
        if run.now is not None:
            command += ["--now", run.now]
        self.db = db
        self.input = (
            run.lines
            if isinstance(run.lines, bytes)
            else "".join(f"{line}\n" for line in run.lines).encode()
        )
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env=clean_env(),
        )

    def session(self) -> Session:
        try:
            out, err = self.process.communicate(self.input, timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise
        stdout = out.decode("utf-8", errors="replace")
        stderr = err.decode("utf-8", errors="replace")
        return Session(self.process.returncode, stdout, stderr, split_messages(stdout), self.db)


def console(db: Path, run: Run) -> Session:
    return Piped(db, run).session()


# The piped runs of this module, started together on first use: a process start costs about a
# second of imports, and the runs are independent. Each scenario below adds its runs.
RUNS: dict[str, Run] = {}


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Session]:
    base = tmp_path_factory.mktemp("console")
    started = {name: Piped(base / name / "bot.db", run) for name, run in RUNS.items()}
    return {name: piped.session() for name, piped in started.items()}


# -- 1. A full activation round ---------------------------------------------------------------

ROUND = (
    "#stab",
    "!forum koppla samverkanskonferens",
    f"@anna/{POLICE}: !aktör {POLICE}",
    "@bo: !aktör SOS Alarm",
    "#ledning !forum koppla samverkanskonferens",
    "!aktivera Storm Dagmar kalla: Polisen, SOS Alarm",
    "#ledning @anna: !kvittera",
    "@bo: !kvittera",
    "@bo: !kvittera",
    "!status",
    "!avaktivera Elen åter",
    "#ledning !status",
)
RUNS["round"] = Run(ROUND)


# -- 1b. Situation reports: several lines, a form, the joint picture ----------------------------

REPORTS = (
    "#stab",
    "!forum koppla samverkanskonferens",
    f"@anna/{POLICE}: !läge Stormen har passerat.\\",
    "Konsekvenser: många larm om träd över väg\\",
    "  i norra länet\\",
    "Behov: röjning på väg 76",
    "@bo/SOS Alarm:",
    "!läge formulär",
    "Högt tryck på 112",
    "-",
    "Extra operatörer inkallade",
    "-",
    "-",
    "Ring 112 bara vid nöd",
    "Lugnare i kväll",
    "@operator: !lägesbild",
    "!saknas",
)
RUNS["reports"] = Run(REPORTS)


def test_a_report_over_several_lines_a_form_and_the_picture(
    sessions: dict[str, Session],
) -> None:
    session = sessions["reports"]
    session.assert_clean_exit()
    saved = session.one("Lägesrapport från Polisen Region Stockholm sparad")
    # The backslash ends a line of the same message: the lines after a label continue it.
    assert "Läge: Stormen har passerat." in saved.text
    assert "Konsekvenser / påverkan: många larm om träd över väg\n    i norra länet" in saved.text
    assert "Behov av samverkan / stöd: röjning på väg 76" in saved.text
    assert session.one("1/7 Läge").channel == "stab"
    assert session.one("7/7 Prognos").channel == "stab"
    form = session.one("Lägesrapport från SOS Alarm sparad")
    assert "Vidtagna åtgärder: Extra operatörer inkallade" in form.text
    assert "Konsekvenser" not in form.text  # skipped with "-"
    picture = session.one("Samlad lägesbild – Regional samverkanskonferens")
    assert "2 av 37 organisationer har rapporterat." in picture.text
    assert "Polisen Region Stockholm: röjning på väg 76" in picture.text
    assert "SOS Alarm: Ring 112 bara vid nöd" in picture.text
    missing = session.one("Saknade lägesrapporter")
    assert "35 av 37 organisationer har inte rapporterat" in missing.text
    assert "SOS Alarm" not in missing.text


def test_activation_round_calls_out_in_every_channel_of_the_forum(
    sessions: dict[str, Session],
) -> None:
    session = sessions["round"]
    session.assert_clean_exit()

    bound = "Kanalen är nu kopplad till Regional samverkanskonferens."
    assert session.in_channel("stab")[0].startswith(bound)
    assert session.in_channel("ledning")[0].startswith(bound)
    assert session.one("bo är nu registrerad som företrädare för SOS Alarm.").channel == "stab"

    found = session.containing("INKALLNING – Regional samverkanskonferens är aktiverad")
    # The call-out, and each acknowledgement's update of it (an edit in a chat).
    callouts = [m for m in found if "(uppdaterat)" not in m.text]
    assert sorted(m.channel for m in callouts) == ["ledning", "stab"]
    updates = [m for m in found if "(uppdaterat)" in m.text]
    assert "SOS Alarm: @bo – ✅ kvitterat 15:00 (bo)" in updates[-1].text
    for callout in callouts:
        assert "Anledning: Storm Dagmar" in callout.text
        assert "Aktiverades av operator 2026-11-26 15:00." in callout.text
        assert "Inkallade (2 organisationer):" in callout.text
        assert f"  • {POLICE}: @anna" in callout.text
        assert "  • SOS Alarm: @bo" in callout.text
        assert "Kvittera med !kvittera." in callout.text
    assert callouts[0].text == callouts[1].text

    anna_ack = session.one(f"Kvittens från {POLICE} (anna) 15:00")
    assert anna_ack.channel == "ledning"
    assert "1 av 2 inkallade organisationer har kvitterat." in anna_ack.text
    bo_ack = session.one("Kvittens från SOS Alarm (bo) 15:00")
    assert bo_ack.channel == "stab"
    assert "2 av 2 inkallade organisationer har kvitterat." in bo_ack.text
    assert "Alla inkallade har kvitterat" in bo_ack.text
    again = session.one("SOS Alarm har redan kvitterat")
    assert again.channel == "stab"
    assert "(bo 15:00)" in again.text

    status = session.one("Läge: aktiverat läge")
    assert status.channel == "stab"
    assert status.text.startswith("Status för Regional samverkanskonferens")
    assert "Anledning: Storm Dagmar" in status.text
    assert "Har kvitterat (2):" in status.text
    assert f"  • {POLICE} – anna 15:00 (+0 min)" in status.text
    assert "  • SOS Alarm – bo 15:00 (+0 min)" in status.text
    assert "Har inte kvitterat" not in status.text

    found = session.containing("Regional samverkanskonferens är avaktiverad")
    summaries = [m for m in found if "(uppdaterat)" not in m.text]
    assert sorted(m.channel for m in summaries) == ["ledning", "stab"]
    # The call-out in each channel says it has ended.
    ended = [m for m in found if "INKALLNING (avslutad)" in m.text]
    assert sorted(m.channel for m in ended) == ["ledning", "stab"]
    for summary in summaries:
        assert "Sammanfattning: Elen åter" in summary.text
        assert "Kvittenser: 2 av 2 inkallade" in summary.text
        assert "Avaktiverades av: operator" in summary.text
        assert "Forumet är tillbaka i ordinarie läge." in summary.text

    after = session.in_channel("ledning")[-1]
    assert "Ingen pågående aktivering." in after
    assert "Senaste aktiveringen: Storm Dagmar (2026-11-26 15:00 – 2026-11-26 15:00)." in after

    # One message per command typed, plus the forum-wide posts of the second binding, the
    # call-out and the stand-down to the other channel: nothing lost, nothing doubled.
    # And each change to the call-out reprinted in both channels (a chat edits it in place):
    # two acknowledgements and the stand-down.
    typed = sum(1 for line in ROUND if "!" in line)
    reprinted = [m for m in session.messages if m.text.startswith("(uppdaterat)\nINKALLNING")]
    assert len(reprinted) == 3 * 2
    assert len(session.messages) == typed + 3 + len(reprinted)
    [announced] = session.containing("har kopplat #ledning på terminalen till")
    assert announced.channel == "stab"


def test_first_registration_through_the_prefix_is_not_called_a_repeat(
    sessions: dict[str, Session],
) -> None:
    """``@anna/Polisen…: !aktör Polisen…`` is anna's first line: she was not registered before.

    The console's organisation hint is applied before the command runs, so ``!aktör`` finds
    her registered already, answers "anna är redan registrerad", and never says that Polisen now
    takes part in the forum.
    """
    reply = sessions["round"].in_channel("stab")[1]
    assert reply.startswith(f"anna är nu registrerad som företrädare för {POLICE}."), reply


# -- 2. Persistence across processes ----------------------------------------------------------

RUNS["persist"] = Run(
    (
        "#stab !forum koppla samverkanskonferens",
        f"#stab @anna/{POLICE}: !aktör",
        "#stab !aktivera Storm Dagmar kalla: Polisen",
    )
)


def test_an_activation_survives_a_restart(sessions: dict[str, Session]) -> None:
    first = sessions["persist"]
    first.assert_clean_exit()
    assert first.one("INKALLNING").channel == "stab"

    second = console(
        first.db,
        Run(
            ("#stab !status", "#stab @anna: !kvittera", "#stab !aktivera Något nytt"),
            now=THURSDAY_1630,
        ),
    )
    second.assert_clean_exit()
    status = second.one("Läge: aktiverat läge")
    ack = second.one("Kvittens från")
    refused = second.one("är redan aktiverad sedan")
    # The re-calls fell due while no bot ran: reported as missed, not silently dropped.
    assert "påminnelse om inkallning" in second.one("kom aldrig fram").text
    assert status.channel == "stab"
    assert "Läge: aktiverat läge" in status.text
    assert "Anledning: Storm Dagmar" in status.text
    assert "Sedan: 2026-11-26 15:00 (1 h 30 min)" in status.text
    assert f"Har inte kvitterat (1):\n  • {POLICE}" in status.text
    # anna's organisation was remembered too.
    assert ack.text.startswith(
        f"Kvittens från {POLICE} (anna) 16:30, 1 h 30 min efter aktiveringen."
    )
    assert "Regional samverkanskonferens är redan aktiverad sedan 2026-11-26 15:00." in (
        refused.text
    )


# -- 3. English --------------------------------------------------------------------------------

RUNS["english"] = Run(
    (
        "!help",
        "!flurp",
        "#stab !forum bind samverkanskonferens",
        "#stab !forum",
        "#stab !forum språk en",
        "#stab !forum",
        "#stab !flurp",
        "#stab !status",
        "#stab !activate",
    ),
    args=("--lang", "en"),
)


def test_lang_en_answers_in_english_and_a_forum_can_switch_to_english(
    sessions: dict[str, Session],
) -> None:
    english = sessions["english"]
    english.assert_clean_exit()
    (help_, unknown, bound, swedish, switched, forum, unknown_here, status, missing) = (
        english.messages
    )
    assert help_.channel == "konsol"
    assert help_.text.startswith("Commands you can use here")
    assert "  • !forum list – Lists every forum." in help_.text
    assert "!help <command>" in help_.text
    assert "Kommandon" not in help_.text
    assert unknown.text == "There is no command “flurp”.\nType !help to see what you can do here."
    assert bound.text.startswith("This channel is now bound to Regional samverkanskonferens.")

    # The seeded forum speaks Swedish until a coordinator switches it.
    assert "Språk: svenska" in swedish.text
    assert switched.text == "Regional samverkanskonferens now uses English."
    assert "Next meeting: Thursday 2026-11-26 16:00" in forum.text
    assert "Language: English" in forum.text
    assert unknown_here.channel == "stab"
    assert unknown_here.text.startswith("There is no command “flurp”.")
    assert status.text.startswith("Status of Regional samverkanskonferens")
    assert "No activation in progress." in status.text
    assert "!activate <reason>" in missing.text


def test_english_help_shows_english_command_names(sessions: dict[str, Session]) -> None:
    help_ = sessions["english"].messages[0].text
    names = re.findall(r"^  • (!\S+(?: [a-z]+)?)", help_, re.MULTILINE)
    assert "!status" in names, help_
    for name in names:
        assert not re.search("[åäö]", name), f"{name} is not English:\n{help_}"


# -- 4. The pinned clock -----------------------------------------------------------------------

RUNS["at-three"] = Run(
    (
        "#stab !forum koppla samverkanskonferens",
        "#stab !forum",
        f"#stab @anna/{POLICE}: !aktör",
        "#stab !aktivera Övning",
        "#stab @anna: !kvittera",
    )
)
RUNS["half-past-four"] = Run(
    ("#stab !forum koppla samverkanskonferens", "#stab !forum"), now=THURSDAY_1630
)


def test_now_pins_the_clock(sessions: dict[str, Session]) -> None:
    at_three = sessions["at-three"]
    at_three.assert_clean_exit()
    forum = at_three.messages[1].text
    assert forum.startswith("Regional samverkanskonferens\n")
    assert "Nästa möte: torsdag 2026-11-26 16:00" in forum
    assert "Läge: ordinarie läge sedan 2026-11-26 15:00" in forum
    callout = at_three.containing("INKALLNING")[0]
    assert "Aktiverades av operator 2026-11-26 15:00." in callout.text
    assert (
        f"Kvittens från {POLICE} (anna) 15:00, mindre än en minut efter"
        in at_three.one("Kvittens från").text
    )

    half_past_four = sessions["half-past-four"]
    half_past_four.assert_clean_exit()
    assert "Nästa möte: torsdag 2026-12-03 16:00" in half_past_four.messages[1].text


# -- 5. Bad input ------------------------------------------------------------------------------

LONG_LINE = "!aktivera " + "x" * (10_000 - len("!aktivera "))
RUNS["bad-input"] = Run(
    (
        "!flurp",
        "!",
        LONG_LINE,
        "!hjälp\x07",
        "#stab !forum koppla samverkanskonferens",
        "#stab @x/Nope: !kvittera",
        "#stab @eve: !aktivera x",
        "!kvitera",
        "#stab @x: !aktör",
        "#stab !status",
        "hej, det här är inget kommando",
        "!forum lista",
    )
)


def test_bad_input_gets_clear_answers_and_the_console_keeps_going(
    sessions: dict[str, Session],
) -> None:
    assert len(LONG_LINE) == 10_000
    session = sessions["bad-input"]
    session.assert_clean_exit()
    texts = [m.text for m in session.messages]
    assert len(texts) == 11, session.stdout  # the plain line gets no answer
    (
        unknown,
        empty,
        too_long,
        control,
        bound,
        no_org,
        not_allowed,
        suggestion,
        x_unchanged,
        status,
        forums,
    ) = texts
    assert unknown.startswith("Det finns inget kommando ”flurp”.")
    assert "!hjälp" in unknown
    assert empty.startswith("Det står inget kommando efter utropstecknet.")
    assert "Meddelandet är för långt (10000 tecken; högst 4000). Inget har ändrats." in too_long
    assert "styrtecken (U+0007)" in control
    assert "Inget har ändrats." in control
    assert bound.startswith("Kanalen är nu kopplad till Regional samverkanskonferens.")
    assert "Jag känner inte till någon organisation ”Nope”." in no_org
    assert "!aktör Polisen Region Stockholm" in no_org
    assert "!aktivera <anledning> kräver rollen koordinator" in not_allowed
    assert "Inget har ändrats." in not_allowed
    assert suggestion == "Det finns inget kommando ”kvitera”. Menade du !kvittera?"
    # Nothing that was refused left a trace.
    assert x_unchanged.startswith("Du har inte sagt vilken organisation du företräder.")
    assert "Ingen pågående aktivering." in status
    assert "4. Regional samverkanskonferens – regionalt samordnande, ordinarie läge" in forums
    assert [m.channel for m in session.messages][4:7] == ["stab", "stab", "stab"]


RUNS["latin-1"] = Run(
    (
        "#stab !forum koppla samverkanskonferens\n"
        "#stab @\xe5sa/Polisen: !kvittera\n"
        "#st\xe5b !status\n"
        "!forum lista\n"
    ).encode("latin-1")
)


def test_undecodable_bytes_in_the_line_prefix_get_an_answer_not_an_internal_error(
    sessions: dict[str, Session],
) -> None:
    """A Latin-1 terminal or file: ``@åsa:`` arrives as the bytes ``@\\xe5sa:``.

    Python reads the byte as a lone surrogate. The text after the prefix is checked for such
    characters, but the person and channel names are not, and the database cannot store them:
    "Något gick fel hos mig" and a traceback on standard error, for a user's mistake.
    """
    session = sessions["latin-1"]
    assert session.returncode == 0
    assert len(session.messages) == 4, session.stdout
    for message in session.messages[1:3]:
        assert "Något gick fel hos mig" not in message.text, message.text
    assert "Traceback" not in session.stderr, session.stderr
    assert session.messages[3].text.startswith("Forum\n")


# -- 6. Switching channel and person with a bare prefix ------------------------------------------

RUNS["prefix"] = Run(
    (
        f"#ledning @anna/{POLICE}:",
        "!aktör",
        "!forum koppla samverkanskonferens",
        "@operator:",
        "!forum koppla samverkanskonferens",
        "#konsol",
        "!aktör",
    ),
    script=True,
)


def test_a_bare_prefix_switches_channel_and_person_for_the_lines_after(
    sessions: dict[str, Session],
) -> None:
    session = sessions["prefix"]
    session.assert_clean_exit()
    anna, anna_refused, bound, operator = session.messages
    # anna's first line: she is registered by the prefix, or was already.
    assert anna.channel == "ledning"
    assert re.fullmatch(
        f"(Du företräder|anna är nu registrerad som företrädare för) {POLICE}\\.(\n.*)?",
        anna.text,
        re.DOTALL,
    ), anna.text
    assert anna_refused.channel == "ledning"
    assert "Bara en koordinator för Regional samverkanskonferens" in anna_refused.text
    assert bound == Message(
        "ledning",
        "Kanalen är nu kopplad till Regional samverkanskonferens.\n"
        "Aktörernas företrädare säger vem de företräder med !aktör <organisation>.",
    )
    assert operator.channel == "konsol"
    assert operator.text.startswith("Du har inte sagt vilken organisation du företräder.")


# -- 7. Interactive, on a terminal: tests/test_console_interactive.py (in tmux).
