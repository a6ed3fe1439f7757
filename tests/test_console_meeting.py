"""A meeting in the terminal chat, through the real process: the minutes file is saved.

The terminal cannot show a file, so the full minutes the bot attaches are saved in
``samverkan-filer`` in the working directory and the message says where. Each run here starts
``samverkan-bot console`` in a directory of its own (the folder is relative to it), reusing the
reading helpers of ``tests/test_console.py``. The two independent runs start together; the
meeting goes on in a second process on the same database, as after a restart.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.environment import clean_env
from tests.support.pdf import pdf_as_line
from tests.test_console import POLICE, THURSDAY_1500, Session, split_messages

SCRIPT = Path(sys.executable).with_name("samverkan-bot")
FILES = "samverkan-filer"
MINUTES = "minnesanteckningar-samverkanskonferens-1.pdf"


class Console:
    """``samverkan-bot console`` in ``directory`` on its ``bot.db``, ``lines`` piped in."""

    def __init__(self, directory: Path, lines: tuple[str, ...], *args: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.db = directory / "bot.db"
        self.input = "".join(f"{line}\n" for line in lines).encode()
        self.process = subprocess.Popen(
            [str(SCRIPT), "console", "--db", str(self.db), "--now", THURSDAY_1500, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=directory,
            env=clean_env(),
        )

    def session(self) -> Session:
        out, err = self.process.communicate(self.input, timeout=60)
        stdout = out.decode("utf-8", errors="replace")
        stderr = err.decode("utf-8", errors="replace")
        return Session(self.process.returncode, stdout, stderr, split_messages(stdout), self.db)


BEFORE = (
    "#stab !forum koppla samverkanskonferens",
    f"#stab @anna/{POLICE}:",
    "!möte start Stormmöte",  # anna is no coordinator: refused
    "#stab @operator:",
    "!möte start Stormmöte",
    "@bo/Trafikverket: !info SMHI varnar för kraftig vind",
)
AFTER = (
    "#stab !beslut Polisen leder trafikinsatsen",
    "#stab !åtgärd Polisen Ta fram trafikplan senast fredag kl 12",
    "#stab @anna: !möte slut",  # not the chair: refused
    "#stab !möte slut",
    "#stab @bo: !protokoll",
)


def test_the_full_minutes_are_saved_and_the_message_says_where(tmp_path: Path) -> None:
    here, blocked = tmp_path / "here", tmp_path / "blocked"
    blocked.mkdir()
    (blocked / FILES).write_text("a file where the folder would go\n")
    first = Console(here, BEFORE)
    english = Console(
        blocked,
        (
            "!forum bind samverkanskonferens",
            "!forum language en",
            "!meeting start",
            "!info Short",
            "!meeting end",
        ),
        "--lang",
        "en",
    )
    started = first.session()
    failed = english.session()
    assert not (here / FILES).exists()  # nothing attached yet: no folder made
    # The meeting goes on in a new process (a restart) on the same database.
    ended = Console(here, AFTER).session()
    for session in (started, failed, ended):
        session.assert_clean_exit()

    assert "möte 1 har börjat" in started.one("Stormmöte").text

    refused, end, again = (m.text for m in ended.messages[2:])
    assert "Bara mötets ordförande" in refused
    assert "Bifogad fil" not in refused
    assert "Möte 1 avslutat 2026-11-26 15:00." in end
    assert "Förkortat: 1 informationspunkt" in end
    assert "SMHI varnar" not in end
    saved = Path(FILES) / MINUTES
    assert end.endswith(f"\nBifogad fil sparad: {saved}"), end
    assert again.endswith(f"\nBifogad fil sparad: {saved}"), again
    # Saved where it says; the same name again overwrote it.
    assert [path.name for path in (here / FILES).iterdir()] == [MINUTES]
    full = pdf_as_line((here / saved).read_bytes())
    assert full.startswith("Minnesanteckningar – Regional samverkanskonferens, möte 1")
    assert "SMHI varnar för kraftig vind" in full  # noted before the restart
    assert "Polisen leder trafikinsatsen" in full
    assert "Åtgärder per ansvarig" in full
    assert "Ta fram trafikplan" in full

    # Where the folder cannot be made, the minutes still arrive, and the message says so.
    minutes = failed.one("Meeting 1 ended").text
    assert f"\nThe attached file could not be saved as {Path(FILES)}/" in minutes
    assert (blocked / FILES).read_text() == "a file where the folder would go\n"
