"""Who is on duty (TiB and RSK), as the duty roster (``!beredskap``) and the green button
(``!begär aktivering``) both read it: the duty roles by the words people write, their
names in the catalogue, and the people on duty now."""

from __future__ import annotations

from datetime import datetime, timedelta

from commands.core.i18n import t
from storage import Store
from storage.duty import OnDuty
from storage.models import Duty, Person

# A request for activation not answered within this long lapses: the next one is new, and
# reaches the duty officers again (until then, repeats are added to it); an activation
# started meanwhile answers it (and is linked to the activation it was asked for from).
REQUEST_OPEN = timedelta(hours=6)

# The roles in the order they are shown: the RSK drives the forum's work, the TiB decides.
DUTIES = (Duty.RSK, Duty.TIB)
# The words that name a role (folded: case and accents do not count).
DUTY_WORDS = {"rsk": Duty.RSK, "tib": Duty.TIB}


def short_name(language: str, duty: Duty) -> str:
    """``RSK``, ``TiB``."""
    return t(language, f"duty.short.{duty.value}")


def long_name(language: str, duty: Duty) -> str:
    """``regional samverkanskoordinator i beredskap``."""
    return t(language, f"duty.long.{duty.value}")


def on_duty_now(store: Store, now: datetime) -> list[OnDuty]:
    """Who holds each duty role at ``now`` (by take-over or rota), RSK first; the roles
    nobody holds are left out."""
    found = (store.duties.on_duty(duty, now) for duty in DUTIES)
    return [held for held in found if held is not None]


def people_on_duty(held: list[OnDuty]) -> list[tuple[Person, list[Duty]]]:
    """Each person on duty once, with the roles they hold (one person may hold both)."""
    people: dict[int | None, tuple[Person, list[Duty]]] = {}
    for shift in held:
        people.setdefault(shift.person.id, (shift.person, []))[1].append(shift.duty)
    return list(people.values())
