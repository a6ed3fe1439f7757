"""The terminal's clock: ``~tid`` jumps it forward and what falls due on the way goes out in
order, each at its own time, through the real console process."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import Run, console


def test_a_week_of_reminders_in_one_jump(tmp_path: Path) -> None:
    session = console(
        tmp_path / "bot.db",
        Run(
            (
                "!forum koppla samverkanskonferens",
                "!påminn varje torsdag 16:00 Samverkanskonferensen börjar",
                "!påminn imorgon kl 9 Ring SMHI",
                "~tid 2026-12-04 12:00",
                "!påminnelser",
            )
        ),
    )
    session.assert_clean_exit()
    bodies = [m.text for m in session.messages]
    fired = [
        m for m in session.messages if m.text.startswith("Påminnelse") and "från operator" in m.text
    ]
    # Each went out at its own time, which its header line shows as a chat client would.
    assert [(m.time, m.text.splitlines()[1]) for m in fired] == [
        ("16:00", "Samverkanskonferensen börjar"),  # Thursday 26 November
        ("09:00", "Ring SMHI"),  # Friday
        ("16:00", "Samverkanskonferensen börjar"),  # Thursday 3 December
    ]
    assert session.messages[0].time == "15:00"  # --now
    assert session.one("Klockan är nu").time == "12:00"
    assert "Klockan är nu fredag 2026-12-04 12:00." in bodies
    assert "#1 torsdag 2026-12-10 16:00 (varje vecka): Samverkanskonferensen börjar" in (
        session.one("påminnelse i kanalen").text
    )


def test_across_the_autumn_switch_a_weekly_reminder_stays_at_16_local(tmp_path: Path) -> None:
    session = console(
        tmp_path / "bot.db",
        Run(
            (
                "!påminn varje torsdag 16:00 Konferensen",
                "~tid 2026-10-30 08:00",  # over Sunday 25 October's switch
                "!påminnelser",
                "~tid i förrgår",
            ),
            now="2026-10-20 10:00",
        ),
    )
    session.assert_clean_exit()
    assert "#1 torsdag 2026-11-05 16:00 (varje vecka): Konferensen" in (
        session.one("påminnelse i kanalen").text
    )
    assert "Klockan är nu fredag 2026-10-30 08:00." in [m.text for m in session.messages]
    refused = session.one("~tid behöver en tid framåt")
    assert "”i förrgår” gick inte" in refused.text
