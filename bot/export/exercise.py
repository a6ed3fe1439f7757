"""What an export says about an exercise: a picture, minutes or direction made during one
(``Exercises.of_work`` decides which) has its title begun with the exercise's marking
(``ÖVNING – …``), a metadata line naming the exercise, and its status ``Exercise``, as CAP
and EDXL mark one (``Actual`` otherwise): in the HTML's ``<meta name="status">``, and in
the JSON's ``status`` beside the exercise's name."""

from __future__ import annotations

from typing import Any

from commands.core.i18n import t

EXERCISE = "Exercise"
ACTUAL = "Actual"


def status(exercise: str | None) -> str:
    """CAP's and EDXL's status: ``Exercise`` or ``Actual``."""
    return EXERCISE if exercise is not None else ACTUAL


def marked_title(title: str, exercise: str | None, language: str) -> str:
    """``ÖVNING – <title>`` for an exercise's; ``title`` as it is otherwise."""
    if exercise is None:
        return title
    return t(language, "export_exercise.title", title=title)


def status_line(exercise: str | None, language: str) -> str | None:
    """``status: Exercise – övningen ”Snöoväder”`` under an exercise's title; None otherwise."""
    if exercise is None:
        return None
    return t(language, "export_exercise.status_line", status=EXERCISE, name=exercise)


def json_status(exercise: str | None) -> dict[str, Any]:
    """The JSON document's ``status`` and ``exercise`` (its name, or null)."""
    return {"status": status(exercise), "exercise": exercise}
